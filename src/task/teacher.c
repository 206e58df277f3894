/*
** teacher.c: the teacher task of the two-layer linear network (module: task;
** declared in task.h, the network in linear2.h).
**   X: d x m, Gaussian then whitened (X X^T = m I),   teacher y = beta^T F x = b^T x,
**   beta ~ N(0, 1/d),  F = U diag(kappa, .., kappa, 1, .., 1) V^T (top d/2 = kappa),
**   b = F^T beta (what y sees in input space).
** Streams (rng.h): "linear.teacher" (beta, U, V) and "linear.data" (X) keyed by
** linear.teacher_seed (or the item seed when -1), so items that differ only in
** their network or init see the same teacher and samples (paired design).
** Why here and not beside the network: the samples are a task's, and the model
** takes them as plain arrays, so neither knows the other.
** Invariants: X X^T = m I to rounding; the rows of v are F's right singular vectors.
*/
#include "richlazy/task.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

/* q (d x d) Haar-orthogonal: QR of a Gaussian with R's diagonal made positive. */
static rl_code haar_orthogonal(rl_rng *r, int d, double *q, rl_status *st)
{
    double *tau = rl_alloc(2 * (size_t)d, sizeof *tau, st);
    if (!tau) return RL_ENOMEM;
    double *sign = tau + d;
    rl_rng_fill_normal_d(r, q, (size_t)d * d, 0.0, 1.0);
    lapack_int info = LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, d, d, q, d, tau);
    for (int i = 0; i < d; i++)
        sign[i] = q[(size_t)i * d + i] < 0.0 ? -1.0 : 1.0;
    if (info == 0) info = LAPACKE_dorgqr(LAPACK_ROW_MAJOR, d, d, d, q, d, tau);
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++)
            q[(size_t)i * d + j] *= sign[j];
    rl_free(tau);
    RL_CHECK(info == 0, st, RL_EBUG, "linear2: LAPACK QR failed (info %d) for d = %d", (int)info,
             d);
    return RL_OK;
}

/* X <- (X X^T / m)^{-1/2} X, so that X X^T = m I. c: 2 d^2 + d doubles, tmp: d m. */
static rl_code whiten(double *x, int d, int m, double *c, double *tmp, rl_status *st)
{
    double *q = c, *w = c + (size_t)d * d, *ev = w + (size_t)d * d;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, d, d, m, 1.0 / m, x, m, x, m, 0.0, q, d);
    lapack_int info = LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', d, q, d, ev);
    RL_CHECK(info == 0 && ev[0] > 1e-12 * ev[d - 1], st, RL_EBUG,
             "linear2: the input covariance is singular (info %d); cannot whiten", (int)info);
    for (int i = 0; i < d; i++) /* w = Q diag(ev^-1/2) Q^T */
        for (int j = 0; j < d; j++) {
            double s = 0.0;
            for (int k = 0; k < d; k++)
                s += q[(size_t)i * d + k] * q[(size_t)j * d + k] / sqrt(ev[k]);
            w[(size_t)i * d + j] = s;
        }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d, m, d, 1.0, w, d, x, m, 0.0, tmp, m);
    memcpy(x, tmp, (size_t)d * m * sizeof *x);
    return RL_OK;
}

/* F = U diag(s) V^T with s = kappa for the top d/2, 1 below; b = F^T beta. */
static rl_code draw_teacher(const rl_params *p, uint64_t sweep_seed, uint64_t key,
                            rl_task_teacher *t, double *u, rl_status *st)
{
    int d = t->d, h = d / 2;
    rl_rng r;
    rl_rng_init(&r, sweep_seed, "linear.teacher", key, 0);
    double *beta = t->y; /* y is still free: borrow it for beta (d <= m) */
    rl_rng_fill_normal_d(&r, beta, (size_t)d, 0.0, 1.0 / sqrt(d)); /* beta ~ N(0, 1/d) */
    RL_TRY(haar_orthogonal(&r, d, u, st));
    RL_TRY(haar_orthogonal(&r, d, t->v, st)); /* columns are V's singular vectors */
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) {
            double s = 0.0;
            for (int k = 0; k < d; k++)
                s += u[(size_t)i * d + k] * (k < h ? p->linear.kappa : 1.0) *
                     t->v[(size_t)j * d + k];
            t->f[(size_t)i * d + j] = s;
        }
    for (int i = 0; i < d; i++) /* store V^T: row i = v_i */
        for (int j = 0; j < i; j++) {
            double tmp = t->v[(size_t)i * d + j];
            t->v[(size_t)i * d + j] = t->v[(size_t)j * d + i];
            t->v[(size_t)j * d + i] = tmp;
        }
    cblas_dgemv(CblasRowMajor, CblasTrans, d, d, 1.0, t->f, d, beta, 1, 0.0, t->b, 1);
    return RL_OK;
}

static rl_code fill_data(const rl_params *p, uint64_t sweep_seed, rl_task_teacher *t, rl_status *st)
{
    int d = t->d, m = t->m;
    uint64_t key =
        p->linear.teacher_seed >= 0 ? (uint64_t)p->linear.teacher_seed : (uint64_t)p->seed;
    size_t dd = (size_t)d * d;
    double *scratch = rl_alloc(4 * dd + d + (size_t)d * m, sizeof *scratch, st);
    if (!scratch) return RL_ENOMEM;
    rl_code rc = draw_teacher(p, sweep_seed, key, t, scratch, st);
    if (rc == RL_OK) {
        rl_rng r;
        rl_rng_init(&r, sweep_seed, "linear.data", key, 0);
        rl_rng_fill_normal_d(&r, t->x, (size_t)d * m, 0.0, 1.0);
        rc = whiten(t->x, d, m, scratch, scratch + 3 * dd + d, st);
    }
    if (rc == RL_OK) /* y = b^T X */
        cblas_dgemv(CblasRowMajor, CblasTrans, d, m, 1.0, t->x, m, t->b, 1, 0.0, t->y, 1);
    rl_free(scratch);
    return rc;
}

/* ---- public API ---- */

rl_code rl_task_teacher_check(const rl_params *p, rl_status *st)
{
    RL_CHECK_PARAM(p->linear.m >= p->linear.d, st, "linear.m linear.d",
                   "linear.m = %ld < linear.d = %ld; valid: linear.m >= linear.d (the inputs are "
                   "whitened, X X^T = m I, which needs at least d samples)",
                   p->linear.m, p->linear.d);
    return RL_OK;
}

rl_code rl_task_teacher_create(const rl_params *p, uint64_t sweep_seed, rl_task_teacher **out,
                               rl_status *st)
{
    *out = NULL;
    RL_TRY(rl_task_teacher_check(p, st));
    long d = p->linear.d, m = p->linear.m;
    rl_task_teacher *t = rl_alloc(1, sizeof *t, st);
    if (!t) return RL_ENOMEM;
    t->d = (int)d;
    t->m = (int)m;
    t->x = rl_alloc((size_t)d * (size_t)m, sizeof *t->x, st);
    t->y = rl_alloc((size_t)m, sizeof *t->y, st);
    t->b = rl_alloc((size_t)d, sizeof *t->b, st);
    t->f = rl_alloc((size_t)d * (size_t)d, sizeof *t->f, st);
    t->v = rl_alloc((size_t)d * (size_t)d, sizeof *t->v, st);
    rl_code rc = RL_ENOMEM;
    if (t->x && t->y && t->b && t->f && t->v) rc = fill_data(p, sweep_seed, t, st);
    if (rc != RL_OK) {
        rl_task_teacher_destroy(&t);
        return rc;
    }
    *out = t;
    return RL_OK;
}

void rl_task_teacher_destroy(rl_task_teacher **t)
{
    if (!t || !*t) return;
    rl_free((*t)->x);
    rl_free((*t)->y);
    rl_free((*t)->b);
    rl_free((*t)->f);
    rl_free((*t)->v);
    rl_free(*t);
    *t = NULL;
}
