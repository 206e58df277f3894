/*
** magnitude.c: init.norm — every kind is compared at the weight magnitude of the
** gain-g Gaussian W0 = g Z / sqrt(N) of the same seed (module: init).
** Why: the paper rescales each rank-r truncation to W0's Frobenius norm so that
** only the structure differs between items ("same weight magnitude for every
** rank"); its appendix also matches the leading eigenvalue instead. So:
**   frobenius  W <- W * ||W0||_F / ||W||_F
**   spectral   W <- W * rho(W0) / rho(W)        (rho = spectral radius)
**   none       W as generated (gaussian and uniform carry init.gain themselves)
** A structure with nothing to scale (all zero, or a nilpotent spectral radius 0)
** is a user error: the ratio would be undefined.
*/
#include "internal.h"

#include <math.h>
#include <string.h>

/* Below this fraction of ||W||_F a spectral radius is rounding noise of a nilpotent W. */
static const double radius_floor = 1e-12;

static void scale(double *w, size_t count, double c)
{
    for (size_t k = 0; k < count; k++)
        w[k] *= c;
}

static rl_code match_frobenius(const rl_params *p, const double *z, double *w, rl_status *st)
{
    size_t n = (size_t)p->model.hidden;
    double target = p->init.gain * rl_init_frobenius(z, n * n) / sqrt((double)n);
    double have = rl_init_frobenius(w, n * n);
    RL_CHECK(have > 0 || target == 0, st, RL_EINPUT,
             "init.kind = %s gave an all-zero W_h(0), which cannot be rescaled to the Gaussian's "
             "Frobenius norm; valid: a structure with a non-zero entry",
             p->init.kind);
    scale(w, n * n, have > 0 ? target / have : 0.0);
    return RL_OK;
}

static rl_code match_radius(const rl_params *p, const double *z, double *w, rl_status *st)
{
    int n = (int)p->model.hidden;
    double rz, have;
    RL_TRY(rl_init_radius(z, n, &rz, st));
    RL_TRY(rl_init_radius(w, n, &have, st));
    double target = p->init.gain * rz / sqrt((double)n);
    double fro = rl_init_frobenius(w, (size_t)n * (size_t)n);
    RL_CHECK(have > radius_floor * fro || target == 0, st, RL_EINPUT,
             "init.kind = %s gave a W_h(0) with spectral radius %g (||W||_F = %g): it is "
             "nilpotent (e.g. feed-forward) and cannot be matched by init.norm = spectral; "
             "valid: init.norm = frobenius or none",
             p->init.kind, have, fro);
    scale(w, (size_t)n * (size_t)n, have > 0 ? target / have : 0.0);
    return RL_OK;
}

rl_code rl_init_rescale(const rl_params *p, bool is_w0, const double *z, double *w, rl_status *st)
{
    if (strcmp(p->init.norm, "none") == 0 || is_w0) return RL_OK;
    if (strcmp(p->init.norm, "frobenius") == 0) return match_frobenius(p, z, w, st);
    if (strcmp(p->init.norm, "spectral") == 0) return match_radius(p, z, w, st);
    RL_FAIL(st, RL_EBUG, "init.norm = '%s' passed rl_init_check but has no rescaling",
            p->init.norm);
}
