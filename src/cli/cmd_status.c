/*
** cmd_status.c: `richlazy status OUT.nc` — totals, done/diverged/failed counts
** for every value of every axis, and the failed items with their reasons
** (module: cli). It reads OUT.nc, or OUT.nc.journal when that is newer (during
** a run, or after a kill), through rl_store_view; no MPI, no lock: it is safe
** to run while a sweep writes the file.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "richlazy/store.h"

static const char usage[] = "richlazy status OUT.nc";

static void print_help(void)
{
    printf("usage: %s\n\n"
           "Prints the progress of a results file: totals, then per axis value the items\n"
           "done, diverged, failed and pending (and, when the sweep has a stop criterion,\n"
           "how many reached it), then every failed item with its reason.\n"
           "Reads OUT.nc.journal instead of OUT.nc when it is newer (a run in progress or\n"
           "killed); items lost in flight are then shown too.\n"
           "exit status: 0 read, 2 no such results file\n",
           usage);
}

/* Coordinate of item i along dimension d (row-major, last dimension fastest). */
static int coord_of(const rl_store_view *v, size_t i, int d)
{
    for (int e = v->ndims - 1; e > d; e--)
        i /= (size_t)v->dim_sizes[e];
    return (int)(i % (size_t)v->dim_sizes[d]);
}

static void print_totals(const rl_store_view *v, const char *path)
{
    size_t n[4] = {0}, lost = 0;
    for (size_t i = 0; i < v->nitems; i++) {
        n[v->status[i] & 3]++;
        lost += v->in_flight[i];
    }
    printf("%s: spec '%s' (hash %.12s), read from %s\n", path, v->name, v->hash, v->source);
    printf("%zu items: %zu done, %zu diverged, %zu failed, %zu pending", v->nitems, n[1], n[2],
           n[3], n[0]);
    if (lost) printf(" (%zu in flight or lost in flight: rerun to resume)", lost);
    printf("\n");
    if (!v->any_criterion) return;
    size_t met = 0, capped = 0;
    for (size_t i = 0; i < v->nitems; i++) {
        met += v->reached[i] == 1;
        capped += v->reached[i] == 0;
    }
    printf("stop criterion: %zu of %zu done items reached it; %zu ran to train.iterations "
           "without (compare measures only between items that learned)\n",
           met, n[1], capped);
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

int rl_cli_status(int argc, char **argv)
{
    rl_status st = RL_STATUS_INIT;
    rl_store_view *v = NULL;
    if (argc == 2 && strcmp(argv[1], "--help") == 0) {
        print_help();
        return 0;
    }
    if (argc != 2) return rl_cli_usage_error("status", usage, "expected one results file");
    setenv("HDF5_USE_FILE_LOCKING", "FALSE", 0); /* reading: no lock needed (cmd_run.c) */
    if (rl_store_view_open(argv[1], &v, &st) != RL_OK) return rl_cli_report_error(NULL, &st);
    print_totals(v, argv[1]);
    print_axes(v);
    print_failed(v);
    rl_store_view_destroy(&v);
    return 0;
}
