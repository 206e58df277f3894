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
#include "richlazy/run.h"
#include "richlazy/spec.h"
#include "richlazy/store.h"
#include "richlazy/train.h"

static const char usage[] = "richlazy plan SPEC [-o OUT.nc] [--list] [--canonical] [--cores N]";

static void print_help(void)
{
    printf("usage: %s\n\n"
           "Checks the sweep spec SPEC (YAML) and prints its cube: each dimension with its size\n"
           "and values, the number of items as `items: N`, the spec's SHA-256 hash, and its\n"
           "cost: each item's seconds on one core of this machine (a work model at the speed\n"
           "of short probes run here) and the sweep's wall time on --cores ranks. Nothing is\n"
           "run or written.\n\n"
           "options:\n"
           "  -o, --output OUT.nc  also check that `richlazy run SPEC -o OUT.nc` would start:\n"
           "                 a new file, or one this spec resumes or extends (another spec is\n"
           "                 refused with the diff, as run refuses it)\n"
           "  --list         also print one line per item: its id and every non-default parameter\n"
           "  --canonical    print the canonical form of the spec (what the hash covers)\n"
           "  --cores N      cores for the wall-time estimate (default: this machine's)\n"
           "  -h, --help     this text\n"
           "exit status: 0 valid, 2 invalid spec or usage (one message FILE:LINE:COLUMN: ...)\n",
           usage);
}

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

/* Index of the least of n values (the slot that frees first). */
static int earliest(const double *free_at, int n)
{
    int best = 0;
    for (int k = 1; k < n; k++)
        if (free_at[k] < free_at[best]) best = k;
    return best;
}

/*
** The expected cost: each item's seconds on one core of this machine (cost.c:
** the flop model at the speed a probe measured here), and the wall time of the
** sweep's own schedule on `cores` ranks — longest first, each item to the rank
** that frees first (what coord.c does), so a few long items show as such.
*/
static rl_code print_cost(const rl_spec *spec, int cores, rl_status *st)
{
    rl_run_rates *rates = NULL;
    size_t n = rl_spec_nitems(spec);
    size_t *order = rl_alloc(n, sizeof *order, st);
    double *free_at = rl_alloc((size_t)cores, sizeof *free_at, st);
    rl_item *it = rl_alloc(1, sizeof *it, st);
    rl_code rc = order && free_at && it ? RL_OK : st->code;
    if (!rc) rc = rl_run_rates_measure(spec, NULL, 0, &rates, st);
    for (size_t i = 0; i < n && !rc; i++)
        order[i] = i;
    if (!rc) rc = rl_run_order(spec, order, n, st);
    double total = 0, largest = 0;
    size_t capped = 0; /* items with a stop criterion: train.iterations is only their cap */
    for (size_t i = 0; i < n && !rc; i++) {
        rl_spec_fill_item(spec, order[i], it);
        capped += it->params.train.stop_loss > 0 || it->params.train.stop_accuracy > 0;
        double s = rl_run_rates_item_seconds(rates, &it->params);
        total += s;
        largest = s > largest ? s : largest;
        free_at[earliest(free_at, cores)] += s;
    }
    if (!rc) {
        double wall = 0;
        for (int k = 0; k < cores; k++)
            wall = free_at[k] > wall ? free_at[k] : wall;
        char t_total[32], t_wall[32], t_big[32];
        rl_cli_duration(total, t_total, sizeof t_total);
        rl_cli_duration(wall, t_wall, sizeof t_wall);
        rl_cli_duration(largest, t_big, sizeof t_big);
        printf("cost: %s%s of one core (largest item %s); ~%s on %d cores\n",
               capped ? "at most " : "", t_total, t_big, t_wall, cores);
        if (capped)
            printf("  (%zu items stop at their criterion: they run train.iterations only if they "
                   "never reach it)\n",
                   capped);
        printf("  (speed measured here: %d training shapes probed in %.2f s of CPU; a free core "
               "each)\n",
               rl_run_rates_shapes(rates), rl_run_rates_probe_seconds(rates));
    }
    rl_run_rates_destroy(&rates);
    rl_free(it);
    rl_free(free_at);
    rl_free(order);
    return rc;
}

/* What `run SPEC -o out` would find: "results: new", resumes or extends; refusals as run's. */
static rl_code check_output(const rl_spec *spec, const char *out, rl_status *st)
{
    rl_store_layout lay;
    rl_store_open_info info;
    rl_code rc = rl_store_layout_from_spec(spec, &lay, st);
    if (!rc) rc = rl_store_check(out, &lay, &info, st);
    if (!rc && !info.resumed)
        printf("results: %s is new\n", out);
    else if (!rc && info.extended)
        printf("results: extends %s (the spec changed; every item it had is still in the "
               "cube): keeps its %zu finished items\n",
               out, info.kept);
    else if (!rc)
        printf("results: resumes %s: %zu of %zu items finished\n", out, info.kept, lay.nitems);
    if (!rc && info.rebuilt)
        printf("results: %s has no journal: run rebuilds it from the file's finished items\n", out);
    rl_store_layout_free(&lay);
    return rc;
}

int rl_cli_plan(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"list", no_argument, NULL, 'l'},
        {"canonical", no_argument, NULL, 'c'},    {"cores", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    int list = 0, canonical = 0, cores = 0, c;
    const char *out = NULL;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            out = optarg;
            break;
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
            return rl_cli_option_error("plan", usage, opts, c, argv);
        }
    }
    if (optind != argc - 1) return rl_cli_usage_error("plan", usage, "expected one SPEC file");
    if (cores == 0) cores = rl_cli_cores();

    rl_status st = RL_STATUS_INIT;
    rl_spec *spec = NULL;
    if (rl_spec_load(argv[optind], &spec, &st) != RL_OK ||
        rl_spec_check_items(spec, rl_cli_check_item, &st) != RL_OK) {
        rl_spec_destroy(&spec);
        return rl_cli_report_error(NULL, &st);
    }
    printf("spec: %s (name %s, sweep seed %llu)\n", argv[optind], rl_spec_name(spec),
           (unsigned long long)rl_spec_seed(spec));
    printf("hash: %s\n", rl_spec_hash(spec));
    print_dims(spec);
    printf("items: %zu\n", rl_spec_nitems(spec));
    if ((out && check_output(spec, out, &st) != RL_OK) || print_cost(spec, cores, &st) != RL_OK) {
        rl_spec_destroy(&spec);
        return rl_cli_report_error(NULL, &st);
    }
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
