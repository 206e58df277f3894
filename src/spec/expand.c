/*
** expand.c: spec -> items: the count, every item's cross-checks, and items
** resolved on demand (module: spec).
** Why on demand: a sweep may have up to SPEC_MAX_ITEMS items, and an item
** holds every parameter, so items are computed from their index (cheap:
** copies of checked values) rather than stored; rl_spec_item keeps pages of
** the ones asked for. An item's id hashes its resolved parameters, not its
** position, so adding a value to an axis never renames an existing item.
** Checking every item: a limit that no two written values can break is
** settled at once; otherwise only the axes that can change its keys
** (directly, or through an override's `when`) are enumerated. Every other
** axis leaves the checked keys as they are at coordinate 0, so the sub-cube
** covers all items exactly (vplan below).
** Invariants: (1) same spec text -> same items, order and ids; (2) items are
** row-major in the axes' order (last axis fastest).
*/
#include "spec_int.h"

#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

/* ---- resolution ---- */

static bool override_applies(const override *o, const rl_params *p)
{
    for (int c = 0; c < o->n_when; c++) {
        bool any = false;
        for (int a = 0; a < o->when[c].n_alts && !any; a++)
            any = spec_value_matches(&o->when[c].alts[a], p);
        if (!any) return false;
    }
    return true;
}

void spec_resolve(const rl_spec *s, const int *coords, rl_params *p, sloc *src)
{
    size_t nkeys;
    rl_params_keys(&nkeys);
    *p = s->base;
    if (src) {
        memset(src, 0, nkeys * sizeof *src);
        for (int i = 0; i < s->n_params; i++)
            src[spec_key_index(s->params[i].key)] = s->params[i].at;
    }
    for (int d = 0; d < s->ndims; d++) {
        const axis *a = &s->axes[d];
        const pval *row = &a->vals[(size_t)coords[d] * (size_t)a->n_paths];
        for (int k = 0; k < a->n_paths; k++) {
            spec_value_apply(&row[k], p);
            if (src) src[spec_key_index(row[k].key)] = row[k].at;
        }
    }
    for (int o = 0; o < s->n_over; o++) {
        if (!override_applies(&s->over[o], p)) continue;
        for (int i = 0; i < s->over[o].n_set; i++) {
            spec_value_apply(&s->over[o].set[i], p);
            if (src) src[spec_key_index(s->over[o].set[i].key)] = s->over[o].set[i].at;
        }
    }
}

static size_t index_of(const rl_spec *s, const int *coords)
{
    size_t index = 0;
    for (int d = 0; d < s->ndims; d++)
        index = index * (size_t)s->axes[d].size + (size_t)coords[d];
    return index;
}

/* ---- counting ---- */

static rl_code count_items(rl_spec *s, rl_status *st)
{
    size_t n = 1;
    bool over = false;
    for (int d = 0; d < s->ndims; d++) {
        size_t size = (size_t)s->axes[d].size;
        if (over || n > SPEC_MAX_ITEMS / size)
            over = true;
        else
            n *= size;
    }
    if (!over && n <= SPEC_MAX_ITEMS) {
        s->nitems = n;
        return RL_OK;
    }
    sbuf b = {0};
    for (int d = 0; d < s->ndims; d++)
        sbuf_addf(&b, "%s%s(%d)", d ? " x " : "", s->axes[d].name, s->axes[d].size);
    rl_code rc = SPEC_FAIL(st, s->file, s->axes_at,
                           "the axes give more than %u items: %s; valid: at most %u items",
                           SPEC_MAX_ITEMS, b.failed ? "..." : b.p, SPEC_MAX_ITEMS);
    sbuf_free(&b);
    return rc;
}

/* ---- checking every item ---- */

void spec_describe_item(const rl_spec *s, const int *coords, char *buf, size_t cap)
{
    size_t used = 0;
    if (s->ndims == 0) {
        snprintf(buf, cap, "the sweep's only item");
        return;
    }
    used += (size_t)snprintf(buf, cap, "item %zu (", index_of(s, coords));
    for (int d = 0; d < s->ndims && used < cap; d++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%s=%s", d ? ", " : "", s->axes[d].name,
                                 s->axes[d].labels[coords[d]]);
    if (used < cap) snprintf(buf + used, cap - used, ")");
}

static rl_code report_limit(const rl_spec *s, const int *coords, const rl_key *small,
                            const rl_key *big, rl_status *st)
{
    size_t nkeys;
    rl_params_keys(&nkeys);
    sloc *src = rl_alloc(nkeys, sizeof *src, st);
    if (!src) return st->code;
    rl_params p;
    spec_resolve(s, coords, &p, src);
    sloc at_small = src[spec_key_index(small)], at_big = src[spec_key_index(big)];
    rl_free(src);
    /* Point at the value that made the item invalid; say where the other one came from. */
    bool small_first = at_small.line > 0;
    sloc at = small_first ? at_small : at_big, other = small_first ? at_big : at_small;
    char item[256], from[64] = " (the default)";
    const char *note_small = "", *note_big = "";
    if (other.line)
        snprintf(from, sizeof from, " (from line %d, column %d)", other.line, other.col);
    if (small_first)
        note_big = from;
    else
        note_small = from;
    spec_describe_item(s, coords, item, sizeof item);
    return SPEC_FAIL(st, s->file, at, "%s = %ld%s exceeds %s = %ld%s in %s; valid: %s <= %s",
                     small->path, *(const long *)((const char *)&p + small->offset), note_small,
                     big->path, *(const long *)((const char *)&p + big->offset), note_big, item,
                     small->path, big->path);
}

/*
** What checking every item needs. A limit that no combination of the values
** written anywhere can break (every possible `small` <= every possible `big`,
** the usual case) is dropped at once; for the rest, only their keys, the
** keys the `when`s of overrides setting them test, and the axes and overrides
** touching those keys are looked at.
*/
#define NLIMITS 8 /* most limits in rl_params_limits (asserted) */
typedef struct vplan {
    const rl_key *small[NLIMITS], *big[NLIMITS];
    int nlim;            /* limits some item might break */
    bool *rel;           /* by key index: read by a live limit, directly or via a `when` */
    const rl_key **keys; /* the relevant keys */
    int nkeys;
    int dims[RL_MAX_DIMS], nd; /* axes setting a relevant key */
    const override **over;     /* overrides setting a relevant key, in order */
    int nover;
} vplan;

static long int_field(const rl_params *p, const rl_key *key)
{
    return *(const long *)((const char *)p + key->offset);
}

/* Smallest and largest value key can take: the base unless swept, axis values, overrides' sets. */
static void value_range(const rl_spec *s, const rl_key *key, long *lo, long *hi)
{
    bool swept = false;
    for (int d = 0; d < s->ndims; d++)
        for (int k = 0; k < s->axes[d].n_paths; k++)
            swept |= s->axes[d].keys[k] == key;
    *lo = swept ? LONG_MAX : int_field(&s->base, key);
    *hi = swept ? LONG_MIN : *lo;
    for (int d = 0; d < s->ndims; d++)
        for (int i = 0; i < s->axes[d].size * s->axes[d].n_paths; i++)
            if (s->axes[d].vals[i].key == key) {
                long v = *(const long *)s->axes[d].vals[i].field;
                *lo = v < *lo ? v : *lo;
                *hi = v > *hi ? v : *hi;
            }
    for (int o = 0; o < s->n_over; o++)
        for (int i = 0; i < s->over[o].n_set; i++)
            if (s->over[o].set[i].key == key) {
                long v = *(const long *)s->over[o].set[i].field;
                *lo = v < *lo ? v : *lo;
                *hi = v > *hi ? v : *hi;
            }
}

static bool sets_relevant(const override *o, const bool *rel)
{
    for (int i = 0; i < o->n_set; i++)
        if (rel[spec_key_index(o->set[i].key)]) return true;
    return false;
}

/* The live limits, then the closure of relevant keys under "an override setting one tests it". */
static rl_code plan_limits(const rl_spec *s, vplan *v, rl_status *st)
{
    size_t nlimits;
    const rl_params_limit *limits = rl_params_limits(&nlimits);
    assert(nlimits <= NLIMITS);
    for (size_t l = 0; l < nlimits; l++) {
        const rl_key *a = rl_params_find(limits[l].small), *b = rl_params_find(limits[l].big);
        long lo_a, hi_a, lo_b, hi_b;
        if (!a || !b || a->type != RL_KEY_INT || b->type != RL_KEY_INT)
            RL_FAIL(st, RL_EBUG, "spec: limit %s <= %s names no integer key", limits[l].small,
                    limits[l].big);
        value_range(s, a, &lo_a, &hi_a);
        value_range(s, b, &lo_b, &hi_b);
        if (hi_a <= lo_b) continue;
        v->small[v->nlim] = a;
        v->big[v->nlim++] = b;
        v->rel[spec_key_index(a)] = v->rel[spec_key_index(b)] = true;
    }
    for (bool changed = v->nlim > 0; changed;) {
        changed = false;
        for (int o = 0; o < s->n_over; o++)
            for (int c = 0; c < s->over[o].n_when && sets_relevant(&s->over[o], v->rel); c++) {
                size_t k = spec_key_index(s->over[o].when[c].key);
                changed |= !v->rel[k];
                v->rel[k] = true;
            }
    }
    return RL_OK;
}

static rl_code plan_make(const rl_spec *s, vplan *v, rl_status *st)
{
    size_t n;
    const rl_key *keys = rl_params_keys(&n);
    v->rel = rl_alloc(n, sizeof *v->rel, st);
    v->keys = rl_alloc(n, sizeof *v->keys, st);
    v->over = rl_alloc((size_t)s->n_over, sizeof *v->over, st);
    if (!v->rel || !v->keys || !v->over) return st->code;
    RL_TRY(plan_limits(s, v, st));
    for (size_t k = 0; k < n; k++)
        if (v->rel[k]) v->keys[v->nkeys++] = &keys[k];
    for (int d = 0; d < s->ndims; d++) {
        bool any = false;
        for (int k = 0; k < s->axes[d].n_paths; k++)
            any |= v->rel[spec_key_index(s->axes[d].keys[k])];
        if (any) v->dims[v->nd++] = d;
    }
    for (int o = 0; o < s->n_over; o++)
        if (sets_relevant(&s->over[o], v->rel)) v->over[v->nover++] = &s->over[o];
    return RL_OK;
}

static void plan_free(vplan *v)
{
    rl_free(v->rel);
    rl_free(v->keys);
    rl_free(v->over);
}

/*
** spec_resolve restricted to the relevant keys (only they are written or
** read): exact for them, because an override that sets one tests only
** relevant keys, and every other override or value leaves them alone.
*/
static void resolve_relevant(const rl_spec *s, const vplan *v, const int *coords, rl_params *p)
{
    for (int k = 0; k < v->nkeys; k++)
        spec_value_apply(&(pval){.key = v->keys[k], .field = (char *)&s->base + v->keys[k]->offset},
                         p);
    for (int j = 0; j < v->nd; j++) {
        const axis *a = &s->axes[v->dims[j]];
        const pval *row = &a->vals[(size_t)coords[v->dims[j]] * (size_t)a->n_paths];
        for (int k = 0; k < a->n_paths; k++)
            if (v->rel[spec_key_index(row[k].key)]) spec_value_apply(&row[k], p);
    }
    for (int o = 0; o < v->nover; o++) {
        if (!override_applies(v->over[o], p)) continue;
        for (int i = 0; i < v->over[o]->n_set; i++)
            if (v->rel[spec_key_index(v->over[o]->set[i].key)])
                spec_value_apply(&v->over[o]->set[i], p);
    }
}

static rl_code check_items(const rl_spec *s, rl_status *st)
{
    vplan v = {0};
    rl_params p;
    int coords[RL_MAX_DIMS] = {0};
    rl_code rc = plan_make(s, &v, st);
    /* Odometer over the relevant axes in row-major order: the first failure has the lowest index.
     */
    while (rc == RL_OK && v.nlim > 0) {
        resolve_relevant(s, &v, coords, &p);
        for (int l = 0; l < v.nlim && rc == RL_OK; l++)
            if (int_field(&p, v.small[l]) > int_field(&p, v.big[l]))
                rc = report_limit(s, coords, v.small[l], v.big[l], st);
        int j = v.nd - 1;
        while (j >= 0 && ++coords[v.dims[j]] == s->axes[v.dims[j]].size)
            coords[v.dims[j--]] = 0;
        if (j < 0) break;
    }
    plan_free(&v);
    return rc;
}

rl_code spec_expand(rl_spec *s, rl_status *st)
{
    RL_TRY(count_items(s, st));
    RL_TRY(check_items(s, st));
    s->npages = (s->nitems + SPEC_ITEMS_PER_PAGE - 1) / SPEC_ITEMS_PER_PAGE;
    s->pages = rl_alloc(s->npages, sizeof *s->pages, st);
    return s->pages ? RL_OK : st->code;
}

/* ---- items ---- */

void rl_spec_fill_item(const rl_spec *s, size_t i, rl_item *out)
{
    assert(s && i < s->nitems);
    memset(out, 0, sizeof *out);
    out->index = i;
    for (int d = s->ndims - 1; d >= 0; d--) {
        out->coords[d] = (int)(i % (size_t)s->axes[d].size);
        i /= (size_t)s->axes[d].size;
    }
    spec_resolve(s, out->coords, &out->params, NULL);
    spec_item_id(&out->params, out->id);
}

const rl_item *rl_spec_item(const rl_spec *s, size_t i)
{
    if (!s || i >= s->nitems) return NULL;
    size_t page = i / SPEC_ITEMS_PER_PAGE, first = page * SPEC_ITEMS_PER_PAGE;
    if (!s->pages[page]) {
        size_t n =
            s->nitems - first < SPEC_ITEMS_PER_PAGE ? s->nitems - first : SPEC_ITEMS_PER_PAGE;
        rl_item *items = rl_alloc(n, sizeof *items, NULL);
        if (!items) return NULL;
        for (size_t j = 0; j < n; j++)
            rl_spec_fill_item(s, first + j, &items[j]);
        s->pages[page] = items; /* the page table is a cache; the spec itself is unchanged */
    }
    return &s->pages[page][i - first];
}
