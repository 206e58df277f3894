/*
** test_gradcheck.c: the float forward and BPTT of rnn.c (with the loss
** gradients of loss.c) against an independent double-precision forward + loss
** written here loop by loop from Eq. 1–2: outputs directly, and every entry of
** dL/dW_h, dL/dW_x, dL/dw against central finite differences of the double loss.
** Why a double reference: float rounding (~1e-7) would swamp the finite
** difference quotient; in double with h = 1e-5 its error is ~1e-10, so any
** disagreement above the float level is a wrong gradient.
** Cases: CE and MSE, rho = 0 and 0.6 on N = 7, n_in = 3, n_out = 3, T = 5,
** B = 4 with every third (t, b) masked out, and the boundaries T = 1, B = 1
** (W_h unused) and T = 2, B = 1.
*/
#include "fixture.h"
#include "rltest.h"

#include <string.h>

enum { N_IN = 3, N_HID = 7, N_OUT = 3, N_MAX = 16 };
_Static_assert(N_HID <= N_MAX && N_OUT <= N_MAX, "the reference keeps its state in N_MAX arrays");

static const double FD_H = 1e-5;     /* central difference step */
static const double GRAD_TOL = 1e-5; /* relative to the matrix's max |dL/dW|; float gives ~2e-7 */
static const double FWD_TOL = 1e-5;  /* relative to max |y| */
/*
** Smallest |a_t| that keeps FD off relu's kink: nudging one weight by h moves a_t
** by h |x or r| (~1) times the growth over T steps, far below 20 h.
*/
static const double KINK = 20 * 1e-5;

typedef struct gc_case {
    rl_loss_kind kind;
    double rho;
    int steps, batch;
    const char *name;
} gc_case;

/* Eq. 1–2 and the loss in double for one trial b; adds its masked loss to *sum. */
static void ref_trial(const double *theta, double rho, const rl_batch *bt, int b, rl_loss_kind kind,
                      double *y_all, double *sum, double *min_abs_a)
{
    const int n = N_HID, n_in = N_IN, n_out = N_OUT;
    const double *wh = theta, *wx = theta + n * n, *wo = wx + n * n_in;
    double a[N_MAX] = {0}, r[N_MAX] = {0}, s[N_MAX], y[N_MAX];
    for (int t = 0; t < bt->steps; t++) {
        size_t row = (size_t)t * bt->batch + b;
        const float *x = bt->x + row * n_in;
        for (int i = 0; i < n; i++) {
            s[i] = 0.0;
            for (int j = 0; j < n; j++)
                s[i] += wh[i * n + j] * r[j];
            for (int k = 0; k < n_in; k++)
                s[i] += wx[i * n_in + k] * x[k];
        }
        for (int i = 0; i < n; i++) {
            a[i] = rho * a[i] + (1.0 - rho) * s[i];
            r[i] = a[i] > 0.0 ? a[i] : 0.0;
            if (fabs(a[i]) < *min_abs_a) *min_abs_a = fabs(a[i]);
        }
        for (int o = 0; o < n_out; o++) {
            y[o] = 0.0;
            for (int j = 0; j < n; j++)
                y[o] += wo[o * n + j] * r[j];
            if (y_all) y_all[row * n_out + o] = y[o];
        }
        double m = bt->mask[row];
        if (m == 0.0) continue;
        if (kind == RL_LOSS_CE) {
            double z = 0.0;
            for (int o = 0; o < n_out; o++)
                z += exp(y[o]);
            *sum += m * (log(z) - y[bt->label[row]]);
        } else {
            for (int o = 0; o < n_out; o++) {
                double e = y[o] - bt->target[row * n_out + o];
                *sum += m * e * e;
            }
        }
    }
}

/* The double loss over the batch; y_all (T*B*n_out) and min_abs_a optional. */
static double ref_loss(const double *theta, double rho, const rl_batch *bt, rl_loss_kind kind,
                       double *y_all, double *min_abs_a)
{
    double sum = 0.0, msum = 0.0, dummy = INFINITY;
    for (int b = 0; b < bt->batch; b++)
        ref_trial(theta, rho, bt, b, kind, y_all, &sum, min_abs_a ? min_abs_a : &dummy);
    for (int i = 0; i < bt->steps * bt->batch; i++)
        msum += bt->mask[i];
    return sum / (kind == RL_LOSS_CE ? msum : msum * N_OUT);
}

static void fill_batch(rl_batch *bt, fx_rng *rng)
{
    int rows = bt->steps * bt->batch;
    for (int i = 0; i < rows * N_IN; i++)
        bt->x[i] = (float)fx_normal(rng);
    for (int i = 0; i < rows * N_OUT; i++)
        bt->target[i] = (float)fx_normal(rng);
    for (int i = 0; i < rows; i++) {
        bt->label[i] = (int32_t)(fx_next(rng) % N_OUT);
        bt->mask[i] = i % 3 == 2 ? 0.0f : 1.0f; /* every third (t, b) does not count */
    }
}

/* Float forward vs double forward: outputs and loss. */
static void check_forward(const gc_case *c, const float *y, double loss_f, const double *y_ref,
                          double loss_ref)
{
    size_t ny = (size_t)c->steps * c->batch * N_OUT;
    double err = 0.0, scale = 0.0;
    for (size_t i = 0; i < ny; i++) {
        err = fmax(err, fabs(y[i] - y_ref[i]));
        scale = fmax(scale, fabs(y_ref[i]));
    }
    RL_TEST(err <= FWD_TOL * scale && scale > 0.0,
            "%s: float forward matches double forward, max |y_f - y_d| = %.2e <= %.0e * max|y| "
            "(%.3f)",
            c->name, err, FWD_TOL, scale);
    RL_TEST_REL(loss_f, loss_ref, FWD_TOL,
                "%s: loss of the float outputs %.9f = double loss %.9f "
                "(rel. tol %.0e)",
                c->name, loss_f, loss_ref, FWD_TOL);
}

/* BPTT vs central differences for entries [lo, hi) of theta, one matrix. */
static void check_matrix(const gc_case *c, const char *what, const float *grad, double *theta,
                         size_t lo, size_t hi, const rl_batch *bt)
{
    double err = 0.0, scale = 0.0;
    for (size_t p = lo; p < hi; p++) {
        double keep = theta[p];
        theta[p] = keep + FD_H;
        double lp = ref_loss(theta, c->rho, bt, c->kind, NULL, NULL);
        theta[p] = keep - FD_H;
        double lm = ref_loss(theta, c->rho, bt, c->kind, NULL, NULL);
        theta[p] = keep;
        double fd = (lp - lm) / (2.0 * FD_H);
        err = fmax(err, fabs(grad[p] - fd));
        scale = fmax(scale, fabs(fd));
    }
    if (c->steps == 1 && lo == 0) {
        /* r_{-1} = 0: with one step W_h never acts, so both gradients must vanish exactly. */
        RL_TEST(err == 0.0 && scale == 0.0,
                "%s: dL/d%s is exactly 0 with one step, BPTT and FD agree (max err %.2e)", c->name,
                what, err);
        return;
    }
    RL_TEST(err <= GRAD_TOL * scale && scale > 1e-6,
            "%s: dL/d%s, all %zu entries, BPTT vs central FD (h = %.0e): max err %.2e <= %.0e * "
            "max|FD| (%.3e)",
            c->name, what, hi - lo, FD_H, err, GRAD_TOL, scale);
}

static void run_case(const gc_case *spec, uint64_t seed)
{
    /* The reference uses the float network's own rho (0.6f, not 0.6). */
    gc_case cc = *spec;
    cc.rho = (double)(float)spec->rho;
    const gc_case *c = &cc;
    rl_status st = RL_STATUS_INIT;
    rl_rnn *net = NULL;
    rl_rnn_work *w = NULL;
    rl_batch bt;
    fx_rng rng = {seed};
    double *theta = NULL, *y_ref = NULL;
    float *grad = NULL;
    fx_batch_alloc(&bt, c->steps, c->batch, N_IN, N_OUT);
    if (rl_rnn_create(N_IN, N_HID, N_OUT, (float)c->rho, &net, &st) ||
        rl_rnn_work_create(net, c->steps, c->batch, &w, &st) ||
        !(grad = rl_alloc(net->n_params, sizeof *grad, &st)) ||
        !(theta = rl_alloc(net->n_params, sizeof *theta, &st)) ||
        !(y_ref = rl_alloc((size_t)c->steps * c->batch * N_OUT, sizeof *y_ref, &st))) {
        RL_TEST(0, "%s: set-up failed: %s", c->name, st.msg);
        return;
    }
    fx_init_net(net, 1.5, &rng);
    fill_batch(&bt, &rng);
    for (size_t p = 0; p < net->n_params; p++)
        theta[p] = net->theta[p]; /* the double reference sees exactly the float weights */

    rl_rnn_forward(net, bt.x, w);
    double loss_f =
        rl_loss_eval(c->kind, &bt, rl_rnn_outputs(w), rl_rnn_output_grad(w), NULL, NULL);
    rl_rnn_backward(net, bt.x, w, grad);

    double min_a = INFINITY;
    double loss_ref = ref_loss(theta, c->rho, &bt, c->kind, y_ref, &min_a);
    RL_TEST(min_a > KINK,
            "%s: every pre-activation is off relu's kink, min |a_t| = %.2e > %.0e (FD valid)",
            c->name, min_a, KINK);
    check_forward(c, rl_rnn_outputs(w), loss_f, y_ref, loss_ref);

    size_t nh = (size_t)N_HID * N_HID, nx = (size_t)N_HID * N_IN;
    check_matrix(c, "W_h", grad, theta, 0, nh, &bt);
    check_matrix(c, "W_x", grad, theta, nh, nh + nx, &bt);
    check_matrix(c, "w", grad, theta, nh + nx, net->n_params, &bt);

    rl_free(theta);
    rl_free(y_ref);
    rl_free(grad);
    fx_batch_free(&bt);
    rl_rnn_work_destroy(&w);
    rl_rnn_destroy(&net);
}

int main(void)
{
    static const gc_case cases[] = {
        {RL_LOSS_CE, 0.0, 5, 4, "CE, rho = 0, T = 5, B = 4"},
        {RL_LOSS_CE, 0.6, 5, 4, "CE, rho = 0.6, T = 5, B = 4"},
        {RL_LOSS_MSE, 0.0, 5, 4, "MSE, rho = 0, T = 5, B = 4"},
        {RL_LOSS_MSE, 0.6, 5, 4, "MSE, rho = 0.6, T = 5, B = 4"},
        {RL_LOSS_CE, 0.6, 1, 1, "CE, rho = 0.6, boundary T = 1, B = 1"},
        {RL_LOSS_MSE, 0.0, 2, 1, "MSE, rho = 0, boundary T = 2, B = 1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i], 1000 + i);
    return rl_test_done();
}
