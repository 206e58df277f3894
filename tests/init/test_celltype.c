/*
** test_celltype.c: the kind celltype (celltype.c), Aljadeff et al. 2015 with the
** paper's alpha = 0.02, gamma = 10, base 0.8, gains on columns.
** Checks: the structure itself (every column is W0's column times gamma or base,
** exactly round(alpha N) of them gamma: paired with W0), the variance law
** N mean(W^2) = sum_d alpha_d g_d^2 = 2.6272 (averaged over 10 seeds at N = 300,
** 5 standard errors from the exact per-seed variance), the bulk radius within
** 10% of sqrt(Lambda_1) = 1.621 at N = 1000 (in a seed-robust form, see below),
** and the rescale to ||W0||_F.
*/
#include "initest.h"

static const double lambda1 = 0.98 * 0.64 + 0.02 * 100; /* sum_d alpha_d g_d^2 */

static void test_columns(void)
{
    enum { N = 300 };
    rl_params p = params_for("celltype", N, 5);
    set_param(&p, "init.norm", "none");
    double *w = build(&p), *z = stream_z(&p);
    if (!w) return;
    int hyper = 0, bad = 0;
    double gamma = p.init.celltype_gamma, base = p.init.celltype_base;
    for (int j = 0; j < N; j++) {
        double g = w[j] / (z[j] / sqrt((double)N)); /* row 0 fixes column j's gain */
        bool is_hyper = fabs(g - gamma) <= 1e-12 * gamma;
        bad += !is_hyper && fabs(g - base) > 1e-12 * base;
        hyper += is_hyper;
        for (int i = 0; i < N; i++)
            bad += fabs(w[i * N + j] - g * z[i * N + j] / sqrt((double)N)) >
                   1e-14 * fabs(w[i * N + j]);
    }
    RL_TEST(bad == 0 && hyper == 6,
            "celltype N = 300: W[:, j] = g_j Z[:, j]/sqrt(N), g_j in {10, 0.8}, %d columns with "
            "gamma (want round(0.02 N) = 6), %d entries off (1e-14 rel)",
            hyper, bad);

    rl_params q = p;
    q.seed = 6;
    double *w2 = build(&q), *z2 = stream_z(&q);
    int moved = 0;
    for (int j = 0; w2 && j < N; j++) {
        bool h1 = fabs(w[j] / z[j] * sqrt((double)N) - gamma) < 1e-9;
        bool h2 = fabs(w2[j] / z2[j] * sqrt((double)N) - gamma) < 1e-9;
        moved += h1 != h2;
    }
    RL_TEST(moved > 0, "another seed picks other hyperexcitable neurons (%d columns differ)",
            moved);
    free(w2);
    free(z2);
    free(w);
    free(z);
}

static void test_variance_law(void)
{
    enum { N = 300, SEEDS = 10 };
    double sum = 0;
    for (int s = 0; s < SEEDS; s++) {
        rl_params p = params_for("celltype", N, 100 + s);
        set_param(&p, "init.norm", "none");
        double *w = build(&p);
        if (!w) return;
        double f = frob(w, (size_t)N * N);
        sum += f * f / N; /* N mean(W^2) */
        free(w);
    }
    /* Per seed: N mean(W^2) = sum_ij g_j^2 Z_ij^2 / N^2, variance 2 sum_j g_j^4 / N^3. */
    double g4 = 6 * 1e4 + (N - 6) * pow(0.8, 4), se = sqrt(2 * g4 / pow(N, 3) / SEEDS);
    RL_TEST_ABS(sum / SEEDS, lambda1, 5 * se,
                "celltype N = 300: N mean(W^2) = %.4f vs sum alpha_d g_d^2 = %.4f (mean of %d "
                "seeds, 5 SE = %.3f)",
                sum / SEEDS, lambda1, SEEDS, 5 * se);
}

/*
** Only the ~alpha N = 20 hyperexcitable directions populate the outer disk, so the
** largest |lambda| of one N = 1000 sample is noisy (over seeds 1..8 it ranged over
** 1.60 .. 1.93, mean 1.76). The seed-robust form of "bulk radius within 10% of
** sqrt(Lambda_1)": the annulus just inside sqrt(Lambda_1) is populated, and at
** most 0.5% of the eigenvalues lie beyond 1.1 sqrt(Lambda_1) (at most 2 seen).
*/
static void test_radius(void)
{
    enum { N = 1000 };
    static double re[N], im[N];
    double r = sqrt(lambda1);
    for (long seed = 1; seed <= 2; seed++) {
        rl_params p = params_for("celltype", N, seed);
        set_param(&p, "init.norm", "none");
        double *w = build(&p);
        rl_status st = RL_STATUS_INIT;
        if (!w || rl_init_eigenvalues(w, N, re, im, &st) != RL_OK) return;
        int inner = 0, outer = 0;
        for (int k = 0; k < N; k++) {
            inner += hypot(re[k], im[k]) > 0.9 * r;
            outer += hypot(re[k], im[k]) > 1.1 * r;
        }
        RL_TEST(inner >= 1 && outer <= N / 200,
                "celltype N = 1000 seed %ld: bulk radius within 10%% of sqrt(Lambda_1) = %.3f: %d "
                "eigenvalues beyond 0.9 x (want >= 1), %d beyond 1.1 x (want <= 5); max |lambda| "
                "%.3f",
                seed, r, inner, outer, hypot(re[0], im[0]));
        free(w);
    }
}

static void test_rescale_and_check(void)
{
    enum { N = 300 };
    rl_params p = params_for("celltype", N, 5);
    double *w = build(&p), *z = stream_z(&p);
    RL_TEST(w && fabs(frob(w, (size_t)N * N) / (p.init.gain * frob(z, (size_t)N * N) / sqrt(N)) -
                      1) <= 1e-12,
            "celltype, norm frobenius: ||W||_F = ||W0||_F (1e-12 rel)");
    free(w);
    free(z);

    p.init.celltype_alpha = 0.001;
    rl_status st = RL_STATUS_INIT;
    RL_TEST(rl_init_check(&p, &st) == RL_EINPUT && strstr(st.msg, "0 hyperexcitable"),
            "alpha = 0.001 at N = 300 (no hyperexcitable neuron) is refused: \"%s\"", st.msg);
}

int main(void)
{
    test_columns();
    test_variance_law();
    test_radius();
    test_rescale_and_check();
    return rl_test_done();
}
