/*
** test_pattern.c: the pattern-generation task against shared/reference/structures.md.
** Checks the frozen trial (every row, iteration and the probe identical; only the
** sweep seed and item seed change it), the target's normalisation and its
** spectrum (sinusoids of exactly 1, 2, 3 and 5 cycles, amplitude ratios within the
** U[0.5, 2] range), and the Bernoulli input's rate (5 standard errors).
*/
#define _DEFAULT_SOURCE /* M_PI */
#include "tasktest.h"

enum { B = 4, T = 100, N_IN = 100 };

static int same_batch(const rl_batch *a, const rl_batch *b)
{
    size_t tb = (size_t)a->steps * (size_t)a->batch;
    return memcmp(a->x, b->x, tb * (size_t)a->n_in * sizeof(float)) == 0 &&
           memcmp(a->target, b->target, tb * sizeof(float)) == 0 &&
           memcmp(a->mask, b->mask, tb * sizeof(float)) == 0;
}

static void check_shape(void)
{
    rl_params p = tt_params("pattern");
    rl_task_shape s = {0};
    rl_status st = RL_STATUS_INIT;
    rl_code rc = rl_task_shape_of(&p, &s, &st);
    RL_TEST(rc == RL_OK && s.steps == 100 && s.n_in == 100 && s.n_out == 1 &&
                s.loss == RL_LOSS_MSE && s.decision_step == 99,
            "pattern default shape: T = 100, 100 inputs, 1 output, MSE, decision step 99");
    p.task.steps = 11;
    rc = rl_task_shape_of(&p, &s, &st);
    RL_TEST(rc == RL_EINPUT && strstr(st.msg, "task.steps = 11"),
            "task.steps = 11 is refused: \"%s\"", st.msg);
}

/* Target starts at 0, peaks at |1|, and holds only the 1, 2, 3, 5-cycle sinusoids. */
static void check_target(const rl_batch *b)
{
    double peak = 0;
    long bad_mask = 0;
    for (int t = 0; t < T; t++) {
        peak = fmax(peak, fabs(b->target[(size_t)t * B]));
        bad_mask += tt_mask(b, t, 0) != 1.0f;
    }
    RL_TEST(b->target[0] == 0.0f, "target starts at exactly 0 (got %g)", b->target[0]);
    RL_TEST(peak == 1.0, "max |target| is exactly 1 (got %.9g)", peak);
    RL_TEST(bad_mask == 0, "mask is 1 at every step (%ld not)", bad_mask);

    /* t/(T-1) runs over one period in T-1 steps: the DFT over t = 0..T-2 has energy only
       at bins 0 (the shift), 1, 2, 3 and 5. */
    enum { n = T - 1 };
    double amp[n / 2 + 1], total = 0, stray = 0;
    for (int k = 0; k <= n / 2; k++) {
        double re = 0, im = 0;
        for (int t = 0; t < n; t++) {
            re += b->target[(size_t)t * B] * cos(2 * M_PI * k * t / n);
            im -= b->target[(size_t)t * B] * sin(2 * M_PI * k * t / n);
        }
        amp[k] = 2 * hypot(re, im) / n;
        total += amp[k] * amp[k];
        if (k != 0 && k != 1 && k != 2 && k != 3 && k != 5) stray += amp[k] * amp[k];
    }
    RL_TEST(stray < 1e-10 * total,
            "target spectrum: energy off the 1, 2, 3, 5-cycle bins is %.2g of the total (< 1e-10)",
            stray / total);
    const int bins[4] = {1, 2, 3, 5};
    double lo = INFINITY, hi = 0;
    for (int i = 0; i < 4; i++) {
        lo = fmin(lo, amp[bins[i]]);
        hi = fmax(hi, amp[bins[i]]);
    }
    RL_TEST(lo > 0 && hi / lo <= 4,
            "amplitudes of the 4 sinusoids differ by a factor %.3f <= 4 (A_k in [0.5, 2])",
            hi / lo);
    RL_TEST(fabs(b->target[(size_t)(T - 1) * B]) < 1e-6,
            "target at t = T-1 returns to 0 (whole cycles; got %g, tol 1e-6)",
            b->target[(size_t)(T - 1) * B]);
}

static void check_input(const rl_batch *b)
{
    long spikes = 0, binary = 0, rows = 0;
    int active_channels = 0;
    for (int c = 0; c < N_IN; c++) {
        int any = 0;
        for (int t = 0; t < T; t++) {
            float v = tt_x(b, t, 0, c);
            binary += v != 0.0f && v != 1.0f;
            spikes += v == 1.0f;
            any |= v == 1.0f;
            for (int r = 1; r < B; r++)
                rows += tt_x(b, t, r, c) != v || b->target[(size_t)t * B + r] != b->target[t * B];
        }
        active_channels += any;
    }
    long n = (long)T * N_IN;
    RL_TEST(binary == 0, "input entries are 0 or 1 (%ld not)", binary);
    RL_TEST_ABS((double)spikes / n, 0.05, 5 * tt_se_freq(0.05, n),
                "spike rate %.4f = 0.05 per step within 5 SE (%.4f), %ld channel-steps",
                (double)spikes / n, 5 * tt_se_freq(0.05, n), n);
    RL_TEST(active_channels > 90,
            "%d of 100 channels spike at least once (P(silent) = 0.95^100 = 0.6%%)",
            active_channels);
    RL_TEST(rows == 0, "every batch row repeats the same trial (%ld entries differ)", rows);
}

/* Frozen: iterations and the probe repeat it; sweep seed and item seed change it. */
static void check_frozen(rl_task *t, const rl_batch *first)
{
    rl_batch b;
    rl_status st = RL_STATUS_INIT;
    rl_task_shape s = rl_task_get_shape(t);
    if (rl_batch_create(&s, B, &b, &st) != RL_OK) return;
    tt_fill(t, 12345, &b);
    RL_TEST(same_batch(first, &b), "training iteration 12345 repeats iteration 0 exactly");
    rl_task_fill_probe(t, 7, &b, &st);
    RL_TEST(same_batch(first, &b), "the probe set repeats the training trial exactly");
    rl_task_fill_train(t, 8, 0, &b, &st);
    RL_TEST(!same_batch(first, &b), "another sweep seed draws another pattern");
    rl_batch_destroy(&b);

    rl_params p = tt_params("pattern");
    p.seed = 4;
    rl_task *t4 = tt_task(&p, B, &b);
    if (t4 && tt_fill(t4, 0, &b))
        RL_TEST(!same_batch(first, &b), "another item seed draws another pattern");
    rl_batch_destroy(&b);
    rl_task_destroy(&t4);

    /* Paired design: what keys the stream is (sweep seed, item seed) only. */
    p = tt_params("pattern");
    tt_set(&p, "init.gain", "1.5");
    tt_set(&p, "task.sigma", "3");
    t4 = tt_task(&p, B, &b);
    if (t4 && tt_fill(t4, 0, &b))
        RL_TEST(same_batch(first, &b),
                "changing init.gain and task.sigma keeps the pattern (paired design)");
    rl_batch_destroy(&b);
    rl_task_destroy(&t4);
}

int main(void)
{
    check_shape();
    rl_params p = tt_params("pattern");
    rl_batch b;
    rl_task *t = tt_task(&p, B, &b);
    if (t && tt_fill(t, 0, &b)) {
        check_target(&b);
        check_input(&b);
        check_frozen(t, &b);
    }
    rl_batch_destroy(&b);
    rl_task_destroy(&t);
    return rl_test_done();
}
