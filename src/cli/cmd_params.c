/*
** cmd_params.c: `richlazy params [WORD]` — every sweep parameter with its type,
** range, default and meaning, printed from the one table the parser reads
** (params.h), as text or as the Markdown table in the README (a test keeps them
** equal). WORD keeps the parameters whose path contains it (`params init`).
** Ranges print exactly (2147483647, not 2.14748e+09): the table's bounds are
** what the parser checks, so a user must be able to copy them.
*/
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "richlazy/params.h"

static const char usage[] = "richlazy params [WORD] [--markdown]";

#define TEXT_WIDTH 100 /* the meaning column wraps to this many characters */
#define DOC_INDENT 4   /* ... indented under its parameter */

static void print_help(void)
{
    printf("usage: %s\n\n"
           "Lists every parameter a sweep spec can set: dotted path, type, valid values,\n"
           "default, and its meaning on the lines below. WORD keeps the parameters whose path\n"
           "contains it (`richlazy params init`, `richlazy params kernel`).\n\n"
           "options:\n"
           "  --markdown   the table the README carries (one row per parameter)\n"
           "  -h, --help   this text\n"
           "exit status: 0 listed, 2 usage or no parameter matches WORD\n",
           usage);
}

/* "1 .. 65536", "a,b,c" — what values are valid, with exact bounds. */
static void format_valid(const rl_key *k, char *buf, size_t cap)
{
    char lo[40], hi[40];
    switch (k->type) {
    case RL_KEY_INT:
    case RL_KEY_REAL:
    case RL_KEY_REALS:
        rl_params_format_real(k->min, lo, sizeof lo);
        rl_params_format_real(k->max, hi, sizeof hi);
        snprintf(buf, cap, "%s .. %s", lo, hi);
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

/* The meaning, word-wrapped to TEXT_WIDTH and indented by DOC_INDENT. */
static void print_wrapped(const char *text)
{
    const int width = TEXT_WIDTH - DOC_INDENT;
    while (*text) {
        int len = (int)strlen(text), cut = len;
        if (len > width) { /* break at the last space that fits, else at the first after */
            for (cut = width; cut > 0 && text[cut] != ' '; cut--)
                ;
            if (cut == 0) cut = (int)strcspn(text, " ");
        }
        printf("%*s%.*s\n", DOC_INDENT, "", cut, text);
        text += cut;
        while (*text == ' ')
            text++;
    }
}

int rl_cli_params(int argc, char **argv)
{
    static const struct option opts[] = {
        {"markdown", no_argument, NULL, 'm'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int markdown = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (c == 'm')
            markdown = 1;
        else if (c == 'h')
            return print_help(), 0;
        else
            return rl_cli_option_error("params", usage, opts, c, argv);
    }
    if (optind < argc - 1) return rl_cli_usage_error("params", usage, "at most one WORD");
    const char *word = optind < argc ? argv[optind] : "";
    size_t n, shown = 0;
    const rl_key *keys = rl_params_keys(&n);
    if (markdown)
        printf("| parameter | type | valid | default | meaning |\n|---|---|---|---|---|\n");
    for (size_t i = 0; i < n; i++) {
        char valid[256];
        if (!strstr(keys[i].path, word)) continue;
        format_valid(&keys[i], valid, sizeof valid);
        const char *def = keys[i].def[0] ? keys[i].def : "(none)";
        if (markdown) {
            printf("| `%s` | %s | %s | `%s` | %s |\n", keys[i].path, rl_key_type_name(keys[i].type),
                   valid, def, keys[i].doc);
        } else {
            char line[512];
            printf("%-22s %-13s default %s\n", keys[i].path, rl_key_type_name(keys[i].type), def);
            rl_snprintf(line, sizeof line, "valid: %s", valid);
            print_wrapped(line);
            print_wrapped(keys[i].doc);
        }
        shown++;
    }
    if (shown == 0) { /* suggest a section, a key or a path ("intt" -> "init") */
        static char words[3 * 256][RL_NAME_MAX + 32];
        const char *cands[3 * 256];
        size_t k = 0;
        for (size_t i = 0; i < n && k + 3 <= 3 * 256; i++) {
            const char *dot = strchr(keys[i].path, '.');
            rl_snprintf(words[k], sizeof words[k], "%s", keys[i].path);
            rl_snprintf(words[k + 1], sizeof words[k + 1], "%.*s",
                        (int)(dot ? dot - keys[i].path : 0), keys[i].path);
            rl_snprintf(words[k + 2], sizeof words[k + 2], "%s", dot ? dot + 1 : "");
            for (int j = 0; j < 3; j++, k++)
                cands[k] = words[k];
        }
        const char *near = rl_spec_suggest(word, cands, k);
        if (near)
            return rl_cli_usage_error(
                "params", usage, "no parameter path contains '%s'; did you mean '%s'?", word, near);
        return rl_cli_usage_error("params", usage,
                                  "no parameter path contains '%s'; valid: a part of a path "
                                  "such as init, train.lr or kernel",
                                  word);
    }
    return 0;
}
