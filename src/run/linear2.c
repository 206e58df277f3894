/*
** linear2.c: the runner of model.kind linear2 — the two-layer linear network of
** the theory from its initialisation to its measures (module: run; the network is
** model's linear2.h, the teacher task task.h's rl_task_teacher).
** Why here: one item end to end is run's job for every model kind (runner.h), and
** the measures are the metrics module's (Eq. 5 on the hidden layer, Eq. 6 on the
** Eq. 7 kernels), so the linear theory and the RNN sweeps share one definition.
** Init (stream "linear.init" keyed by the item seed, so every init kind and rank of
** one seed shares its draws): W1(0), W2(0) with ||W1(0)||_F = ||W2(0)|| = sigma,
**   random   a Gaussian N x d matrix truncated to rank linear.rank (0 = full) by SVD;
**   aligned  Prop. 1: W1 = sigma e_1 b^T / ||b||, b = F^T beta the effective teacher;
**   partial  rows i < d/2 of W1 are kappa v_i^T (F_h = U_h K_h V_h^T without U_h,
**            a rotation of the hidden layer, which the dynamics are equivariant to).
** Training: linear.steps full-batch GD steps at linear.lr; no checkpoints (seconds).
*/
#include "runner.h"

#include "richlazy/linear2.h"
#include "richlazy/metrics.h"
#include "richlazy/rng.h"
#include "richlazy/task.h"

#include <lapacke.h>
#include <math.h>
#include <string.h>

/* ---- the checks (data-free: plan runs them) ---- */

/* The init's own rules; messages name the parameter so plan points at its YAML value. */
static rl_code check_init(const rl_params *p, rl_status *st)
{
    long n = p->model.hidden, d = p->linear.d, k = n < d ? n : d, h = d / 2;
    const char *kind = p->linear.init;
    RL_CHECK_PARAM(
        strcmp(kind, "random") != 0 || p->linear.rank <= k, st, "linear.rank linear.d model.hidden",
        "linear.rank = %ld exceeds min(model.hidden, linear.d) = %ld; valid: 0 (full) to %ld",
        p->linear.rank, k, k);
    RL_CHECK_PARAM(
        strcmp(kind, "partial") != 0 || (h >= 1 && n >= h), st, "linear.init linear.d model.hidden",
        "linear.init = partial needs linear.d >= 2 and model.hidden >= linear.d/2 (got d = "
        "%ld, N = %ld); valid: a larger d or N, or another init",
        d, n);
    return RL_OK;
}

rl_code rl_run_linear2_check(const rl_params *p, rl_status *st)
{
    RL_CHECK_PARAM(
        p->train.stop_loss == 0, st, "train.stop_loss model.kind",
        "train.stop_loss = %g is not supported with model.kind = linear2; valid: 0 (off)",
        p->train.stop_loss);
    RL_CHECK_PARAM(
        p->train.stop_accuracy == 0, st, "train.stop_accuracy model.kind",
        "train.stop_accuracy = %g is not supported with model.kind = linear2 (a regression "
        "on its training set); valid: 0 (off)",
        p->train.stop_accuracy);
    RL_TRY(rl_task_teacher_check(p, st));
    return check_init(p, st);
}

/* ---- initialisation ---- */

static void scale_to(double *a, size_t n, double target)
{
    double s = rl_linear2_norm(a, n);
    for (size_t i = 0; i < n && s > 0.0; i++)
        a[i] *= target / s;
}

/* Thin SVD of a (rows x cols, destroyed): s (k), u (rows x k), vt (k x cols), k = min. */
static rl_code svd(double *a, int rows, int cols, double *s, double *u, double *vt, rl_status *st)
{
    int k = rows < cols ? rows : cols;
    lapack_int info = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', rows, cols, a, cols, s, u, k, vt, cols);
    RL_CHECK(info == 0, st, RL_EBUG, "linear2: LAPACK SVD failed (info %d) on %d x %d", (int)info,
             rows, cols);
    return RL_OK;
}

/* W1 <- the rank-r truncation of g (n x d, destroyed) by SVD; r = min(n, d) keeps g. */
static rl_code truncate_rank(double *g, int n, int d, int r, double *w1, rl_status *st)
{
    int k = n < d ? n : d;
    if (r == k) {
        memcpy(w1, g, (size_t)n * d * sizeof *w1);
        return RL_OK;
    }
    double *s = rl_alloc((size_t)k + (size_t)n * k + (size_t)k * d, sizeof *s, st);
    if (!s) return RL_ENOMEM;
    double *u = s + k, *vt = u + (size_t)n * k;
    rl_code rc = svd(g, n, d, s, u, vt, st);
    if (rc == RL_OK) /* W1 = U_r S_r V_r^T */
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++) {
                double a = 0.0;
                for (int q = 0; q < r; q++)
                    a += u[(size_t)i * k + q] * s[q] * vt[(size_t)q * d + j];
                w1[(size_t)i * d + j] = a;
            }
    rl_free(s);
    return rc;
}

rl_code rl_run_linear2_init(const rl_params *p, uint64_t sweep_seed, const rl_task_teacher *data,
                            rl_linear2 *net, rl_status *st)
{
    int n = net->n, d = net->d, k = n < d ? n : d, h = d / 2;
    long rank = p->linear.rank ? p->linear.rank : k;
    const char *kind = p->linear.init;
    RL_CHECK(data->d == d && n == p->model.hidden && d == p->linear.d, st, RL_EINPUT,
             "linear2: data of dimension %d for a network of %d x %d (model.hidden %ld, linear.d "
             "%ld)",
             data->d, n, d, p->model.hidden, p->linear.d);
    RL_TRY(check_init(p, st));
    double *g = rl_alloc((size_t)n * d, sizeof *g, st);
    if (!g) return RL_ENOMEM;
    rl_rng r; /* one draw order for every kind: W2(0) is shared within a seed */
    rl_rng_init(&r, sweep_seed, "linear.init", (uint64_t)p->seed, 0);
    rl_rng_fill_normal_d(&r, g, (size_t)n * d, 0.0, 1.0);
    rl_rng_fill_normal_d(&r, net->w2, (size_t)n, 0.0, 1.0);
    scale_to(net->w2, (size_t)n, p->linear.sigma);
    memset(net->w1, 0, (size_t)n * d * sizeof *net->w1);
    rl_code rc = RL_OK;
    if (strcmp(kind, "aligned") == 0) /* Prop. 1: W1 = sigma e_1 b^T / ||b|| */
        memcpy(net->w1, data->b, (size_t)d * sizeof *net->w1);
    else if (strcmp(kind, "partial") == 0) /* rows i < h: kappa v_i^T (F_h without U_h) */
        for (int i = 0; i < h; i++)
            for (int j = 0; j < d; j++)
                net->w1[(size_t)i * d + j] = p->linear.kappa * data->v[(size_t)i * d + j];
    else
        rc = truncate_rank(g, n, d, (int)rank, net->w1, st);
    scale_to(net->w1, (size_t)n * d, p->linear.sigma);
    rl_free(g);
    return rc;
}

/* ---- measures ---- */

/* K (Eq. 7) of net on the training inputs, as an rl_kernel. */
static rl_code kernel_of(const rl_linear2 *net, const rl_task_teacher *data, rl_kernel **out,
                         rl_status *st)
{
    int m = data->m;
    double *k = rl_alloc((size_t)m * m, sizeof *k, st);
    if (!k) return RL_ENOMEM;
    rl_code rc = rl_linear2_ntk(net, data->x, m, k, st);
    if (rc == RL_OK) rc = rl_metrics_kernel_from_matrix(k, m, out, st);
    rl_free(k);
    return rc;
}

/* H (m x N, Eq. 5's rows = samples) of net, as an rl_rep. */
static rl_code rep_of(const rl_linear2 *net, const rl_task_teacher *data, rl_rep **out,
                      rl_status *st)
{
    double *h = rl_alloc((size_t)data->m * net->n, sizeof *h, st);
    if (!h) return RL_ENOMEM;
    rl_linear2_hidden(net, data->x, data->m, h);
    rl_code rc = rl_metrics_rep_from_rows(h, data->m, net->n, out, st);
    rl_free(h);
    return rc;
}

/* sum s_i / (s_1 min(N, d)) of W1 (the RNN's eff_rank_sv for a non-square matrix). */
static rl_code eff_rank_sv(const rl_linear2 *net, double *out, rl_status *st)
{
    int n = net->n, d = net->d, k = n < d ? n : d;
    double *a = rl_alloc((size_t)n * d + k + (size_t)n * k + (size_t)k * d, sizeof *a, st);
    if (!a) return RL_ENOMEM;
    double *s = a + (size_t)n * d, *u = s + k, *vt = u + (size_t)n * k, sum = 0.0;
    memcpy(a, net->w1, (size_t)n * d * sizeof *a);
    rl_code rc = svd(a, n, d, s, u, vt, st);
    for (int i = 0; i < k; i++)
        sum += s[i];
    *out = rc == RL_OK && s[0] > 0.0 ? sum / (s[0] * k) : NAN;
    rl_free(a);
    return rc;
}

/* The kernel curves' record r (curves.def): Eq. 7's K now against K(0) and the teacher. */
static rl_code record_kernel(const rl_linear2 *net, const rl_task_teacher *data,
                             const rl_kernel *k0, rl_result *out, int r, rl_status *st)
{
    rl_kernel *k = NULL;
    double er = NAN;
    rl_code rc = kernel_of(net, data, &k, st);
    if (rc == RL_OK) rc = rl_metrics_kernel_eff_rank(k, &er, st);
    if (rc == RL_OK) {
        out->curve[RL_CURVE_kernel_alignment_curve][r] = (float)rl_metrics_kernel_alignment(k0, k);
        out->curve[RL_CURVE_kernel_task_alignment_curve][r] =
            (float)rl_metrics_target_alignment(k, data->y);
        out->curve[RL_CURVE_kernel_eff_rank_curve][r] = (float)er;
    }
    rl_metrics_kernel_destroy(&k);
    return rc;
}

/* ---- training ---- */

/*
** Full-batch GD; records the loss every train.curve_every steps (and the kernel
** curves every probe.kernel_every). *bad is the step whose loss was not finite, or -1.
*/
static rl_code train(const rl_params *p, rl_linear2 *net, const rl_task_teacher *data,
                     const rl_kernel *k0, double *grad, double *scratch, rl_result *out, long *bad,
                     rl_status *st)
{
    long steps = p->linear.steps, every = p->train.curve_every, kevery = p->probe.kernel_every;
    out->n_curve = 0;
    for (long s = 0;; s++) {
        double loss =
            rl_linear2_loss(net, data->x, data->y, data->m, s < steps ? grad : NULL, scratch);
        if (s == 0) out->measure[RL_MEASURE_initial_loss] = loss;
        if (!isfinite(loss)) {
            *bad = s;
            return RL_OK;
        }
        if (s % every == 0 && out->n_curve < RL_CURVE_MAX) {
            out->curve[RL_CURVE_loss_curve][out->n_curve++] = (float)loss;
            if (kevery > 0 && s % kevery == 0)
                RL_TRY(record_kernel(net, data, k0, out, out->n_curve - 1, st));
        }
        if (s == steps) {
            out->measure[RL_MEASURE_final_loss] = loss;
            *bad = -1;
            return RL_OK;
        }
        for (size_t i = 0; i < net->n_params; i++)
            net->theta[i] -= p->linear.lr * grad[i];
    }
}

/* Eq. 4, 5, 6 between the initial and final networks. */
static rl_code measure(const rl_params *p, const rl_linear2 *net0, const rl_linear2 *net,
                       const rl_task_teacher *data, const rl_kernel *k0, const rl_rep *r0,
                       rl_result *out, rl_status *st)
{
    size_t n1 = (size_t)net->n * net->d;
    double dw1 = 0.0, dall = 0.0;
    for (size_t i = 0; i < net->n_params; i++) {
        double dt = net->theta[i] - net0->theta[i];
        dall += dt * dt;
        if (i < n1) dw1 += dt * dt;
    }
    out->measure[RL_MEASURE_weight_change] = sqrt(dw1); /* Eq. 4 on W1 */
    out->measure[RL_MEASURE_weight_change_all] = sqrt(dall);
    out->measure[RL_MEASURE_weight_change_rel] = sqrt(dw1) / rl_linear2_norm(net0->w1, n1);
    rl_kernel *kf = NULL;
    rl_rep *rf = NULL;
    double ra = NAN, er = NAN;
    rl_code rc = kernel_of(net, data, &kf, st);
    if (rc == RL_OK) rc = rep_of(net, data, &rf, st);
    if (rc == RL_OK) rc = rl_metrics_kernel_eff_rank(kf, &er, st);
    if (rc == RL_OK) ra = rl_metrics_rep_alignment(r0, rf, p->probe.rep_centred);
    if (rc == RL_OK) {
        out->measure[RL_MEASURE_rep_alignment] = ra;
        out->measure[RL_MEASURE_kernel_alignment] = rl_metrics_kernel_alignment(k0, kf);
        out->measure[RL_MEASURE_kernel_task_alignment] = rl_metrics_target_alignment(kf, data->y);
        out->measure[RL_MEASURE_kernel_eff_rank] = er;
    }
    rl_metrics_kernel_destroy(&kf);
    rl_metrics_rep_destroy(&rf);
    return rc;
}

/* ---- one item ---- */

rl_code rl_run_linear2_item(const rl_params *p, uint64_t sweep_seed, const rl_train_opts *opts,
                            rl_result *out, rl_status *st)
{
    (void)opts; /* seconds per item: no checkpoints, no dump, nothing to stop mid-way */
    double t_start = rl_now();
    rl_task_teacher *data = NULL;
    rl_linear2 *net = NULL, *net0 = NULL;
    rl_kernel *k0 = NULL;
    rl_rep *r0 = NULL;
    double *work = NULL, er = NAN;
    rl_code rc;
    if ((rc = rl_task_teacher_create(p, sweep_seed, &data, st))) goto done;
    int d = data->d, n = (int)p->model.hidden;
    if ((rc = rl_linear2_create(d, n, &net, st))) goto done;
    if ((rc = rl_linear2_create(d, n, &net0, st))) goto done;
    if ((rc = rl_run_linear2_init(p, sweep_seed, data, net, st))) goto done;
    memcpy(net0->theta, net->theta, net->n_params * sizeof *net->theta);
    work = rl_alloc(net->n_params + (size_t)data->m + 2 * (size_t)d, sizeof *work, st);
    if (!work) {
        rc = RL_ENOMEM;
        goto done;
    }
    if ((rc = kernel_of(net0, data, &k0, st)) || (rc = rep_of(net0, data, &r0, st)) ||
        (rc = eff_rank_sv(net0, &er, st)))
        goto done;
    out->measure[RL_MEASURE_eff_rank_sv] = er;
    out->measure[RL_MEASURE_kernel_task_alignment_init] = rl_metrics_target_alignment(k0, data->y);
    if ((rc = rl_metrics_kernel_eff_rank(k0, &out->measure[RL_MEASURE_kernel_eff_rank_init], st)))
        goto done;
    long bad;
    if ((rc = train(p, net, data, k0, work, work + net->n_params, out, &bad, st))) goto done;
    out->measure[RL_MEASURE_diverged_step] = (double)bad;
    out->status = bad >= 0 ? RL_ITEM_DIVERGED : RL_ITEM_DONE;
    if (bad < 0) rc = measure(p, net0, net, data, k0, r0, out, st);
done:
    out->wall_seconds = rl_now() - t_start;
    rl_free(work);
    rl_metrics_kernel_destroy(&k0);
    rl_metrics_rep_destroy(&r0);
    rl_linear2_destroy(&net);
    rl_linear2_destroy(&net0);
    rl_task_teacher_destroy(&data);
    return rc;
}
