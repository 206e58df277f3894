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
    return rl_test_done();
}
