/*
** stats.h: the rank statistics `richlazy report` states (module: cli).
** Why a file of its own: report.c reads and prints; these are the numbers, each
** checked against scipy in tests/analysis (mode report) and tests/cli/test_stats.
*/
#ifndef RL_CLI_STATS_H
#define RL_CLI_STATS_H

#include <stddef.h>

#include "richlazy/core.h"

/* Scratch for rl_cli_spearman: three arrays of n (allocate with rl_cli_stats_work_create). */
typedef struct rl_cli_stats_work rl_cli_stats_work;
rl_code rl_cli_stats_work_create(size_t n, rl_cli_stats_work **out, rl_status *st);
void rl_cli_stats_work_destroy(rl_cli_stats_work **w);

/*
** Spearman's rho of y against x (n <= the work's size): the Pearson correlation of
** their tie-averaged ranks. NaN for n < 3, a constant x, or a y constant to 12
** significant digits (last-bit noise must not make a "significant" rho).
*/
double rl_cli_spearman(const double *x, const double *y, size_t n, rl_cli_stats_work *w);
/*
** Two-sided p of rho from n points, Student's t approximation with n-2 df as
** scipy.stats.spearmanr: within 1e-10 relative of scipy 1.10 (tests/cli/test_stats.c).
*/
double rl_cli_spearman_p(double rho, size_t n);
/*
** Two-sided Wilcoxon signed-rank p of x[0..n) against 0: zeros dropped, tied |x|
** given average ranks, exact with ties (the null distribution of the positive rank
** sum over all 2^n sign flips, counted by dynamic programming) up to
** RL_CLI_WILCOXON_EXACT nonzero values, the normal approximation with the tie
** correction above. 1 when every x is 0; NaN for fewer than 2 values.
*/
#define RL_CLI_WILCOXON_EXACT 50
rl_code rl_cli_wilcoxon_p(const double *x, size_t n, double *p, rl_status *st);

#endif /* RL_CLI_STATS_H */
