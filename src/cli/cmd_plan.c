/*
** cmd_plan.c: `richlazy plan SPEC` — check a spec completely (the table's types
** and ranges, every item's structure and task parameters) and show the cube,
** the item count, the spec hash and a cost estimate, without running anything.
** Why: users run plan before every sweep; it must catch every error a run would
** hit at start, so a bad spec never wastes an allocation.
*/
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "richlazy/spec.h"
#include "richlazy/task.h"
#include "richlazy/train.h"

static const char usage[] = "richlazy plan SPEC [--list] [--canonical] [--cores N]";

static void print_help(void)
{
    printf("usage: %s\n\n"
           "Checks the sweep spec SPEC (YAML) and prints its cube: each dimension with its size\n"
           "and values, the number of items as `items: N`, the spec's SHA-256 hash, and a rough\n"
           "cost estimate. Nothing is run or written.\n\n"
           "options:\n"
           "  --list         also print one line per item: its id and every non-default parameter\n"
           "  --canonical    print the canonical form of the spec (what the hash covers)\n"
           "  --cores N      cores for the wall-time estimate (default: this machine's)\n"
           "  --help         this text\n"
           "exit status: 0 valid, 2 invalid spec or usage (one message FILE:LINE:COLUMN: ...)\n",
           usage);
}

/*
** Rough multiply-add count of one item: per iteration and step, forward and
** backward cost about three times the forward's 2 * (N^2 + N n_in + N n_out)
** flops per trial; the measures add a few percent and are ignored.
*/
static double item_flops(const rl_params *p)
{
    rl_task_shape shape;
    rl_status st = RL_STATUS_INIT;
    if (rl_task_shape_of(p, &shape, &st) != RL_OK) return 0.0;
    double n = (double)p->model.hidden;
    double per_step = 2.0 * (n * n + n * shape.n_in + n * shape.n_out);
    return 3.0 * per_step * shape.steps * (double)p->train.batch * (double)p->train.iterations;
}

/* Sustained single-core rate assumed for estimates (README "Performance"). */
#define RL_PLAN_GFLOPS 40.0

static void print_dims(const rl_spec *spec)
{
    int nd = rl_spec_ndims(spec);
    printf("cube:");
    for (int d = 0; d < nd; d++)
        printf("%s %s(%d)", d ? " x" : "", rl_spec_dim(spec, d)->name, rl_spec_dim(spec, d)->size);
    printf("%s\n", nd ? "" : " (a single item)");
    for (int d = 0; d < nd; d++) {
        const rl_dim *dim = rl_spec_dim(spec, d);
        printf("  %-12s %4d  ", dim->name, dim->size);
        for (int i = 0; i < dim->size; i++)
            printf("%s%s", i ? " " : "", dim->labels[i]);
        printf("   [");
        for (int k = 0; k < dim->n_paths; k++)
            printf("%s%s", k ? ", " : "", dim->paths[k]);
        printf("]\n");
    }
}

static void print_cost(const rl_spec *spec, int cores)
{
    double total = 0.0, largest = 0.0;
    for (size_t i = 0; i < rl_spec_nitems(spec); i++) {
        double f = item_flops(&rl_spec_item(spec, i)->params);
        total += f;
        if (f > largest) largest = f;
    }
    double core_s = total / (RL_PLAN_GFLOPS * 1e9), big_s = largest / (RL_PLAN_GFLOPS * 1e9);
    double wall = core_s / cores > big_s ? core_s / cores : big_s;
    printf("cost: ~%.3g core-hours of training (~%.3g h wall on %d cores; largest item ~%.3g min)"
           " at an assumed %.0f GFLOP/s per core\n",
           core_s / 3600.0, wall / 3600.0, cores, big_s / 60.0, RL_PLAN_GFLOPS);
}

int rl_cli_plan(int argc, char **argv)
{
    static const struct option opts[] = {{"list", no_argument, NULL, 'l'},
                                         {"canonical", no_argument, NULL, 'c'},
                                         {"cores", required_argument, NULL, 'n'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int list = 0, canonical = 0, cores = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'l':
            list = 1;
            break;
        case 'c':
            canonical = 1;
            break;
        case 'n':
            cores = atoi(optarg);
            if (cores < 1) return rl_cli_usage_error("plan", usage, "--cores must be >= 1");
            break;
        case 'h':
            print_help();
            return 0;
        default:
            return rl_cli_usage_error("plan", usage, "unknown option");
        }
    }
    if (optind != argc - 1) return rl_cli_usage_error("plan", usage, "expected one SPEC file");
    if (cores == 0) cores = rl_cli_cores();

    rl_status st = RL_STATUS_INIT;
    rl_spec *spec = NULL;
    if (rl_spec_load(argv[optind], &spec, &st) != RL_OK ||
        rl_spec_check_items(spec, rl_train_check, &st) != RL_OK) {
        rl_spec_destroy(&spec);
        return rl_cli_report_error(NULL, &st);
    }
    printf("spec: %s (name %s, sweep seed %llu)\n", argv[optind], rl_spec_name(spec),
           (unsigned long long)rl_spec_seed(spec));
    printf("hash: %s\n", rl_spec_hash(spec));
    print_dims(spec);
    printf("items: %zu\n", rl_spec_nitems(spec));
    print_cost(spec, cores);
    if (canonical) printf("--- canonical form ---\n%s", rl_spec_canonical(spec));
    if (list) {
        char line[8192];
        for (size_t i = 0; i < rl_spec_nitems(spec); i++) {
            rl_spec_format_item(rl_spec_item(spec, i), line, sizeof line);
            printf("%zu %s\n", i, line);
        }
    }
    rl_spec_destroy(&spec);
    return 0;
}
