/*
** explicit.c: the tangent kernel K = J J^T by forming J in column blocks
** (module: metrics), the second route of kernel.c.
** Why: kernel.c's Gram route costs (sum_s rows_s)^2 N. When every row reaches far
** back (long trials read at the last step: sMNIST, T = 28, 2000 rows) J J^T itself,
** M^2 N P, is cheaper by (T-1)^2/P = 2.4 at N = P = 300. J never exists whole:
** for a block of hidden units a0..a0+na-1 the columns of W_h's (and W_x's) rows
** a are formed for every Jacobian row, K += J_blk J_blk^T (dsyrk), and the next
** block reuses the buffer (at most BLOCK_BYTES).
** Per trial b and output step t, the O rows (t, b, o) need, for unit a and column k,
**     J[(t,b,o), (a,k)] = sum_{s <= t} g_{(t,b,o),s}[a] z_{b,s}[k],
** one GEMM: A (O na x (t - s_min + 1), gathered from the slabs) times Z_b.
*/
#include "slabs.h"

#include <cblas.h>
#include <string.h>

#define BLOCK_BYTES (64u << 20) /* one J column block: bounds memory, keeps dsyrk's K large */

/* Row of slab `step` holding g_{(t,b,o),step}. */
static size_t slab_row(const rl_slabs *s, int step, int t, int b, int o)
{
    int t0 = step > s->t_first ? step : s->t_first;
    return ((size_t)(t - t0) * s->trials + b) * s->n_out + o;
}

/* J's columns of units a0..a0+na-1 for the rows of trial b at output step t, into jb. */
static void form_rows(const rl_slabs *s, int a0, int na, int t, int b, double *a, double *jb)
{
    int n = s->n, p = s->p, ks = t - s->s_min + 1, m0;
    for (int o = 0; o < s->n_out; o++) /* A[(o, i), s] = g_{(t,b,o),s}[a0 + i] */
        for (int step = s->s_min; step <= t; step++) {
            const double *g = slab(s, step) + slab_row(s, step, t, b, o) * n + a0;
            for (int i = 0; i < na; i++)
                a[((size_t)o * na + i) * ks + (step - s->s_min)] = g[i];
        }
    m0 = ((t - s->t_first) * s->trials + b) * s->n_out; /* the O rows are consecutive */
    /* rows (o, i) of the product are row m0 + o of J_blk, columns (i, k): ldc = p */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s->n_out * na, p, ks, 1.0, a, ks,
                s->z + ((size_t)s->s_min * s->trials + b) * p, s->trials * p, 0.0,
                jb + (size_t)m0 * na * p, p);
}

rl_code rl_slabs_kernel_explicit(const rl_slabs *s, double *k, rl_status *st)
{
    int m = slab_m_total(s), n = s->n, p = s->p;
    size_t per_unit = (size_t)m * p * sizeof(double);
    /* At most half the units per block: the block logic (and a partial last block) then
       runs in every configuration, the small tests included; at the paper's sizes
       memory splits J far finer anyway. */
    int na = (int)(BLOCK_BYTES / per_unit), half = (n + 1) / 2;
    na = na < 1 ? 1 : na > half ? half : na;
    double *jb = rl_alloc((size_t)m * na * p, sizeof *jb, st);
    double *a = rl_alloc((size_t)s->n_out * na * s->steps, sizeof *a, st);
    if (!jb || !a) {
        rl_free(jb);
        rl_free(a);
        return RL_ENOMEM;
    }
    memset(k, 0, (size_t)m * m * sizeof *k);
    int a_end = s->steps - 1 < s->s_min ? 0 : n; /* T = 1 and W_h only: no input, K = 0 */
    for (int a0 = 0; a0 < a_end; a0 += na) {
        int nb = a0 + na <= n ? na : n - a0;
        for (int t = s->t_first; t < s->steps; t++)
            for (int b = 0; b < s->trials; b++)
                if (t >= s->s_min)
                    form_rows(s, a0, nb, t, b, a, jb);
                else /* rows before any W_h input: J = 0 */
                    memset(jb + (size_t)((t - s->t_first) * s->trials + b) * s->n_out * nb * p, 0,
                           (size_t)s->n_out * nb * p * sizeof *jb);
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, m, nb * p, 1.0, jb, nb * p, 1.0, k, m);
    }
    for (int i = 0; i < m; i++) /* dsyrk filled the upper triangle */
        for (int c = 0; c < i; c++)
            k[(size_t)i * m + c] = k[(size_t)c * m + i];
    rl_free(jb);
    rl_free(a);
    return RL_OK;
}
