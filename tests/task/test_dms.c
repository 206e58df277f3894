/*
** test_dms.c: DMS (NeuroGym v0.0.2 DelayMatchSample) against
** shared/reference/tasks-neurogym-v002.md.
** How: as test_twoaf.c — noiseless (sigma 0) and noisy (sigma 1) twins of one
** iteration; the noiseless one shows each trial's sample, test and label exactly,
** their difference is the noise alone. B = 20000 trials, sweep seed 7, item seed 3,
** tolerance 5 standard errors.
*/
#include "tasktest.h"

enum { B = 20000, T = 8, SAMPLE = 0, TEST = 6, DEC = 7 };

/* The stimulus channel (0: stim1, 1: stim2) that is on at step t, or -1 if not exactly one. */
static int on_channel(const rl_batch *b, int t, int row)
{
    float s1 = tt_x(b, t, row, 1), s2 = tt_x(b, t, row, 2);
    if (s1 == 1.0f && s2 == 0.0f) return 0;
    if (s1 == 0.0f && s2 == 1.0f) return 1;
    return -1;
}

static void check_shape(void)
{
    rl_params p = tt_params("dms");
    rl_task_shape s = {0};
    rl_status st = RL_STATUS_INIT;
    rl_code rc = rl_task_shape_of(&p, &s, &st);
    RL_TEST(rc == RL_OK && s.steps == 8 && s.n_in == 3 && s.n_out == 3 && s.loss == RL_LOSS_CE &&
                s.decision_step == 7,
            "dms paper shape: T = 8 (sample 100, delay 500, test 100, decision 100 ms), 3 in, 3 "
            "out, CE, decision step 7");
}

/* Match logic, vectors, labels and the uniformity of (sample, match). */
static void check_noiseless(const rl_batch *b0)
{
    long pre = 0, bad_vec = 0, bad_match = 0, quiet = 0, cell[2][2] = {{0}};
    for (int r = 0; r < B; r++) {
        for (int t = 0; t < DEC; t++)
            pre += tt_label(b0, t, r) != 0;
        int sample = on_channel(b0, SAMPLE, r), test = on_channel(b0, TEST, r);
        int lab = tt_label(b0, DEC, r);
        bad_vec += sample < 0 || test < 0;
        /* Label 1 (match) iff the test vector repeats the sample. */
        bad_match += (lab == 1) != (sample == test) || (lab != 1 && lab != 2);
        for (int t = 1; t < TEST; t++)
            quiet += tt_x(b0, t, r, 1) != 0 || tt_x(b0, t, r, 2) != 0;
        for (int c = 0; c < 3; c++)
            quiet += tt_x(b0, DEC, r, c) != 0;
        if (sample >= 0 && (lab == 1 || lab == 2)) cell[sample][lab - 1]++;
    }
    RL_TEST(pre == 0, "label 0 (fixate) before the decision (%ld of %d x 7 not)", pre, B);
    RL_TEST(bad_vec == 0, "sample (t = 0) and test (t = 6) are one-hot [1,0] or [0,1] (%ld not)",
            bad_vec);
    RL_TEST(bad_match == 0, "label 1 iff test = sample, else 2 (%ld of %d violate)", bad_match, B);
    RL_TEST(quiet == 0,
            "all inputs 0 in the delay t = 1..5 (stimuli) and the decision step (%ld "
            "entries not)",
            quiet);
    for (int s = 0; s < 2; s++)
        for (int m = 0; m < 2; m++)
            RL_TEST_ABS((double)cell[s][m] / B, 0.25, 5 * tt_se_freq(0.25, B),
                        "P(sample stim%d, %s) = %.4f = 1/4 within 5 SE (%.4f), %d trials", s + 1,
                        m == 0 ? "match" : "non-match", (double)cell[s][m] / B,
                        5 * tt_se_freq(0.25, B), B);
}

/* Noise only on stim1/stim2 in the sample and test periods; per-period input means. */
static void check_noise(const rl_batch *b0, const rl_batch *b1)
{
    tt_stat noise = {0}, on[2] = {{0}}, off[2] = {{0}}; /* [0] sample, [1] test */
    long elsewhere = 0, labels = 0, fix = 0, mask = 0;
    for (int r = 0; r < B; r++) {
        int ch[2] = {on_channel(b0, SAMPLE, r), on_channel(b0, TEST, r)};
        for (int t = 0; t < T; t++) {
            labels += tt_label(b0, t, r) != tt_label(b1, t, r);
            mask += tt_mask(b1, t, r) != 1.0f;
            fix += tt_x(b1, t, r, 0) != (t < DEC ? 1.0f : 0.0f);
            elsewhere += tt_x(b1, t, r, 0) != tt_x(b0, t, r, 0);
            for (int c = 1; c < 3; c++) {
                double d = (double)tt_x(b1, t, r, c) - tt_x(b0, t, r, c);
                if (t == SAMPLE || t == TEST)
                    tt_add(&noise, d);
                else
                    elsewhere += d != 0;
            }
            if ((t == SAMPLE || t == TEST) && ch[t == TEST] >= 0) {
                int per = t == TEST, c = ch[per];
                tt_add(&on[per], tt_x(b1, t, r, 1 + c));
                tt_add(&off[per], tt_x(b1, t, r, 2 - c));
            }
        }
    }
    RL_TEST(labels == 0, "sigma changes no trial: labels of sigma 0 and 1 agree (%ld differ)",
            labels);
    RL_TEST(mask == 0, "mask is 1 at every step (%ld not)", mask);
    RL_TEST(fix == 0, "fixation channel exactly 1 before the decision, 0 in it (%ld not)", fix);
    RL_TEST(elsewhere == 0,
            "no noise on the fixation channel, in the delay or the decision (%ld entries differ)",
            elsewhere);
    RL_TEST_ABS(noise.mean, 0, 5 * 0.1 / sqrt((double)noise.n),
                "sample/test noise mean %.5f = 0 within 5 SE (%.5f), n = %ld", noise.mean,
                5 * 0.1 / sqrt((double)noise.n), noise.n);
    RL_TEST_ABS(tt_sd(&noise), 0.1, 5 * tt_se_sd(&noise),
                "sample/test noise sd %.5f = 0.1 within 5 SE (%.5f), n = %ld", tt_sd(&noise),
                5 * tt_se_sd(&noise), noise.n);
    for (int per = 0; per < 2; per++) {
        const char *name = per ? "test" : "sample";
        RL_TEST_ABS(on[per].mean, 1, 5 * tt_se_mean(&on[per]),
                    "%s period: mean of the on channel %.4f = 1 within 5 SE (%.4f), n = %ld", name,
                    on[per].mean, 5 * tt_se_mean(&on[per]), on[per].n);
        RL_TEST_ABS(off[per].mean, 0, 5 * tt_se_mean(&off[per]),
                    "%s period: mean of the off channel %.4f = 0 within 5 SE (%.4f), n = %ld", name,
                    off[per].mean, 5 * tt_se_mean(&off[per]), off[per].n);
    }
}

static void check_paper_trials(void)
{
    rl_params p = tt_params("dms");
    tt_pair pr = tt_pair_make(&p, B, 2);
    if (pr.ok) {
        check_noiseless(&pr.b0);
        check_noise(&pr.b0, &pr.b1);
    }
    tt_pair_destroy(&pr);
}

/* fixation 100, sample 200, delay 300, test 200, decision 200 ms -> 0, 1-2, 3-5, 6-7, 8-9. */
static void check_periods(void)
{
    enum { N = 500 };
    rl_params p = tt_params("dms");
    tt_set(&p, "task.sigma", "0");
    tt_set(&p, "task.fixation", "100");
    tt_set(&p, "task.sample", "200");
    tt_set(&p, "task.delay", "300");
    tt_set(&p, "task.test", "200");
    tt_set(&p, "task.decision", "200");
    rl_batch b;
    rl_task *t = tt_task(&p, N, &b);
    if (t && tt_fill(t, 0, &b)) {
        rl_task_shape s = rl_task_get_shape(t);
        RL_TEST(s.steps == 10 && s.decision_step == 9,
                "periods 100/200/300/200/200 ms: T = 10, decision step 9 (got %d, %d)", s.steps,
                s.decision_step);
        long bad = 0;
        for (int r = 0; r < N; r++) {
            int sample = on_channel(&b, 1, r), test = on_channel(&b, 6, r);
            bad += sample < 0 || on_channel(&b, 2, r) != sample;
            bad += test < 0 || on_channel(&b, 7, r) != test;
            for (int tt = 0; tt < 10; tt++) {
                int stim = (tt >= 1 && tt <= 2) || (tt >= 6 && tt <= 7);
                if (!stim) bad += tt_x(&b, tt, r, 1) != 0 || tt_x(&b, tt, r, 2) != 0;
                bad += tt_x(&b, tt, r, 0) != (tt < 8 ? 1.0f : 0.0f);
                bad += (tt_label(&b, tt, r) != 0) != (tt >= 8);
            }
        }
        RL_TEST(bad == 0,
                "sample at t = 1..2, test at 6..7, nothing else on the stimulus channels, "
                "fixation until t = 7, labels at 8..9 (%ld violations, %d trials)",
                bad, N);
    }
    rl_batch_destroy(&b);
    rl_task_destroy(&t);
}

int main(void)
{
    check_shape();
    check_paper_trials();
    check_periods();
    return rl_test_done();
}
