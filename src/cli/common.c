/*
** common.c: what the subcommands share — error printing (the one place that
** turns an rl_status into a message and an exit status), option errors with a
** suggestion, durations for people, item selection, and machine facts.
*/
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "richlazy/train.h"

int rl_cli_report_error(const char *cmd, const rl_status *st)
{
    if (cmd)
        fprintf(stderr, "richlazy %s: %s\n", cmd, st->msg);
    else
        fprintf(stderr, "richlazy: %s\n", st->msg);
    return rl_status_exit_code(st->code);
}

int rl_cli_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "richlazy %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nusage: %s\n(see `richlazy %s --help`)\n", usage, cmd);
    return 2;
}

#define MAX_OPTIONS 32 /* long options of one subcommand, for suggestions */

int rl_cli_option_error(const char *cmd, const char *usage, const struct option *opts, int c,
                        char **argv)
{
    /* glibc leaves the offending word at argv[optind - 1]; optopt is set for short options. */
    char word[64];
    const char *arg = argv[optind - 1];
    if (optopt && (strncmp(arg, "--", 2) != 0))
        rl_snprintf(word, sizeof word, "-%c", optopt);
    else
        rl_snprintf(word, sizeof word, "%.*s", (int)strcspn(arg, "="), arg);
    if (c == ':') return rl_cli_usage_error(cmd, usage, "option '%s' needs a value", word);
    char names[MAX_OPTIONS][40];
    const char *cands[MAX_OPTIONS];
    size_t n = 0;
    for (; opts[n].name && n < MAX_OPTIONS; n++) {
        rl_snprintf(names[n], sizeof names[n], "--%s", opts[n].name);
        cands[n] = names[n];
    }
    const char *near = rl_spec_suggest(word, cands, n);
    if (near)
        return rl_cli_usage_error(cmd, usage, "unknown option '%s'; did you mean '%s'?", word,
                                  near);
    return rl_cli_usage_error(cmd, usage, "unknown option '%s'", word);
}

void rl_cli_duration(double s, char *buf, size_t cap)
{
    if (!isfinite(s) || s < 0)
        rl_snprintf(buf, cap, "?");
    else if (s < 59.5)
        rl_snprintf(buf, cap, "%.0f s", s);
    else if (s < 599.5) /* minutes and seconds while the seconds still matter */
        rl_snprintf(buf, cap, "%.0f min %02.0f s", floor((s + 0.5) / 60), fmod(floor(s + 0.5), 60));
    else if (s < 5400)
        rl_snprintf(buf, cap, "%.0f min", s / 60);
    else if (s < 172800)
        rl_snprintf(buf, cap, "%.1f h", s / 3600);
    else
        rl_snprintf(buf, cap, "%.1f d", s / 86400);
}

/* task.images or task.labels of an sMNIST item, if it cannot be read. */
static rl_code check_data_file(const char *key, const char *path, const char *def, rl_status *st)
{
    if (access(path, R_OK) == 0) return RL_OK;
    RL_FAIL_PARAM(
        st, strcmp(key, "task.images") == 0 ? "task.images" : "task.labels task.images",
        "%s = '%s' cannot be read (%s)%s; valid: a readable IDX file: set task.images and "
        "task.labels in the spec to your copy of (Fashion-)MNIST",
        key, path, strerror(errno),
        strcmp(path, def) == 0 ? ", the default: Debian's dataset-fashion-mnist package" : "");
}

rl_code rl_cli_check_item(const rl_params *p, rl_status *st)
{
    RL_TRY(rl_train_check(p, st));
    if (strcmp(p->model.kind, "rnn") != 0 || strcmp(p->task.name, "smnist") != 0) return RL_OK;
    RL_TRY(check_data_file("task.images", p->task.images, rl_params_find("task.images")->def, st));
    return check_data_file("task.labels", p->task.labels, rl_params_find("task.labels")->def, st);
}

int rl_cli_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

const rl_item *rl_cli_find_item(const rl_spec *spec, const char *selector, rl_status *st)
{
    size_t n = rl_spec_nitems(spec);
    char *end;
    unsigned long long idx = strtoull(selector, &end, 10);
    if (*selector && *end == '\0' && strlen(selector) < 16) {
        if (idx < n) return rl_spec_item(spec, (size_t)idx);
        rl_status_fail(st, RL_EINPUT, __FILE__, __LINE__,
                       "--item %s: no such item; valid: an index 0..%zu or a 16-hex item id",
                       selector, n - 1);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (strcmp(rl_spec_item(spec, i)->id, selector) == 0) return rl_spec_item(spec, i);
    rl_status_fail(st, RL_EINPUT, __FILE__, __LINE__,
                   "--item %s: no item has this id; valid: an index 0..%zu or an id from "
                   "`richlazy plan --list`",
                   selector, n - 1);
    return NULL;
}
