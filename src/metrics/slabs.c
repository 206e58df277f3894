/*
** slabs.c: the backward slabs of slabs.h (module: metrics): d y_m / d a_s for every
** Jacobian row m and step s, by one batched recursion per step (the equations are
** in slabs.h). Shared by the explicit Jacobian (jacobian.c) and both kernel routes
** (kernel.c, explicit.c), so it lives beside its header rather than in one user.
** Written from Eq. 1 as model.h states it, using only the model's public forward
** (rl_rnn_hidden) and weights. All arithmetic in double (the network runs in float).
*/
#include "slabs.h"

#include <cblas.h>
#include <string.h>

static rl_code check_probe(const rl_rnn *net, const rl_batch *probe, int trials, rl_status *st)
{
    RL_CHECK(probe->n_in == net->n_in && probe->n_out == net->n_out, st, RL_EINPUT,
             "tangent kernel: the probe set has %d inputs and %d outputs but the network %d and "
             "%d; valid: a probe set of the network's task",
             probe->n_in, probe->n_out, net->n_in, net->n_out);
    RL_CHECK(trials >= 1 && trials <= probe->batch, st, RL_EINPUT,
             "tangent kernel: %d kernel trials requested but the probe set has %d; valid: "
             "1 <= probe.kernel_trials <= probe.trials",
             trials, probe->batch);
    return RL_OK;
}

/* ---- the slabs ---- */

/* Forward over the first B probe trials; fills s->r (r_t) and s->z ((1-rho)[r_{s-1} | x_s]). */
static rl_code fill_states(const rl_rnn *net, const rl_batch *probe, rl_slabs *s, rl_status *st)
{
    int T = s->steps, B = s->trials, n = s->n, ni = s->n_in;
    float *x = rl_alloc((size_t)T * B * ni, sizeof *x, st);
    if (!x) return RL_ENOMEM;
    for (int t = 0; t < T; t++) /* time-major: trial b of step t is row t*batch + b */
        memcpy(x + (size_t)t * B * ni, probe->x + (size_t)t * probe->batch * ni,
               (size_t)B * ni * sizeof *x);
    rl_rnn_work *w = NULL;
    rl_code rc = rl_rnn_work_create(net, T, B, &w, st);
    if (rc == RL_OK) {
        double c = 1.0 - (double)net->rho; /* Eq. 1: (1 - rho) scales W_h r + W_x x */
        rl_rnn_forward(net, x, w);
        for (int t = 0; t < T; t++) {
            const float *r = rl_rnn_hidden(w, t);
            for (size_t i = 0; i < (size_t)B * n; i++)
                s->r[(size_t)t * B * n + i] = r[i];
        }
        for (int t = 0; t < T; t++)
            for (int b = 0; b < B; b++) {
                double *z = s->z + ((size_t)t * B + b) * s->p;
                if (t > 0)
                    for (int j = 0; j < n; j++)
                        z[j] = c * s->r[((size_t)(t - 1) * B + b) * n + j];
                if (s->all)
                    for (int k = 0; k < ni; k++)
                        z[n + k] = c * x[((size_t)t * B + b) * ni + k];
            }
    }
    rl_rnn_work_destroy(&w);
    rl_free(x);
    return rc;
}

/* Seeds of slab `step` (output step t = step): g_t = D_t w_o^T, rows (b, o). */
static void seed(const rl_rnn *net, rl_slabs *s, int step, double *g)
{
    int n = s->n;
    for (int b = 0; b < s->trials; b++) {
        const double *r = s->r + ((size_t)step * s->trials + b) * n;
        for (int o = 0; o < s->n_out; o++, g += n)
            for (int i = 0; i < n; i++)
                g[i] = r[i] > 0.0 ? (double)net->w_out[(size_t)o * n + i] : 0.0;
    }
}

/*
** The rows of slab `step` after its seeds, from slab step+1 (slabs.h):
**     g_s = rho g_{s+1} + (1 - rho) D_s W_h^T g_{s+1},
** as rows g_s^T = rho g_{s+1}^T + (1 - rho) D_s o (g_{s+1}^T W_h): one GEMM for all rows.
*/
static void propagate(const rl_rnn *net, rl_slabs *s, int step, const double *wh, double *g)
{
    int n = s->n, rows = slab_rows(s, step + 1);
    const double *next = slab(s, step + 1);
    double rho = net->rho, c = 1.0 - rho;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, n, n, 1.0, next, n, wh, n, 0.0, g,
                n);
    for (int row = 0; row < rows; row++) {
        int b = (row / s->n_out) % s->trials;
        const double *r = s->r + ((size_t)step * s->trials + b) * n;
        double *gr = g + (size_t)row * n;
        const double *nr = next + (size_t)row * n;
        for (int i = 0; i < n; i++)
            gr[i] = rho * nr[i] + (r[i] > 0.0 ? c * gr[i] : 0.0);
    }
}

static rl_code fill_slabs(const rl_rnn *net, rl_slabs *s, rl_status *st)
{
    size_t nn = (size_t)s->n * (size_t)s->n;
    double *wh = rl_alloc(nn, sizeof *wh, st);
    if (!wh) return RL_ENOMEM;
    for (size_t i = 0; i < nn; i++)
        wh[i] = net->w_h[i];
    for (int step = s->steps - 1; step >= s->s_min; step--) {
        double *g = s->g + s->row0[step] * (size_t)s->n;
        if (step >= s->t_first) {
            seed(net, s, step, g);
            g += (size_t)s->trials * s->n_out * s->n;
        }
        if (step < s->steps - 1) propagate(net, s, step, wh, g);
    }
    rl_free(wh);
    return RL_OK;
}

rl_code rl_slabs_create(const rl_rnn *net, const rl_batch *probe, int trials, rl_kernel_wrt wrt,
                        bool last_step_only, rl_slabs **out, rl_status *st)
{
    *out = NULL;
    RL_TRY(check_probe(net, probe, trials, st));
    rl_slabs *s = rl_alloc(1, sizeof *s, st);
    if (!s) return RL_ENOMEM;
    s->n = net->n_hidden;
    s->n_in = net->n_in;
    s->n_out = net->n_out;
    s->steps = probe->steps;
    s->trials = trials;
    s->t_first = last_step_only ? s->steps - 1 : 0;
    s->all = wrt == RL_KERNEL_WRT_ALL;
    s->s_min = s->all ? 0 : 1;
    s->p = s->n + (s->all ? s->n_in : 0);
    size_t states = (size_t)s->steps * s->trials, total = 0;
    rl_code rc = RL_ENOMEM;
    s->row0 = rl_alloc((size_t)s->steps + 1, sizeof *s->row0, st);
    if (!s->row0) goto fail;
    for (int step = s->s_min; step < s->steps; step++) {
        s->row0[step] = total;
        total += (size_t)slab_rows(s, step);
    }
    s->row0[s->steps] = total;
    s->g = rl_alloc(total * s->n, sizeof *s->g, st);
    s->z = rl_alloc(states * s->p, sizeof *s->z, st);
    s->r = rl_alloc(states * s->n, sizeof *s->r, st);
    if (!s->g || !s->z || !s->r) goto fail;
    if ((rc = fill_states(net, probe, s, st)) != RL_OK) goto fail;
    if ((rc = fill_slabs(net, s, st)) != RL_OK) goto fail;
    *out = s;
    return RL_OK;
fail:
    rl_slabs_destroy(&s);
    return rc;
}

void rl_slabs_destroy(rl_slabs **s)
{
    if (!s || !*s) return;
    rl_free((*s)->row0);
    rl_free((*s)->g);
    rl_free((*s)->z);
    rl_free((*s)->r);
    rl_free(*s);
    *s = NULL;
}
