/*
** axes.c: the `axes` mapping -> the cube's dimensions (module: spec).
** An axis is a list of values of one parameter (`init.rank: [1, 30]`, or an
** alias) or a zip group of parameters that vary together
** (`structure: {zip: {init.kind: [...], init.rank: [...]}, labels: [...]}`).
** Why the checks here: a dimension becomes a netCDF dimension and its labels
** its coordinate, so names must be distinct identifiers, values (tuples for
** a zip) and labels must not repeat, and one parameter is swept by one axis.
** Values compare by canonical text, so `1e3` and `1000` are one value.
*/
#include "spec_int.h"

#include <stdlib.h>
#include <string.h>

#define DIM_NAME_MAX 64 /* longest dimension name */

static const char *const zip_keys[] = {"zip", "labels"};

void spec_axis_clear(axis *a)
{
    for (int i = 0; a->vals && i < a->size * a->n_paths; i++)
        spec_value_clear(&a->vals[i]);
    for (int i = 0; a->labels && i < a->size; i++)
        rl_free(a->labels[i]);
    rl_free(a->vals);
    rl_free(a->labels);
    rl_free(a->values);
    rl_free(a->keys);
    rl_free(a->paths);
    rl_free(a->key);
    rl_free(a->name);
    memset(a, 0, sizeof *a);
}

/* ---- repeated values ---- */

typedef struct row {
    const pval *v; /* n_paths values of one coordinate */
    int n, index;
} row;

static int cmp_row(const void *pa, const void *pb)
{
    const row *a = pa, *b = pb;
    for (int k = 0; k < a->n; k++) {
        int c = strcmp(a->v[k].canon, b->v[k].canon);
        if (c) return c;
    }
    return (a->index > b->index) - (a->index < b->index);
}

/* Sorting finds every repeat in O(n log n); report the earliest second occurrence. */
static rl_code check_repeats(const char *file, const axis *a, rl_status *st)
{
    row *rows = rl_alloc((size_t)a->size, sizeof *rows, st);
    if (!rows) return st->code;
    for (int i = 0; i < a->size; i++)
        rows[i] = (row){&a->vals[(size_t)i * (size_t)a->n_paths], a->n_paths, i};
    qsort(rows, (size_t)a->size, sizeof *rows, cmp_row);
    int first = -1, again = -1;
    for (int i = 1; i < a->size; i++) {
        bool same = true;
        for (int k = 0; k < a->n_paths && same; k++)
            same = strcmp(rows[i - 1].v[k].canon, rows[i].v[k].canon) == 0;
        if (same && (again < 0 || rows[i].index < again)) {
            first = rows[i - 1].index;
            again = rows[i].index;
        }
    }
    rl_free(rows);
    if (again < 0) return RL_OK;
    char shown[SPEC_SHOW_CAP], name[SPEC_SHOW_CAP];
    const pval *v1 = &a->vals[(size_t)first * (size_t)a->n_paths];
    const pval *v2 = &a->vals[(size_t)again * (size_t)a->n_paths];
    sbuf what = {0};
    for (int k = 0; k < a->n_paths; k++)
        sbuf_addf(&what, "%s%s", k ? ", " : "", v2[k].canon);
    rl_code rc = SPEC_FAIL(st, file, v2->at,
                           "%s %s%s%s appears twice in axis '%s' (first at line %d, column %d); "
                           "valid: each %s once",
                           a->zip ? "combination" : "value", a->zip ? "(" : "",
                           what.failed ? "..." : spec_show(what.p, shown, sizeof shown),
                           a->zip ? ")" : "", spec_show(a->key, name, sizeof name), v1->at.line,
                           v1->at.col, a->zip ? "combination" : "value");
    sbuf_free(&what);
    return rc;
}

typedef struct label_at {
    const char *text;
    int index;
} label_at;

static int cmp_label(const void *pa, const void *pb)
{
    const label_at *a = pa, *b = pb;
    int c = strcmp(a->text, b->text);
    return c ? c : (a->index > b->index) - (a->index < b->index);
}

/* Labels are coordinates, so they must differ; defaulted ones (a zip's first path) may not. */
static rl_code check_labels(const char *file, const axis *a, const node *labels, rl_status *st)
{
    label_at *all = rl_alloc((size_t)a->size, sizeof *all, st);
    if (!all) return st->code;
    for (int i = 0; i < a->size; i++)
        all[i] = (label_at){a->labels[i], i};
    qsort(all, (size_t)a->size, sizeof *all, cmp_label);
    int again = -1;
    for (int i = 1; i < a->size; i++)
        if (strcmp(all[i - 1].text, all[i].text) == 0 && (again < 0 || all[i].index < again))
            again = all[i].index;
    rl_free(all);
    if (again < 0) return RL_OK;
    char shown[SPEC_SHOW_CAP];
    bool given = labels && !spec_node_is_null(labels->kid[again]);
    return SPEC_FAIL(
        st, file, given ? labels->kid[again]->at : a->vals[(size_t)again * (size_t)a->n_paths].at,
        "label '%s' appears twice in axis '%s'%s; valid: distinct labels%s",
        spec_show(a->labels[again], shown, sizeof shown), a->name,
        given ? "" : " (by default a zip group is labelled by its first path)",
        given ? "" : ", e.g. labels: [a, b, ...]");
}

/* ---- names ---- */

static bool is_dim_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > DIM_NAME_MAX || (s[0] >= '0' && s[0] <= '9')) return false;
    for (const char *c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '_'))
            return false;
    return true;
}

/* The dimension is named by the key as written, or its last component (init.rank -> rank). */
static rl_code name_axis(const char *file, rl_spec *s, axis *a, rl_status *st)
{
    char shown[SPEC_SHOW_CAP];
    const char *dot = strrchr(a->key, '.');
    const char *name = dot ? dot + 1 : a->key;
    if (!is_dim_name(name))
        return SPEC_FAIL(st, file, a->at,
                         "'%s' is not a valid dimension name; valid: up to %d letters, digits "
                         "and '_', not starting with a digit",
                         spec_show(a->key, shown, sizeof shown), DIM_NAME_MAX);
    /* Names the results file keeps for its own variables are the store's to refuse. */
    for (int d = 0; d < s->ndims - 1; d++)
        if (strcmp(s->axes[d].name, name) == 0)
            return SPEC_FAIL(st, file, a->at,
                             "axes '%s' and '%s' (line %d, column %d) both give the dimension "
                             "name '%s'; valid: distinct names (rename a zip group)",
                             spec_show(a->key, shown, sizeof shown), s->axes[d].key,
                             s->axes[d].at.line, s->axes[d].at.col, name);
    a->name = spec_strdup(name, st);
    return a->name ? RL_OK : st->code;
}

/* A parameter may be swept by one axis only, and appear once in a zip. */
static rl_code check_paths(const char *file, const rl_spec *s, const axis *a, rl_status *st)
{
    char shown[SPEC_SHOW_CAP];
    for (int k = 0; k < a->n_paths; k++)
        for (int d = 0; d < s->ndims - 1; d++)
            for (int j = 0; j < s->axes[d].n_paths; j++)
                if (s->axes[d].keys[j] == a->keys[k])
                    return SPEC_FAIL(st, file, a->at,
                                     "parameter '%s' is swept by axis '%s' and by axis '%s' (line "
                                     "%d, column %d); valid: sweep each parameter in one axis",
                                     a->keys[k]->path, spec_show(a->key, shown, sizeof shown),
                                     s->axes[d].key, s->axes[d].at.line, s->axes[d].at.col);
    return RL_OK;
}

/* ---- building one axis ---- */

static rl_code alloc_axis(axis *a, int n_paths, int size, rl_status *st)
{
    a->n_paths = n_paths;
    a->keys = rl_alloc((size_t)n_paths, sizeof *a->keys, st);
    a->paths = rl_alloc((size_t)n_paths, sizeof *a->paths, st);
    a->vals = rl_alloc((size_t)size * (size_t)n_paths, sizeof *a->vals, st);
    a->labels = rl_alloc((size_t)size, sizeof *a->labels, st);
    if (!a->keys || !a->paths || !a->vals || !a->labels) return st->code;
    a->size = size; /* only now: spec_axis_clear walks size x n_paths values */
    return RL_OK;
}

/* The values of path k, one per coordinate, from a YAML list. */
static rl_code fill_column(const char *file, axis *a, int k, const node *list, rl_status *st)
{
    for (int i = 0; i < a->size; i++)
        RL_TRY(spec_value_make(file, a->keys[k], list->kid[i],
                               &a->vals[(size_t)i * (size_t)a->n_paths + (size_t)k], st));
    return RL_OK;
}

/* Labels default to the first parameter's values; a numeric coordinate keeps its numbers. */
static rl_code finish_axis(const char *file, rl_spec *s, axis *a, const node *labels, rl_status *st)
{
    for (int i = 0; i < a->size; i++)
        if (!a->labels[i]) {
            a->labels[i] = spec_strdup(a->vals[(size_t)i * (size_t)a->n_paths].canon, st);
            if (!a->labels[i]) return st->code;
        }
    RL_TRY(check_repeats(file, a, st));
    RL_TRY(check_labels(file, a, labels, st));
    rl_key_type t = a->keys[0]->type;
    bool numeric = a->n_paths == 1 && !a->labelled && (t == RL_KEY_INT || t == RL_KEY_REAL);
    if (numeric) {
        a->values = rl_alloc((size_t)a->size, sizeof *a->values, st);
        if (!a->values) return st->code;
        for (int i = 0; i < a->size; i++)
            a->values[i] = t == RL_KEY_INT ? (double)*(const long *)a->vals[i].field
                                           : *(const double *)a->vals[i].field;
    }
    rl_dim *dim = &s->dims[s->ndims - 1];
    *dim = (rl_dim){
        a->name, a->size, a->n_paths, a->paths, numeric, (const char *const *)a->labels, a->values};
    return RL_OK;
}

static rl_code parse_list_axis(const char *file, rl_spec *s, axis *a, const node *k, const node *v,
                               rl_status *st)
{
    char shown[SPEC_SHOW_CAP];
    const rl_key *key = spec_resolve_path(k->text);
    if (!key) return spec_unknown_param(st, file, k->at, k->text);
    if (v->n == 0)
        return SPEC_FAIL(st, file, v->at, "axis '%s' is empty; valid: a list of at least one value",
                         spec_show(k->text, shown, sizeof shown));
    RL_TRY(alloc_axis(a, 1, (int)v->n, st));
    a->keys[0] = key;
    a->paths[0] = key->path;
    RL_TRY(name_axis(file, s, a, st));
    RL_TRY(check_paths(file, s, a, st));
    RL_TRY(fill_column(file, a, 0, v, st));
    return finish_axis(file, s, a, NULL, st);
}

static rl_code parse_labels(const char *file, axis *a, const node *labels, rl_status *st)
{
    char shown[SPEC_SHOW_CAP];
    if (labels->kind != NODE_SEQ)
        return SPEC_FAIL(st, file, labels->at,
                         "labels of '%s' are %s; valid: a list of %d labels, one per value",
                         a->name, spec_node_kind_name(labels), a->size);
    if (labels->n != (size_t)a->size)
        return SPEC_FAIL(st, file, labels->at,
                         "zip group '%s' has %zu label%s for %d values; valid: one label per "
                         "value",
                         a->name, labels->n, labels->n == 1 ? "" : "s", a->size);
    a->labelled = true;
    for (int i = 0; i < a->size; i++) {
        const node *l = labels->kid[i];
        if (spec_node_is_null(l)) continue; /* null: the default label */
        if (l->kind != NODE_SCALAR || !l->text[0] || strlen(l->text) > SPEC_MAX_LABEL)
            return SPEC_FAIL(st, file, l->at,
                             "label %s%s%s is not usable; valid: non-empty text of at most %d "
                             "bytes, or null for the default",
                             l->kind == NODE_SCALAR ? "'" : "",
                             l->kind == NODE_SCALAR ? spec_show(l->text, shown, sizeof shown)
                                                    : spec_node_kind_name(l),
                             l->kind == NODE_SCALAR ? "'" : "", SPEC_MAX_LABEL);
        a->labels[i] = spec_strdup(l->text, st);
        if (!a->labels[i]) return st->code;
    }
    return RL_OK;
}

static rl_code zip_lists(const char *file, const axis *a, const entries *es, rl_status *st)
{
    for (size_t i = 0; i < es->n; i++) {
        const entry *e = &es->e[i];
        if (e->v->kind != NODE_SEQ)
            return SPEC_FAIL(st, file, e->v->at,
                             "zip group '%s': '%s' is %s; valid: a list of values", a->name,
                             e->key->path, spec_node_kind_name(e->v));
        if (e->v->n == 0 || e->v->n != es->e[0].v->n)
            return SPEC_FAIL(st, file, e->k->at,
                             "zip group '%s': '%s' has %zu values but '%s' has %zu; valid: lists "
                             "of the same non-zero length",
                             a->name, e->key->path, e->v->n, es->e[0].key->path, es->e[0].v->n);
    }
    return RL_OK;
}

static rl_code parse_zip_axis(const char *file, rl_spec *s, axis *a, const node *v, rl_status *st)
{
    const node *zip = NULL, *labels = NULL;
    for (size_t i = 0; i + 1 < v->n; i += 2) {
        const node *k = v->kid[i];
        if (strcmp(k->text, "zip") == 0)
            zip = v->kid[i + 1];
        else if (strcmp(k->text, "labels") == 0)
            labels = v->kid[i + 1];
        else
            return spec_unknown_key(st, file, k->at, "zip-group", k->text, zip_keys, 2);
    }
    a->zip = true;
    RL_TRY(name_axis(file, s, a, st));
    if (!zip || zip->kind != NODE_MAP || zip->n == 0)
        return SPEC_FAIL(st, file, zip ? zip->at : v->at,
                         "zip group '%s' needs 'zip' with at least one path; valid: {zip: "
                         "{init.kind: [gaussian, svd], init.rank: [0, 1]}, labels: [...]}",
                         a->name);
    entries es;
    rl_code rc = spec_flatten(file, zip, &es, st);
    if (rc == RL_OK) rc = zip_lists(file, a, &es, st);
    if (rc == RL_OK) rc = alloc_axis(a, (int)es.n, (int)es.e[0].v->n, st);
    for (size_t k = 0; rc == RL_OK && k < es.n; k++) {
        a->keys[k] = es.e[k].key;
        a->paths[k] = es.e[k].key->path;
    }
    if (rc == RL_OK) rc = check_paths(file, s, a, st);
    for (size_t k = 0; rc == RL_OK && k < es.n; k++)
        rc = fill_column(file, a, (int)k, es.e[k].v, st);
    rl_free(es.e);
    RL_TRY(rc);
    if (labels && !spec_node_is_null(labels)) RL_TRY(parse_labels(file, a, labels, st));
    return finish_axis(file, s, a, labels && labels->kind == NODE_SEQ ? labels : NULL, st);
}

rl_code spec_parse_axes(rl_spec *s, const node *axes, rl_status *st)
{
    char shown[SPEC_SHOW_CAP];
    if (spec_node_is_null(axes)) return RL_OK;
    if (axes->kind != NODE_MAP)
        return SPEC_FAIL(st, s->file, axes->at,
                         "axes is %s; valid: a mapping such as {task: [2af, dms], seed: [0, 1]}",
                         spec_node_kind_name(axes));
    for (size_t i = 0; i + 1 < axes->n; i += 2) {
        const node *k = axes->kid[i], *v = axes->kid[i + 1];
        if (s->ndims == RL_MAX_DIMS)
            return SPEC_FAIL(st, s->file, k->at,
                             "more than %d axes; valid: at most %d (parameters that vary together "
                             "can share one zip group)",
                             RL_MAX_DIMS, RL_MAX_DIMS);
        axis *a = &s->axes[s->ndims++];
        a->at = k->at;
        a->key = spec_strdup(k->text, st);
        if (!a->key) return st->code;
        if (v->kind == NODE_SEQ)
            RL_TRY(parse_list_axis(s->file, s, a, k, v, st));
        else if (v->kind == NODE_MAP)
            RL_TRY(parse_zip_axis(s->file, s, a, v, st));
        else
            return SPEC_FAIL(st, s->file, v->at,
                             "axis '%s' is %s; valid: a list of values such as [1, 10, 100], or "
                             "a zip group {zip: {path: [...], ...}, labels: [...]}",
                             spec_show(k->text, shown, sizeof shown), spec_node_kind_name(v));
    }
    return RL_OK;
}
