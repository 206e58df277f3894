/*
** result.c: the measure and curve tables behind result.h. Lives in core so that store
** (which writes results) and run (which produces them) share it without
** depending on each other.
*/
#include "richlazy/result.h"

#include <assert.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#define RL_M(name, units, long_name) {#name, units, long_name},
static const rl_measure_info measures[RL_NMEASURES] = {
#include "richlazy/measures.def"
};
#undef RL_M

#define RL_C(name, units, long_name) {#name, units, long_name},
static const rl_measure_info curves[RL_NCURVES] = {
#include "richlazy/curves.def"
};
#undef RL_C

/*
** Short names for axis labels and CF long_names (measures.def keeps the formula,
** which the results file carries as `comment`). Indexed by the measures.def enum,
** so a measure added there without a title here is caught by the tests (NULL).
*/
static const char *const titles[RL_NMEASURES] = {
    [RL_MEASURE_weight_change] = "weight change ‖ΔW_h‖_F (Eq. 4)",
    [RL_MEASURE_weight_change_all] = "weight change of all parameters ‖Δθ‖ (Eq. 4)",
    [RL_MEASURE_weight_change_rel] = "relative weight change ‖ΔW_h‖_F / ‖W_h(0)‖_F",
    [RL_MEASURE_rep_alignment] = "representation alignment (Eq. 5)",
    [RL_MEASURE_kernel_alignment] = "kernel alignment (Eq. 6)",
    [RL_MEASURE_kernel_task_alignment] = "kernel-task alignment of K(T)",
    [RL_MEASURE_kernel_eff_rank] = "effective rank of K(T)",
    [RL_MEASURE_kernel_task_alignment_init] = "kernel-task alignment of K(0)",
    [RL_MEASURE_kernel_eff_rank_init] = "effective rank of K(0)",
    [RL_MEASURE_final_loss] = "final loss",
    [RL_MEASURE_final_accuracy] = "final accuracy",
    [RL_MEASURE_initial_loss] = "initial loss",
    [RL_MEASURE_eff_rank_eig] = "effective rank of W_h(0) (eigenvalues)",
    [RL_MEASURE_eff_rank_sv] = "effective rank of W_h(0) (singular values)",
    [RL_MEASURE_spectral_radius] = "spectral radius of W_h(0)",
    [RL_MEASURE_diverged_step] = "iteration at which training diverged",
    [RL_MEASURE_iterations_trained] = "training iterations run",
    [RL_MEASURE_criterion_reached] = "stop criterion reached",
    [RL_MEASURE_train_seconds] = "training time",
    [RL_MEASURE_measure_seconds] = "time of the measures",
};

/* The two-layer linear network has W1 where the RNN has W_h (linear2.c: Eq. 4 on W1). */
static const char *const titles_linear2[RL_NMEASURES] = {
    [RL_MEASURE_weight_change] = "weight change ‖ΔW1‖_F (Eq. 4)",
    [RL_MEASURE_weight_change_rel] = "relative weight change ‖ΔW1‖_F / ‖W1(0)‖_F",
    [RL_MEASURE_eff_rank_sv] = "effective rank of W1(0) (singular values)",
};

/* Where measures.def's text is not the whole truth (it may not change: journals index it). */
static const char *const comments[RL_NMEASURES] = {
    [RL_MEASURE_diverged_step] = "iteration at which the loss or the weights became non-finite; "
                                 "NaN (model.kind rnn) or -1 (linear2) when the item did not "
                                 "diverge",
};

static const char *const curve_titles[RL_NCURVES] = {
    [RL_CURVE_loss_curve] = "training loss",
    [RL_CURVE_kernel_alignment_curve] = "kernel alignment KA(K(0), K(t)) (Eq. 6)",
    [RL_CURVE_kernel_task_alignment_curve] = "kernel-task alignment of K(t)",
    [RL_CURVE_kernel_eff_rank_curve] = "effective rank of K(t)",
};

const char *rl_measure_title(rl_measure m, bool linear2)
{
    if ((unsigned)m >= RL_NMEASURES) return NULL;
    return linear2 && titles_linear2[m] ? titles_linear2[m] : titles[m];
}

const char *rl_measure_comment(rl_measure m)
{
    if ((unsigned)m >= RL_NMEASURES) return NULL;
    return comments[m] ? comments[m] : measures[m].long_name;
}

const char *rl_curve_title(rl_curve c)
{
    return (unsigned)c < RL_NCURVES ? curve_titles[c] : NULL;
}

const rl_measure_info *rl_measure_get(rl_measure m)
{
    return (unsigned)m < RL_NMEASURES ? &measures[m] : NULL;
}

const rl_measure_info *rl_curve_get(rl_curve c)
{
    return (unsigned)c < RL_NCURVES ? &curves[c] : NULL;
}

void rl_result_clear(rl_result *r, uint64_t item)
{
    memset(r, 0, sizeof *r);
    r->item = item;
    r->status = RL_ITEM_PENDING;
    for (int m = 0; m < RL_NMEASURES; m++)
        r->measure[m] = NAN;
    for (int c = 0; c < RL_NCURVES; c++)
        for (int k = 0; k < RL_CURVE_MAX; k++)
            r->curve[c][k] = NAN;
}

size_t rl_result_pack(const rl_result *r, unsigned char *buf)
{
    assert(r->n_curve <= RL_CURVE_MAX); /* else the copy runs past r->curve[c] and buf */
    size_t head = offsetof(rl_result, curve), at = head;
    size_t curve = (size_t)(r->n_curve < 0 ? 0 : r->n_curve) * sizeof(float);
    size_t reason = strnlen(r->reason, RL_REASON_MAX - 1);
    memcpy(buf, r, head);
    for (int c = 0; c < RL_NCURVES; c++, at += curve)
        memcpy(buf + at, r->curve[c], curve);
    memcpy(buf + at, r->reason, reason);
    return at + reason;
}

bool rl_result_unpack(const unsigned char *buf, size_t n, rl_result *r)
{
    size_t head = offsetof(rl_result, curve), at = head;
    if (n < head) return false;
    rl_result_clear(r, 0);
    memcpy(r, buf, head);
    if (r->n_curve < 0 || r->n_curve > RL_CURVE_MAX) return false;
    size_t curve = (size_t)r->n_curve * sizeof(float);
    if (n < head + RL_NCURVES * curve || n - head - RL_NCURVES * curve >= RL_REASON_MAX)
        return false;
    for (int c = 0; c < RL_NCURVES; c++, at += curve)
        memcpy(r->curve[c], buf + at, curve);
    memcpy(r->reason, buf + at, n - at);
    return true;
}

const char *rl_item_status_name(rl_item_status s)
{
    static const char *const names[] = {"pending", "done", "diverged", "failed"};
    return (unsigned)s < 4 ? names[s] : "unknown";
}
