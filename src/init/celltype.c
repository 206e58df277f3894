/*
** celltype.c: the kind celltype — cell-type-specific variances (module: init),
** after Aljadeff, Stern & Sharpee 2015 (PRL 114:088101), the paper's Fig. 2 setting.
** Why: a small population of hyperexcitable neurons whose outgoing connections
** (columns) have a much larger gain. Our reading of the paper (not confirmed
** from its supplement, structures.md): a per-neuron gain on the columns,
**   W_ij = g_{d(j)} Z_ij / sqrt(N),   g = gamma for round(alpha N) neurons, else base,
** the hyperexcitable neurons chosen from stream "init.celltype". With D types of
** fractions alpha_d, the bulk radius is sqrt(Lambda_1), Lambda_1 = top eigenvalue
** of M_cd = alpha_c g_cd^2; for column-only gains Lambda_1 = sum_d alpha_d g_d^2
** (0.98 * 0.8^2 + 0.02 * 10^2 = 2.6272, radius 1.621 as N -> infinity), and
** N E[mean W^2] equals the same sum. Reusing Z keeps it paired with W0: column j
** is W0's column j times g_{d(j)} / g.
*/
#include "internal.h"

#include <math.h>

static long hyper_count(const rl_params *p)
{
    return lround(p->init.celltype_alpha * (double)p->model.hidden);
}

rl_code rl_init_check_celltype(const rl_params *p, rl_status *st)
{
    long n = p->model.hidden, k = hyper_count(p);
    RL_CHECK_PARAM(
        k >= 1 && k <= n - 1, st, "init.celltype_alpha model.hidden",
        "init.celltype_alpha = %g gives round(%g * %ld) = %ld hyperexcitable neurons; "
        "valid: a fraction that leaves at least 1 neuron of each type (from %g up to, not "
        "including, %g for model.hidden = %ld)",
        p->init.celltype_alpha, p->init.celltype_alpha, n, k, 0.5 / (double)n,
        1.0 - 0.5 / (double)n, n);
    return RL_OK;
}

rl_code rl_init_gen_celltype(const rl_params *p, uint64_t sweep_seed, const double *z, double *w,
                             rl_status *st)
{
    int n = (int)p->model.hidden;
    uint8_t *hyper = rl_alloc((size_t)n, 1, st);
    if (!hyper) return st->code;
    rl_rng r;
    rl_rng_init(&r, sweep_seed, "init.celltype", (uint64_t)p->seed, 0);
    rl_init_pick_subset(&r, n, (int)hyper_count(p), hyper);
    double c = 1.0 / sqrt((double)n);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            size_t k = (size_t)i * n + j;
            w[k] = (hyper[j] ? p->init.celltype_gamma : p->init.celltype_base) * c * z[k];
        }
    rl_free(hyper);
    return RL_OK;
}
