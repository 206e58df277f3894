/*
** cmd_train.c: `richlazy train SPEC --item I` — train one item in this process
** and print its results as `key: value` lines (for debugging a configuration,
** timing it, or dumping its networks for independent checks).
*/
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "richlazy/spec.h"
#include "richlazy/train.h"

static const char usage[] =
    "richlazy train SPEC --item I [--set PATH=VALUE ...] [--dump FILE.nc] [--curve]";

static void print_help(void)
{
    printf(
        "usage: %s\n\n"
        "Trains item I of the sweep SPEC in this process (no MPI) and prints `key: value`\n"
        "lines: status, every measure, wall time and iterations/s.\n\n"
        "options:\n"
        "  --item I          the item: its index in the cube (0-based, row-major) or its id\n"
        "                    (see `richlazy plan --list`); default 0\n"
        "  --set PATH=VALUE  override one parameter (repeatable), e.g. --set train.iterations=100\n"
        "  --dump FILE.nc    write initial and final weights, the probe set and the model\n"
        "                    constants to FILE.nc (README \"Dump files\")\n"
        "  --curve           also print the loss curve (and the kernel curves when\n"
        "                    probe.kernel_every > 0; nan between their records)\n"
        "  --help            this text\n"
        "exit status: 0 trained (done or diverged), 1 internal error, 2 bad input or usage\n",
        usage);
}

static void print_result(const rl_item *it, const rl_params *p, const rl_result *r, int curve)
{
    printf("item: %zu\nid: %s\n", it->index, it->id);
    printf("status: %s\n", rl_item_status_name((rl_item_status)r->status));
    for (int m = 0; m < RL_NMEASURES; m++)
        printf("%s: %.9g\n", rl_measure_get(m)->name, r->measure[m]);
    printf("wall_seconds: %.3f\n", r->wall_seconds);
    double ts = r->measure[RL_MEASURE_train_seconds];
    if (ts > 0 && isfinite(ts))
        printf("iterations_per_second: %.1f\n", (double)p->train.iterations / ts);
    for (int c = 0; curve && c < RL_NCURVES; c++) {
        if (c != RL_CURVE_loss_curve && p->probe.kernel_every == 0) continue;
        printf("%s:", rl_curve_get((rl_curve)c)->name);
        for (int i = 0; i < r->n_curve; i++)
            printf(" %.6g", r->curve[c][i]);
        printf("\n");
    }
}

int rl_cli_train(int argc, char **argv)
{
    static const struct option opts[] = {
        {"item", required_argument, NULL, 'i'}, {"set", required_argument, NULL, 's'},
        {"dump", required_argument, NULL, 'd'}, {"curve", no_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0}};
    const char *item = "0", *dump = NULL;
    const char *sets[256];
    int nsets = 0, curve = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            item = optarg;
            break;
        case 's':
            if (nsets == 256) return rl_cli_usage_error("train", usage, "too many --set");
            sets[nsets++] = optarg;
            break;
        case 'd':
            dump = optarg;
            break;
        case 'c':
            curve = 1;
            break;
        case 'h':
            print_help();
            return 0;
        default:
            return rl_cli_option_error("train", usage, opts, c, argv);
        }
    }
    if (optind != argc - 1) return rl_cli_usage_error("train", usage, "expected one SPEC file");

    rl_status st = RL_STATUS_INIT;
    rl_spec *spec = NULL;
    rl_result *res = NULL;
    const rl_item *it = NULL;
    rl_params p;
    if (rl_spec_load(argv[optind], &spec, &st) != RL_OK) goto out;
    if (!(it = rl_cli_find_item(spec, item, &st))) goto out;
    p = it->params;
    for (int i = 0; i < nsets; i++)
        if (rl_spec_apply_assignment(&p, sets[i], &st) != RL_OK) goto out;
    if (rl_train_check(&p, &st) != RL_OK) goto out;
    if (!(res = rl_alloc(1, sizeof *res, &st))) goto out;
    rl_result_clear(res, it->index);
    rl_train_opts topts = {.dump_path = dump};
    if (rl_train_item(&p, rl_spec_seed(spec), &topts, res, &st) == RL_OK)
        print_result(it, &p, res, curve);
out:;
    int code = st.code == RL_OK ? 0 : rl_cli_report_error("train", &st);
    rl_free(res);
    rl_spec_destroy(&spec);
    return code;
}
