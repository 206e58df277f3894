/*
** pattern.c: pattern generation (Bellec et al. 2020, e-prop; paper appendix Fig. 18)
** (module: task). Setup: shared/reference/structures.md "Pattern generation".
** Why this shape: Bellec's 1 s trial at dt = 1 ms (1000 BPTT steps) is costly, so
** the default is task.steps = 100 (1 s at task.dt = 10 ms; set task.dt: 10 so the
** leak rho = exp(-dt/tau_m) matches — with tau_m = 0 the step size plays no role).
** Target (one output): y(t) = sum_k A_k sin(phi_k + 2 pi c_k t/(T-1)), c = (1, 2, 3, 5),
** A_k ~ U[0.5, 2), phi_k ~ U[0, 2 pi); then y - y(0), divided by max_t |y - y(0)|.
** Input: task.inputs channels, each a spike (1) per step with probability task.spike_prob.
** Frozen: all draws come from stream (sweep seed, "task.pattern", p->seed) alone, so
** every batch, training or probe, repeats the one trial in every row; no noise
** (task.sigma is unused). MSE with mask 1 at every step.
*/
#define _DEFAULT_SOURCE /* M_PI */
#include "task_impl.h"

#include <assert.h>
#include <math.h>
#include <string.h>

enum { N_SINES = 4 };
static const double cycles[N_SINES] = {1, 2, 3, 5};

static rl_code shape(const rl_params *p, rl_task_shape *out, rl_status *st)
{
    /* The table's ranges (rl_params_check ran first): task.steps >= 12, so the
       5-cycle sinusoid has more than 2 samples per cycle. */
    assert(p->task.steps >= 12 && p->task.steps <= 100000);
    assert(p->task.inputs >= 1 && p->task.inputs <= 100000);
    assert(p->task.spike_prob >= 0 && p->task.spike_prob <= 1);
    (void)st;
    *out = (rl_task_shape){.steps = (int)p->task.steps,
                           .n_in = (int)p->task.inputs,
                           .n_out = 1,
                           .loss = RL_LOSS_MSE,
                           .decision_step = (int)p->task.steps - 1};
    return RL_OK;
}

/* The unnormalised target at step t. */
static double sines(const double *amp, const double *phase, int t, int steps)
{
    double y = 0, s = (double)t / (steps - 1);
    for (int k = 0; k < N_SINES; k++)
        y += amp[k] * sin(phase[k] + 2 * M_PI * cycles[k] * s);
    return y;
}

/* Writes the frozen trial into row 0 of b. */
static rl_code draw_trial(const rl_task *t, uint64_t sweep_seed, rl_batch *b, rl_status *st)
{
    rl_rng r;
    double amp[N_SINES], phase[N_SINES];
    rl_rng_init(&r, sweep_seed, "task.pattern", (uint64_t)t->p.seed, 0);
    for (int k = 0; k < N_SINES; k++)
        amp[k] = 0.5 + 1.5 * rl_rng_uniform(&r);
    for (int k = 0; k < N_SINES; k++)
        phase[k] = 2 * M_PI * rl_rng_uniform(&r);
    for (int s = 0; s < b->steps; s++) {
        float *x = rl_task_x(b, s, 0);
        for (int i = 0; i < b->n_in; i++)
            x[i] = rl_rng_uniform(&r) < t->p.task.spike_prob ? 1.0f : 0.0f;
    }

    double y0 = sines(amp, phase, 0, b->steps), peak = 0;
    for (int s = 0; s < b->steps; s++)
        peak = fmax(peak, fabs(sines(amp, phase, s, b->steps) - y0));
    /* Cannot happen for steps >= 12 (the c = 1 term alone is not constant); guarded anyway. */
    RL_CHECK(peak > 0, st, RL_EBUG, "pattern: the target is identically zero");
    for (int s = 0; s < b->steps; s++) {
        b->target[rl_task_tb(b, s, 0)] = (float)((sines(amp, phase, s, b->steps) - y0) / peak);
        b->mask[rl_task_tb(b, s, 0)] = 1.0f;
    }
    return RL_OK;
}

static rl_code fill(const rl_task *t, rl_task_draw *d, rl_batch *b, rl_status *st)
{
    RL_TRY(draw_trial(t, d->sweep_seed, b, st));
    for (int s = 0; s < b->steps; s++) {
        const float *x0 = rl_task_x(b, s, 0);
        size_t tb0 = rl_task_tb(b, s, 0);
        for (int row = 1; row < b->batch; row++) {
            memcpy(rl_task_x(b, s, row), x0, (size_t)b->n_in * sizeof *x0);
            b->target[rl_task_tb(b, s, row)] = b->target[tb0];
            b->mask[rl_task_tb(b, s, row)] = 1.0f;
        }
    }
    return RL_OK;
}

const rl_task_kind rl_task_kind_pattern = {"pattern", shape, NULL, NULL, fill};
