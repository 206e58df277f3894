/*
** cmd_params.c: `richlazy params` — every sweep parameter with its type, range,
** default and meaning, printed from the one table the parser reads (params.h),
** as text or as the Markdown table in the README (a test keeps them equal).
*/
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "richlazy/params.h"

static const char usage[] = "richlazy params [--markdown]";

static void print_help(void)
{
    printf("usage: %s\n\n"
           "Lists every parameter a sweep spec can set (dotted path, type, valid values,\n"
           "default, meaning). --markdown prints the table the README carries.\n",
           usage);
}

/* "1 .. 65536", "a | b | c", or "" — what values are valid. */
static void format_valid(const rl_key *k, char *buf, size_t cap)
{
    switch (k->type) {
    case RL_KEY_INT:
    case RL_KEY_REAL:
    case RL_KEY_REALS:
        snprintf(buf, cap, "%g .. %g", k->min, k->max);
        return;
    case RL_KEY_NAME:
        snprintf(buf, cap, "%s", k->choices ? k->choices : "a name");
        for (char *c = buf; *c; c++)
            if (*c == '|') *c = ',';
        return;
    case RL_KEY_BOOL:
        snprintf(buf, cap, "true, false");
        return;
    case RL_KEY_PATH:
        snprintf(buf, cap, "an existing file");
        return;
    }
}

int rl_cli_params(int argc, char **argv)
{
    static const struct option opts[] = {
        {"markdown", no_argument, NULL, 'm'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int markdown = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'm')
            markdown = 1;
        else if (c == 'h')
            return print_help(), 0;
        else
            return rl_cli_usage_error("params", usage, "unknown option");
    }
    if (optind != argc) return rl_cli_usage_error("params", usage, "no arguments expected");
    size_t n;
    const rl_key *keys = rl_params_keys(&n);
    if (markdown)
        printf("| parameter | type | valid | default | meaning |\n|---|---|---|---|---|\n");
    for (size_t i = 0; i < n; i++) {
        char valid[256];
        format_valid(&keys[i], valid, sizeof valid);
        const char *def = keys[i].def[0] ? keys[i].def : "(none)";
        if (markdown)
            printf("| `%s` | %s | %s | `%s` | %s |\n", keys[i].path, rl_key_type_name(keys[i].type),
                   valid, def, keys[i].doc);
        else
            printf("%-22s %-13s %-28s default %-10s %s\n", keys[i].path,
                   rl_key_type_name(keys[i].type), valid, def, keys[i].doc);
    }
    return 0;
}
