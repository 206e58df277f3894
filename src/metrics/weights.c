/*
** weights.c: Eq. 4, the weight change between the initial and final networks
** (module: metrics).
** Why: the paper's Eq. 4 writes ||W(f) - W(0)|| for all parameters while the
** reference script reports W_h alone; both are kept, plus the change relative to
** ||W_h(0)||_F, which compares networks of different initial magnitude.
** Sums run in double: theta has ~10^5 floats and a float sum would lose digits.
*/
#include "richlazy/metrics.h"

#include <math.h>

double rl_metrics_distance(const float *a, const float *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)a[i] - (double)b[i];
        s += d * d;
    }
    return sqrt(s);
}

double rl_metrics_norm(const float *a, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)a[i] * (double)a[i];
    return sqrt(s);
}

rl_code rl_metrics_weight_change(const rl_rnn *n0, const rl_rnn *nf, rl_weight_change *out,
                                 rl_status *st)
{
    RL_CHECK(n0->n_in == nf->n_in && n0->n_hidden == nf->n_hidden && n0->n_out == nf->n_out, st,
             RL_EINPUT,
             "weight change: the networks differ in shape (%d-%d-%d vs %d-%d-%d); valid: the "
             "initial and final weights of one network",
             n0->n_in, n0->n_hidden, n0->n_out, nf->n_in, nf->n_hidden, nf->n_out);
    size_t nh = (size_t)n0->n_hidden * (size_t)n0->n_hidden;
    double norm0 = rl_metrics_norm(n0->w_h, nh);
    out->w_h = rl_metrics_distance(nf->w_h, n0->w_h, nh); /* Eq. 4 on W_h */
    out->all = rl_metrics_distance(nf->theta, n0->theta, n0->n_params);
    out->w_h_rel = norm0 > 0.0 ? out->w_h / norm0 : NAN;
    return RL_OK;
}
