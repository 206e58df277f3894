/*
** cmd_report.c: `richlazy report OUT.nc` — a results file summarised as text
** (module: cli): status totals, then per measure the mean and standard deviation
** over seeds of every setting (every axis but `seed`), and Spearman's rho of the
** measure against the rank axis within each setting of the other axes.
** Why in C: a first look where the Python stack is missing (a cluster login node).
** Everything comes through store's view (rl_store_view), as for `richlazy status`:
** axes, labels and status (OUT.nc or its newer journal), measures (OUT.nc).
** Statistics use done items only: a diverged item has no trained measures, and
** mixing its init-only values (eff_rank_eig, ...) in would change n per measure.
** Trends are stated twice (stats.c): pooled over every item, with the t
** approximation of scipy.stats.spearmanr (optimistic: items of one seed share W0,
** W_x, w and batches, so the points are not independent), and per seed, one rho
** per seed tested over seeds with the exact Wilcoxon signed-rank test — the seed
** is the unit of replication (REPRODUCTION.md), so conclusions come from that one.
*/
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "stats.h"
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
    int *seed_k;                    /* per item: its index along the seed axis (0 if none) */
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
        r->seed_k[i] = r->seed_dim >= 0 ? c[r->seed_dim] : 0;
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

/* ---- reading ---- */

/* Reads measure m into r->value[m] (NaN unless the item is done), if the file has it. */
static rl_code read_measure(report *r, int m, rl_status *st)
{
    const rl_store_view *v = r->view;
    RL_TRY(rl_store_view_measure(v, (rl_measure)m, &r->value[m], st));
    double *x = r->value[m]; /* NULL: written by an older richlazy without this measure */
    for (size_t i = 0; x && i < v->nitems; i++) /* networks that did not learn are not compared */
        if (v->status[i] != RL_ITEM_DONE || (v->any_criterion && v->reached[i] != 1)) x[i] = NAN;
    return RL_OK;
}

/* Finds the seed axis and the trend axis (--trend, or the rank axis if any). */
static rl_code find_axes(report *r, rl_status *st)
{
    const rl_store_view *v = r->view;
    r->seed_dim = r->trend_dim = -1;
    for (int d = 0; d < v->ndims; d++) {
        const char *params = v->dim_params[d];
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

/* OUT.nc must be a results file: the measures are read from it, even when a newer journal
** gives the status. */
static rl_code read_values(report *r, rl_status *st)
{
    RL_TRY(rl_store_check_results(r->path, st));
    RL_TRY(rl_store_view_open(r->path, &r->view, st));
    RL_TRY(find_axes(r, st));
    for (int m = 0; m < RL_NMEASURES; m++)
        if (r->chosen[m]) RL_TRY(read_measure(r, m, st));
    return RL_OK;
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
/* x (the trend coordinate) and y (measure m) of group g's finite items of seed `seed` (-1: all). */
static size_t trend_points(const report *r, int m, size_t g, int seed, double *x, double *y)
{
    size_t k = 0;
    for (size_t j = r->trend_start[g]; j < r->trend_start[g + 1]; j++) {
        size_t i = r->by_trend[j];
        if (isnan(r->value[m][i]) || (seed >= 0 && r->seed_k[i] != seed)) continue;
        x[k] = r->trend_x[r->trend_k[i]];
        y[k++] = r->value[m][i];
    }
    return k;
}

/*
** Per group: Spearman's rho over every item (pooled, t approximation) and, the
** test to draw conclusions from, one rho per seed tested over seeds (Wilcoxon).
*/
static rl_code print_trend(const report *r, int m, rl_status *st)
{
    const rl_store_view *v = r->view;
    unsigned skip = (1u << r->trend_dim) | (r->seed_dim >= 0 ? 1u << r->seed_dim : 0);
    size_t ng = ngroups(v, skip), n = v->nitems;
    int nseeds = r->seed_dim >= 0 ? v->dim_sizes[r->seed_dim] : 0, width[RL_MAX_DIMS];
    double *xy = rl_alloc(n, 2 * sizeof(double), st),
           *rhos = rl_alloc(nseeds + 1, sizeof(double), st);
    rl_cli_stats_work *w = NULL;
    rl_code rc = xy && rhos ? rl_cli_stats_work_create(n, &w, st) : st->code;
    label_widths(v, skip, width);
    if (!rc) {
        printf("  Spearman rho against %s: pooled over every item (two-sided p, t approximation;\n"
               "  overstates n: items of a seed share W0, W_x, w and batches), and per seed\n"
               "  (mean of the seeds' rho, two-sided exact Wilcoxon signed-rank p over seeds):\n",
               v->dim_names[r->trend_dim]);
        print_group_header(v, skip, width);
        printf("%5s %8s %11s %6s %9s %11s\n", "n", "rho", "p", "seeds", "rho/seed", "Wilcoxon p");
    }
    for (size_t g = 0; !rc && g < ng; g++) {
        double *x = xy, *y = xy + n, mean = 0, p = NAN;
        size_t k = trend_points(r, m, g, -1, x, y), used = 0;
        double rho = rl_cli_spearman(x, y, k, w);
        for (int s = 0; s < nseeds; s++) {
            double one = rl_cli_spearman(x, y, trend_points(r, m, g, s, x, y), w);
            if (!isnan(one)) mean += rhos[used++] = one;
        }
        if (used >= 2) rc = rl_cli_wilcoxon_p(rhos, used, &p, st);
        print_group(v, g, skip, width);
        if (isnan(rho))
            printf("%5zu %8s %11s", k, "-", "-");
        else
            printf("%5zu %+8.4f %11.4g", k, rho, rl_cli_spearman_p(rho, k));
        if (used >= 2)
            printf(" %6zu %+9.4f %11.4g\n", used, mean / (double)used, p);
        else
            printf(" %6zu %9s %11s\n", used, "-", "-");
    }
    rl_cli_stats_work_destroy(&w);
    rl_free(rhos);
    rl_free(xy);
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
    r->seed_k = rl_alloc(n, sizeof *r->seed_k, st);
    size_t *scratch = rl_alloc(n, sizeof *scratch, st);
    if (scratch && r->setting && r->by_trend && r->trend_start && r->trend_k && r->seed_k)
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
    rl_free(r->seed_k);
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
