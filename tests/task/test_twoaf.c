/*
** test_twoaf.c: 2AF (NeuroGym v0.0.2 PerceptualDecisionMaking) against
** shared/reference/tasks-neurogym-v002.md.
** How: a noiseless batch (sigma = 0) and a noisy one (sigma = 1) of the same
** iteration hold the same trials (the draws never depend on sigma), so the
** noiseless twin reveals each trial's gt and coherence exactly and the difference
** of the two is the noise alone. Statistical checks: B = 20000 trials, sweep
** seed 7, item seed 3, tolerance 5 standard errors.
*/
#include "tasktest.h"

enum { B = 20000, T = 8, DEC = 7 };
static const double cohs[5] = {0, 6.4, 12.8, 25.6, 51.2};

/* Index of the coherence of a noiseless trial (from |stim1 - stim2|), or -1. */
static int coherence_of(const rl_batch *b, int row)
{
    double c = 100 * fabs((double)tt_x(b, 0, row, 1) - (double)tt_x(b, 0, row, 2));
    for (int k = 0; k < 5; k++)
        if (fabs(c - cohs[k]) < 1e-4) return k;
    return -1;
}

static void check_shape(void)
{
    rl_params p = tt_params("2af");
    rl_task_shape s;
    rl_status st = RL_STATUS_INIT;
    RL_TEST(rl_task_shape_of(&p, &s, &st) == RL_OK && s.steps == 8 && s.n_in == 3 && s.n_out == 3 &&
                s.loss == RL_LOSS_CE && s.decision_step == 7,
            "2af paper shape: T = 8 (stimulus 700 + decision 100 ms at dt 100), 3 in, 3 out, CE, "
            "decision step 7");
}

/* Labels, stimulus values, coherences and the sign rule on the noiseless batch. */
static void check_noiseless(const rl_batch *b0)
{
    long pre = 0, bad_dec = 0, ones = 0, bad_stim = 0, bad_coh = 0, dec_stim = 0;
    long count[5] = {0};
    for (int r = 0; r < B; r++) {
        for (int t = 0; t < DEC; t++)
            pre += tt_label(b0, t, r) != 0;
        int lab = tt_label(b0, DEC, r);
        bad_dec += lab != 1 && lab != 2;
        ones += lab == 1;
        float s1 = tt_x(b0, 0, r, 1), s2 = tt_x(b0, 0, r, 2);
        for (int t = 0; t < DEC; t++)
            bad_stim += tt_x(b0, t, r, 1) != s1 || tt_x(b0, t, r, 2) != s2 ||
                        fabs((double)s1 + s2 - 1) > 1e-6;
        /* gt = 0 (label 1): stim1 = 0.5 + c/200 >= stim2; gt = 1 the mirror. */
        bad_stim += lab == 1 ? s1 < s2 : s1 > s2;
        int k = coherence_of(b0, r);
        if (k < 0)
            bad_coh++;
        else
            count[k]++;
        dec_stim += tt_x(b0, DEC, r, 1) != 0 || tt_x(b0, DEC, r, 2) != 0;
    }
    RL_TEST(pre == 0, "label 0 (fixate) at every step before the decision (%ld of %d x 7 not)", pre,
            B);
    RL_TEST(bad_dec == 0, "decision label is 1 or 2 (%ld of %d not)", bad_dec, B);
    RL_TEST_ABS((double)ones / B, 0.5, 5 * tt_se_freq(0.5, B),
                "P(label 1) = %.4f = 1/2 within 5 SE (%.4f), %d trials", (double)ones / B,
                5 * tt_se_freq(0.5, B), B);
    RL_TEST(bad_stim == 0,
            "stimulus constant over t = 0..6, stim1 + stim2 = 1 (1e-6), stim1 >= stim2 iff "
            "label 1 (%ld violations, %d trials)",
            bad_stim, B);
    RL_TEST(bad_coh == 0,
            "every |stim1 - stim2| is c/100 for c in {0, 6.4, 12.8, 25.6, 51.2} "
            "(1e-4; %ld of %d not)",
            bad_coh, B);
    for (int k = 0; k < 5; k++)
        RL_TEST_ABS((double)count[k] / B, 0.2, 5 * tt_se_freq(0.2, B),
                    "P(coherence %.1f) = %.4f = 1/5 within 5 SE (%.4f), %d trials", cohs[k],
                    (double)count[k] / B, 5 * tt_se_freq(0.2, B), B);
    RL_TEST(dec_stim == 0, "stimulus channels are 0 in the decision step (%ld of %d not)", dec_stim,
            B);
}

/* Noise exactly where NeuroGym adds it: stim1 and stim2 during the stimulus. */
static void check_noise(const rl_batch *b0, const rl_batch *b1)
{
    tt_stat n1 = {0}, n2 = {0};
    long elsewhere = 0, labels = 0, mask = 0, fix = 0;
    double cross = 0;
    for (int r = 0; r < B; r++) {
        for (int t = 0; t < T; t++) {
            labels += tt_label(b0, t, r) != tt_label(b1, t, r);
            mask += tt_mask(b1, t, r) != 1.0f;
            fix += tt_x(b1, t, r, 0) != (t < DEC ? 1.0f : 0.0f);
            double d1 = (double)tt_x(b1, t, r, 1) - tt_x(b0, t, r, 1);
            double d2 = (double)tt_x(b1, t, r, 2) - tt_x(b0, t, r, 2);
            elsewhere += tt_x(b1, t, r, 0) != tt_x(b0, t, r, 0);
            if (t < DEC) {
                tt_add(&n1, d1);
                tt_add(&n2, d2);
                cross += d1 * d2;
            } else {
                elsewhere += d1 != 0 || d2 != 0;
            }
        }
    }
    RL_TEST(labels == 0, "sigma changes no trial: labels of sigma 0 and 1 agree (%ld differ)",
            labels);
    RL_TEST(mask == 0, "mask is 1 at every step (%ld of %d x 8 not)", mask, B);
    RL_TEST(fix == 0, "fixation channel exactly 1 before the decision and 0 in it (%ld not)", fix);
    RL_TEST(elsewhere == 0,
            "no noise on the fixation channel nor in the decision step (%ld entries differ)",
            elsewhere);
    const tt_stat *n[2] = {&n1, &n2};
    for (int c = 0; c < 2; c++) {
        RL_TEST_ABS(n[c]->mean, 0, 5 * 0.1 / sqrt((double)n[c]->n),
                    "stim%d noise mean %.5f = 0 within 5 SE (%.5f), n = %ld", c + 1, n[c]->mean,
                    5 * 0.1 / sqrt((double)n[c]->n), n[c]->n);
        RL_TEST_ABS(tt_sd(n[c]), 0.1, 5 * tt_se_sd(n[c]),
                    "stim%d noise sd %.5f = sigma/sqrt(dt) = 0.1 within 5 SE (%.5f), n = %ld",
                    c + 1, tt_sd(n[c]), 5 * tt_se_sd(n[c]), n[c]->n);
    }
    double corr = cross / (double)n1.n / (tt_sd(&n1) * tt_sd(&n2));
    RL_TEST(fabs(corr) < 5 / sqrt((double)n1.n),
            "stim1 and stim2 noise independent: corr %.5f within 5 SE (%.5f), n = %ld", corr,
            5 / sqrt((double)n1.n), n1.n);
}

/* Input means per coherence and choice, and the mirror symmetry of the two channels. */
static void check_means(const rl_batch *b0, const rl_batch *b1)
{
    tt_stat m[5][2] = {{{0}}}, mirror[2][2] = {{{0}}}; /* mirror[gt][channel] */
    for (int r = 0; r < B; r++) {
        int k = coherence_of(b0, r), gt = tt_label(b0, DEC, r) - 1;
        if (k < 0 || gt < 0 || gt > 1) continue;
        for (int t = 0; t < DEC; t++) {
            tt_add(&m[k][gt], tt_x(b1, t, r, 1));
            tt_add(&mirror[gt][0], tt_x(b1, t, r, 1));
            tt_add(&mirror[gt][1], tt_x(b1, t, r, 2));
        }
    }
    for (int k = 0; k < 5; k++)
        for (int gt = 0; gt < 2; gt++) {
            double want = gt == 0 ? 0.5 + cohs[k] / 200 : 0.5 - cohs[k] / 200;
            RL_TEST_ABS(m[k][gt].mean, want, 5 * tt_se_mean(&m[k][gt]),
                        "mean stim1 | coherence %.1f, gt %d = %.4f = %.3f within 5 SE (%.4f), n "
                        "= %ld",
                        cohs[k], gt, m[k][gt].mean, want, 5 * tt_se_mean(&m[k][gt]), m[k][gt].n);
        }
    for (int c = 0; c < 2; c++) {
        const tt_stat *a = &mirror[0][c], *z = &mirror[1][1 - c];
        double tol = 5 * hypot(tt_se_mean(a), tt_se_mean(z));
        RL_TEST_ABS(a->mean, z->mean, tol,
                    "mirror symmetry: mean stim%d | gt 0 = %.4f equals mean stim%d | gt 1 = "
                    "%.4f within 5 SE (%.4f), n = %ld, %ld",
                    c + 1, a->mean, 2 - c, z->mean, tol, a->n, z->n);
    }
}

static void check_paper_trials(void)
{
    rl_params p = tt_params("2af");
    tt_pair pr = tt_pair_make(&p, B, 0);
    if (pr.ok) {
        check_noiseless(&pr.b0);
        check_noise(&pr.b0, &pr.b1);
        check_means(&pr.b0, &pr.b1);
    }
    tt_pair_destroy(&pr);
}

/* fixation 200, stimulus 300, delay 200, decision 300 ms -> steps 0-1, 2-4, 5-6, 7-9. */
static void check_periods(void)
{
    enum { N = 500 };
    rl_params p0 = tt_params("2af");
    tt_set(&p0, "task.fixation", "200");
    tt_set(&p0, "task.stimulus", "300");
    tt_set(&p0, "task.delay", "200");
    tt_set(&p0, "task.decision", "300");
    tt_pair pr = tt_pair_make(&p0, N, 4);
    if (pr.ok) {
        rl_task_shape s = rl_task_get_shape(pr.t0);
        RL_TEST(s.steps == 10 && s.decision_step == 9,
                "periods 200/300/200/300 ms at dt 100: T = 10, decision step 9 (got %d, %d)",
                s.steps, s.decision_step);
        long bad = 0;
        for (int r = 0; r < N; r++)
            for (int t = 0; t < 10; t++) {
                int stim = t >= 2 && t <= 4, dec = t >= 7;
                float s1 = tt_x(&pr.b0, t, r, 1), s2 = tt_x(&pr.b0, t, r, 2);
                bad += tt_x(&pr.b1, t, r, 0) != (dec ? 0.0f : 1.0f);
                bad += stim ? fabs((double)s1 + s2 - 1) > 1e-6 : (s1 != 0 || s2 != 0);
                bad += (tt_label(&pr.b0, t, r) != 0) != dec;
                bad += !stim && (tt_x(&pr.b1, t, r, 1) != s1 || tt_x(&pr.b1, t, r, 2) != s2);
            }
        RL_TEST(bad == 0,
                "fixation 1 at t < 7; stimulus (and its noise) only at t = 2..4; labels only at "
                "t = 7..9 (%ld violations, %d trials)",
                bad, N);
    }
    tt_pair_destroy(&pr);
}

/* dt = 50 doubles the steps and sets sigma_eff = 1/sqrt(50); floor(L/dt) per period. */
static void check_dt(void)
{
    enum { N = 4000 };
    rl_params p0 = tt_params("2af");
    tt_set(&p0, "task.dt", "50");
    tt_pair pr = tt_pair_make(&p0, N, 0);
    if (pr.ok) {
        rl_task_shape s = rl_task_get_shape(pr.t0);
        RL_TEST(s.steps == 16, "dt 50: T = 700/50 + 100/50 = 16 (got %d)", s.steps);
        tt_stat n = {0};
        for (int r = 0; r < N; r++)
            for (int t = 0; t < 14; t++)
                tt_add(&n, (double)tt_x(&pr.b1, t, r, 1) - tt_x(&pr.b0, t, r, 1));
        RL_TEST_ABS(tt_sd(&n), 1 / sqrt(50.0), 5 * tt_se_sd(&n),
                    "dt 50: noise sd %.5f = sigma/sqrt(dt) = %.5f within 5 SE (%.5f), n = %ld",
                    tt_sd(&n), 1 / sqrt(50.0), 5 * tt_se_sd(&n), n.n);
    }
    tt_pair_destroy(&pr);

    rl_params p = tt_params("2af");
    rl_task_shape s = {0};
    rl_status st = RL_STATUS_INIT;
    tt_set(&p, "task.stimulus", "250");
    tt_set(&p, "task.decision", "190");
    rl_code rc = rl_task_shape_of(&p, &s, &st);
    RL_TEST(
        rc == RL_OK && s.steps == 3,
        "floor per period: stimulus 250 + decision 190 ms at dt 100 -> 2 + 1 = 3 steps (got %d)",
        s.steps);
    p = tt_params("2af");
    tt_set(&p, "task.dt", "0.1");
    tt_set(&p, "task.stimulus", "0.3");
    tt_set(&p, "task.decision", "0.1");
    rc = rl_task_shape_of(&p, &s, &st);
    RL_TEST(rc == RL_OK && s.steps == 4,
            "0.3/0.1 counts as 3 steps despite rounding (T = 4, got %d)", s.steps);
}

static void check_coherence_list(void)
{
    enum { N = 1000 };
    rl_params p = tt_params("2af");
    tt_set(&p, "task.sigma", "0");
    tt_set(&p, "task.coherences", "[30, 100]");
    rl_batch b;
    rl_task *t = tt_task(&p, N, &b);
    if (t && tt_fill(t, 0, &b)) {
        long bad = 0, hundred = 0;
        for (int r = 0; r < N; r++) {
            double c = 100 * fabs((double)tt_x(&b, 0, r, 1) - tt_x(&b, 0, r, 2));
            bad += fabs(c - 30) > 1e-4 && fabs(c - 100) > 1e-4;
            hundred += fabs(c - 100) < 1e-4;
        }
        RL_TEST(bad == 0, "task.coherences [30, 100] replaces the paper's list (%ld of %d not)",
                bad, N);
        RL_TEST_ABS((double)hundred / N, 0.5, 5 * tt_se_freq(0.5, N),
                    "P(coherence 100) = %.3f = 1/2 within 5 SE (%.3f), %d trials",
                    (double)hundred / N, 5 * tt_se_freq(0.5, N), N);
    }
    rl_batch_destroy(&b);
    rl_task_destroy(&t);
}

int main(void)
{
    check_shape();
    check_paper_trials();
    check_periods();
    check_dt();
    check_coherence_list();
    return rl_test_done();
}
