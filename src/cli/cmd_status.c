/*
** cmd_status.c: `richlazy status OUT.nc [--json]` — where a sweep stands: whether
** a run is active (it holds the journal's lock), totals with running, lost and
** checkpointed items, this run's rate and a cost-weighted time left, counts for
** every value of every axis, and the failed items with their reasons (module:
** cli). It reads OUT.nc, or OUT.nc.journal when that is newer, through
** rl_store_view; no MPI, and the lock only for an instant (rl_store_active): it
** is safe to run while a sweep writes the file, from any node that sees it.
** --json prints the same as one JSON object, for scripts and dashboards.
*/
#include <dirent.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cmds.h"
#include "richlazy/run.h"
#include "richlazy/store.h"

static const char usage[] = "richlazy status OUT.nc [--json]";

static void print_help(void)
{
    printf("usage: %s\n\n"
           "Prints where a sweep stands: whether a run is active (it holds the lock on\n"
           "OUT.nc.journal), the totals (running items, items lost in flight, pending items\n"
           "that continue from a checkpoint in OUT.nc.ckpt/), the current run's rate and its\n"
           "time left weighted by each item's cost, then per axis value the items done,\n"
           "diverged, failed and pending (and, with a stop criterion, how many reached it),\n"
           "then every failed item with its reason. Reads OUT.nc.journal instead of OUT.nc\n"
           "when it is newer (a run in progress or killed).\n\n"
           "options:\n"
           "  --json       the same as one JSON object (README \"Running a sweep\")\n"
           "  -h, --help   this text\n"
           "exit status: 0 read, 2 usage or no such results file\n",
           usage);
}

/* What the view does not say directly. */
typedef struct summary {
    size_t n[4];         /* by status */
    size_t running;      /* in flight while a run is active */
    size_t lost;         /* in flight with no run active: the next run retries them */
    size_t checkpointed; /* pending with a checkpoint: the next run continues them mid-item */
    size_t met, capped;  /* stop criterion: reached it, ran to the cap */
    int active;          /* rl_store_active */
    size_t finished_run; /* results of attempts the last run started */
    double elapsed;      /* seconds of the last run, to now (active) or its last record */
    double per_min;      /* finished_run per minute of elapsed */
    double eta;          /* seconds left (active runs), or NAN */
    bool weighted;       /* eta weighted by item costs (the spec was readable here) */
} summary;

/* Coordinate of item i along dimension d (row-major, last dimension fastest). */
static int coord_of(const rl_store_view *v, size_t i, int d)
{
    for (int e = v->ndims - 1; e > d; e--)
        i /= (size_t)v->dim_sizes[e];
    return (int)(i % (size_t)v->dim_sizes[d]);
}

static int compare_ids(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Pending items with a checkpoint in OUT.nc.ckpt/ (engine.c names them <id>.ckpt). */
static size_t count_checkpointed(const rl_store_view *v, const char *path)
{
    char dir[RL_PATH_MAX + 8], (*ids)[RL_ID_LEN] = NULL;
    size_t n = 0, cap = 0, found = 0;
    struct dirent *e;
    rl_status quiet = RL_STATUS_INIT;
    rl_snprintf(dir, sizeof dir, "%s.ckpt", path);
    DIR *d = opendir(dir);
    if (!d) return 0;
    while ((e = readdir(d)))
        cap++;
    rewinddir(d);
    if ((ids = rl_alloc(cap + 1, RL_ID_LEN, &quiet)))
        while ((e = readdir(d)) && n < cap)
            if (strlen(e->d_name) == RL_ID_LEN - 1 + 5 &&
                strcmp(e->d_name + RL_ID_LEN - 1, ".ckpt") == 0) {
                memcpy(ids[n], e->d_name, RL_ID_LEN - 1);
                ids[n++][RL_ID_LEN - 1] = '\0';
            }
    closedir(d);
    qsort(ids, n, RL_ID_LEN, compare_ids);
    for (size_t i = 0; ids && n && i < v->nitems; i++)
        found +=
            v->status[i] == RL_ITEM_PENDING && bsearch(v->ids[i], ids, n, RL_ID_LEN, compare_ids);
    rl_free(ids);
    return found;
}

/*
** Each item's weight for the time left: its expected work (rl_run_item_cost) from
** the spec the run read (OUT.nc's `spec`), or 1 where that spec does not load here
** (a file it names is not readable from this machine). *weighted tells which.
*/
static double *item_weights(const rl_store_view *v, bool *weighted)
{
    rl_status quiet = RL_STATUS_INIT;
    rl_spec *spec = NULL;
    double *w = rl_alloc(v->nitems, sizeof *w, &quiet);
    *weighted = false;
    if (!w) return NULL;
    for (size_t i = 0; i < v->nitems; i++)
        w[i] = 1;
    if (!v->spec_text ||
        rl_spec_load_string(v->spec_text, strlen(v->spec_text), "the results' spec", &spec,
                            &quiet) != RL_OK ||
        rl_spec_nitems(spec) != v->nitems) {
        rl_spec_destroy(&spec);
        return w;
    }
    rl_item *it = rl_alloc(1, sizeof *it, &quiet);
    for (size_t i = 0; it && i < v->nitems; i++) {
        rl_spec_fill_item(spec, i, it);
        if (strcmp(it->id, v->ids[i]) != 0) break; /* another order: weights stay 1 */
        w[i] = rl_run_item_cost(&it->params);
        *weighted = i + 1 == v->nitems;
    }
    if (!*weighted)
        for (size_t i = 0; i < v->nitems; i++)
            w[i] = 1;
    rl_free(it);
    rl_spec_destroy(&spec);
    return w;
}

/*
** The last run's rate, and the time left of an active one as the run itself
** estimates it (progress.c): seconds per unit of work from the items this run
** finished, the work not finished (running items' elapsed time deducted) over
** the running items' count, at least the longest single item.
*/
static void rate_and_eta(const rl_store_view *v, summary *s)
{
    double now = (double)time(NULL), until = s->active == 1 ? now : v->updated;
    double work = 0, secs = 0, left = 0, longest = 0;
    s->eta = NAN;
    s->elapsed = isnan(v->session_start) ? NAN : until - v->session_start;
    if (s->elapsed < 0) s->elapsed = 0; /* a run that found nothing to do wrote no snapshot */
    for (size_t i = 0; i < v->nitems; i++)
        s->finished_run += !isnan(v->wall[i]) && v->started[i] >= v->session_start;
    s->per_min = s->elapsed > 0 ? 60.0 * (double)s->finished_run / s->elapsed : NAN;
    if (s->active != 1 || s->n[RL_ITEM_PENDING] == 0) return;
    double *w = item_weights(v, &s->weighted);
    if (!w) return;
    for (int pass = 0; pass < 2 && secs == 0; pass++) /* this run's items, else any */
        for (size_t i = 0; i < v->nitems; i++)
            if (!isnan(v->wall[i]) && v->status[i] == RL_ITEM_DONE &&
                (pass || v->started[i] >= v->session_start)) {
                work += w[i];
                secs += v->wall[i];
            }
    for (size_t i = 0; secs > 0 && i < v->nitems; i++) {
        if (v->status[i] != RL_ITEM_PENDING) continue;
        double rest = w[i] * secs / work - (v->in_flight[i] ? now - v->started[i] : 0);
        rest = rest > 0 ? rest : 0;
        left += rest;
        longest = rest > longest ? rest : longest;
    }
    double ranks = s->running ? (double)s->running : v->session_ranks > 0 ? v->session_ranks : 1;
    if (secs > 0) s->eta = left / ranks > longest ? left / ranks : longest;
    rl_free(w);
}

static void summarise(const rl_store_view *v, const char *path, int active, summary *s)
{
    memset(s, 0, sizeof *s);
    s->active = active;
    for (size_t i = 0; i < v->nitems; i++) {
        s->n[v->status[i] & 3]++;
        if (v->in_flight[i]) *(s->active == 1 ? &s->running : &s->lost) += 1;
        s->met += v->reached[i] == 1;
        s->capped += v->reached[i] == 0;
    }
    s->checkpointed = count_checkpointed(v, path);
    rate_and_eta(v, s);
}

/* ---- text ---- */

/* "2024-11-28 12:00:03" in local time. */
static void local_time(double t, char *buf, size_t cap)
{
    time_t secs = (time_t)t;
    struct tm tm;
    if (isnan(t) || !localtime_r(&secs, &tm) || !strftime(buf, cap, "%Y-%m-%d %H:%M:%S", &tm))
        rl_snprintf(buf, cap, "?");
}

static void print_run(const rl_store_view *v, const summary *s)
{
    char start[32], ago[32], took[32], eta[32];
    if (isnan(v->session_start)) return; /* OUT.nc without its journal: no times */
    local_time(v->session_start, start, sizeof start);
    rl_cli_duration(fmax(0, (double)time(NULL) - v->updated), ago, sizeof ago);
    rl_cli_duration(s->elapsed, took, sizeof took);
    if (s->active == 1)
        printf("run: active on %d ranks since %s (%s), last update %s ago\n", v->session_ranks,
               start, took, ago);
    else
        printf("run: none active%s; the last (run %d, %d ranks) started %s and ran %s; last "
               "update %s ago\n",
               s->active < 0 ? " (or this file system has no locks)" : "", v->sessions,
               v->session_ranks, start, took, ago);
    printf("rate: %zu items finished by that run, %.1f items/min", s->finished_run,
           isnan(s->per_min) ? 0.0 : s->per_min);
    rl_cli_duration(s->eta, eta, sizeof eta);
    if (s->active == 1 && s->n[RL_ITEM_PENDING])
        printf("; ETA %s (%s)", eta,
               s->weighted ? "weighted by each item's cost"
                           : "by item count: the spec's files "
                             "are not readable here");
    printf("\n");
}

static void print_totals(const rl_store_view *v, const char *path, const summary *s)
{
    printf("%s: spec '%s' (hash %.12s), read from %s\n", path, v->name, v->hash, v->source);
    printf("%zu items: %zu done, %zu diverged, %zu failed, %zu pending", v->nitems,
           s->n[RL_ITEM_DONE], s->n[RL_ITEM_DIVERGED], s->n[RL_ITEM_FAILED], s->n[RL_ITEM_PENDING]);
    if (s->running || s->lost || s->checkpointed) {
        const char *sep = " (";
        if (s->running) printf("%s%zu running", sep, s->running), sep = "; ";
        if (s->lost)
            printf("%s%zu lost in flight: the next run retries them", sep, s->lost), sep = "; ";
        if (s->checkpointed)
            printf("%s%zu with a checkpoint: %s mid-item", sep, s->checkpointed,
                   s->active == 1 ? "continued" : "the next run continues them");
        printf(")");
    }
    printf("\n");
    print_run(v, s);
    if (v->any_criterion)
        printf("stop criterion: %zu of %zu done items reached it; %zu ran to train.iterations "
               "without (compare measures only between items that learned)\n",
               s->met, s->n[RL_ITEM_DONE], s->capped);
}

static void print_axes(const rl_store_view *v)
{
    int width = 8;
    if (v->ndims == 0) return;
    for (int d = 0; d < v->ndims; d++)
        for (int k = 0; k < v->dim_sizes[d]; k++) {
            int w = (int)(strlen(v->dim_names[d]) + strlen(v->labels[d][k])) + 3;
            width = w > width ? w : width;
        }
    printf("\n%-*s %8s %8s %8s %8s%s\n", width + 2, "by axis value", "done", "diverged", "failed",
           "pending", v->any_criterion ? "  reached" : "");
    for (int d = 0; d < v->ndims; d++) {
        for (int k = 0; k < v->dim_sizes[d]; k++) {
            size_t n[4] = {0}, met = 0;
            for (size_t i = 0; i < v->nitems; i++)
                if (coord_of(v, i, d) == k) {
                    n[v->status[i] & 3]++;
                    met += v->reached[i] == 1;
                }
            char label[256];
            rl_snprintf(label, sizeof label, "%s = %s", v->dim_names[d], v->labels[d][k]);
            printf("  %-*s %8zu %8zu %8zu %8zu", width, label, n[1], n[2], n[3], n[0]);
            if (v->any_criterion) printf("  %7zu", met);
            printf("\n");
        }
    }
}

static void print_failed(const rl_store_view *v)
{
    bool header = false;
    for (size_t i = 0; i < v->nitems; i++) {
        if (v->status[i] != RL_ITEM_FAILED) continue;
        if (!header) printf("\nfailed items:\n");
        header = true;
        printf("  item %zu (", i);
        for (int d = 0; d < v->ndims; d++)
            printf("%s%s=%s", d ? ", " : "", v->dim_names[d], v->labels[d][coord_of(v, i, d)]);
        printf(") id %s, %d attempts: %s\n", v->ids[i], v->attempts[i], v->reasons[i]);
    }
}

/* ---- JSON ---- */

/* A JSON string: quotes, backslashes and control characters escaped. */
static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

/* A number, or null when it is not one (JSON has no NaN). */
static void json_num(double x)
{
    if (isfinite(x))
        printf("%.6g", x);
    else
        printf("null");
}

/* An ISO 8601 UTC time, or null. */
static void json_time(double t)
{
    char buf[32];
    time_t secs = (time_t)t;
    struct tm tm;
    if (isnan(t) || !gmtime_r(&secs, &tm) || !strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm))
        printf("null");
    else
        printf("\"%s\"", buf);
}

static void json_counts(const size_t n[4])
{
    printf("{\"done\": %zu, \"diverged\": %zu, \"failed\": %zu, \"pending\": %zu}", n[1], n[2],
           n[3], n[0]);
}

static void print_json(const rl_store_view *v, const char *path, const summary *s)
{
    printf("{\"path\": ");
    json_str(path);
    printf(", \"source\": ");
    json_str(v->source);
    printf(", \"spec\": {\"name\": ");
    json_str(v->name);
    printf(", \"hash\": \"%s\"}, \"items\": %zu, \"counts\": ", v->hash, v->nitems);
    json_counts(s->n);
    printf(", \"running\": %zu, \"lost_in_flight\": %zu, \"checkpointed\": %zu", s->running,
           s->lost, s->checkpointed);
    printf(", \"active\": %s", s->active == 1 ? "true" : s->active == 0 ? "false" : "null");
    printf(", \"runs\": %d, \"ranks\": %d, \"run_started\": ", v->sessions, v->session_ranks);
    json_time(v->session_start);
    printf(", \"created\": ");
    json_time(v->created);
    printf(", \"updated\": ");
    json_time(v->updated);
    printf(", \"elapsed_seconds\": ");
    json_num(s->elapsed);
    printf(", \"finished_by_run\": %zu, \"items_per_min\": ", s->finished_run);
    json_num(s->per_min);
    printf(", \"eta_seconds\": ");
    json_num(s->eta);
    printf(", \"eta_weighted\": %s", s->weighted ? "true" : "false");
    if (v->any_criterion)
        printf(", \"criterion\": {\"reached\": %zu, \"not_reached\": %zu}", s->met, s->capped);
    else
        printf(", \"criterion\": null");
    printf(", \"axes\": [");
    for (int d = 0; d < v->ndims; d++) {
        printf("%s{\"name\": ", d ? ", " : "");
        json_str(v->dim_names[d]);
        printf(", \"values\": [");
        for (int k = 0; k < v->dim_sizes[d]; k++) {
            size_t n[4] = {0}, met = 0;
            for (size_t i = 0; i < v->nitems; i++)
                if (coord_of(v, i, d) == k) n[v->status[i] & 3]++, met += v->reached[i] == 1;
            printf("%s{\"value\": ", k ? ", " : "");
            json_str(v->labels[d][k]);
            printf(", \"counts\": ");
            json_counts(n);
            printf(", \"reached\": %zu}", met);
        }
        printf("]}");
    }
    printf("], \"failed_items\": [");
    for (size_t i = 0, shown = 0; i < v->nitems; i++) {
        if (v->status[i] != RL_ITEM_FAILED) continue;
        printf("%s{\"item\": %zu, \"id\": \"%s\", \"coords\": {", shown++ ? ", " : "", i,
               v->ids[i]);
        for (int d = 0; d < v->ndims; d++) {
            printf("%s", d ? ", " : "");
            json_str(v->dim_names[d]);
            printf(": ");
            json_str(v->labels[d][coord_of(v, i, d)]);
        }
        printf("}, \"attempts\": %d, \"reason\": ", v->attempts[i]);
        json_str(v->reasons[i]);
        printf("}");
    }
    printf("]}\n");
}

int rl_cli_status(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int json = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (c == 'j')
            json = 1;
        else if (c == 'h')
            return print_help(), 0;
        else
            return rl_cli_option_error("status", usage, opts, c, argv);
    }
    if (optind != argc - 1) return rl_cli_usage_error("status", usage, "expected one results file");
    rl_status st = RL_STATUS_INIT;
    rl_store_view *v = NULL;
    summary s;
    const char *path = argv[optind];
    setenv("HDF5_USE_FILE_LOCKING", "FALSE", 0); /* reading: no lock needed (cmd_run.c) */
    int active = rl_store_active(path);
    if ((active == 1 ? rl_store_view_open_journal : rl_store_view_open)(path, &v, &st) != RL_OK)
        return rl_cli_report_error(NULL, &st);
    summarise(v, path, active, &s);
    if (json) {
        print_json(v, path, &s);
    } else {
        print_totals(v, path, &s);
        print_axes(v);
        print_failed(v);
    }
    rl_store_view_destroy(&v);
    return 0;
}
