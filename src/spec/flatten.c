/*
** flatten.c: a mapping whose keys are parameter paths, aliases or sections
** -> a flat list of (table key, key node, value node) (module: spec).
** `params: {train: {lr: 0.1}}`, `train.lr: 0.1` and the alias `lr: 0.1` are
** one parameter, so "set twice" can only be seen once every form is a
** table key; unknown paths and paths given twice are errors here.
** Why a file of its own: params and overrides (parse.c) and zip axes
** (axes.c) all read such mappings, and parse.c calls axes.c; kept in
** parse.c it made the two call each other (tests/arch/layers.py).
*/
#include "spec_int.h"

#include <string.h>

#define PATH_TEXT_MAX 128 /* longest dotted path considered */

static rl_code push_entry(entries *out, const rl_key *key, const node *k, const node *v,
                          rl_status *st)
{
    RL_TRY(spec_grow((void **)&out->e, &out->cap, out->n + 1, sizeof *out->e, st));
    out->e[out->n++] = (entry){key, k, v};
    return RL_OK;
}

static rl_code flatten_into(const char *file, const node *map, const char *prefix, entries *out,
                            rl_status *st)
{
    for (size_t i = 0; i + 1 < map->n; i += 2) {
        const node *k = map->kid[i], *v = map->kid[i + 1];
        char path[PATH_TEXT_MAX];
        if (!rl_snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", k->text))
            return spec_unknown_param(st, file, k->at, k->text);
        if (v->kind == NODE_MAP && spec_is_section(path)) {
            RL_TRY(flatten_into(file, v, path, out, st));
            continue;
        }
        const rl_key *key = spec_resolve_path(path);
        if (!key && v->kind == NODE_MAP) return spec_unknown_section(st, file, k->at, path);
        if (!key && spec_is_section(path))
            return SPEC_FAIL(st, file, v->at,
                             "section '%s' holds %s; valid: a mapping of its keys, e.g. %s: "
                             "{key: value}, or dotted paths such as %s.key: value",
                             path, spec_node_kind_name(v), path, path);
        if (!key) return spec_unknown_param(st, file, k->at, path);
        RL_TRY(push_entry(out, key, k, v, st));
    }
    return RL_OK;
}

rl_code spec_flatten(const char *file, const node *map, entries *out, rl_status *st)
{
    memset(out, 0, sizeof *out);
    RL_TRY(flatten_into(file, map, "", out, st));
    /* Few entries (each is a distinct table key or a repeat): the quadratic scan is cheap. */
    for (size_t i = 1; i < out->n; i++)
        for (size_t j = 0; j < i; j++)
            if (out->e[i].key == out->e[j].key)
                return SPEC_FAIL(st, file, out->e[i].k->at,
                                 "parameter '%s' is set twice (first at line %d, column %d); "
                                 "valid: set each parameter once",
                                 out->e[i].key->path, out->e[j].k->at.line, out->e[j].k->at.col);
    return RL_OK;
}
