/*
** dale.c: the kind dale — Dale's law, one sign per pre-synaptic neuron (column)
** (module: init), after Rajan & Abbott 2006 (PRL 97:188104).
** Why: exactly K = round(f N) excitatory columns (f = init.dale_exc), chosen from
** stream "init.dale"; magnitudes half-normal and paired with W0:
**   W_ij = sign_j k_j |Z_ij| / sqrt(N),   k_j = 1 (E) or k (I).
** Column means are +-k_j sqrt(2/pi)/sqrt(N), variances k_j^2 (1 - 2/pi)/N, so the
** bulk radius is sqrt((1 - 2/pi)(f + (1 - f) k^2)) and, unless balanced, one
** real outlier sits near sqrt(N) sqrt(2/pi) (f - (1 - f) k). Default k = 1
** (init.dale_i_scale) is excitation-dominated: it has the outlier of the paper's
** Fig. 2C. init.dale_balanced sets k = f/(1 - f) with the realised f = K/N, which
** cancels the mean input exactly.
** init.dale_keep: the training loop keeps the signs by projection by clipping
** (rl_init_project_signs) after every optimiser step.
*/
#include "internal.h"

#include <math.h>

static long exc_count(const rl_params *p)
{
    return lround(p->init.dale_exc * (double)p->model.hidden);
}

rl_code rl_init_check_dale(const rl_params *p, rl_status *st)
{
    long n = p->model.hidden, k = exc_count(p);
    RL_CHECK_PARAM(
        !p->init.dale_balanced || (k >= 1 && k <= n - 1), st, "init.dale_balanced init.dale_exc",
        "init.dale_balanced needs both cell types, but init.dale_exc = %g gives %ld of %ld "
        "neurons excitatory; valid: init.dale_exc from %g up to, not including, %g",
        p->init.dale_exc, k, n, 0.5 / (double)n, 1.0 - 0.5 / (double)n);
    return RL_OK;
}

rl_code rl_init_dale_signs(const rl_params *p, uint64_t sweep_seed, int8_t *signs, rl_status *st)
{
    RL_TRY(rl_params_check(p, st)); /* model.hidden in the table's range */
    RL_TRY(rl_init_check_dale(p, st));
    int n = (int)p->model.hidden;
    uint8_t *exc = rl_alloc((size_t)n, 1, st);
    if (!exc) return st->code;
    rl_rng r;
    rl_rng_init(&r, sweep_seed, "init.dale", (uint64_t)p->seed, 0);
    rl_init_pick_subset(&r, n, (int)exc_count(p), exc);
    for (int j = 0; j < n; j++)
        signs[j] = exc[j] ? 1 : -1;
    rl_free(exc);
    return RL_OK;
}

rl_code rl_init_gen_dale(const rl_params *p, uint64_t sweep_seed, const double *z, double *w,
                         rl_status *st)
{
    int n = (int)p->model.hidden;
    int8_t *signs = rl_alloc((size_t)n, sizeof *signs, st);
    if (!signs) return st->code;
    rl_code rc = rl_init_dale_signs(p, sweep_seed, signs, st);
    if (rc == RL_OK) {
        long k_exc = exc_count(p);
        double k_inh =
            p->init.dale_balanced ? (double)k_exc / (double)(n - k_exc) : p->init.dale_i_scale;
        double c = 1.0 / sqrt((double)n);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                size_t k = (size_t)i * n + j;
                w[k] = (signs[j] > 0 ? c : -k_inh * c) * fabs(z[k]);
            }
    }
    rl_free(signs);
    return rc;
}

size_t rl_init_project_signs(float *w, const int8_t *signs, int n)
{
    size_t clipped = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            float *x = &w[(size_t)i * n + j];
            if ((signs[j] > 0 && *x < 0.0f) || (signs[j] < 0 && *x > 0.0f)) {
                *x = 0.0f;
                clipped++;
            }
        }
    return clipped;
}
