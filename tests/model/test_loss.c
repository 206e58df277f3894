/*
** test_loss.c: rl_loss_eval (src/model/loss.c) on cases small enough to work
** out by hand: CE and its gradient, the mean over masked steps, masked steps
** contributing nothing (not even their NaNs), MSE, the accuracy count, an empty
** mask and logits large enough to overflow a naive softmax.
** Hand values: log(1 + e^-1 + e^-2) = 0.40760596444438; softmax(1, 2, 3) =
** (0.0900305732, 0.2447284711, 0.6652409558); log 3 = 1.09861228866811.
*/
#include "fixture.h"
#include "rltest.h"

#include <string.h>

static const double TOL = 1e-12; /* the loss is summed in double */
static const double FTOL = 1e-7; /* dy is stored in float */

/* One CE row y = (1, 2, 3), label 2, plus a masked row full of junk (NaN, huge). */
static void test_ce_single(void)
{
    rl_batch b;
    fx_batch_alloc(&b, 1, 2, 1, 3);
    const float y[6] = {1, 2, 3, NAN, 1e30f, -7};
    float dy[6];
    long correct = -1, counted = -1;
    b.label[0] = 2;
    b.label[1] = 0;
    b.mask[0] = 1;
    b.mask[1] = 0;
    double l = rl_loss_eval(RL_LOSS_CE, &b, y, dy, &correct, &counted);
    RL_TEST_ABS(l, 0.40760596444438, TOL,
                "CE of y = (1,2,3), label 2 is log(1+e^-1+e^-2) "
                "= 0.40760596444438 (got %.14f, tol %.0e)",
                l, TOL);
    RL_TEST_ABS(dy[0], 0.0900305732, FTOL, "CE dL/dy_0 = softmax_0 = 0.0900305732 (got %.10f)",
                dy[0]);
    RL_TEST_ABS(dy[1], 0.2447284711, FTOL, "CE dL/dy_1 = softmax_1 = 0.2447284711 (got %.10f)",
                dy[1]);
    RL_TEST_ABS(dy[2], -0.3347590442, FTOL,
                "CE dL/dy_2 = softmax_2 - 1 = -0.3347590442 (got %.10f)", dy[2]);
    RL_TEST(
        dy[3] == 0 && dy[4] == 0 && dy[5] == 0,
        "a masked row (holding NaN and 1e30) gets dL/dy = 0 exactly and leaves the loss finite");
    RL_TEST(counted == 1 && correct == 1,
            "one counted step, argmax 2 = label: counted = %ld (want 1), correct = %ld (want 1)",
            counted, correct);
    fx_batch_free(&b);
}

/* Two counted CE rows: the loss and gradient are means over the counted rows. */
static void test_ce_mean(void)
{
    rl_batch b;
    fx_batch_alloc(&b, 3, 1, 1, 3); /* T = 3, B = 1: the middle step is masked */
    const float y[9] = {1, 2, 3, 5, 5, 5, 0, 0, 0};
    float dy[9];
    long correct = -1, counted = -1;
    const int32_t labels[3] = {2, 1, 1};
    const float mask[3] = {1, 0, 1};
    memcpy(b.label, labels, sizeof labels);
    memcpy(b.mask, mask, sizeof mask);
    double l = rl_loss_eval(RL_LOSS_CE, &b, y, dy, &correct, &counted);
    RL_TEST_ABS(l, 0.7531091265562451, TOL,
                "CE mean over 2 counted steps (0.4076059644 + log 3)/2 "
                "= 0.75310912655625 (got %.14f, tol %.0e)",
                l, TOL);
    RL_TEST_ABS(dy[7], (1.0 / 3 - 1) / 2, FTOL,
                "CE gradient is divided by the counted steps: (1/3 - 1)/2 (got %.10f)", dy[7]);
    RL_TEST_ABS(dy[0], 0.0900305732 / 2, FTOL, "first row's gradient halves too (got %.10f)",
                dy[0]);
    RL_TEST(correct == 1 && counted == 2,
            "ties go to the first maximum (argmax(0,0,0) = 0 != label 1): correct = %ld (want "
            "1) of counted = %ld (want 2)",
            correct, counted);
    fx_batch_free(&b);
}

/* Logits 1000 apart must not overflow exp. */
static void test_ce_stable(void)
{
    rl_batch b;
    fx_batch_alloc(&b, 1, 1, 1, 3);
    const float y[3] = {1000, 0, -1000};
    float dy[3];
    b.mask[0] = 1;
    b.label[0] = 1;
    double l = rl_loss_eval(RL_LOSS_CE, &b, y, dy, NULL, NULL);
    RL_TEST_ABS(l, 1000.0, 1e-9, "CE with logits (1000, 0, -1000), label 1 is 1000 (got %.6f)", l);
    RL_TEST_ABS(dy[0], 1.0, FTOL, "its gradient (1, -1, 0) is finite: dy_0 = %.3g", dy[0]);
    fx_batch_free(&b);
}

/* MSE: mean over counted steps and outputs of (y - target)^2. */
static void test_mse(void)
{
    rl_batch b;
    fx_batch_alloc(&b, 2, 1, 1, 2);
    const float y[4] = {1, 2, 3, 4}, target[4] = {0, 0, 1, 1};
    float dy[4];
    long correct = -1, counted = -1;
    memcpy(b.target, target, sizeof target);
    b.mask[0] = 1;
    b.mask[1] = 0;
    double l = rl_loss_eval(RL_LOSS_MSE, &b, y, dy, &correct, &counted);
    RL_TEST_ABS(l, 2.5, TOL, "MSE of errors (1, 2), second step masked: (1 + 4)/2 = 2.5 (got %g)",
                l);
    RL_TEST(dy[0] == 1.0f && dy[1] == 2.0f && dy[2] == 0.0f && dy[3] == 0.0f,
            "MSE gradient 2 e / 2 = (1, 2) on the counted step, 0 on the masked one (got %g %g "
            "%g %g)",
            dy[0], dy[1], dy[2], dy[3]);
    RL_TEST(correct == 0 && counted == 1, "MSE counts steps (%ld, want 1) but no accuracy (%ld)",
            counted, correct);
    b.mask[1] = 1;
    l = rl_loss_eval(RL_LOSS_MSE, &b, y, NULL, NULL, NULL);
    RL_TEST_ABS(l, 4.5, TOL, "MSE over both steps (1 + 4 + 4 + 9)/4 = 4.5 (got %g), dy = NULL", l);
    fx_batch_free(&b);
}

/* No counted step: loss 0, gradient 0. */
static void test_empty_mask(void)
{
    rl_batch b;
    fx_batch_alloc(&b, 2, 1, 1, 2);
    const float y[4] = {1, 2, 3, 4};
    float dy[4] = {9, 9, 9, 9};
    long counted = -1;
    double l = rl_loss_eval(RL_LOSS_CE, &b, y, dy, NULL, &counted);
    RL_TEST(l == 0.0 && counted == 0 && dy[0] == 0 && dy[3] == 0,
            "an all-zero mask gives loss 0 (got %g), counted 0 (got %ld) and dy = 0", l, counted);
    fx_batch_free(&b);
}

int main(void)
{
    test_ce_single();
    test_ce_mean();
    test_ce_stable();
    test_mse();
    test_empty_mask();
    return rl_test_done();
}
