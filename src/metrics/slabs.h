/*
** slabs.h: private to the metrics module. d y_m / d a_s for every row m of the
** Jacobian and every step s, computed once by batched backward recursions (slabs.c)
** and shared by the explicit Jacobian (jacobian.c) and both kernel routes (kernel.c,
** explicit.c).
**
** For an output y = w_o r_t of one trial (Eq. 1, model.h), with D_s = diag[r_s > 0]:
**     g_t = D_t w_o^T,   g_s = rho g_{s+1} + (1 - rho) D_s W_h^T g_{s+1}   (s < t),
**     d y / d W_h = sum_s g_s z_s^T,  z_s = (1 - rho) r_{s-1}  (r_{-1} = 0),
**     d y / d W_x = sum_s g_s (1 - rho) x_s^T,   d y / d w_o' = [o = o'] r_t.
** g_s = 0 for s > t (da_s = 0 after the output) and rows of trial b involve only
** trial b's states. "Slab s" holds g_s for every row whose output step t >= s,
** ordered (t, b, o) with t ascending: its rows for t > s are exactly slab s+1's
** rows propagated one step, so each step is one GEMM for all trials and outputs.
*/
#ifndef RL_METRICS_SLABS_H
#define RL_METRICS_SLABS_H

#include "richlazy/metrics.h"

typedef struct rl_slabs {
    int n, n_in, n_out, steps, trials;
    int t_first; /* first output step with rows: 0, or steps - 1 (last step only) */
    int s_min;   /* lowest step needed: 1 for W_h (z_0 = 0), 0 for all parameters */
    int p;       /* length of z: n (W_h) or n + n_in (all parameters) */
    bool all;
    size_t *row0; /* slab s starts at row row0[s] of g (steps + 1 entries) */
    double *g;    /* every slab, rows of n doubles */
    double *z;    /* steps*trials x p, row s*trials + b: (1 - rho) [r_{s-1} | x_s] */
    double *r;    /* steps*trials x n, row t*trials + b: r_t */
} rl_slabs;

/* Runs net on the first `trials` probe trials and fills every slab. */
rl_code rl_slabs_create(const rl_rnn *net, const rl_batch *probe, int trials, rl_kernel_wrt wrt,
                        bool last_step_only, rl_slabs **out, rl_status *st);
void rl_slabs_destroy(rl_slabs **s);
/* K (m x m, symmetric) of the weight terms by forming J in column blocks (explicit.c). */
rl_code rl_slabs_kernel_explicit(const rl_slabs *s, double *k, rl_status *st);

/* Rows of slab `step`: one per (t, b, o) with t >= max(step, t_first). */
static inline int slab_rows(const rl_slabs *s, int step)
{
    int t0 = step > s->t_first ? step : s->t_first;
    return (s->steps - t0) * s->trials * s->n_out;
}

/* Rows of J (and of K): (steps - t_first) * trials * n_out. */
static inline int slab_m_total(const rl_slabs *s)
{
    return (s->steps - s->t_first) * s->trials * s->n_out;
}

/* Jacobian row of row 0 of slab `step`; row i of the slab is Jacobian row this + i. */
static inline int slab_first_m(const rl_slabs *s, int step)
{
    int t0 = step > s->t_first ? step : s->t_first;
    return (t0 - s->t_first) * s->trials * s->n_out;
}

static inline const double *slab(const rl_slabs *s, int step)
{
    return s->g + s->row0[step] * (size_t)s->n;
}

#endif /* RL_METRICS_SLABS_H */
