/*
** test_gaussian.c: the base draw and the kinds gaussian and uniform (gaussian.c),
** and the input/output weights (init.c).
** Why: W0 = g Z / sqrt(N) with Z from stream "init.w0" is the anchor of the paired
** design, so it is rebuilt here from rng.h alone and compared bit for bit.
** Moments are checked on one N = 300 draw (90,000 entries) within 5 standard
** errors computed from the distribution's own higher moments.
*/
#include "initest.h"

enum { N = 300 };
static const double count = (double)N * N;

static void test_gaussian_is_w0(void)
{
    rl_params p = params_for("gaussian", N, 7);
    double *w = build(&p), *z = stream_z(&p);
    if (!w) return;
    double c = p.init.gain / sqrt((double)N);
    size_t same = 0;
    for (size_t k = 0; k < (size_t)N * N; k++)
        same += w[k] == c * z[k];
    RL_TEST(same == (size_t)N * N,
            "gaussian = g Z / sqrt(N) with Z from stream init.w0 (seed 7): %zu of %d entries "
            "bit-identical",
            same, N * N);

    double m1 = 0, m2 = 0;
    for (size_t k = 0; k < (size_t)N * N; k++) {
        m1 += w[k];
        m2 += w[k] * w[k];
    }
    double g2 = p.init.gain * p.init.gain, var = N * m2 / count;
    /* Var(Z^2) = 2: SE of N mean(W^2) is g^2 sqrt(2 / count). */
    RL_TEST_ABS(var, g2, 5 * g2 * sqrt(2 / count),
                "gaussian: N mean(W^2) = %.5f vs g^2 = %.5f (90,000 entries, 5 SE)", var, g2);
    RL_TEST_ABS(m1 / count, 0, 5 * p.init.gain / sqrt(N * count),
                "gaussian: mean(W) = %.2e vs 0 (5 SE)", m1 / count);

    rl_params q = p;
    q.init.gain = 1.5;
    double *w2 = build(&q);
    double worst = 0;
    for (size_t k = 0; w2 && k < (size_t)N * N; k++)
        if (w[k] != 0) worst = fmax(worst, fabs(w2[k] / w[k] - 1.5 / 1.25));
    RL_TEST(w2 && worst <= 1e-15,
            "gain 1.5 vs 1.25 of one seed: same Z, ratio 1.2 everywhere (max error %.1e, 1e-15)",
            worst);
    q = p;
    q.seed = 8;
    double *w3 = build(&q);
    RL_TEST(w3 && memcmp(w, w3, sizeof(double) * N * N) != 0, "another item seed draws another W0");
    free(w3);
    free(w2);
    free(w);
    free(z);
}

static void test_uniform(void)
{
    rl_params p = params_for("uniform", N, 7);
    set_param(&p, "init.norm", "none");
    double *w = build(&p), *z = stream_z(&p);
    if (!w) return;
    double a = p.init.gain * sqrt(3.0 / N), m2 = 0, m4 = 0;
    size_t inside = 0, paired = 0, bins[10] = {0};
    for (size_t k = 0; k < (size_t)N * N; k++) {
        double x = w[k] / a; /* U(-1, 1) */
        inside += fabs(x) <= 1;
        paired += (x > 0) == (z[k] > 0);
        m2 += x * x;
        m4 += x * x * x * x;
        int b = (int)floor((x + 1) * 5);
        bins[b < 0 ? 0 : b > 9 ? 9 : b]++;
    }
    RL_TEST(inside == (size_t)N * N, "uniform: every entry within +-g sqrt(3/N)");
    RL_TEST(paired == (size_t)N * N, "uniform: each entry has the sign of W0's (paired transform)");
    /* x = U(-1,1): E x^2 = 1/3, Var x^2 = 4/45; E x^4 = 1/5, Var x^4 = 1/9 - 1/25. */
    double var = 3 * m2 / count;
    RL_TEST_ABS(var, 1.0, 5 * 3 * sqrt(4.0 / 45 / count),
                "uniform: N mean(W^2) / g^2 = %.5f vs 1 (same variance as gaussian; 5 SE)", var);
    double kurt = (m4 / count) / ((m2 / count) * (m2 / count));
    RL_TEST_ABS(kurt, 1.8, 0.05,
                "uniform: kurtosis %.4f vs 9/5 (gaussian would be 3; tolerance 0.05, about 5 SE)",
                kurt);
    double worst = 0;
    for (int b = 0; b < 10; b++)
        worst = fmax(worst, fabs(bins[b] / count - 0.1));
    RL_TEST(worst <= 5 * sqrt(0.09 / count),
            "uniform: 10 equal bins each hold 10%% (largest deviation %.4f, 5 SE = %.4f)", worst,
            5 * sqrt(0.09 / count));

    rl_params q = params_for("uniform", N, 7);
    double *wf = build(&q);
    double want = q.init.gain * frob(z, (size_t)N * N) / sqrt(N);
    RL_TEST(wf && fabs(frob(wf, (size_t)N * N) / want - 1) <= 1e-12,
            "uniform, norm frobenius: ||W||_F = ||W0||_F (1e-12 rel)");
    free(wf);
    free(w);
    free(z);
}

static void test_input_output(void)
{
    enum { NI = 3, NO = 2 };
    rl_params p = params_for("gaussian", N, 11);
    static float wx[N * NI], wo[NO * N], again[N * NI];
    rl_init_input(&p, SWEEP_SEED, NI, wx);
    rl_init_output(&p, SWEEP_SEED, NO, wo);

    rl_rng r;
    rl_rng_init(&r, SWEEP_SEED, "init.w_x", 11, 0);
    size_t same = 0;
    for (int k = 0; k < N * NI; k++) {
        double b = 1 / sqrt((double)NI);
        same += wx[k] == (float)(-b + 2 * b * rl_rng_uniform(&r));
    }
    RL_TEST(same == (size_t)N * NI,
            "W_x = U(-1/sqrt(n_in), +) from stream init.w_x (bit-identical)");

    double bound_o = 1 / sqrt((double)N), m2 = 0;
    size_t inside = 0;
    for (int k = 0; k < NO * N; k++) {
        inside += fabs(wo[k]) <= bound_o;
        m2 += (double)wo[k] * wo[k];
    }
    RL_TEST(inside == (size_t)NO * N, "w_out within +-1/sqrt(N) (fan_in = N)");
    /* U(-b, b): E x^2 = b^2/3, Var x^2 = 4 b^4 / 45; 600 entries. */
    RL_TEST_ABS(m2 / (NO * N), bound_o * bound_o / 3,
                5 * bound_o * bound_o * sqrt(4.0 / 45 / (NO * N)),
                "w_out: mean square %.3e vs 1/(3N) (600 entries, 5 SE)", m2 / (NO * N));

    set_param(&p, "init.kind", "svd");
    set_param(&p, "init.rank", "5");
    p.init.gain = 2;
    rl_init_input(&p, SWEEP_SEED, NI, again);
    RL_TEST(memcmp(wx, again, sizeof wx) == 0,
            "W_x does not depend on init.kind, init.rank or init.gain (paired design)");
}

int main(void)
{
    test_gaussian_is_w0();
    test_uniform();
    test_input_output();
    return rl_test_done();
}
