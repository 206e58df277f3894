/*
** items.c: every item through another module's checks, with the failure placed
** in the spec (module: spec). Why here: a structure's or a task's rule (a cell-type
** fraction that leaves no neuron, a connectome file of the wrong size) is only
** known to init or task, which see an rl_params and no YAML; the spec alone knows
** where each item got each value. The check's message names the parameters it is
** about (house style: "init.file '...': ..."), so the first path it names that the
** spec set for that item gives the position.
*/
#include "spec_int.h"

#include <ctype.h>
#include <string.h>

/* Where path first occurs in msg as a whole path (not part of a longer one), or NULL. */
static const char *find_path(const char *msg, const char *path)
{
    size_t n = strlen(path);
    for (const char *at = strstr(msg, path); at; at = strstr(at + 1, path)) {
        bool starts =
            at == msg || !(isalnum((unsigned char)at[-1]) || at[-1] == '_' || at[-1] == '.');
        bool ends = !(isalnum((unsigned char)at[n]) || at[n] == '_' ||
                      (at[n] == '.' && isalpha((unsigned char)at[n + 1])));
        if (starts && ends) return at;
    }
    return NULL;
}

/* Where the item got the first parameter msg names, or line 0 if nowhere in the file. */
static sloc locate(const char *msg, const sloc *src)
{
    size_t nkeys;
    const rl_key *keys = rl_params_keys(&nkeys);
    const char *first = NULL;
    sloc at = {0, 0};
    for (size_t k = 0; k < nkeys; k++) {
        const char *hit = src[k].line > 0 ? find_path(msg, keys[k].path) : NULL;
        if (hit && (!first || hit < first)) {
            first = hit;
            at = src[k];
        }
    }
    return at;
}

static rl_code report(const rl_spec *s, const rl_item *it, const rl_status *one, rl_status *st)
{
    char item[256];
    spec_describe_item(s, it->coords, item, sizeof item);
    if (one->code != RL_EINPUT && one->code != RL_EIO)
        return rl_status_fail(st, one->code, __FILE__, __LINE__, "%s, id %s: %s", item, it->id,
                              one->msg);
    size_t nkeys;
    rl_params_keys(&nkeys);
    sloc *src = rl_alloc(nkeys, sizeof *src, st);
    if (!src) return st->code;
    rl_params p;
    spec_resolve(s, it->coords, &p, src);
    sloc at = locate(one->msg, src);
    rl_free(src);
    return SPEC_FAIL(st, s->file, at, "%s, id %s: %s", item, it->id, one->msg);
}

rl_code rl_spec_check_items(const rl_spec *s, rl_spec_check_fn check, rl_status *st)
{
    rl_item *it = rl_alloc(1, sizeof *it, st);
    if (!it) return st->code;
    rl_code rc = RL_OK;
    for (size_t i = 0; i < s->nitems && rc == RL_OK; i++) {
        rl_spec_fill_item(s, i, it);
        rl_status one = RL_STATUS_INIT;
        if (check(&it->params, &one) != RL_OK) rc = report(s, it, &one, st);
    }
    rl_free(it);
    return rc;
}
