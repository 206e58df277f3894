/*
** test_rep.c: Eq. 5, representation alignment (rep.c), against a direct
** evaluation of its definition, and weight change (Eq. 4) on known numbers.
** Why: rep.c never forms the trial gram R = H H^T when the trials outnumber the
** units (it uses Tr(R_f R_0) = ||H_f^T H_0||_F^2); the test forms R literally in
** trial space, as the reference script does (KR = act @ act.T), for both P < N
** and P > N, centred and uncentred, and checks that RA ignores a rescaling of H
** (RA is a cosine between R's) and that bad shapes are refused.
*/
#include "mfix.h"
#include "rltest.h"

/* Eq. 5 by its definition: R = H H^T (p x p trial gram), Tr(R_f R_0)/(||R_f|| ||R_0||). */
static double ra_direct(const double *h0, const double *hf, int p, int n, bool centred)
{
    double *r0 = calloc((size_t)p * p, sizeof(double)), *rf = calloc((size_t)p * p, sizeof(double));
    double *m0 = calloc((size_t)n, sizeof(double)), *mf = calloc((size_t)n, sizeof(double));
    for (int i = 0; i < p && centred; i++)
        for (int a = 0; a < n; a++) {
            m0[a] += h0[i * n + a] / p;
            mf[a] += hf[i * n + a] / p;
        }
    for (int i = 0; i < p; i++)
        for (int j = 0; j < p; j++)
            for (int a = 0; a < n; a++) {
                r0[i * p + j] += (h0[i * n + a] - m0[a]) * (h0[j * n + a] - m0[a]);
                rf[i * p + j] += (hf[i * n + a] - mf[a]) * (hf[j * n + a] - mf[a]);
            }
    double tr = 0.0, n0 = 0.0, nf = 0.0;
    for (int i = 0; i < p; i++)
        for (int j = 0; j < p; j++) {
            tr += rf[i * p + j] * r0[j * p + i]; /* Tr(R_f R_0) literally */
            n0 += r0[i * p + j] * r0[i * p + j];
            nf += rf[i * p + j] * rf[i * p + j];
        }
    free(r0);
    free(rf);
    free(m0);
    free(mf);
    return tr / sqrt(n0 * nf);
}

static void check_shape(int p, int n)
{
    rl_status st = RL_STATUS_INIT;
    rl_rng r;
    double *h0 = malloc(sizeof(double) * p * n), *hf = malloc(sizeof(double) * p * n);
    rl_rng_init(&r, 61, "test.metrics.rep", (uint64_t)p, (uint64_t)n);
    for (int i = 0; i < p * n; i++) { /* relu-like: non-negative, some exact zeros */
        h0[i] = fmax(0.0, rl_rng_normal(&r));
        hf[i] = fmax(0.0, h0[i] + 0.7 * rl_rng_normal(&r));
    }
    rl_rep *a = NULL, *b = NULL, *c = NULL;
    mf_ok(rl_metrics_rep_from_rows(h0, p, n, &a, &st), &st, "rep 0");
    mf_ok(rl_metrics_rep_from_rows(hf, p, n, &b, &st), &st, "rep f");
    for (int centred = 0; centred < 2; centred++) {
        double want = ra_direct(h0, hf, p, n, centred),
               got = rl_metrics_rep_alignment(a, b, centred);
        RL_TEST_ABS(
            got, want, 1e-12,
            "P = %d trials, N = %d units, %s: RA = %.12f matches "
            "Tr(R_f R_0)/(||R_f|| ||R_0||), R = H H^T formed in trial space (%.12f, tol 1e-12)",
            p, n, centred ? "centred" : "uncentred", got, want);
        RL_TEST(want < 0.99, "  ... and is not trivially 1 (%.4f)", want);
    }
    for (int i = 0; i < p * n; i++)
        hf[i] *= 7.5;
    mf_ok(rl_metrics_rep_from_rows(hf, p, n, &c, &st), &st, "rep scaled");
    double ra1 = rl_metrics_rep_alignment(a, b, false), ra2 = rl_metrics_rep_alignment(a, c, false);
    RL_TEST_REL(ra2, ra1, 1e-13,
                "P = %d, N = %d: RA is unchanged when H_f is scaled by 7.5 "
                "(%.15f vs %.15f, rel tol 1e-13)",
                p, n, ra2, ra1);
    rl_metrics_rep_destroy(&a);
    rl_metrics_rep_destroy(&b);
    rl_metrics_rep_destroy(&c);
    free(h0);
    free(hf);
}

static void check_errors_and_weights(void)
{
    rl_status st = RL_STATUS_INIT;
    double h[12] = {1, 0, 2, 0, 1, 1, 3, 0, 0, 1, 2, 1}, z[12] = {0};
    rl_rep *a = NULL, *b = NULL;
    mf_ok(rl_metrics_rep_from_rows(h, 3, 4, &a, &st), &st, "rep 3x4");
    mf_ok(rl_metrics_rep_from_rows(h, 4, 3, &b, &st), &st, "rep 4x3");
    double ra = rl_metrics_rep_alignment(a, b, false);
    RL_TEST(isnan(ra), "RA of 3 x 4 against 4 x 3 states is NaN (got %g)", ra);
    rl_metrics_rep_destroy(&b);
    mf_ok(rl_metrics_rep_from_rows(z, 3, 4, &b, &st), &st, "silent rep");
    ra = rl_metrics_rep_alignment(a, b, false);
    RL_TEST(isnan(ra), "RA against a silent network (H = 0) is NaN, not 0/0 noise (got %g)", ra);
    rl_status st0 = RL_STATUS_INIT;
    rl_rep *none = NULL;
    rl_code rc = rl_metrics_rep_from_rows(h, 0, 4, &none, &st0);
    RL_TEST(rc == RL_EINPUT && none == NULL && strstr(st0.msg, "0 x 4"),
            "a representation of 0 trials is refused: \"%s\"", st0.msg);
    rl_metrics_rep_destroy(&a);
    rl_metrics_rep_destroy(&b);

    rl_rnn *n0 = mf_net(2, 3, 1, 0.0f, 1.0, 1.0, 71), *nf = mf_copy(n0);
    nf->w_h[4] += 3.0f;   /* W_h changes by 3 in one entry ... */
    nf->w_out[0] += 4.0f; /* ... the readout by 4: ||dtheta|| = 5 */
    rl_weight_change dw;
    rl_status st2 = RL_STATUS_INIT;
    mf_ok(rl_metrics_weight_change(n0, nf, &dw, &st2), &st2, "weight change");
    double norm0 = rl_metrics_norm(n0->w_h, 9);
    RL_TEST(fabs(dw.w_h - 3.0) < 1e-6 && fabs(dw.all - 5.0) < 1e-6 &&
                fabs(dw.w_h_rel - 3.0 / norm0) < 1e-6,
            "Eq. 4: ||dW_h|| = 3, ||dtheta|| = 5, relative 3/||W_h(0)|| (got %.7f, %.7f, %.7f; "
            "tol 1e-6, float rounding)",
            dw.w_h, dw.all, dw.w_h_rel);
    rl_rnn_destroy(&n0);
    rl_rnn_destroy(&nf);
}

/* RL_REP_ALL_STEPS stacks every step's states: block t equals the rep of step t. */
static void check_all_steps(void)
{
    enum { T = 4, P = 3, N = 5 };
    rl_rnn *net = mf_net(2, N, 2, 0.3f, 1.2, 1.0, 73);
    rl_batch b;
    mf_batch(&b, T, P, 2, 2, 74);
    rl_status st = RL_STATUS_INIT;
    rl_rep *all = NULL;
    mf_ok(rl_metrics_rep_create(net, &b, RL_REP_ALL_STEPS, &all, &st), &st, "rep all steps");
    int same = rl_metrics_rep_rows(all) == T * P && rl_metrics_rep_cols(all) == N;
    for (int t = 0; t < T && same; t++) {
        rl_rep *one = NULL;
        mf_ok(rl_metrics_rep_create(net, &b, t, &one, &st), &st, "rep one step");
        same = memcmp(rl_metrics_rep_data(all) + (size_t)t * P * N, rl_metrics_rep_data(one),
                      (size_t)P * N * sizeof(double)) == 0;
        rl_metrics_rep_destroy(&one);
    }
    RL_TEST(same, "all steps: %d x %d rows, block t bitwise equal to the rep of step t", T, P);
    rl_rep *bad = NULL;
    RL_TEST(rl_metrics_rep_create(net, &b, T, &bad, &st) == RL_EINPUT && !bad,
            "step T is refused (%s)", st.msg);
    rl_metrics_rep_destroy(&all);
    rl_batch_destroy(&b);
    rl_rnn_destroy(&net);
}

int main(void)
{
    check_all_steps();
    check_shape(5, 9);    /* P < N: trial-space route, one tile */
    check_shape(12, 4);   /* P > N: unit-space route, one tile */
    check_shape(70, 150); /* trial space over 2 x 2 tiles of 64, the last partial */
    check_shape(150, 70); /* unit space over 2 x 2 tiles of 64, the last partial */
    check_errors_and_weights();
    return rl_test_done();
}
