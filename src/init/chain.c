/*
** chain.c: the kind chain — over-represented chain motifs (module: init), after
** the second-order networks of Zhao, Beverlin, Netoff & Nykamp 2011 (Front.
** Comput. Neurosci. 5:28); the degree-propensity construction of structures.md.
** Why: P(j -> i) = min(1, p a_i b_j) with propensities of mean 1 gives
** alpha_conv = Var(a), alpha_div = Var(b), alpha_chain = Cov(a, b). We take
** b = a (correlation rho = 1: hubs both send and receive), so for the requested
** alpha = init.chain_alpha: alpha_conv = alpha_div = alpha_chain = alpha (the
** bound alpha_chain <= sqrt(alpha_conv alpha_div) with equality), and
** alpha_recip = (1 + alpha)^2 - 1. a_i = exp(s z_i) / mean(exp(s z)), z from
** stream "init.chain": lognormal, whose population law is s^2 = ln(1 + alpha);
** here s is solved on the sample (bisection) so that the realised a has mean 1
** and variance alpha exactly, removing the ~20% seed-to-seed scatter of a
** lognormal sample variance at N = 300. The min(1, .) clip is rare for p = 0.1.
** Weights (our choice, documented): positive, |W0| on the support,
**   W_ij = A_ij |Z_ij| / sqrt(N),
** so W has the Perron outlier the paper reports, near sqrt(2/pi) sqrt(N) p (1 + alpha)
** (A alone: N p (1 + alpha)); zero-mean weights on the same graph would have none.
*/
#include "internal.h"

#include <math.h>

rl_code rl_init_check_chain(const rl_params *p, rl_status *st)
{
    RL_CHECK(p->model.hidden >= 3, st, RL_EINPUT,
             "init.kind = chain needs model.hidden >= 3 for 2-path motifs (got %ld)",
             p->model.hidden);
    RL_CHECK(p->init.chain_p > 0 && p->init.chain_p <= 1, st, RL_EINPUT,
             "init.chain_p = %g; valid: a connection probability in (0, 1]", p->init.chain_p);
    RL_CHECK(p->init.chain_alpha >= 0 && p->init.chain_alpha <= 1, st, RL_EINPUT,
             "init.chain_alpha = %g; valid: 0 <= alpha_chain <= 1", p->init.chain_alpha);
    return RL_OK;
}

/* Variance of exp(s z) / mean(exp(s z)) over the sample (z shifted by its max: no overflow). */
static double propensity_var(const double *z, int n, double zmax, double s)
{
    double m1 = 0.0, m2 = 0.0;
    for (int i = 0; i < n; i++) {
        double e = exp(s * (z[i] - zmax));
        m1 += e;
        m2 += e * e;
    }
    m1 /= n;
    m2 /= n;
    return m2 / (m1 * m1) - 1.0;
}

/*
** a (n entries) with sample mean 1 and sample variance alpha. The variance is
** increasing in s (its log-derivative is twice the gap between the means of z
** tilted by 2s and by s), so bisection finds s.
*/
static rl_code propensities(const rl_params *p, rl_rng *r, double *a, rl_status *st)
{
    int n = (int)p->model.hidden;
    double alpha = p->init.chain_alpha, zmax = -INFINITY;
    for (int i = 0; i < n; i++) {
        a[i] = rl_rng_normal(r);
        zmax = fmax(zmax, a[i]);
    }
    double lo = 0.0, hi = 1.0;
    while (propensity_var(a, n, zmax, hi) < alpha && hi < 64.0)
        hi *= 2.0;
    RL_CHECK(propensity_var(a, n, zmax, hi) >= alpha, st, RL_EINPUT,
             "init.chain_alpha = %g cannot be reached with model.hidden = %d propensities; "
             "valid: a smaller init.chain_alpha",
             alpha, n);
    for (int it = 0; it < 200 && hi - lo > 1e-15 * hi; it++) {
        double mid = 0.5 * (lo + hi);
        if (propensity_var(a, n, zmax, mid) < alpha)
            lo = mid;
        else
            hi = mid;
    }
    double s = alpha > 0 ? hi : 0.0, mean = 0.0;
    for (int i = 0; i < n; i++) {
        a[i] = exp(s * (a[i] - zmax));
        mean += a[i];
    }
    mean /= n;
    for (int i = 0; i < n; i++)
        a[i] /= mean;
    return RL_OK;
}

rl_code rl_init_chain_adjacency(const rl_params *p, uint64_t sweep_seed, uint8_t *adj,
                                rl_status *st)
{
    RL_TRY(rl_init_check_chain(p, st));
    int n = (int)p->model.hidden;
    double *a = rl_alloc((size_t)n, sizeof *a, st);
    if (!a) return st->code;
    rl_rng r;
    rl_rng_init(&r, sweep_seed, "init.chain", (uint64_t)p->seed, 0);
    rl_code rc = propensities(p, &r, a, st);
    for (int i = 0; rc == RL_OK && i < n; i++)
        for (int j = 0; j < n; j++) {
            /* No self-loops; the diagonal consumes no draw. */
            double prob = fmin(1.0, p->init.chain_p * a[i] * a[j]);
            adj[(size_t)i * n + j] = (i != j) && rl_rng_uniform(&r) < prob;
        }
    rl_free(a);
    return rc;
}

rl_code rl_init_gen_chain(const rl_params *p, uint64_t sweep_seed, const double *z, double *w,
                          rl_status *st)
{
    size_t n = (size_t)p->model.hidden;
    uint8_t *adj = rl_alloc(n * n, 1, st);
    if (!adj) return st->code;
    rl_code rc = rl_init_chain_adjacency(p, sweep_seed, adj, st);
    double c = 1.0 / sqrt((double)n);
    for (size_t k = 0; rc == RL_OK && k < n * n; k++)
        w[k] = adj[k] ? c * fabs(z[k]) : 0.0;
    rl_free(adj);
    return rc;
}
