/*
** test_scored_steps.c: the performance paths of rnn.c's backward that the
** gradient check (tests/model, every step scored) does not reach: leading steps
** whose dL/dy is all zero are left out of the readout GEMMs (sMNIST scores only
** its last step), and a batch with nothing scored gives a zero gradient.
** Reference: BPTT written loop by loop in double from Eq. 1–2, fed the float
** forward's r_t (so relu' sees the same kinks) and the loss's dL/dy; what is
** left is float rounding in the GEMMs (~1e-6 relative), far below the 1e-5
** tolerance, while a dropped or double-counted step changes entries by O(1).
** Lives with the benchmarks because it guards their optimisations.
*/
#include "../model/fixture.h"
#include "rltest.h"

#include <string.h>

enum { T = 6, B = 5, N_IN = 4, N_HID = 33, N_OUT = 3 };

static const double TOL = 1e-5; /* relative to the matrix's max |dL/dW| */

/* dL/dtheta by Eq. 1–2 in double; r (T*B*N) is the float forward's hidden state. */
static void ref_grad(const rl_rnn *net, const float *x, const float *r, const float *dy,
                     double *grad)
{
    const int n = N_HID;
    const double rho = net->rho, c = 1.0 - rho;
    double *gh = grad, *gx = grad + n * n, *gw = gx + n * N_IN;
    static double g[T][B][N_HID];
    memset(grad, 0, net->n_params * sizeof *grad);
    for (int t = T - 1; t >= 0; t--)
        for (int b = 0; b < B; b++) {
            size_t row = (size_t)t * B + b;
            for (int j = 0; j < n; j++) {
                double dr = 0.0; /* dL/dr_t = dy_t w + (1-rho) g_{t+1} W_h */
                for (int o = 0; o < N_OUT; o++)
                    dr += (double)dy[row * N_OUT + o] * net->w_out[o * n + j];
                for (int i = 0; t + 1 < T && i < n; i++)
                    dr += c * g[t + 1][b][i] * net->w_h[i * n + j];
                g[t][b][j] =
                    (r[row * n + j] > 0.0f ? dr : 0.0) + (t + 1 < T ? rho * g[t + 1][b][j] : 0.0);
            }
            for (int i = 0; i < n; i++) {
                for (int j = 0; t > 0 && j < n; j++)
                    gh[i * n + j] += c * g[t][b][i] * r[(row - B) * n + j];
                for (int k = 0; k < N_IN; k++)
                    gx[i * N_IN + k] += c * g[t][b][i] * x[row * N_IN + k];
            }
            for (int o = 0; o < N_OUT; o++)
                for (int j = 0; j < n; j++)
                    gw[o * n + j] += (double)dy[row * N_OUT + o] * r[row * n + j];
        }
}

/* Largest |got - want| over one matrix, relative to its max |want| (absolute if 0). */
static double rel_err(const float *got, const double *want, size_t len)
{
    double scale = 0.0, err = 0.0;
    for (size_t i = 0; i < len; i++) {
        scale = fmax(scale, fabs(want[i]));
        err = fmax(err, fabs((double)got[i] - want[i]));
    }
    return scale > 0.0 ? err / scale : err;
}

/*
** One case: steps before `first` unscored (mask 0); first = T scores nothing.
** net and w are reused across cases, so stale state from the previous case
** would show (a workspace is documented to carry nothing over).
*/
static void check_case(rl_rnn *net, rl_rnn_work *w, int first, float *grad, double *want)
{
    const float rho = net->rho;
    rl_batch bt;
    fx_rng rng = {11 + (uint64_t)first};
    fx_batch_alloc(&bt, T, B, N_IN, N_OUT);
    fx_init_net(net, 1.25, &rng);
    for (int i = 0; i < T * B * N_IN; i++)
        bt.x[i] = (float)fx_normal(&rng);
    for (int i = 0; i < T * B; i++) {
        bt.label[i] = (int32_t)(fx_next(&rng) % N_OUT);
        bt.mask[i] = i / B >= first ? 1.0f : 0.0f;
    }
    rl_rnn_forward(net, bt.x, w);
    rl_loss_eval(RL_LOSS_CE, &bt, rl_rnn_outputs(w), rl_rnn_output_grad(w), NULL, NULL);
    memset(grad, 0x7f, net->n_params * sizeof *grad); /* backward must overwrite every entry */
    rl_rnn_backward(net, bt.x, w, grad);
    static float r[T * B * N_HID];
    for (int t = 0; t < T; t++)
        memcpy(r + (size_t)t * B * N_HID, rl_rnn_hidden(w, t), sizeof(float) * B * N_HID);
    ref_grad(net, bt.x, r, rl_rnn_output_grad(w), want);

    size_t nh = (size_t)N_HID * N_HID, nx = (size_t)N_HID * N_IN, nw = (size_t)N_OUT * N_HID;
    if (first == T) {
        size_t nonzero = 0;
        for (size_t i = 0; i < net->n_params; i++)
            nonzero += grad[i] != 0.0f;
        RL_TEST(nonzero == 0,
                "rho = %.1f, no step scored: all %zu gradient entries are exactly 0 "
                "(%zu are not)",
                (double)rho, net->n_params, nonzero);
    } else {
        double eh = rel_err(grad, want, nh), ex = rel_err(grad + nh, want + nh, nx),
               ew = rel_err(grad + nh + nx, want + nh + nx, nw);
        RL_TEST(eh <= TOL && ex <= TOL && ew <= TOL,
                "rho = %.1f, steps %d..%d of %d scored: dW_h, dW_x, dw match double BPTT "
                "(rel. err %.1e, %.1e, %.1e <= %.0e)",
                (double)rho, first, T - 1, T, eh, ex, ew, TOL);
    }
    fx_batch_free(&bt);
}

int main(void)
{
    static const float rhos[] = {0.0f, 0.6f};
    /* all scored, leading two unscored, sMNIST's last step only, none (after a scored case) */
    static const int firsts[] = {0, 2, T - 1, T};
    for (int i = 0; i < 2; i++) {
        rl_status st = RL_STATUS_INIT;
        rl_rnn *net = NULL;
        rl_rnn_work *w = NULL;
        float *grad = NULL;
        double *want = NULL;
        if (rl_rnn_create(N_IN, N_HID, N_OUT, rhos[i], &net, &st) ||
            rl_rnn_work_create(net, T, B, &w, &st) ||
            !(grad = rl_alloc(net->n_params, sizeof *grad, &st)) ||
            !(want = rl_alloc(net->n_params, sizeof *want, &st))) {
            RL_TEST(0, "set-up failed: %s", st.msg);
            return rl_test_done();
        }
        for (int k = 0; k < 4; k++)
            check_case(net, w, firsts[k], grad, want);
        rl_free(grad);
        rl_free(want);
        rl_rnn_work_destroy(&w);
        rl_rnn_destroy(&net);
    }
    return rl_test_done();
}
