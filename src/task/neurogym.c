/*
** neurogym.c: what 2af, dms and cxt share — periods, noise, labels (module: task).
** Why: the three follow NeuroGym v0.0.2's TrialEnv conventions
** (shared/reference/tasks-neurogym-v002.md): periods back to back, a period of
** L ms lasting floor(L/dt) steps (8 steps with the paper's values), noise
** N(0, sigma_eff^2) with sigma_eff = sigma/sqrt(dt), label 0 ("fixate") except in
** the decision period, every step in the loss (mask 1).
** Invariant: the number of draws of a trial never depends on sigma (noise is drawn
** even when sigma = 0), so a sweep over sigma sees the same trials — a paired design.
*/
#include "task_impl.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- resolving parameters ---- */

/* floor(ms/dt), forgiving the last-bit error of e.g. 300/0.1 = 2999.9999999999995. */
static double period_steps(double ms, double dt)
{
    double q = ms / dt;
    return floor(q + 1e-9 * fmax(1.0, q));
}

rl_code rl_ng_resolve(const rl_params *p, const rl_ng_period *per, int n_per, const double *coh,
                      int n_coh, int n_in, rl_ng *out, rl_status *st)
{
    const double dt = p->task.dt;
    int total = 0;
    assert(n_per >= 1 && n_per <= RL_NG_PERIODS_MAX && n_coh <= RL_REALS_MAX);
    memset(out, 0, sizeof *out);
    /* task.dt > 0 and task.sigma >= 0: the table's ranges (rl_task_shape_of and
       rl_task_create run rl_params_check first). */
    assert(isfinite(dt) && dt > 0 && isfinite(p->task.sigma) && p->task.sigma >= 0);
    for (int i = 0; i < n_per; i++) {
        double ms = per[i].given_ms == -1 ? per[i].paper_ms : per[i].given_ms;
        char about[RL_STATUS_PARAMS_CAP];
        snprintf(about, sizeof about, "task.%s", per[i].key);
        RL_CHECK_PARAM(isfinite(ms) && ms >= 0, st, about,
                       "task.%s = %g ms is not a period length; valid: -1 (the paper's %g ms) or a "
                       "length >= 0 ms",
                       per[i].key, per[i].given_ms, per[i].paper_ms);
        double len = period_steps(ms, dt);
        snprintf(about, sizeof about, "task.dt task.%s", per[i].key);
        RL_CHECK_PARAM(
            len <= (double)(RL_NG_STEPS_MAX - total), st, about,
            "task %s: the trial is longer than %d steps at task.dt = %g ms (task.%s = %g ms); "
            "valid: shorter periods or a larger task.dt",
            p->task.name, RL_NG_STEPS_MAX, dt, per[i].key, ms);
        out->span[i] = (rl_ng_span){total, (int)len};
        total += (int)len;
    }
    const rl_ng_period *dec = &per[n_per - 1];
    char about[RL_STATUS_PARAMS_CAP];
    snprintf(about, sizeof about, "task.%s task.dt", dec->key);
    RL_CHECK_PARAM(
        out->span[n_per - 1].len >= 1, st, about,
        "task.%s = %g ms is shorter than one step (task.dt = %g ms), so no step carries the "
        "answer; valid: task.%s >= %g",
        dec->key, dec->given_ms == -1 ? dec->paper_ms : dec->given_ms, dt, dec->key, dt);
    out->n_periods = n_per;
    out->steps = total;
    out->n_in = n_in;
    const rl_reals *given = &p->task.coherences;
    out->n_coh = given->n > 0 ? given->n : n_coh;
    if (out->n_coh > 0)
        memcpy(out->coh, given->n > 0 ? given->v : coh, (size_t)out->n_coh * sizeof(double));
    out->sigma_eff = p->task.sigma / sqrt(dt);
    return RL_OK;
}

rl_task_shape rl_ng_shape(const rl_ng *ng)
{
    /* Outputs: fixate plus two choices for all three tasks; RA reads the last step. */
    return (rl_task_shape){.steps = ng->steps,
                           .n_in = ng->n_in,
                           .n_out = 3,
                           .loss = RL_LOSS_CE,
                           .decision_step = ng->steps - 1};
}

rl_code rl_ng_build(const rl_ng *ng, void **state, rl_status *st)
{
    rl_ng *copy = rl_alloc(1, sizeof *copy, st);
    if (!copy) return RL_ENOMEM;
    *copy = *ng;
    *state = copy;
    return RL_OK;
}

void rl_ng_release(void *state)
{
    rl_free(state);
}

/* ---- writing a trial ---- */

void rl_ng_set(rl_batch *b, int row, rl_ng_span sp, int ch, float v)
{
    assert(ch >= 0 && ch < b->n_in);
    for (int t = sp.start; t < sp.start + sp.len; t++)
        rl_task_x(b, t, row)[ch] = v;
}

void rl_ng_noise(const rl_ng *ng, rl_rng *r, rl_batch *b, int row, rl_ng_span sp, int ch0, int ch1)
{
    assert(ch0 >= 0 && ch1 <= b->n_in);
    for (int t = sp.start; t < sp.start + sp.len; t++) {
        float *x = rl_task_x(b, t, row);
        for (int c = ch0; c < ch1; c++)
            x[c] = (float)((double)x[c] + ng->sigma_eff * rl_rng_normal(r));
    }
}

void rl_ng_common(const rl_ng *ng, rl_batch *b, int row, int label)
{
    rl_ng_span dec = ng->span[ng->n_periods - 1];
    rl_ng_set(b, row, (rl_ng_span){0, dec.start}, 0, 1.0f);
    for (int t = 0; t < ng->steps; t++)
        b->mask[rl_task_tb(b, t, row)] = 1.0f;
    for (int t = dec.start; t < dec.start + dec.len; t++)
        b->label[rl_task_tb(b, t, row)] = label;
}

double rl_ng_coherence(const rl_ng *ng, rl_rng *r)
{
    return ng->coh[rl_rng_below(r, (uint32_t)ng->n_coh)];
}
