/*
** chain.c: the kind chain — over-represented chain motifs (module: init), after
** the second-order networks of Zhao, Beverlin, Netoff & Nykamp 2011 (Front.
** Comput. Neurosci. 5:28); the degree-propensity construction of structures.md.
** Why: P(j -> i) = min(1, p a_i b_j) with propensities of mean 1 gives
** alpha_conv = Var(a), alpha_div = Var(b), alpha_chain = Cov(a, b). We take b = a
** (correlation rho = 1: hubs both send and receive), so alpha_conv = alpha_div =
** alpha_chain = alpha = init.chain_alpha (the bound alpha_chain <= sqrt(alpha_conv
** alpha_div) with equality) and alpha_recip = (1 + alpha)^2 - 1. Propensities are
** lognormal, a_i = exp(s z_i) / mean(exp(s z)), z from stream "init.chain"; the
** population law is s^2 = ln(1 + alpha), but s is solved per sample so that the
** expected graph's alpha_hat_chain equals alpha (alpha_of below: finite N, the
** sample's own spread and the min(1, .) clip included).
** Weights (our choice): positive, |W0| on the graph, W_ij = A_ij |Z_ij| / sqrt(N),
** so W has the Perron outlier the paper reports, near sqrt(2/pi) sqrt(N) p (1 + alpha)
** (A alone: N p (1 + alpha)); zero-mean weights on the same graph would have none.
*/
#include "internal.h"

#include <math.h>

rl_code rl_init_check_chain(const rl_params *p, rl_status *st)
{
    /* init.chain_p in (0, 1] and init.chain_alpha in [0, 1]: the table's ranges. */
    RL_CHECK_PARAM(p->model.hidden >= 3, st, "init.kind model.hidden",
                   "init.kind = chain needs model.hidden >= 3 for 2-path motifs (got %ld)",
                   p->model.hidden);
    return RL_OK;
}

/* a_i = exp(s z_i) / mean(exp(s z)); z shifted by its max so nothing overflows. */
static void propensities_at(const double *z, int n, double zmax, double s, double *a)
{
    double mean = 0.0;
    for (int i = 0; i < n; i++) {
        a[i] = exp(s * (z[i] - zmax));
        mean += a[i];
    }
    mean /= n;
    for (int i = 0; i < n; i++)
        a[i] /= mean;
}

/*
** alpha_P: the alpha-hat_chain formula of structures.md with A replaced by its
** expectation P_ij = min(1, p a_i a_j) (i != j). Entries of A are independent, so
** E[sum_i d_in(i) d_out(i) - tr A^2] = sum_i r_i c_i - sum_ij P_ij P_ji exactly
** (r, c: row and column sums of P; here P is symmetric, so r = c).
*/
static double alpha_of(const double *a, int n, double p)
{
    double chains = 0.0, recip = 0.0, total = 0.0;
    for (int i = 0; i < n; i++) {
        double r = 0.0;
        for (int j = 0; j < n; j++) {
            double pij = i == j ? 0.0 : fmin(1.0, p * a[i] * a[j]);
            r += pij;
            recip += pij * pij;
        }
        chains += r * r;
        total += r;
    }
    double pbar = total / ((double)n * (n - 1));
    return (chains - recip) / ((double)n * (n - 1) * (n - 2) * pbar * pbar) - 1.0;
}

/*
** Propensities a (n entries, mean 1) whose expected graph has alpha_P = alpha.
** alpha_P grows with s (more spread propensities, more 2-paths through hubs);
** bisection keeps alpha_P(lo) < alpha <= alpha_P(hi), so it ends on a solution.
** Without the clip and as N grows, s^2 -> ln(1 + alpha). alpha = 0 is s = 0:
** every a_i = 1, an Erdos-Renyi graph.
*/
static rl_code propensities(const rl_params *p, const double *z, double *a, rl_status *st)
{
    int n = (int)p->model.hidden;
    double alpha = p->init.chain_alpha, zmax = -INFINITY;
    if (alpha == 0) {
        propensities_at(z, n, 0.0, 0.0, a);
        return RL_OK;
    }
    for (int i = 0; i < n; i++)
        zmax = fmax(zmax, z[i]);
    double lo = 0.0, hi = 0.5;
    propensities_at(z, n, zmax, hi, a);
    while (alpha_of(a, n, p->init.chain_p) < alpha && hi < 16.0) {
        hi *= 2.0;
        propensities_at(z, n, zmax, hi, a);
    }
    RL_CHECK(alpha_of(a, n, p->init.chain_p) >= alpha, st, RL_EINPUT,
             "init.chain_alpha = %g cannot be reached by propensities with init.chain_p = %g "
             "and model.hidden = %d; valid: a smaller init.chain_alpha or init.chain_p, or "
             "more neurons",
             alpha, p->init.chain_p, n);
    while (hi - lo > 1e-12 * hi) {
        double mid = 0.5 * (lo + hi);
        propensities_at(z, n, zmax, mid, a);
        if (alpha_of(a, n, p->init.chain_p) < alpha)
            lo = mid;
        else
            hi = mid;
    }
    propensities_at(z, n, zmax, hi, a);
    return RL_OK;
}

rl_code rl_init_chain_adjacency(const rl_params *p, uint64_t sweep_seed, uint8_t *adj,
                                rl_status *st)
{
    RL_TRY(rl_init_check_chain(p, st));
    int n = (int)p->model.hidden;
    double *z = rl_alloc(2 * (size_t)n, sizeof *z, st);
    if (!z) return st->code;
    double *a = z + n;
    rl_rng r;
    rl_rng_init(&r, sweep_seed, "init.chain", (uint64_t)p->seed, 0);
    for (int i = 0; i < n; i++)
        z[i] = rl_rng_normal(&r);
    rl_code rc = propensities(p, z, a, st);
    for (int i = 0; rc == RL_OK && i < n; i++)
        for (int j = 0; j < n; j++) {
            /* No self-loops; the diagonal consumes no draw. */
            double prob = fmin(1.0, p->init.chain_p * a[i] * a[j]);
            adj[(size_t)i * n + j] = (i != j) && rl_rng_uniform(&r) < prob;
        }
    rl_free(z);
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
