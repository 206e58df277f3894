/*
** parse.c: the document tree -> a checked spec: name, sweep seed,
** description, fixed params and overrides; the axes are in axes.c
** (module: spec).
** Why paths are flattened first (flatten.c): `params: {train: {lr: 0.1}}`,
** `train.lr: 0.1` and the alias `lr: 0.1` are one parameter, so "set twice"
** and "fixed and swept" can only be seen once every form is a table key.
** Each value is checked against the table where it is written, so its
** message points at it.
** Resolution order of an item (expand.c): defaults -> params -> axes ->
** overrides in order, each `when` tested against the item as it stands then.
*/
#include "spec_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 64                 /* longest sweep name */
#define SEED_MAX     9007199254740992.0 /* 2^53: every integer up to it is exact in a double */

enum { K_NAME, K_DESCRIPTION, K_SEED, K_AXES, K_PARAMS, K_OVERRIDES, K_COUNT };
static const char *const top_keys[K_COUNT] = {"name", "description", "seed",
                                              "axes", "params",      "overrides"};
static const char *const override_keys[] = {"when", "set"};

static int cmp_pval_path(const void *a, const void *b)
{
    return strcmp(((const pval *)a)->key->path, ((const pval *)b)->key->path);
}

static int cmp_pval_canon(const void *a, const void *b)
{
    return strcmp(((const pval *)a)->canon, ((const pval *)b)->canon);
}

/* A mapping of path: value into n checked values sorted by path (params, `set`). */
static rl_code parse_values(const char *file, const node *map, pval **vals, int *n, rl_status *st)
{
    entries es;
    rl_code rc = spec_flatten(file, map, &es, st);
    if (rc == RL_OK && es.n) {
        *vals = rl_alloc(es.n, sizeof **vals, st);
        rc = *vals ? RL_OK : st->code;
    }
    for (size_t i = 0; rc == RL_OK && i < es.n; i++) {
        rc = spec_value_make(file, es.e[i].key, es.e[i].v, &(*vals)[i], st);
        if (rc == RL_OK) *n = (int)i + 1;
    }
    rl_free(es.e);
    if (rc == RL_OK && *n > 1) qsort(*vals, (size_t)*n, sizeof **vals, cmp_pval_path);
    return rc;
}

/* ---- name, seed, description ---- */

static bool is_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > NAME_MAX_LEN || s[0] == '-' || s[0] == '.') return false;
    for (const char *c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '_' || *c == '-' || *c == '.'))
            return false;
    return true;
}

static rl_code parse_name(rl_spec *s, const node *v, rl_status *st)
{
    char shown[SPEC_SHOW_CAP], what[SPEC_SHOW_CAP + 32];
    if (v->kind == NODE_SCALAR)
        snprintf(what, sizeof what, "'%s' is not", spec_show(v->text, shown, sizeof shown));
    else
        snprintf(what, sizeof what, "is %s, not", spec_node_kind_name(v));
    if (v->kind != NODE_SCALAR || !is_name(v->text))
        return SPEC_FAIL(st, s->file, v->at,
                         "name %s an identifier; valid: up to %d letters, digits, '_', '-' and "
                         "'.', not starting with '-' or '.', e.g. name: fig1-lowrank",
                         what, NAME_MAX_LEN);
    s->name = spec_strdup(v->text, st);
    return s->name ? RL_OK : st->code;
}

static rl_code parse_seed(rl_spec *s, const node *v, rl_status *st)
{
    char shown[SPEC_SHOW_CAP], *end = NULL;
    double x = 0.0;
    if (v->kind == NODE_SCALAR) {
        errno = 0;
        x = strtod(v->text, &end);
    }
    if (v->kind != NODE_SCALAR || end == v->text || *end || errno || !isfinite(x) ||
        x != floor(x) || x < 0 || x > SEED_MAX)
        return SPEC_FAIL(st, s->file, v->at,
                         "seed = %s is not a sweep seed; valid: an integer from 0 to %.0f",
                         v->kind == NODE_SCALAR ? spec_show(v->text, shown, sizeof shown)
                                                : spec_node_kind_name(v),
                         SEED_MAX);
    s->seed = (uint64_t)x;
    return RL_OK;
}

static rl_code parse_description(rl_spec *s, const node *v, rl_status *st)
{
    if (v->kind != NODE_SCALAR)
        return SPEC_FAIL(st, s->file, v->at,
                         "description is %s; valid: text, e.g. description: \"Fig. 1, quick\"",
                         spec_node_kind_name(v));
    s->description = spec_strdup(v->text, st);
    return s->description ? RL_OK : st->code;
}

/* ---- params ---- */

static rl_code parse_params(rl_spec *s, const node *v, rl_status *st)
{
    if (spec_node_is_null(v)) return RL_OK;
    if (v->kind != NODE_MAP)
        return SPEC_FAIL(st, s->file, v->at,
                         "params is %s; valid: a mapping such as {model.hidden: 300, train: {lr: "
                         "0.003}}",
                         spec_node_kind_name(v));
    RL_TRY(parse_values(s->file, v, &s->params, &s->n_params, st));
    for (int i = 0; i < s->n_params; i++)
        spec_value_apply(&s->params[i], &s->base);
    return RL_OK;
}

/* ---- overrides ---- */

/* A `when` value: one value, or a list meaning "any of these" (a list of lists for REALS). */
static rl_code parse_cond(const char *file, const entry *e, cond *c, rl_status *st)
{
    const node *v = e->v;
    bool list_value = e->key->type == RL_KEY_REALS &&
                      (v->kind != NODE_SEQ || v->n == 0 || v->kid[0]->kind != NODE_SEQ);
    bool any_of = v->kind == NODE_SEQ && !list_value;
    size_t n = any_of ? v->n : 1;
    c->key = e->key;
    c->at = e->k->at;
    if (n == 0)
        return SPEC_FAIL(st, file, v->at,
                         "when %s: the list of values is empty; valid: a value or a non-empty "
                         "list of values",
                         e->key->path);
    c->alts = rl_alloc(n, sizeof *c->alts, st);
    if (!c->alts) return st->code;
    for (size_t i = 0; i < n; i++) {
        RL_TRY(spec_value_make(file, e->key, any_of ? v->kid[i] : v, &c->alts[i], st));
        c->n_alts = (int)i + 1;
    }
    qsort(c->alts, n, sizeof *c->alts, cmp_pval_canon); /* order does not matter: canonical */
    return RL_OK;
}

static rl_code parse_when(const char *file, const node *v, override *o, rl_status *st)
{
    entries es;
    rl_code rc = spec_flatten(file, v, &es, st);
    if (rc == RL_OK) {
        o->when = rl_alloc(es.n, sizeof *o->when, st);
        rc = o->when ? RL_OK : st->code;
    }
    for (size_t i = 0; rc == RL_OK && i < es.n; i++) {
        rc = parse_cond(file, &es.e[i], &o->when[i], st);
        o->n_when = (int)i + 1;
    }
    rl_free(es.e);
    return rc;
}

static rl_code need_mapping(const char *file, const node *v, const char *what, rl_status *st)
{
    if (v->kind == NODE_MAP && v->n > 0) return RL_OK;
    return SPEC_FAIL(st, file, v->at,
                     "override '%s' is %s; valid: a non-empty mapping of path: value, e.g. %s: "
                     "{task: smnist}",
                     what, v->kind == NODE_MAP ? "empty" : spec_node_kind_name(v), what);
}

static rl_code parse_override(const char *file, const node *v, override *o, rl_status *st)
{
    const node *when = NULL, *set = NULL;
    o->at = v->at;
    if (v->kind != NODE_MAP)
        return SPEC_FAIL(st, file, v->at,
                         "an override is %s; valid: a mapping {when: {path: value, ...}, set: "
                         "{path: value, ...}}",
                         spec_node_kind_name(v));
    for (size_t i = 0; i + 1 < v->n; i += 2) {
        const node *k = v->kid[i];
        if (strcmp(k->text, "when") == 0)
            when = v->kid[i + 1];
        else if (strcmp(k->text, "set") == 0)
            set = v->kid[i + 1];
        else
            return spec_unknown_key(st, file, k->at, "override", k->text, override_keys, 2);
    }
    if (!when || !set)
        return SPEC_FAIL(st, file, v->at,
                         "an override without '%s'; valid: both when: {path: value, ...} and set: "
                         "{path: value, ...}",
                         when ? "set" : "when");
    RL_TRY(need_mapping(file, when, "when", st));
    RL_TRY(need_mapping(file, set, "set", st));
    RL_TRY(parse_when(file, when, o, st));
    return parse_values(file, set, &o->set, &o->n_set, st);
}

static rl_code parse_overrides(rl_spec *s, const node *v, rl_status *st)
{
    if (spec_node_is_null(v)) return RL_OK;
    if (v->kind != NODE_SEQ)
        return SPEC_FAIL(st, s->file, v->at,
                         "overrides is %s; valid: a list of {when: {...}, set: {...}}",
                         spec_node_kind_name(v));
    if (v->n == 0) return RL_OK;
    s->over = rl_alloc(v->n, sizeof *s->over, st);
    if (!s->over) return st->code;
    for (size_t i = 0; i < v->n; i++) {
        s->n_over = (int)i + 1;
        RL_TRY(parse_override(s->file, v->kid[i], &s->over[i], st));
    }
    return RL_OK;
}

/* ---- checks across sections ---- */

static const axis *axis_sweeping(const rl_spec *s, const rl_key *key)
{
    for (int d = 0; d < s->ndims; d++)
        for (int k = 0; k < s->axes[d].n_paths; k++)
            if (s->axes[d].keys[k] == key) return &s->axes[d];
    return NULL;
}

static rl_code check_not_swept(const rl_spec *s, rl_status *st)
{
    char shown[SPEC_SHOW_CAP];
    for (int i = 0; i < s->n_params; i++) {
        const axis *a = axis_sweeping(s, s->params[i].key);
        if (a)
            return SPEC_FAIL(st, s->file, s->params[i].at,
                             "parameter '%s' is fixed in params and swept by axis '%s' (line %d, "
                             "column %d); valid: either fix it or sweep it",
                             s->params[i].key->path, spec_show(a->key, shown, sizeof shown),
                             a->at.line, a->at.col);
    }
    for (int o = 0; o < s->n_over; o++)
        for (int i = 0; i < s->over[o].n_set; i++) {
            const pval *v = &s->over[o].set[i];
            const axis *a = axis_sweeping(s, v->key);
            if (a)
                return SPEC_FAIL(st, s->file, v->at,
                                 "an override sets '%s', which axis '%s' sweeps (line %d, column "
                                 "%d), so the coordinate would no longer describe the item; "
                                 "valid: set only parameters no axis sweeps",
                                 v->key->path, spec_show(a->key, shown, sizeof shown), a->at.line,
                                 a->at.col);
        }
    return RL_OK;
}

/* ---- the document ---- */

rl_code spec_parse(rl_spec *s, const node *root, rl_status *st)
{
    const node *val[K_COUNT] = {0};
    if (root->kind != NODE_MAP)
        return SPEC_FAIL(st, s->file, root->at,
                         "the spec is %s; valid: a mapping with the keys name, description, seed, "
                         "axes, params, overrides",
                         spec_node_kind_name(root));
    s->axes_at = root->at;
    for (size_t i = 0; i + 1 < root->n; i += 2) {
        const node *k = root->kid[i];
        int which = 0;
        while (which < K_COUNT && strcmp(k->text, top_keys[which]) != 0)
            which++;
        if (which == K_COUNT)
            return spec_unknown_key(st, s->file, k->at, "top-level", k->text, top_keys, K_COUNT);
        val[which] = root->kid[i + 1];
        if (which == K_AXES) s->axes_at = k->at;
    }
    if (!val[K_NAME])
        return SPEC_FAIL(st, s->file, root->at,
                         "the spec has no 'name'; valid: name: <identifier>, e.g. name: "
                         "fig1-lowrank");
    rl_params_defaults(&s->base);
    RL_TRY(parse_name(s, val[K_NAME], st));
    if (val[K_DESCRIPTION]) RL_TRY(parse_description(s, val[K_DESCRIPTION], st));
    if (val[K_SEED]) RL_TRY(parse_seed(s, val[K_SEED], st));
    if (val[K_PARAMS]) RL_TRY(parse_params(s, val[K_PARAMS], st));
    if (val[K_AXES]) RL_TRY(spec_parse_axes(s, val[K_AXES], st));
    if (val[K_OVERRIDES]) RL_TRY(parse_overrides(s, val[K_OVERRIDES], st));
    return check_not_swept(s, st);
}
