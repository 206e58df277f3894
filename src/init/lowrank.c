/*
** lowrank.c: the kinds svd and softrank — the paper's "rank" knob (module: init).
** Why: paper Fig. 1 — SVD W0 = U S V^T of the seed's Gaussian, keep the top r
** singular triplets, rescale to W0's Frobenius norm (magnitude.c). Both kinds
** reuse the singular vectors of the same W0, so every rank of one seed is a
** paired comparison. With r = init.rank (0 = N), as generated:
**   svd       W = sum_{k<r} s_k u_k v_k^T        of Z / sqrt(N)   (rank exactly r)
**   softrank  W = sum_{k<N} exp(-k/r) u_k v_k^T   (s_1 = 1)
** Soft rank is our own law (no published recipe; structures.md): its singular
** values decay geometrically with ratio q = exp(-1/r), so the participation ratio
** (sum s^2)^2 / sum s^4 = coth(1/r) (1 - q^2N)/(1 + q^2N) ~ r, matching hard rank r
** on that measure while keeping every direction.
** init.base uniform (appendix "uniform init"): the triplets of W0's uniform twin
** sqrt(3) erf(Z / sqrt 2) / sqrt(N) — the same draw through the normal CDF, so
** the uniform base is paired with the Gaussian one and has its variance.
** The same truncation serves kind file (rl_init_truncate): a teacher's trained
** W_h cut to its top r triplets is the task-aligned rank-r init of Fig. 3C.
*/
#include "internal.h"

#include <assert.h>
#include <cblas.h>
#include <math.h>
#include <string.h>

/*
** W = U[:, :r] diag(s[:r]) VT[:r, :], with U scaled in place: one GEMM of
** inner dimension r (row strides stay n).
*/
static void assemble(int n, int r, double *u, const double *s, const double *vt, double *w)
{
    for (int i = 0; i < n; i++)
        for (int k = 0; k < r; k++)
            u[(size_t)i * n + k] *= s[k];
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, r, 1.0, u, n, vt, n, 0.0, w, n);
}

/*
** The singular triplets of the base matrix: Z / sqrt(n) (those of W0 up to the
** factor g) or, for init.base uniform, its uniform twin of the same variance.
*/
static rl_code svd_of_w0(const rl_params *p, const double *z, double **u, double **s, double **vt,
                         rl_status *st)
{
    int n = (int)p->model.hidden;
    bool uniform = strcmp(p->init.base, "uniform") == 0;
    size_t nn = (size_t)n * (size_t)n;
    *u = rl_alloc(3 * nn + (size_t)n, sizeof **u, st);
    if (!*u) return st->code;
    *vt = *u + nn;
    double *w0 = *u + 2 * nn;
    *s = *u + 3 * nn;
    double c = 1.0 / sqrt((double)n);
    for (size_t k = 0; k < nn; k++) /* Var(sqrt(3) erf(z / sqrt 2)) = 1 */
        w0[k] = uniform ? c * sqrt(3.0) * erf(z[k] / sqrt(2.0)) : c * z[k];
    rl_code rc = rl_init_svd(w0, n, *u, *s, *vt, st);
    if (rc != RL_OK) rl_free(*u);
    return rc;
}

rl_code rl_init_truncate(double *w, int n, int r, rl_status *st)
{
    if (r <= 0 || r >= n) return RL_OK; /* 0 = every triplet; r = n is W itself */
    size_t nn = (size_t)n * (size_t)n;
    double *u = rl_alloc(2 * nn + (size_t)n, sizeof *u, st);
    if (!u) return st->code;
    double *vt = u + nn, *s = u + 2 * nn;
    rl_code rc = rl_init_svd(w, n, u, s, vt, st);
    if (rc == RL_OK) assemble(n, r, u, s, vt, w);
    rl_free(u);
    return rc;
}

/* 1..N. Precondition: 0 <= init.rank <= model.hidden (rl_params_check's limit,
   which rl_init_recurrent runs through rl_init_check). */
static int effective_r(const rl_params *p)
{
    assert(p->init.rank >= 0 && p->init.rank <= p->model.hidden);
    return p->init.rank == 0 ? (int)p->model.hidden : (int)p->init.rank;
}

rl_code rl_init_gen_svd(const rl_params *p, uint64_t sweep_seed, const double *z, double *w,
                        rl_status *st)
{
    (void)sweep_seed;
    int n = (int)p->model.hidden;
    double *u, *s, *vt;
    RL_TRY(svd_of_w0(p, z, &u, &s, &vt, st));
    assemble(n, effective_r(p), u, s, vt, w);
    rl_free(u);
    return RL_OK;
}

rl_code rl_init_gen_softrank(const rl_params *p, uint64_t sweep_seed, const double *z, double *w,
                             rl_status *st)
{
    (void)sweep_seed;
    int n = (int)p->model.hidden;
    double r = (double)effective_r(p);
    double *u, *s, *vt;
    RL_TRY(svd_of_w0(p, z, &u, &s, &vt, st));
    for (int k = 0; k < n; k++)
        s[k] = exp(-(double)k / r); /* s_i = exp(-(i - 1)/r), i = k + 1 */
    assemble(n, n, u, s, vt, w);
    rl_free(u);
    return RL_OK;
}
