/*
** jacobian.c: exact derivatives of the probe outputs with respect to the weights
** (module: metrics): the explicit Jacobian J, assembled from the backward slabs
** of slabs.h (slabs.c).
** Why here and not in model: metrics needs d y_m / d theta for every output
** separately, where the model's BPTT gives only the gradient of one scalar loss.
** The recursion is written from Eq. 1 as model.h states it, using only the
** model's public forward (rl_rnn_hidden) and weights, so metrics depends on model
** through its API alone. All arithmetic in double (the network runs in float).
*/
#include "slabs.h"

#include <cblas.h>
#include <string.h>

/* ---- shapes ---- */

int rl_metrics_kernel_rows(const rl_rnn *net, int steps, int trials, bool last_step_only)
{
    return (last_step_only ? 1 : steps) * trials * net->n_out;
}

size_t rl_metrics_jacobian_cols(const rl_rnn *net, rl_kernel_wrt wrt)
{
    size_t nh = (size_t)net->n_hidden * (size_t)net->n_hidden;
    return wrt == RL_KERNEL_WRT_ALL ? net->n_params : nh;
}

/* ---- the explicit Jacobian ---- */

/* Adds sum_s g_s z_s^T (W_h, and W_x for all parameters) into the rows of j. */
static void add_weight_terms(const rl_slabs *s, size_t cols, double *j)
{
    int n = s->n;
    for (int step = s->s_min; step < s->steps; step++) {
        const double *g = slab(s, step);
        int m0 = slab_first_m(s, step);
        for (int row = 0; row < slab_rows(s, step); row++) {
            int b = (row / s->n_out) % s->trials;
            const double *z = s->z + ((size_t)step * s->trials + b) * s->p;
            double *jm = j + (size_t)(m0 + row) * cols;
            const double *gr = g + (size_t)row * n;
            cblas_dger(CblasRowMajor, n, n, 1.0, gr, 1, z, 1, jm, n); /* d y / d W_h */
            if (s->all)                                               /* d y / d W_x */
                cblas_dger(CblasRowMajor, n, s->n_in, 1.0, gr, 1, z + n, 1, jm + (size_t)n * n,
                           s->n_in);
        }
    }
}

/* d y_{t,o} / d w_out[o', :] = [o = o'] r_t. */
static void add_readout_terms(const rl_slabs *s, size_t cols, double *j)
{
    int n = s->n, rows = slab_m_total(s);
    size_t off = (size_t)n * n + (size_t)n * s->n_in;
    for (int m = 0; m < rows; m++) {
        int o = m % s->n_out, b = (m / s->n_out) % s->trials;
        int t = s->t_first + m / (s->n_out * s->trials);
        const double *r = s->r + ((size_t)t * s->trials + b) * n;
        memcpy(j + (size_t)m * cols + off + (size_t)o * n, r, (size_t)n * sizeof *r);
    }
}

rl_code rl_metrics_jacobian(const rl_rnn *net, const rl_batch *probe, int trials, rl_kernel_wrt wrt,
                            bool last_step_only, double *j, rl_status *st)
{
    rl_slabs *s = NULL;
    RL_TRY(rl_slabs_create(net, probe, trials, wrt, last_step_only, &s, st));
    size_t cols = rl_metrics_jacobian_cols(net, wrt);
    int rows = slab_m_total(s);
    memset(j, 0, (size_t)rows * cols * sizeof *j);
    add_weight_terms(s, cols, j);
    if (s->all) add_readout_terms(s, cols, j);
    rl_slabs_destroy(&s);
    return RL_OK;
}
