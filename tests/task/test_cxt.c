/*
** test_cxt.c: CXT (NeuroGym v0.0.2 ContextDecisionMaking, explicit context cue)
** against shared/reference/tasks-neurogym-v002.md.
** How: noiseless (sigma 0) and noisy (sigma 1) twins of one iteration, as in
** test_twoaf.c. Inputs: 0 fixation, 1-2 modality 1, 3-4 modality 2, 5-6 context.
** B = 20000 trials, sweep seed 7, item seed 3, tolerance 5 standard errors.
*/
#include "tasktest.h"

enum { B = 20000, T = 8, STIM_END = 2, DEC = 7, N_IN = 7 };
static const double cohs[3] = {5, 15, 50};

/* The trial's variables, read from its noiseless inputs and label. */
typedef struct trial {
    int context; /* 0, 1, or -1 if the context channels are not one-hot */
    int gt;      /* label in the decision step */
    double s[2]; /* signed coherence per modality, percent */
    int coh[2];  /* index into cohs, or -1 */
} trial;

static trial read_trial(const rl_batch *b0, int r)
{
    trial tr;
    float c1 = tt_x(b0, 0, r, 5), c2 = tt_x(b0, 0, r, 6);
    tr.context = c1 == 1.0f && c2 == 0.0f ? 0 : c1 == 0.0f && c2 == 1.0f ? 1 : -1;
    tr.gt = tt_label(b0, DEC, r);
    for (int k = 0; k < 2; k++) {
        /* stim1 - stim2 = s/100 */
        tr.s[k] = 100 * ((double)tt_x(b0, 0, r, 1 + 2 * k) - tt_x(b0, 0, r, 2 + 2 * k));
        tr.coh[k] = -1;
        for (int j = 0; j < 3; j++)
            if (fabs(fabs(tr.s[k]) - cohs[j]) < 1e-4) tr.coh[k] = j;
    }
    return tr;
}

static void check_shape(void)
{
    rl_params p = tt_params("cxt");
    rl_task_shape s = {0};
    rl_status st = RL_STATUS_INIT;
    rl_code rc = rl_task_shape_of(&p, &s, &st);
    RL_TEST(rc == RL_OK && s.steps == 8 && s.n_in == 7 && s.n_out == 3 && s.loss == RL_LOSS_CE &&
                s.decision_step == 7,
            "cxt paper shape: T = 8 (stimulus 200, delay 500, decision 100 ms), 7 in, 3 out, CE, "
            "decision step 7");
}

static void check_noiseless(const rl_batch *b0)
{
    long pre = 0, bad_ctx = 0, bad_rule = 0, bad_stim = 0, ctx0 = 0, agree = 0, ones = 0;
    long count[2][3] = {{0}};
    for (int r = 0; r < B; r++) {
        trial tr = read_trial(b0, r);
        for (int t = 0; t < DEC; t++)
            pre += tt_label(b0, t, r) != 0;
        /* The active context channel is 1 at every step, decision included; the other 0. */
        for (int t = 0; t < T; t++)
            bad_ctx += tr.context < 0 || tt_x(b0, t, r, 5 + tr.context) != 1.0f ||
                       tt_x(b0, t, r, 6 - tr.context) != 0.0f;
        /* The attended modality's sign gives the label; stim1 + stim2 = 1 in the stimulus. */
        int attended = tr.context < 0 ? 0 : tr.context;
        bad_rule += (tr.gt != 1 && tr.gt != 2) || (tr.s[attended] > 0) != (tr.gt == 1);
        for (int k = 0; k < 2; k++) {
            for (int t = 0; t < STIM_END; t++)
                bad_stim += fabs((double)tt_x(b0, t, r, 1 + 2 * k) + tt_x(b0, t, r, 2 + 2 * k) -
                                 1) > 1e-6 ||
                            tt_x(b0, t, r, 1 + 2 * k) != tt_x(b0, 0, r, 1 + 2 * k);
            for (int t = STIM_END; t < T; t++)
                bad_stim += tt_x(b0, t, r, 1 + 2 * k) != 0 || tt_x(b0, t, r, 2 + 2 * k) != 0;
            if (tr.coh[k] < 0)
                bad_stim++;
            else
                count[k][tr.coh[k]]++;
        }
        ctx0 += tr.context == 0;
        ones += tr.gt == 1;
        agree += (tr.s[1 - attended] > 0) == (tr.gt == 1);
    }
    RL_TEST(pre == 0, "label 0 (fixate) before the decision (%ld of %d x 7 not)", pre, B);
    RL_TEST(bad_ctx == 0,
            "active context channel 1 at all 8 steps (decision included), the other 0 (%ld "
            "violations)",
            bad_ctx);
    RL_TEST(bad_rule == 0,
            "label 1 iff the attended modality's signed coherence is positive (%ld of %d "
            "violate)",
            bad_rule, B);
    RL_TEST(bad_stim == 0,
            "stimuli only at t = 0..1, stim1 + stim2 = 1 (1e-6), |s| in {5, 15, 50} (%ld "
            "violations)",
            bad_stim);
    RL_TEST_ABS((double)ctx0 / B, 0.5, 5 * tt_se_freq(0.5, B),
                "P(context 1 cue) = %.4f = 1/2 within 5 SE (%.4f), %d trials", (double)ctx0 / B,
                5 * tt_se_freq(0.5, B), B);
    RL_TEST_ABS((double)ones / B, 0.5, 5 * tt_se_freq(0.5, B),
                "P(label 1) = %.4f = 1/2 within 5 SE (%.4f), %d trials", (double)ones / B,
                5 * tt_se_freq(0.5, B), B);
    RL_TEST_ABS((double)agree / B, 0.5, 5 * tt_se_freq(0.5, B),
                "the ignored modality agrees with the label half the time: %.4f within 5 SE "
                "(%.4f), %d trials",
                (double)agree / B, 5 * tt_se_freq(0.5, B), B);
    for (int k = 0; k < 2; k++)
        for (int j = 0; j < 3; j++)
            RL_TEST_ABS((double)count[k][j] / B, 1.0 / 3, 5 * tt_se_freq(1.0 / 3, B),
                        "P(modality %d coherence %g) = %.4f = 1/3 within 5 SE (%.4f), %d trials",
                        k + 1, cohs[j], (double)count[k][j] / B, 5 * tt_se_freq(1.0 / 3, B), B);
}

static void check_noise(const rl_batch *b0, const rl_batch *b1)
{
    tt_stat noise[N_IN] = {{0}};
    long elsewhere = 0, labels = 0, mask = 0, exact = 0;
    for (int r = 0; r < B; r++) {
        trial tr = read_trial(b0, r);
        for (int t = 0; t < T; t++) {
            labels += tt_label(b0, t, r) != tt_label(b1, t, r);
            mask += tt_mask(b1, t, r) != 1.0f;
            for (int c = 0; c < N_IN; c++) {
                double d = (double)tt_x(b1, t, r, c) - tt_x(b0, t, r, c);
                if (t < STIM_END)
                    tt_add(&noise[c], d);
                else
                    elsewhere += d != 0;
            }
            if (t >= STIM_END) {
                /* Outside the stimulus: fixation 1 until the decision, in the decision
                   only the context cue; all exact. */
                exact += tt_x(b1, t, r, 0) != (t < DEC ? 1.0f : 0.0f);
                if (tr.context >= 0) exact += tt_x(b1, t, r, 5 + tr.context) != 1.0f;
            }
        }
    }
    RL_TEST(labels == 0, "sigma changes no trial: labels of sigma 0 and 1 agree (%ld differ)",
            labels);
    RL_TEST(mask == 0, "mask is 1 at every step (%ld not)", mask);
    RL_TEST(elsewhere == 0, "no noise in the delay or the decision, on any channel (%ld differ)",
            elsewhere);
    RL_TEST(exact == 0,
            "noisy batch, t >= 2: fixation exactly 1 before the decision and 0 in it, the cue "
            "exactly 1 (%ld not)",
            exact);
    for (int c = 0; c < N_IN; c++) {
        RL_TEST_ABS(noise[c].mean, 0, 5 * 0.1 / sqrt((double)noise[c].n),
                    "stimulus noise on channel %d: mean %.5f = 0 within 5 SE (%.5f), n = %ld", c,
                    noise[c].mean, 5 * 0.1 / sqrt((double)noise[c].n), noise[c].n);
        RL_TEST_ABS(tt_sd(&noise[c]), 0.1, 5 * tt_se_sd(&noise[c]),
                    "stimulus noise on channel %d: sd %.5f = 0.1 within 5 SE (%.5f), n = %ld", c,
                    tt_sd(&noise[c]), 5 * tt_se_sd(&noise[c]), noise[c].n);
    }
}

/* Input means of the noisy batch per signed coherence and per context. */
static void check_means(const rl_batch *b0, const rl_batch *b1)
{
    tt_stat m[2][3][2] = {{{{0}}}}; /* [modality][coherence][sign > 0] */
    tt_stat cue[2][2] = {{{0}}};    /* [context][channel 5 or 6] in the stimulus period */
    for (int r = 0; r < B; r++) {
        trial tr = read_trial(b0, r);
        if (tr.context < 0) continue;
        for (int t = 0; t < STIM_END; t++) {
            for (int k = 0; k < 2; k++)
                if (tr.coh[k] >= 0)
                    tt_add(&m[k][tr.coh[k]][tr.s[k] > 0], tt_x(b1, t, r, 1 + 2 * k));
            tt_add(&cue[tr.context][0], tt_x(b1, t, r, 5));
            tt_add(&cue[tr.context][1], tt_x(b1, t, r, 6));
        }
    }
    for (int k = 0; k < 2; k++)
        for (int j = 0; j < 3; j++)
            for (int pos = 0; pos < 2; pos++) {
                double s = pos ? cohs[j] : -cohs[j], want = (1 + s / 100) / 2;
                const tt_stat *a = &m[k][j][pos];
                RL_TEST_ABS(a->mean, want, 5 * tt_se_mean(a),
                            "mean stim1_mod%d | s = %+g = %.4f = (1 + s/100)/2 = %.3f within 5 "
                            "SE (%.4f), n = %ld",
                            k + 1, s, a->mean, want, 5 * tt_se_mean(a), a->n);
            }
    for (int ctx = 0; ctx < 2; ctx++)
        for (int c = 0; c < 2; c++) {
            const tt_stat *a = &cue[ctx][c];
            double want = ctx == c ? 1 : 0;
            RL_TEST_ABS(a->mean, want, 5 * tt_se_mean(a),
                        "stimulus period, context %d: mean context%d channel %.4f = %g within 5 "
                        "SE (%.4f), n = %ld",
                        ctx, c + 1, a->mean, want, 5 * tt_se_mean(a), a->n);
        }
}

int main(void)
{
    check_shape();
    rl_params p = tt_params("cxt");
    tt_pair pr = tt_pair_make(&p, B, 1);
    if (pr.ok) {
        check_noiseless(&pr.b0);
        check_noise(&pr.b0, &pr.b1);
        check_means(&pr.b0, &pr.b1);
    }
    tt_pair_destroy(&pr);
    return rl_test_done();
}
