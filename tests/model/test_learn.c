/*
** test_learn.c: the whole model module learns — forward, CE, BPTT and Adam
** together drive the loss of a fixed classification batch down by 10x.
** Task: label = sign of the sum of all inputs of the trial, read out at the
** last step only (the mask), so the network must integrate over time through
** W_h. A fixed batch (B = 64) is memorisable, which keeps the test short and
** deterministic; the point is that the pieces compose, not generalisation.
*/
#include "fixture.h"
#include "rltest.h"

#include <string.h>

enum { T = 6, B = 64, N_IN = 2, N_HID = 32, N_OUT = 2, MAX_ITERS = 400 };

static void fill_sign_task(rl_batch *b, fx_rng *rng)
{
    for (int trial = 0; trial < B; trial++) {
        double sum = 0.0;
        for (int t = 0; t < T; t++)
            for (int i = 0; i < N_IN; i++) {
                float v = (float)fx_normal(rng);
                b->x[((size_t)t * B + trial) * N_IN + i] = v;
                sum += v;
            }
        size_t last = (size_t)(T - 1) * B + trial;
        b->label[last] = sum > 0.0;
        b->mask[last] = 1.0f;
    }
}

int main(void)
{
    rl_status st = RL_STATUS_INIT;
    rl_rnn *net = NULL;
    rl_rnn_work *w = NULL;
    rl_opt *opt = NULL;
    rl_batch b;
    rl_params p;
    float *grad = NULL;
    fx_rng rng = {2024};
    fx_batch_alloc(&b, T, B, N_IN, N_OUT);
    rl_params_defaults(&p);
    strcpy(p.train.optimizer, "adam");
    p.train.lr = 0.003;
    if (rl_rnn_create(N_IN, N_HID, N_OUT, 0.0f, &net, &st) ||
        rl_rnn_work_create(net, T, B, &w, &st) || rl_opt_create(&p, net->n_params, &opt, &st) ||
        !(grad = rl_alloc(net->n_params, sizeof *grad, &st))) {
        RL_TEST(0, "set-up failed: %s", st.msg);
        return rl_test_done();
    }
    fx_init_net(net, 1.25, &rng);
    fill_sign_task(&b, &rng);

    double first = NAN, loss = NAN;
    long correct = 0, counted = 0;
    int it;
    for (it = 0; it < MAX_ITERS; it++) {
        rl_rnn_forward(net, b.x, w);
        loss = rl_loss_eval(RL_LOSS_CE, &b, rl_rnn_outputs(w), rl_rnn_output_grad(w), &correct,
                            &counted);
        if (it == 0) first = loss;
        if (loss < first / 10.0) break;
        rl_rnn_backward(net, b.x, w, grad);
        rl_opt_step(opt, net->theta, grad);
    }
    RL_TEST(loss < first / 10.0,
            "Adam (lr 0.003) on the sign-of-sum task (B = %d, T = %d, N = %d): CE %.4f -> %.4f, "
            "below 1/10 after %d of at most %d iterations",
            B, T, N_HID, first, loss, it, MAX_ITERS);
    RL_TEST(counted == B && correct >= B - 2,
            "only the last step counts (%ld of %d steps) and at least %d of %d trials are right "
            "(%ld)",
            counted, T * B, B - 2, B, correct);

    rl_free(grad);
    rl_opt_destroy(&opt);
    fx_batch_free(&b);
    rl_rnn_work_destroy(&w);
    rl_rnn_destroy(&net);
    return rl_test_done();
}
