/*
** stats.c: Spearman's rho, its t-approximation p, and the exact Wilcoxon
** signed-rank test (stats.h; module: cli).
** Why the Wilcoxon test: items of one seed share W0's Gaussian, W_x, w and every
** batch, so a trend is tested over seeds (one rho per seed), not over items
** (REPRODUCTION.md, "How a claim is tested"). With 10 seeds the test is exact by
** enumeration: the positive-rank sum S of n values has a null distribution that a
** dynamic program over the (doubled, hence integer) ranks counts in O(n^2) steps.
*/
#include "stats.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct keyed {
    double v;
    size_t i;
} keyed;

struct rl_cli_stats_work {
    size_t cap;
    keyed *tmp;
    double *rx, *ry;
};

rl_code rl_cli_stats_work_create(size_t n, rl_cli_stats_work **out, rl_status *st)
{
    *out = NULL;
    rl_cli_stats_work *w = rl_alloc(1, sizeof *w, st);
    if (!w) return st->code;
    w->cap = n ? n : 1;
    w->tmp = rl_alloc(w->cap, sizeof *w->tmp, st);
    w->rx = rl_alloc(w->cap, sizeof *w->rx, st);
    w->ry = rl_alloc(w->cap, sizeof *w->ry, st);
    if (!w->tmp || !w->rx || !w->ry) {
        rl_cli_stats_work_destroy(&w);
        return st->code;
    }
    *out = w;
    return RL_OK;
}

void rl_cli_stats_work_destroy(rl_cli_stats_work **pw)
{
    if (!pw || !*pw) return;
    rl_free((*pw)->tmp);
    rl_free((*pw)->rx);
    rl_free((*pw)->ry);
    rl_free(*pw);
    *pw = NULL;
}

static int cmp_keyed(const void *pa, const void *pb)
{
    const keyed *a = pa, *b = pb;
    return (a->v > b->v) - (a->v < b->v);
}

/* 1-based ranks of x, ties given their average rank. */
static void average_ranks(const double *x, size_t n, keyed *tmp, double *rank)
{
    for (size_t i = 0; i < n; i++)
        tmp[i] = (keyed){x[i], i};
    qsort(tmp, n, sizeof *tmp, cmp_keyed);
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i; j < n && tmp[j].v == tmp[i].v; j++)
            ;
        for (size_t k = i; k < j; k++)
            rank[tmp[k].i] = (double)(i + 1 + j) / 2; /* mean of ranks i+1 .. j */
    }
}

static double pearson(const double *a, const double *b, size_t n)
{
    double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < n; i++) {
        ma += a[i] / (double)n;
        mb += b[i] / (double)n;
    }
    for (size_t i = 0; i < n; i++) {
        sab += (a[i] - ma) * (b[i] - mb);
        saa += (a[i] - ma) * (a[i] - ma);
        sbb += (b[i] - mb) * (b[i] - mb);
    }
    return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : NAN; /* undefined for a constant */
}

/* True if y is constant to 12 significant digits (analysis/ applies the same rule). */
static bool flat(const double *y, size_t n)
{
    double lo = y[0], hi = y[0];
    for (size_t i = 1; i < n; i++) {
        lo = fmin(lo, y[i]);
        hi = fmax(hi, y[i]);
    }
    return hi - lo <= 1e-12 * fmax(fabs(lo), fabs(hi));
}

double rl_cli_spearman(const double *x, const double *y, size_t n, rl_cli_stats_work *w)
{
    assert(n <= w->cap);
    if (n < 3 || flat(y, n)) return NAN;
    average_ranks(x, n, w->tmp, w->rx);
    average_ranks(y, n, w->tmp, w->ry);
    return pearson(w->rx, w->ry, n);
}

/* Regularised incomplete beta I_x(a, b) from its continued fraction (modified Lentz). */
static double beta_fraction(double a, double b, double x)
{
    const double tiny = 1e-300;
    double c = 1, d = 1 - (a + b) * x / (a + 1);
    d = 1 / (fabs(d) < tiny ? tiny : d);
    double f = d;
    for (int m = 1; m <= 500; m++) {
        /* even term d_2m = m (b - m) x / ((a + 2m - 1)(a + 2m)), then odd d_2m+1 */
        double terms[2] = {m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                           -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))};
        double delta = 1;
        for (int k = 0; k < 2; k++) {
            d = 1 + terms[k] * d;
            c = 1 + terms[k] / c;
            d = 1 / (fabs(d) < tiny ? tiny : d);
            c = fabs(c) < tiny ? tiny : c;
            delta = d * c;
            f *= delta;
        }
        if (fabs(delta - 1) < 1e-15) break;
    }
    return f;
}

static double incomplete_beta(double a, double b, double x)
{
    if (x <= 0) return 0;
    if (x >= 1) return 1;
    double front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
    /* The fraction converges fast below the mean (a+1)/(a+b+2); above, I_x(a,b) = 1 - I_1-x(b,a).
     */
    if (x < (a + 1) / (a + b + 2)) return front * beta_fraction(a, b, x) / a;
    return 1 - front * beta_fraction(b, a, 1 - x) / b;
}

/* P(|T| >= |t|), Student's t with n-2 df at t^2 = rho^2 (n-2)/(1-rho^2): I_{1-rho^2}((n-2)/2, 1/2).
 */
double rl_cli_spearman_p(double rho, size_t n)
{
    if (n < 3 || isnan(rho)) return NAN;
    return incomplete_beta((double)(n - 2) / 2, 0.5, 1 - rho * rho);
}

/* Exact two-sided p: count sign sets by their doubled positive-rank sum (integers). */
static rl_code wilcoxon_exact(const int *rank2, size_t n, int observed, double *p, rl_status *st)
{
    int total = 0;
    for (size_t i = 0; i < n; i++)
        total += rank2[i];
    double *count = rl_alloc((size_t)total + 1, sizeof *count, st);
    if (!count) return st->code;
    count[0] = 1; /* subsets of the first i ranks by their sum; 2^50 < 2^53: exact in double */
    for (size_t i = 0; i < n; i++)
        for (int s = total; s >= rank2[i]; s--)
            count[s] += count[s - rank2[i]];
    double far = 0, all = 0;
    int dist = abs(2 * observed - total); /* |S - total/2|, doubled to stay integral */
    for (int s = 0; s <= total; s++) {
        all += count[s];
        if (abs(2 * s - total) >= dist) far += count[s];
    }
    rl_free(count);
    *p = far / all;
    return RL_OK;
}

rl_code rl_cli_wilcoxon_p(const double *x, size_t n, double *p, rl_status *st)
{
    *p = NAN;
    size_t m = 0;
    double *nz = rl_alloc(n ? n : 1, 3 * sizeof *nz, st); /* |x|, sign, rank */
    keyed *tmp = rl_alloc(n ? n : 1, sizeof *tmp, st);
    int *rank2 = rl_alloc(n ? n : 1, sizeof *rank2, st);
    rl_code rc = nz && tmp && rank2 ? RL_OK : st->code;
    size_t finite = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        if (!isfinite(x[i])) continue;
        finite++;
        if (x[i] == 0) continue; /* Wilcoxon's convention */
        nz[m] = fabs(x[i]);
        nz[n + m++] = x[i] > 0;
    }
    if (!rc && finite >= 2) *p = 1;
    if (!rc && finite >= 2 && m > 0) {
        double *r = nz + 2 * n, observed = 0, ties = 0;
        average_ranks(nz, m, tmp, r);
        for (size_t i = 0; i < m; i++) {
            observed += nz[n + i] ? r[i] : 0;
            rank2[i] = (int)lround(2 * r[i]);
        }
        if (m <= RL_CLI_WILCOXON_EXACT) {
            rc = wilcoxon_exact(rank2, m, (int)lround(2 * observed), p, st);
        } else { /* normal approximation, variance reduced by (t^3 - t)/48 per tie group */
            for (size_t i = 0, j; i < m; i = j) {
                for (j = i; j < m && tmp[j].v == tmp[i].v; j++)
                    ;
                ties += ((double)(j - i) * (j - i) * (j - i) - (double)(j - i)) / 48;
            }
            double mean = (double)m * (m + 1) / 4;
            double var = (double)m * (m + 1) * (2 * m + 1) / 24 - ties;
            *p = erfc(fabs(observed - mean) / sqrt(2 * var));
        }
    }
    rl_free(nz);
    rl_free(tmp);
    rl_free(rank2);
    return rc;
}
