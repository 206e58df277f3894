/*
** common.c: what the subcommands share — error printing (the one place that
** turns an rl_status into a message and an exit status), item selection, and
** machine facts.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

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
