/*
** test_stats.c: the statistics `richlazy report` states (src/cli/stats.c) against
** values computed by hand and by scipy 1.10 (scipy.stats.spearmanr, wilcoxon).
*/
#include <math.h>
#include <stdio.h>

#include "rltest.h"
#include "stats.h"

static double wilcoxon(const double *x, size_t n)
{
    double p;
    rl_status st = RL_STATUS_INIT;
    return rl_cli_wilcoxon_p(x, n, &p, &st) == RL_OK ? p : -1;
}

/*
** rho and its two-sided p against scipy 1.10.1, `r = scipy.stats.spearmanr(x, y)`
** (r.correlation, r.pvalue; x and y as below, n = 3 .. 120, ties, both signs, a p
** of 1e-94). Tolerances: rho within 1e-12 absolute (tie-averaged ranks are exact;
** only the Pearson sums round); p within 1e-10 relative (the incomplete beta's
** continued fraction stops at 1e-15 per step, lgamma and exp add ~1e-14; the worst
** seen is 6e-13, at p = 1e-94).
*/
#define RHO_TOL 1e-12
#define P_RTOL  1e-10

typedef struct scipy_case {
    const char *what;
    size_t n;
    double x[120], y[120], rho, p; /* scipy's rho and p */
} scipy_case;

static void check_case(const scipy_case *c, rl_cli_stats_work *w)
{
    double rho = rl_cli_spearman(c->x, c->y, c->n, w), p = rl_cli_spearman_p(rho, c->n);
    RL_TEST_ABS(rho, c->rho, RHO_TOL, "%s: rho %.17g = scipy's %.17g (abs %g)", c->what, rho,
                c->rho, RHO_TOL);
    RL_TEST(fabs(p - c->p) <= P_RTOL * c->p, "%s: p %.17g = scipy's %.17g (rel %g)", c->what, p,
            c->p, P_RTOL);
}

static void spearman_vs_scipy(void)
{
    static scipy_case c[] = {
        {"n=3, no ties", 3, {1, 2, 3}, {1, 3, 2}, 0.5, 0.6666666666666667},
        {"n=4, ties in x and y",
         4,
         {1, 1, 2, 2},
         {0.3, 0.1, 0.5, 0.3},
         0.7071067811865477,
         0.29289321881345215},
        {"n=5, negative",
         5,
         {1, 2, 3, 4, 5},
         {5, 3, 4, 1, 2},
         -0.7999999999999999,
         0.10408803866182788},
        {"n=8, ties in x",
         8,
         {1, 1, 30, 30, 100, 100, 300, 300},
         {1, 2, 3, 4, 5, 6, 7, 8},
         0.9759000729485332,
         3.436402807612141e-05},
        {"n=10, ties in both",
         10,
         {1, 1, 1, 2, 2, 3, 3, 3, 4, 4},
         {2, 1, 2, 3, 5, 4, 4, 6, 5, 7},
         0.8519427513705973,
         0.001751350262893395},
        /* x: rank values repeated over seeds (item i has rank index k = i / seeds) */
        {"n=40, 4 rank values x 10 seeds, weak trend: y_i = sin(1.7 i) + 0.1 k",
         40,
         {0},
         {0},
         0.14721938040295135,
         0.3646579078930483},
        {"n=120, 6 rank values x 20 seeds, strong negative trend: "
         "y_i = -0.05 k + 0.01 cos(2.3 i)",
         120,
         {0},
         {0},
         -0.9860475355393463,
         9.702223865405082e-94},
    };
    static const double r40[] = {1, 2, 8, 32}, r120[] = {1, 2, 4, 8, 16, 32};
    /* c[5] and c[6], as scipy was given them (numpy's sin and cos: the ranks are the same) */
    for (int i = 0; i < 40; i++) {
        c[5].x[i] = r40[i / 10];
        c[5].y[i] = sin(1.7 * i) + 0.1 * (i / 10);
    }
    for (int i = 0; i < 120; i++) {
        c[6].x[i] = r120[i / 20];
        c[6].y[i] = -0.05 * (i / 20) + 0.01 * cos(2.3 * i);
    }
    rl_cli_stats_work *w = NULL;
    rl_status st = RL_STATUS_INIT;
    if (rl_cli_stats_work_create(120, &w, &st) != RL_OK) return;
    for (size_t k = 0; k < sizeof c / sizeof c[0]; k++)
        check_case(&c[k], w);
    rl_cli_stats_work_destroy(&w);
}

int main(void)
{
    /* Exact, with ties: |x| = 1, 1, 2 has ranks 1.5, 1.5, 3; the positive sum 4.5 is 1.5 from
     * the centre 3, and 6 of the 8 sign sets (sums 0, 1.5, 1.5, 3, 3, 4.5, 4.5, 6) are as far. */
    double ties[] = {1, -1, 2};
    RL_TEST_ABS(wilcoxon(ties, 3), 0.75, 1e-15, "Wilcoxon [1, -1, 2]: p = 6/8 exactly");
    double ten[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    RL_TEST_ABS(wilcoxon(ten, 10), 2.0 / 1024, 1e-15, "ten positive seeds: p = 2/1024");
    double zeros[] = {0, 0, 0}, one[] = {1}, gaps[] = {NAN, 2, 0, -3};
    RL_TEST(wilcoxon(zeros, 3) == 1 && isnan(wilcoxon(one, 1)), "all zeros: p = 1; one value: NaN");
    /* No ties: exact p equals scipy.stats.wilcoxon(x, mode='exact'); |x| ranks 1..5,
     * positive sum 1 + 4 + 5 = 10 (centre 7.5); sums <= 5 or >= 10 are as far: 10 + 10 of the
     * 32 sign sets, p = 0.625. */
    double five[] = {0.1, -0.2, -0.3, 0.4, 0.5};
    RL_TEST_ABS(wilcoxon(five, 5), 0.625, 1e-15,
                "Wilcoxon, 5 values without ties: 20/32 (scipy's exact p)");
    RL_TEST_ABS(wilcoxon(gaps, 4), 1.0, 1e-15,
                "NaN left out and zero dropped: [2, -3] gives p = 1 (4 of 4 sign sets)");
    /* Above the exact range: the normal approximation with the tie correction, no continuity
     * correction (scipy.stats.wilcoxon(x, mode='approx', correction=False)). */
    double sixty[60];
    for (int i = 0; i < 60; i++)
        sixty[i] = (i + 1) * (i % 3 == 0 ? -1.0 : 1.0);
    RL_TEST_ABS(wilcoxon(sixty, 60), 0.016733071607703435, 1e-12,
                "60 values: normal approximation equals scipy's (1e-12)");

    rl_cli_stats_work *w = NULL;
    rl_status st = RL_STATUS_INIT;
    if (rl_cli_stats_work_create(8, &w, &st) != RL_OK) return 1;
    double x[] = {1, 1, 30, 30, 100, 100, 300, 300}, up[] = {1, 2, 3, 4, 5, 6, 7, 8};
    /* x's tie-averaged ranks 1.5, 1.5, 3.5, ... against 1..8: rho = 0.9759 (by definition). */
    RL_TEST_ABS(rl_cli_spearman(x, up, 8, w), 0.97590007294853309, 1e-12,
                "Spearman with ties in x: the Pearson correlation of the average ranks");
    double flat[] = {1, 1 - 1e-16, 1, 1, 1, 1, 1, 1};
    RL_TEST(isnan(rl_cli_spearman(x, flat, 8, w)) && isnan(rl_cli_spearman(x, up, 2, w)),
            "a y constant to 12 digits, or 2 points: rho NaN");
    RL_TEST_ABS(rl_cli_spearman_p(0.5, 10), 0.14111328125000003, 1e-9,
                "p of rho 0.5 from 10 points: Student's t with 8 df, as scipy");
    rl_cli_stats_work_destroy(&w);
    spearman_vs_scipy();
    return rl_test_done();
}
