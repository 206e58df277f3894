/*
** items.c: every item through another module's checks, with the failure placed
** in the spec (module: spec). Why here: a structure's or a task's rule (a cell-type
** fraction that leaves no neuron, a connectome file of the wrong size) is only
** known to init or task, which see an rl_params and no YAML; the spec alone knows
** where each item got each value. The check names the parameters it is about as
** data (rl_status.params, set by RL_CHECK_PARAM or rl_status_about), never only in
** its words: the first of them that the spec set for that item gives the position,
** so rewording a message cannot move or lose it.
*/
#include "spec_int.h"

#include <string.h>

/*
** Where the item got the first of `params` (rl_status.params: paths separated by
** spaces, most telling first) that the spec set for it, or line 0 if it set none.
** An alias ("rank") stands for its path.
*/
static sloc locate(const char *params, const sloc *src)
{
    char path[RL_STATUS_PARAMS_CAP];
    for (const char *at = params; *at;) {
        size_t n = strcspn(at, " ");
        if (n > 0 && n < sizeof path) {
            memcpy(path, at, n);
            path[n] = '\0';
            const rl_key *key = spec_resolve_path(path);
            if (key && src[spec_key_index(key)].line > 0) return src[spec_key_index(key)];
        }
        at += n;
        at += strspn(at, " ");
    }
    return (sloc){0, 0};
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
    sloc at = locate(one->params, src);
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
