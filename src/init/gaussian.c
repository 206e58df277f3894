/*
** gaussian.c: the seed's base draw Z and the kinds gaussian and uniform (module: init).
** Why: Z (stream "init.w0", keyed by sweep seed and item seed only) is the one
** draw every kind of a seed shares — the paper's paired design.
**   gaussian  W = g Z / sqrt(N)                      = W0, variance g^2/N
**   uniform   W = g sqrt(3) erf(Z / sqrt 2) / sqrt(N) , uniform on +-g sqrt(3/N)
** erf(Z/sqrt 2) = 2 Phi(Z) - 1 is the probability integral transform: it turns
** each N(0,1) entry into a U(-1, 1) one, so the uniform matrix is paired with W0
** entry by entry (same ranks of the entries) at the same variance g^2/N.
*/
#include "internal.h"

#include <math.h>

static const double inv_sqrt2 = 0.70710678118654752440;

void rl_init_draw_z(const rl_params *p, uint64_t sweep_seed, double *z)
{
    size_t n = (size_t)p->model.hidden;
    rl_rng r;
    rl_rng_init(&r, sweep_seed, "init.w0", (uint64_t)p->seed, 0);
    rl_rng_fill_normal_d(&r, z, n * n, 0.0, 1.0);
}

rl_code rl_init_gen_gaussian(const rl_params *p, uint64_t sweep_seed, const double *z, double *w,
                             rl_status *st)
{
    (void)sweep_seed;
    (void)st;
    size_t n = (size_t)p->model.hidden;
    double c = p->init.gain / sqrt((double)n);
    for (size_t k = 0; k < n * n; k++)
        w[k] = c * z[k];
    return RL_OK;
}

rl_code rl_init_gen_uniform(const rl_params *p, uint64_t sweep_seed, const double *z, double *w,
                            rl_status *st)
{
    (void)sweep_seed;
    (void)st;
    size_t n = (size_t)p->model.hidden;
    double half_width = p->init.gain * sqrt(3.0 / (double)n); /* Var U(-a, a) = a^2 / 3 */
    for (size_t k = 0; k < n * n; k++)
        w[k] = half_width * erf(z[k] * inv_sqrt2);
    return RL_OK;
}
