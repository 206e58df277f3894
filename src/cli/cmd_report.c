/*
** cmd_report.c: `richlazy report OUT.nc` — a results file summarised as text
** (module: cli): status totals, then per measure the mean and standard deviation
** over seeds of every setting (every axis but `seed`), and Spearman's rho of the
** measure against the rank axis within each setting of the other axes.
** Why in C: a first look where the Python stack is missing (a cluster login node).
** Axes, labels and status come through rl_store_view, as for `richlazy status`;
** the view carries no measures, so those are read from OUT.nc here.
** Statistics use done items only: a diverged item has no trained measures, and
** mixing its init-only values (eff_rank_eig, ...) in would change n per measure.
** p-values: the t approximation (README "Analysis"): t = rho sqrt((n-2)/(1-rho^2))
** against Student's t with n-2 degrees of freedom, as scipy.stats.spearmanr does;
** rough for n < ~10, and optimistic because items of one seed share W0 (the
** paired design), so the n points are not independent.
*/
#include <getopt.h>
#include <math.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "richlazy/store.h"

static const char usage[] = "richlazy report OUT.nc [--measure NAME ...] [--trend AXIS]";

#define MAX_FAILED_SHOWN 5 /* `richlazy status` lists them all */

static void print_help(void)
{
    printf("usage: %s\n\n"
           "Summarises a results file: status totals; per measure, mean and sd over the seeds\n"
           "of every setting (all axes but `seed`, done items only); and Spearman's rho of\n"
           "the measure against the rank axis (an axis named `rank` or setting init.rank or\n"
           "linear.rank) within each setting of the other axes. p is two-sided, from the t\n"
           "approximation with n-2 degrees of freedom (as scipy.stats.spearmanr).\n\n"
           "options:\n"
           "  --measure NAME  report only this measure (repeatable; default: every measure\n"
           "                  with a value)\n"
           "  --trend AXIS    take rho against this numeric axis instead of the rank axis\n"
           "  --help          this text\n"
           "exit status: 0 reported, 1 internal error, 2 usage, missing or invalid file\n",
           usage);
}

typedef struct report {
    const char *path;
    rl_store_view *view;            /* axes, labels, status: OUT.nc or its newer journal */
    bool chosen[RL_NMEASURES];      /* asked for (all when no --measure) */
    bool named;                     /* --measure given: say so when one has no values */
    double *value[RL_NMEASURES];    /* per item; NaN unless done; NULL: not chosen or absent */
    const char *trend_name;         /* --trend, or NULL to look for the rank axis */
    int seed_dim, trend_dim;        /* -1 if absent */
    double *trend_x;                /* numeric coordinates of the trend axis */
    size_t *setting;                /* per item: its setting (group of all axes but seed) */
    size_t *by_trend, *trend_start; /* items sorted by trend group (all but seed and trend);
                                    ** group g is by_trend[trend_start[g] .. trend_start[g+1]) */
    int *trend_k;                   /* per item: its index along the trend axis */
} report;

/* ---- grouping items by the axes they do not vary along ---- */

/* Number of groups when the dimensions in the bit mask `skip` are pooled. */
static size_t ngroups(const rl_store_view *v, unsigned skip)
{
    size_t n = 1;
    for (int d = 0; d < v->ndims; d++)
        if (!(skip >> d & 1)) n *= (size_t)v->dim_sizes[d];
    return n;
}

/* Number of dimensions not in `skip`. */
static int kept_dims(const rl_store_view *v, unsigned skip)
{
    int kept = 0;
    for (int d = 0; d < v->ndims; d++)
        kept += !(skip >> d & 1);
    return kept;
}

/* Index of the item at coordinates c among the ngroups(v, skip) groups. */
static size_t group_index(const rl_store_view *v, const int *c, unsigned skip)
{
    size_t g = 0;
    for (int d = 0; d < v->ndims; d++)
        if (!(skip >> d & 1)) g = g * (size_t)v->dim_sizes[d] + (size_t)c[d];
    return g;
}

/*
** One pass over the items (coordinates advance like an odometer, last axis
** fastest): each item's setting and trend index, and a counting sort of the
** items by trend group into by_trend/trend_start (trend_group: n scratch).
*/
static void assign_groups(report *r, size_t *trend_group)
{
    const rl_store_view *v = r->view;
    unsigned seed = r->seed_dim >= 0 ? 1u << r->seed_dim : 0;
    unsigned pooled = seed | (r->trend_dim >= 0 ? 1u << r->trend_dim : 0);
    size_t ng = ngroups(v, pooled);
    int c[RL_MAX_DIMS] = {0};
    for (size_t i = 0; i < v->nitems; i++) {
        r->setting[i] = group_index(v, c, seed);
        trend_group[i] = group_index(v, c, pooled);
        r->trend_k[i] = r->trend_dim >= 0 ? c[r->trend_dim] : 0;
        r->trend_start[trend_group[i] + 1]++;
        for (int d = v->ndims - 1; d >= 0 && ++c[d] == v->dim_sizes[d]; d--)
            c[d] = 0;
    }
    for (size_t g = 0; g < ng; g++)
        r->trend_start[g + 1] += r->trend_start[g];
    for (size_t i = 0; i < v->nitems; i++) /* each start moves to its group's end */
        r->by_trend[r->trend_start[trend_group[i]]++] = i;
    for (size_t g = ng; g > 0; g--) /* back to starts: group g starts where g-1 ends */
        r->trend_start[g] = r->trend_start[g - 1];
    r->trend_start[0] = 0;
}

/* Column width of each kept dimension: its name or its longest label. */
static void label_widths(const rl_store_view *v, unsigned skip, int width[])
{
    for (int d = 0; d < v->ndims; d++) {
        width[d] = (int)strlen(v->dim_names[d]);
        for (int k = 0; !(skip >> d & 1) && k < v->dim_sizes[d]; k++)
            if ((int)strlen(v->labels[d][k]) > width[d]) width[d] = (int)strlen(v->labels[d][k]);
    }
}

static void print_group_header(const rl_store_view *v, unsigned skip, const int width[])
{
    printf("  ");
    if (kept_dims(v, skip) == 0) printf("%-5s ", "");
    for (int d = 0; d < v->ndims; d++)
        if (!(skip >> d & 1)) printf("%-*s ", width[d], v->dim_names[d]);
}

/* The kept coordinates of group g, in columns; "(all)" when every axis is pooled. */
static void print_group(const rl_store_view *v, size_t g, unsigned skip, const int width[])
{
    int coord[RL_MAX_DIMS], kept = 0;
    for (int d = v->ndims - 1; d >= 0; d--)
        if (!(skip >> d & 1)) {
            coord[d] = (int)(g % (size_t)v->dim_sizes[d]);
            g /= (size_t)v->dim_sizes[d];
            kept++;
        }
    printf("  ");
    if (!kept) printf("(all) ");
    for (int d = 0; d < v->ndims; d++)
        if (!(skip >> d & 1)) printf("%-*s ", width[d], v->labels[d][coord[d]]);
}

/* ---- statistics ---- */

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
    /* The fraction converges fast below the mean (a+1)/(a+b+2); use I_x(a,b) = 1 - I_1-x(b,a)
     * above. */
    if (x < (a + 1) / (a + b + 2)) return front * beta_fraction(a, b, x) / a;
    return 1 - front * beta_fraction(b, a, 1 - x) / b;
}

/*
** Two-sided p of a correlation rho from n points: P(|T| >= |t|) for Student's t
** with n-2 df at t^2 = rho^2 (n-2)/(1-rho^2), which is I_{1-rho^2}((n-2)/2, 1/2).
*/
static double rho_p_value(double rho, size_t n)
{
    if (n < 3 || isnan(rho)) return NAN;
    return incomplete_beta((double)(n - 2) / 2, 0.5, 1 - rho * rho);
}

typedef struct keyed {
    double v;
    size_t i;
} keyed;

static int cmp_keyed(const void *pa, const void *pb)
{
    const keyed *a = pa, *b = pb;
    return (a->v > b->v) - (a->v < b->v);
}

/* 1-based ranks of x, ties given their average rank (what Spearman's rho needs). */
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

/*
** True if y is constant to 12 significant digits. Ranking noise in the last bits
** would give a "significant" rho (seen: KA of the aligned linear init, 1 - 1e-15);
** analysis/ applies the same rule.
*/
static bool flat(const double *y, size_t n)
{
    double lo = y[0], hi = y[0];
    for (size_t i = 1; i < n; i++) {
        lo = fmin(lo, y[i]);
        hi = fmax(hi, y[i]);
    }
    return hi - lo <= 1e-12 * fmax(fabs(lo), fabs(hi));
}

/* ---- reading ---- */

#define NCR(st, r, call)                                                                           \
    do {                                                                                           \
        int nc_rc_ = (call);                                                                       \
        if (nc_rc_ != NC_NOERR)                                                                    \
            RL_FAIL((st), RL_EIO, "reading %s: %s (%s)", (r)->path, nc_strerror(nc_rc_), #call);   \
    } while (0)

/* Reads measure m into r->value[m] (NaN unless the item is done), if the file has it. */
static rl_code read_measure(report *r, int ncid, int m, rl_status *st)
{
    const rl_store_view *v = r->view;
    int var, ndims, dimids[RL_MAX_DIMS + 1], no_fill = 0;
    double fill = NC_FILL_DOUBLE;
    if (nc_inq_varid(ncid, rl_measure_get((rl_measure)m)->name, &var) != NC_NOERR)
        return RL_OK; /* written by an older richlazy without this measure */
    NCR(st, r, nc_inq_varndims(ncid, var, &ndims));
    bool same = ndims == v->ndims;
    NCR(st, r, nc_inq_vardimid(ncid, var, dimids));
    for (int d = 0; same && d < ndims; d++) {
        size_t len;
        NCR(st, r, nc_inq_dimlen(ncid, dimids[d], &len));
        same = len == (size_t)v->dim_sizes[d];
    }
    RL_CHECK(same, st, RL_EINPUT,
             "%s and %s describe different cubes (a spec extended during a run?); report "
             "again once the run has written its next snapshot",
             r->path, v->source);
    NCR(st, r, nc_inq_var_fill(ncid, var, &no_fill, &fill));
    double *x = rl_alloc(v->nitems, sizeof *x, st);
    if (!x) return st->code;
    r->value[m] = x;
    NCR(st, r, nc_get_var_double(ncid, var, x));
    for (size_t i = 0; i < v->nitems; i++) /* networks that did not learn are not compared */
        if (v->status[i] != RL_ITEM_DONE || (v->any_criterion && v->reached[i] != 1) ||
            (!no_fill && x[i] == fill))
            x[i] = NAN;
    return RL_OK;
}

/* The `parameters` attribute of axis d's coordinate ("" if absent). */
static void axis_parameters(int ncid, const char *dim, char *buf, size_t cap)
{
    int var;
    size_t len;
    buf[0] = '\0';
    if (nc_inq_varid(ncid, dim, &var) != NC_NOERR ||
        nc_inq_attlen(ncid, var, "parameters", &len) != NC_NOERR || len >= cap)
        return;
    if (nc_get_att_text(ncid, var, "parameters", buf) == NC_NOERR)
        buf[len] = '\0';
    else
        buf[0] = '\0';
}

/* Finds the seed axis and the trend axis (--trend, or the rank axis if any). */
static rl_code find_axes(report *r, int ncid, rl_status *st)
{
    const rl_store_view *v = r->view;
    r->seed_dim = r->trend_dim = -1;
    for (int d = 0; d < v->ndims; d++) {
        char params[256];
        axis_parameters(ncid, v->dim_names[d], params, sizeof params);
        bool is_rank = strcmp(v->dim_names[d], "rank") == 0 || strcmp(params, "init.rank") == 0 ||
                       strcmp(params, "linear.rank") == 0;
        if (strcmp(v->dim_names[d], "seed") == 0) r->seed_dim = d;
        if (r->trend_name ? strcmp(v->dim_names[d], r->trend_name) == 0
                          : is_rank && r->trend_dim < 0)
            r->trend_dim = d;
    }
    RL_CHECK(!r->trend_name || r->trend_dim >= 0, st, RL_EINPUT,
             "--trend %s: %s has no such axis; valid: one of its axes (`richlazy status %s`)",
             r->trend_name, r->path, r->path);
    RL_CHECK(r->trend_dim < 0 || r->trend_dim != r->seed_dim, st, RL_EINPUT,
             "--trend seed: the seed axis is what the statistics pool over; choose another axis");
    if (r->trend_dim < 0) return RL_OK;
    if (!(r->trend_x = rl_alloc((size_t)v->dim_sizes[r->trend_dim], sizeof *r->trend_x, st)))
        return st->code;
    for (int k = 0; k < v->dim_sizes[r->trend_dim]; k++) {
        const char *text = v->labels[r->trend_dim][k];
        char *end;
        r->trend_x[k] = strtod(text, &end);
        RL_CHECK(end != text && *end == '\0', st, RL_EINPUT,
                 "--trend %s: the axis is not numeric (value '%s'); valid: an axis of numbers",
                 v->dim_names[r->trend_dim], text);
    }
    return RL_OK;
}

/* Opens OUT.nc, refusing (RL_EINPUT) anything but a results file. */
static rl_code open_results(const char *path, int *ncid, rl_status *st)
{
    int status_var, nc_rc = nc_open(path, NC_NOWRITE, ncid);
    RL_CHECK(nc_rc == NC_NOERR, st, RL_EINPUT,
             "cannot open %s: %s; valid: an OUT.nc written by `richlazy run`", path,
             nc_strerror(nc_rc));
    if (nc_inq_varid(*ncid, "status", &status_var) == NC_NOERR) return RL_OK;
    nc_close(*ncid);
    RL_FAIL(st, RL_EINPUT, "%s is netCDF but not a richlazy results file (no `status` variable)",
            path);
}

static rl_code read_values(report *r, rl_status *st)
{
    int ncid;
    /* The file is closed while the view reads it: HDF5 shares one handle between two
    ** opens of a file, and the view's close would pull it from under ours. */
    RL_TRY(open_results(r->path, &ncid, st));
    nc_close(ncid);
    RL_TRY(rl_store_view_open(r->path, &r->view, st));
    RL_TRY(open_results(r->path, &ncid, st));
    rl_code rc = find_axes(r, ncid, st);
    for (int m = 0; !rc && m < RL_NMEASURES; m++)
        if (r->chosen[m]) rc = read_measure(r, ncid, m, st);
    nc_close(ncid);
    return rc;
}

/* ---- printing ---- */

static void print_status(const report *r)
{
    const rl_store_view *v = r->view;
    size_t n[4] = {0}, shown = 0;
    for (size_t i = 0; i < v->nitems; i++)
        n[v->status[i] & 3]++;
    printf("%s: spec '%s' (hash %.12s)\n", r->path, v->name, v->hash);
    printf("%zu items: %zu done, %zu diverged, %zu failed, %zu pending\n", v->nitems, n[1], n[2],
           n[3], n[0]);
    if (strcmp(v->source, r->path) != 0)
        printf("note: status read from %s, which is newer (a run in progress?); measures come "
               "from the last snapshot in %s\n",
               v->source, r->path);
    for (size_t i = 0; i < v->nitems && shown < MAX_FAILED_SHOWN; i++)
        if (v->status[i] == RL_ITEM_FAILED)
            printf("  failed: item %zu (id %s): %s\n", i, v->ids[i], v->reasons[i]), shown++;
    if (n[3] > shown)
        printf("  ... %zu more failed (`richlazy status` lists them)\n", n[3] - shown);
    size_t met = 0;
    for (size_t i = 0; i < v->nitems; i++)
        met += v->reached[i] == 1;
    if (v->any_criterion)
        printf("stop criterion: reached by %zu of %zu done items\n"
               "statistics: done items that reached the criterion only; a setting is every axis "
               "but `seed`\n",
               met, n[1]);
    else
        printf("statistics: done items only; a setting is every axis but `seed`\n");
}

static bool has_value(const report *r, int m)
{
    for (size_t i = 0; r->value[m] && i < r->view->nitems; i++)
        if (!isnan(r->value[m][i])) return true;
    return false;
}

/* Mean and sd over the done items of each setting (Welford: one pass, stable). */
static rl_code print_settings(const report *r, int m, rl_status *st)
{
    const rl_store_view *v = r->view;
    unsigned skip = r->seed_dim >= 0 ? 1u << r->seed_dim : 0;
    size_t ng = ngroups(v, skip);
    int width[RL_MAX_DIMS];
    double *acc = rl_alloc(ng, 3 * sizeof(double), st); /* n, mean, M2 per group */
    if (!acc) return st->code;
    for (size_t i = 0; i < v->nitems; i++) {
        double x = r->value[m][i], *a = acc + 3 * r->setting[i];
        if (isnan(x)) continue;
        a[0] += 1;
        double delta = x - a[1];
        a[1] += delta / a[0];
        a[2] += delta * (x - a[1]);
    }
    label_widths(v, skip, width);
    print_group_header(v, skip, width);
    printf("%5s %13s %13s\n", "n", "mean", "sd");
    for (size_t g = 0; g < ng; g++) {
        const double *a = acc + 3 * g;
        print_group(v, g, skip, width);
        if (a[0] == 0)
            printf("%5d %13s %13s\n", 0, "-", "-");
        else if (a[0] == 1)
            printf("%5.0f %13.6g %13s\n", a[0], a[1], "-");
        else
            printf("%5.0f %13.6g %13.6g\n", a[0], a[1], sqrt(a[2] / (a[0] - 1)));
    }
    rl_free(acc);
    return RL_OK;
}

/* Spearman's rho against the trend axis within each setting of the other non-seed axes. */
static rl_code print_trend(const report *r, int m, rl_status *st)
{
    const rl_store_view *v = r->view;
    unsigned skip = (1u << r->trend_dim) | (r->seed_dim >= 0 ? 1u << r->seed_dim : 0);
    size_t ng = ngroups(v, skip), n = v->nitems;
    int width[RL_MAX_DIMS];
    double *xy = rl_alloc(n, 4 * sizeof(double), st); /* x, y, rank(x), rank(y) */
    keyed *tmp = rl_alloc(n, sizeof *tmp, st);
    rl_code rc = xy && tmp ? RL_OK : st->code;
    label_widths(v, skip, width);
    if (!rc) {
        printf("  Spearman rho against %s (two-sided p, t approximation):\n",
               v->dim_names[r->trend_dim]);
        print_group_header(v, skip, width);
        printf("%5s %8s %11s\n", "n", "rho", "p");
    }
    for (size_t g = 0; !rc && g < ng; g++) {
        double *x = xy, *y = xy + n, *rx = xy + 2 * n, *ry = xy + 3 * n;
        size_t k = 0;
        for (size_t j = r->trend_start[g]; j < r->trend_start[g + 1]; j++) {
            size_t i = r->by_trend[j];
            if (isnan(r->value[m][i])) continue;
            x[k] = r->trend_x[r->trend_k[i]];
            y[k++] = r->value[m][i];
        }
        average_ranks(x, k, tmp, rx);
        average_ranks(y, k, tmp, ry);
        double rho = k >= 3 && !flat(y, k) ? pearson(rx, ry, k) : NAN;
        print_group(v, g, skip, width);
        if (isnan(rho))
            printf("%5zu %8s %11s\n", k, "-", "-");
        else
            printf("%5zu %+8.4f %11.4g\n", k, rho, rho_p_value(rho, k));
    }
    rl_free(xy);
    rl_free(tmp);
    return rc;
}

static rl_code print_measures(report *r, rl_status *st)
{
    const rl_store_view *v = r->view;
    size_t n = v->nitems ? v->nitems : 1;
    r->setting = rl_alloc(n, sizeof *r->setting, st);
    r->by_trend = rl_alloc(n, sizeof *r->by_trend, st);
    r->trend_start = rl_alloc(n + 1, sizeof *r->trend_start, st); /* ngroups <= nitems */
    r->trend_k = rl_alloc(n, sizeof *r->trend_k, st);
    size_t *scratch = rl_alloc(n, sizeof *scratch, st);
    if (scratch && r->setting && r->by_trend && r->trend_start && r->trend_k)
        assign_groups(r, scratch);
    rl_free(scratch);
    if (st->code) return st->code;
    for (int m = 0; m < RL_NMEASURES; m++) {
        const rl_measure_info *mi = rl_measure_get((rl_measure)m);
        if (!has_value(r, m)) {
            if (r->named && r->chosen[m]) printf("\n%s: no done item has a value\n", mi->name);
            continue;
        }
        printf("\n%s: %s\n", mi->name, mi->long_name);
        RL_TRY(print_settings(r, m, st));
        if (r->trend_dim >= 0) RL_TRY(print_trend(r, m, st));
    }
    return RL_OK;
}

/* ---- command ---- */

static void report_free(report *r)
{
    for (int m = 0; m < RL_NMEASURES; m++)
        rl_free(r->value[m]);
    rl_free(r->setting);
    rl_free(r->by_trend);
    rl_free(r->trend_start);
    rl_free(r->trend_k);
    rl_free(r->trend_x);
    rl_store_view_destroy(&r->view);
}

/* Marks --measure NAME chosen; false if no measure has that name. */
static bool choose(report *r, const char *name)
{
    for (int m = 0; m < RL_NMEASURES; m++)
        if (strcmp(rl_measure_get((rl_measure)m)->name, name) == 0) return r->chosen[m] = true;
    return false;
}

/* "--measure x: no such measure; did you mean 'y'? valid: a, b, ..." (exit 2). */
static int no_such_measure(const char *name)
{
    const char *names[RL_NMEASURES];
    char valid[1024] = "";
    for (int m = 0; m < RL_NMEASURES; m++) {
        names[m] = rl_measure_get((rl_measure)m)->name;
        size_t used = strlen(valid);
        rl_snprintf(valid + used, sizeof valid - used, "%s%s", m ? ", " : "", names[m]);
    }
    const char *near = rl_spec_suggest(name, names, RL_NMEASURES);
    char hint[128] = "";
    if (near) rl_snprintf(hint, sizeof hint, " did you mean '%s'?", near);
    return rl_cli_usage_error("report", usage, "--measure %s: no such measure;%s valid: %s", name,
                              hint, valid);
}

/* 0 to report, -1 after --help, else the usage-error exit status. */
static int parse(int argc, char **argv, report *r)
{
    static const struct option opts[] = {{"measure", required_argument, NULL, 'm'},
                                         {"trend", required_argument, NULL, 't'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (c == 'h') return print_help(), -1;
        if (c == 't') r->trend_name = optarg;
        if (c == 'm' && !(r->named = choose(r, optarg))) return no_such_measure(optarg);
        if (c == '?' || c == ':') return rl_cli_option_error("report", usage, opts, c, argv);
    }
    if (optind != argc - 1) return rl_cli_usage_error("report", usage, "expected one results file");
    r->path = argv[optind];
    for (int m = 0; !r->named && m < RL_NMEASURES; m++)
        r->chosen[m] = true;
    return 0;
}

int rl_cli_report(int argc, char **argv)
{
    rl_status st = RL_STATUS_INIT;
    report *r = rl_alloc(1, sizeof *r, &st);
    if (!r) return rl_cli_report_error("report", &st);
    int exit_code = parse(argc, argv, r);
    if (exit_code == 0) {
        setenv("HDF5_USE_FILE_LOCKING", "FALSE", 0); /* reading: no lock needed (cmd_run.c) */
        rl_code rc = read_values(r, &st);
        if (!rc) print_status(r);
        if (!rc) rc = print_measures(r, &st);
        exit_code = rc ? rl_cli_report_error("report", &st) : 0;
    }
    report_free(r);
    rl_free(r);
    return exit_code < 0 ? 0 : exit_code;
}
