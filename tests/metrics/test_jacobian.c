/*
** test_jacobian.c: rows of the exact Jacobian d y / d theta (jacobian.c) against
** central finite differences through the real model's forward pass.
** Why: every kernel number rests on the backward recursion of slabs.h; finite
** differences of rl_rnn_forward test it independently of that derivation, with
** and without the leak (rho = 0 is the reference script, rho > 0 adds the
** rho g_{s+1} term), for every output step and for the last step only.
** Tolerance: the forward runs in float, so with step h = 3e-3 a central
** difference carries ~1e-5 rounding and O(h^2) truncation error; we require
** max |J - FD| <= 2e-3 max |J|. A wrong term (e.g. a dropped rho or (1 - rho))
** gives errors of order max |J|. Central differences are wrong where a step
** crosses relu's kink, so the network seeds are ones whose pre-activations all
** keep |a| > 0.006 (checked offline: seed 13 at rho = 0, min |a| = 0.015; seed 5
** at rho = 0.6, min |a| = 0.0063), beyond what a step of 1e-3 can move them.
*/
#include "mfix.h"
#include "rltest.h"

enum { N_IN = 3, N = 7, N_OUT = 2, T = 5, B = 3 };

/* FD Jacobian (rows x n_params) of the outputs selected by o, by central differences. */
static void fd_jacobian(rl_rnn *net, const rl_batch *x, bool last, double *fd)
{
    rl_status st = RL_STATUS_INIT;
    rl_rnn_work *w = NULL;
    mf_ok(rl_rnn_work_create(net, T, B, &w, &st), &st, "work");
    int rows = rl_metrics_kernel_rows(net, T, B, last), t_first = last ? T - 1 : 0;
    size_t np = net->n_params;
    double *yp = malloc(sizeof(double) * T * B * N_OUT);
    for (size_t q = 0; q < np; q++) {
        float v = net->theta[q];
        net->theta[q] = v + 1e-3f;
        double hp = (double)net->theta[q] - v; /* the step float actually took */
        rl_rnn_forward(net, x->x, w);
        for (int i = 0; i < T * B * N_OUT; i++)
            yp[i] = rl_rnn_outputs(w)[i];
        net->theta[q] = v - 1e-3f;
        double hm = v - (double)net->theta[q];
        rl_rnn_forward(net, x->x, w);
        for (int m = 0; m < rows; m++) {
            int i = t_first * B * N_OUT + m; /* row m is output index t_first*B*n_out + m */
            fd[(size_t)m * np + q] = (yp[i] - rl_rnn_outputs(w)[i]) / (hp + hm);
        }
        net->theta[q] = v;
    }
    free(yp);
    rl_rnn_work_destroy(&w);
}

static void check(float rho, uint64_t seed, bool last, rl_batch *x)
{
    rl_status st = RL_STATUS_INIT;
    rl_rnn *net = mf_net(N_IN, N, N_OUT, rho, 1.5, 1.0, seed);
    int rows = rl_metrics_kernel_rows(net, T, B, last);
    size_t np = net->n_params, nn = (size_t)N * N;
    double *j = malloc(sizeof(double) * rows * np), *fd = malloc(sizeof(double) * rows * np);
    double *jh = malloc(sizeof(double) * rows * nn);
    mf_ok(rl_metrics_jacobian(net, x, B, RL_KERNEL_WRT_ALL, last, j, &st), &st, "jacobian");
    fd_jacobian(net, x, last, fd);
    double scale = mf_max_abs(j, (size_t)rows * np), err = 0.0;
    for (size_t i = 0; i < (size_t)rows * np; i++)
        err = fmax(err, fabs(j[i] - fd[i]));
    RL_TEST(err <= 2e-3 * scale && scale > 0.1,
            "rho = %.1f, %s: all %d x %zu Jacobian entries match central differences "
            "(max error %.2e <= 2e-3 x max |J| = %.2e)",
            (double)rho, last ? "last step only" : "every step", rows, np, err, 2e-3 * scale);
    mf_ok(rl_metrics_jacobian(net, x, B, RL_KERNEL_WRT_WH, last, jh, &st), &st, "jacobian W_h");
    double diff = 0.0;
    for (int m = 0; m < rows; m++)
        for (size_t c = 0; c < nn; c++)
            diff = fmax(diff, fabs(jh[(size_t)m * nn + c] - j[(size_t)m * np + c]));
    RL_TEST(diff == 0.0,
            "rho = %.1f, %s: J wrt W_h is exactly the W_h block of J wrt all (max "
            "difference %.1e)",
            (double)rho, last ? "last step only" : "every step", diff);
    free(j);
    free(fd);
    free(jh);
    rl_rnn_destroy(&net);
}

int main(void)
{
    rl_batch x;
    mf_batch(&x, T, B, N_IN, N_OUT, 3);
    check(0.0f, 13, false, &x);
    check(0.0f, 13, true, &x);
    check(0.6f, 5, false, &x);
    check(0.6f, 5, true, &x);
    rl_batch_destroy(&x);
    return rl_test_done();
}
