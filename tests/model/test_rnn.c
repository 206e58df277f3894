/*
** test_rnn.c: the lifecycle and contracts of src/model/rnn.c that the gradient
** check does not cover: argument checks with their messages, the theta layout,
** rho from the parameters, determinism (bitwise), that a workspace carries
** nothing from one batch to the next (the leak state a_{t-1} is per call), and
** the wide-N path of the own kernel against OpenBLAS (the gradient check's N = 7
** never takes it).
*/
#include "fixture.h"
#include "rltest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { T = 6, B = 5, N_IN = 4, N_HID = 33, N_OUT = 3 };

static void test_create_checks(void)
{
    rl_status st = RL_STATUS_INIT;
    rl_rnn dummy;
    rl_rnn *net = &dummy; /* create must reset it to NULL on failure */
    rl_code rc = rl_rnn_create(3, 0, 2, 0.0f, &net, &st);
    RL_TEST(rc == RL_EINPUT && net == NULL && strstr(st.msg, "hidden"),
            "hidden = 0 is refused as a user error: \"%s\"", st.msg);
    rl_status_clear(&st);
    rc = rl_rnn_create(3, 8, 2, 1.0f, &net, &st);
    RL_TEST(rc == RL_EINPUT && strstr(st.msg, "[0, 1)"), "rho = 1 is refused: \"%s\"", st.msg);
    rl_status_clear(&st);
    rc = rl_rnn_create(3, 8, 2, 0.0f, &net, &st);
    RL_TEST(rc == RL_OK, "a 3-8-2 network is created");
    rl_rnn_work *w = NULL;
    rc = rl_rnn_work_create(net, 0, 4, &w, &st);
    RL_TEST(rc == RL_EINPUT && w == NULL && strstr(st.msg, "steps"),
            "a workspace for 0 steps is refused: \"%s\"", st.msg);
    rl_status_clear(&st);
    rc = rl_rnn_work_create(net, 3, 4, &w, &st);
    RL_TEST(rc == RL_OK && rl_rnn_work_steps(w) == 3 && rl_rnn_work_batch(w) == 4,
            "a workspace remembers T = 3 and B = 4");
    RL_TEST(net->n_params == 8 * 8 + 8 * 3 + 2 * 8 && net->w_x == net->theta + 64 &&
                net->w_out == net->theta + 64 + 24,
            "theta = [W_h | W_x | w]: %zu parameters (want 104), views at 0, 64, 88",
            net->n_params);
    rl_rnn_work_destroy(&w);
    rl_rnn_destroy(&net);
    RL_TEST(w == NULL && net == NULL, "destroy clears the handles");
    rl_rnn_work_destroy(&w); /* both safe on NULL */
    rl_rnn_destroy(&net);
}

static void test_rho(void)
{
    rl_params p;
    rl_params_defaults(&p);
    p.model.tau = 0.0;
    RL_TEST(rl_rnn_rho(&p) == 0.0, "model.tau = 0 gives rho = 0 (the reference script's form)");
    p.model.tau = 200.0;
    p.task.dt = 100.0;
    RL_TEST_REL(rl_rnn_rho(&p), exp(-0.5), 1e-15,
                "tau = 200 ms, dt = 100 ms gives rho = exp(-1/2) = %.6f", rl_rnn_rho(&p));
}

/* forward + CE + backward on batch b; returns the loss. */
static double pass(const rl_rnn *net, rl_rnn_work *w, const rl_batch *b, float *grad)
{
    rl_rnn_forward(net, b->x, w);
    double l = rl_loss_eval(RL_LOSS_CE, b, rl_rnn_outputs(w), rl_rnn_output_grad(w), NULL, NULL);
    rl_rnn_backward(net, b->x, w, grad);
    return l;
}

static void fill(rl_batch *b, fx_rng *rng)
{
    for (int i = 0; i < T * B * N_IN; i++)
        b->x[i] = (float)fx_normal(rng);
    for (int i = 0; i < T * B; i++) {
        b->label[i] = (int32_t)(fx_next(rng) % N_OUT);
        b->mask[i] = 1.0f;
    }
}

static void test_determinism(float rho)
{
    rl_status st = RL_STATUS_INIT;
    rl_rnn *net = NULL;
    rl_rnn_work *w1 = NULL, *w2 = NULL;
    rl_batch b1, b2;
    fx_rng rng = {7};
    float *g1 = NULL, *g2 = NULL, *g3 = NULL;
    fx_batch_alloc(&b1, T, B, N_IN, N_OUT);
    fx_batch_alloc(&b2, T, B, N_IN, N_OUT);
    if (rl_rnn_create(N_IN, N_HID, N_OUT, rho, &net, &st) ||
        rl_rnn_work_create(net, T, B, &w1, &st) || rl_rnn_work_create(net, T, B, &w2, &st) ||
        !(g1 = rl_alloc(net->n_params, sizeof *g1, &st)) ||
        !(g2 = rl_alloc(net->n_params, sizeof *g2, &st)) ||
        !(g3 = rl_alloc(net->n_params, sizeof *g3, &st))) {
        RL_TEST(0, "set-up failed: %s", st.msg);
        return;
    }
    fx_init_net(net, 1.25, &rng);
    fill(&b1, &rng);
    fill(&b2, &rng);
    size_t bytes = net->n_params * sizeof *g1;

    double l1 = pass(net, w1, &b1, g1);
    double l2 = pass(net, w2, &b1, g2);
    RL_TEST(l1 == l2 && memcmp(g1, g2, bytes) == 0,
            "rho = %.1f: two passes on identical inputs give bitwise identical loss and all %zu "
            "gradient entries",
            (double)rho, net->n_params);
    /* Reuse w1 for another batch, then the first again: nothing may carry over. */
    double l_other = pass(net, w1, &b2, g3);
    double l3 = pass(net, w1, &b1, g3);
    RL_TEST(l_other != l1 && l3 == l1 && memcmp(g1, g3, bytes) == 0,
            "rho = %.1f: a workspace reused after another batch gives the same bits again",
            (double)rho);
    float mn = INFINITY;
    for (int t = 0; t < T; t++)
        for (int i = 0; i < B * N_HID; i++)
            mn = fminf(mn, rl_rnn_hidden(w1, t)[i]);
    RL_TEST(mn == 0.0f,
            "rho = %.1f: hidden activity r_t = relu(a_t) is >= 0 and some unit is "
            "silent (min %g)",
            (double)rho, (double)mn);

    rl_free(g1);
    rl_free(g2);
    rl_free(g3);
    fx_batch_free(&b1);
    fx_batch_free(&b2);
    rl_rnn_work_destroy(&w1);
    rl_rnn_work_destroy(&w2);
    rl_rnn_destroy(&net);
}

/* Largest |a - b| over n floats, relative to the largest |b| (0 if b = 0). */
static double rel_diff(const float *a, const float *b, size_t n)
{
    double d = 0.0, m = 0.0;
    for (size_t i = 0; i < n; i++) {
        d = fmax(d, fabs((double)a[i] - b[i]));
        m = fmax(m, fabs((double)b[i]));
    }
    return m > 0.0 ? d / m : d;
}

/*
** Wide N (>= 512) takes the kernel's other path: W_h, W_x^T and w packed into panels once per
** pass, op(A) packed by register transposes, per-step thin products. Against the same pass with
** every product on OpenBLAS (RICHLAZY_GEMM=blas, chosen at workspace creation): outputs and
** every gradient within float rounding. N = 520 (not a multiple of 48), B = 9 (not of 8), the
** first two steps unscored (the readout products start later), rho = 0 and 0.6.
*/
static void test_wide(float rho)
{
    enum { WN = 520, WT = 5, WB = 9, WI = 3, WO = 3 };
    const char *env = getenv("RICHLAZY_GEMM");
    if (env && strcmp(env, "blas") == 0) {
        printf("# rho = %.1f: wide path against OpenBLAS not run: RICHLAZY_GEMM=blas already\n",
               (double)rho);
        return;
    }
    rl_status st = RL_STATUS_INIT;
    rl_rnn *net = NULL;
    rl_rnn_work *wk = NULL, *wb = NULL;
    rl_batch bt;
    fx_rng rng = {11};
    float *gk = NULL, *gb = NULL;
    fx_batch_alloc(&bt, WT, WB, WI, WO);
    int ok = rl_rnn_create(WI, WN, WO, rho, &net, &st) == RL_OK &&
             rl_rnn_work_create(net, WT, WB, &wk, &st) == RL_OK;
    setenv("RICHLAZY_GEMM", "blas", 1);
    ok = ok && rl_rnn_work_create(net, WT, WB, &wb, &st) == RL_OK;
    unsetenv("RICHLAZY_GEMM");
    if (!ok || !(gk = rl_alloc(net->n_params, sizeof *gk, &st)) ||
        !(gb = rl_alloc(net->n_params, sizeof *gb, &st))) {
        RL_TEST(0, "set-up failed: %s", st.msg);
        return;
    }
    fx_init_net(net, 1.25, &rng);
    for (int i = 0; i < WT * WB * WI; i++)
        bt.x[i] = (float)fx_normal(&rng);
    for (int i = 0; i < WT * WB; i++) {
        bt.label[i] = (int32_t)(fx_next(&rng) % WO);
        bt.mask[i] = i < 2 * WB ? 0.0f : 1.0f;
    }
    double lk = pass(net, wk, &bt, gk), lb = pass(net, wb, &bt, gb);
    size_t nh = (size_t)WN * WN, nx = (size_t)WN * WI;
    double dy = rel_diff(rl_rnn_outputs(wk), rl_rnn_outputs(wb), (size_t)WT * WB * WO);
    double dh = rel_diff(gk, gb, nh), dx = rel_diff(gk + nh, gb + nh, nx);
    double dw = rel_diff(gk + nh + nx, gb + nh + nx, (size_t)WO * WN);
    RL_TEST(fabs(lk - lb) <= 1e-5 * fabs(lb) && dy < 1e-5 && dh < 1e-5 && dx < 1e-5 && dw < 1e-5,
            "rho = %.1f, N = %d: the wide path agrees with OpenBLAS (loss %.7g vs %.7g; relative "
            "max differences y %.1e, dW_h %.1e, dW_x %.1e, dw %.1e)",
            (double)rho, WN, lk, lb, dy, dh, dx, dw);
    rl_free(gk);
    rl_free(gb);
    fx_batch_free(&bt);
    rl_rnn_work_destroy(&wk);
    rl_rnn_work_destroy(&wb);
    rl_rnn_destroy(&net);
}

int main(void)
{
    test_create_checks();
    test_rho();
    test_determinism(0.0f);
    test_determinism(0.6f);
    test_wide(0.0f);
    test_wide(0.6f);
    return rl_test_done();
}
