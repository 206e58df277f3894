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
           "of short probes run here) and the sweep's wall time on --cores ranks; with -o on\n"
           "results a run would resume or extend, the cost of the items left. Nothing is\n"
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

static int cmp_id(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
** The ids of the items OUT.nc already finished (done, diverged or failed), sorted for bsearch;
** *n = 0 and NULL without a view. By id, not by index: a spec that extends OUT.nc numbers its
** items differently.
*/
static rl_code finished_ids(const rl_store_view *v, const char ***ids, size_t *n, rl_status *st)
{
    *ids = NULL;
    *n = 0;
    if (!v) return RL_OK;
    const char **out = rl_alloc(v->nitems ? v->nitems : 1, sizeof *out, st);
    if (!out) return st->code;
    for (size_t i = 0; i < v->nitems; i++)
        if (v->status[i] != RL_ITEM_PENDING) out[(*n)++] = v->ids[i];
    qsort(out, *n, sizeof *out, cmp_id);
    *ids = out;
    return RL_OK;
}

/*
** The expected cost: each item's seconds on one core of this machine (cost.c:
** the flop model at the speed a probe measured here), and the wall time of the
** sweep's own schedule on `cores` ranks — longest first, each item to the rank
** that frees first (what coord.c does), so a few long items show as such. With
** `done` (plan -o on a results file a run would resume or extend), the items it
** finished are left out: what the next run costs, beside the whole sweep's.
*/
static rl_code print_cost(const rl_spec *spec, int cores, const rl_store_view *done, rl_status *st)
{
    rl_run_rates *rates = NULL;
    size_t n = rl_spec_nitems(spec), nskip = 0;
    const char **skip = NULL;
    size_t *order = rl_alloc(n, sizeof *order, st);
    double *free_at = rl_alloc((size_t)cores, sizeof *free_at, st);
    rl_item *it = rl_alloc(1, sizeof *it, st);
    rl_code rc = order && free_at && it ? RL_OK : st->code;
    if (!rc) rc = finished_ids(done, &skip, &nskip, st);
    if (!rc) rc = rl_run_rates_measure(spec, NULL, 0, &rates, st);
    for (size_t i = 0; i < n && !rc; i++)
        order[i] = i;
    if (!rc) rc = rl_run_order(spec, order, n, st);
    double total = 0, all = 0, largest = 0;
    size_t capped = 0, left = 0; /* capped: a stop criterion makes train.iterations a cap */
    for (size_t i = 0; i < n && !rc; i++) {
        rl_spec_fill_item(spec, order[i], it);
        double s = rl_run_rates_item_seconds(rates, &it->params);
        const char *id = it->id;
        all += s;
        if (nskip && bsearch(&id, skip, nskip, sizeof *skip, cmp_id)) continue;
        left++;
        capped += it->params.train.stop_loss > 0 || it->params.train.stop_accuracy > 0;
        total += s;
        largest = s > largest ? s : largest;
        free_at[earliest(free_at, cores)] += s;
    }
    if (!rc) {
        double wall = 0;
        for (int k = 0; k < cores; k++)
            wall = free_at[k] > wall ? free_at[k] : wall;
        char t_total[32], t_wall[32], t_big[32], t_all[32];
        rl_cli_duration(total, t_total, sizeof t_total);
        rl_cli_duration(wall, t_wall, sizeof t_wall);
        rl_cli_duration(largest, t_big, sizeof t_big);
        rl_cli_duration(all, t_all, sizeof t_all);
        if (done && left == 0)
            printf(
                "cost: nothing left to run (the %zu items are finished; %s of one core in all)\n",
                n, t_all);
        else if (done)
            printf("cost: %s%s of one core for the %zu item%s left (of %zu: %s in all; largest "
                   "item %s); ~%s on %d cores\n",
                   capped ? "at most " : "", t_total, left, left == 1 ? "" : "s", n, t_all, t_big,
                   t_wall, cores);
        else
            printf("cost: %s%s of one core (largest item %s); ~%s on %d cores\n",
                   capped ? "at most " : "", t_total, t_big, t_wall, cores);
        if (capped)
            printf("  (%zu item%s at %s criterion: %s train.iterations only if %s never "
                   "reach%s it)\n",
                   capped, capped == 1 ? " stops" : "s stop", capped == 1 ? "its" : "their",
                   capped == 1 ? "it runs" : "they run", capped == 1 ? "it" : "they",
                   capped == 1 ? "es" : "");
        printf("  (speed measured here: %d training shapes probed in %.2f s of CPU; a free core "
               "each)\n",
               rl_run_rates_shapes(rates), rl_run_rates_probe_seconds(rates));
    }
    rl_run_rates_destroy(&rates);
    rl_free(skip);
    rl_free(it);
    rl_free(free_at);
    rl_free(order);
    return rc;
}

/*
** What `run SPEC -o out` would find: "results: new", resumes or extends; refusals as run's.
** *done: the file's bookkeeping when a run would continue it (for the cost of what is left).
*/
static rl_code check_output(const rl_spec *spec, const char *out, rl_store_view **done,
                            rl_status *st)
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
    if (!rc && info.resumed) rc = rl_store_view_open(out, done, st);
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
    rl_store_view *done = NULL;
    if ((out && check_output(spec, out, &done, &st) != RL_OK) ||
        print_cost(spec, cores, done, &st) != RL_OK) {
        rl_store_view_destroy(&done);
        rl_spec_destroy(&spec);
        return rl_cli_report_error(NULL, &st);
    }
    rl_store_view_destroy(&done);
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
