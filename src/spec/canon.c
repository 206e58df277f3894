/*
** canon.c: the canonical form of a spec, its SHA-256, and item ids
** (module: spec).
** Why: the results file records the spec's hash, and resume refuses a file
** made from a different sweep. The hash must therefore ignore how the YAML
** is written (comments, flow or block style, `1e3` or `1000`, dotted or
** nested keys, aliases) yet change with anything that changes the items or
** the cube. So it covers a text built from checked values only: name, sweep
** seed, axes in order (dimension, paths, labels, canonical values), params
** sorted by path, and overrides in order with `when` and `set` sorted.
** The description is free text and not covered.
** Values that are not plain words are quoted with escapes (sbuf_add_value,
** alloc.c), so no value can forge a line of the form.
*/
#include "spec_int.h"

#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CANON_VERSION 1 /* bump if the form changes: hashes change with it */

/* ---- the canonical form ---- */

static void add_axis(sbuf *b, const axis *a)
{
    sbuf_addf(b, "axis %s%s:", a->name, a->labelled ? " labelled" : "");
    for (int k = 0; k < a->n_paths; k++)
        sbuf_addf(b, " %s", a->paths[k]);
    sbuf_addf(b, "\n");
    for (int i = 0; i < a->size; i++) {
        sbuf_addf(b, "  ");
        if (a->labelled) {
            sbuf_add_value(b, a->labels[i]);
            sbuf_addf(b, " =");
        }
        for (int k = 0; k < a->n_paths; k++) {
            sbuf_addf(b, "%s", k ? ", " : (a->labelled ? " " : ""));
            sbuf_add_value(b, a->vals[(size_t)i * (size_t)a->n_paths + (size_t)k].canon);
        }
        sbuf_addf(b, "\n");
    }
}

static int cmp_cond(const void *a, const void *b)
{
    return strcmp((*(const cond *const *)a)->key->path, (*(const cond *const *)b)->key->path);
}

static rl_code add_override(sbuf *b, const override *o, rl_status *st)
{
    const cond **sorted = rl_alloc((size_t)o->n_when, sizeof *sorted, st);
    if (!sorted) return st->code;
    for (int c = 0; c < o->n_when; c++)
        sorted[c] = &o->when[c];
    qsort(sorted, (size_t)o->n_when, sizeof *sorted, cmp_cond);
    sbuf_addf(b, "override\n");
    for (int c = 0; c < o->n_when; c++) {
        sbuf_addf(b, "  when %s in ", sorted[c]->key->path);
        for (int a = 0; a < sorted[c]->n_alts; a++) {
            const char *v = sorted[c]->alts[a].canon;
            if (a > 0 && strcmp(v, sorted[c]->alts[a - 1].canon) == 0) continue; /* sorted */
            if (a > 0) sbuf_addf(b, ", ");
            sbuf_add_value(b, v);
        }
        sbuf_addf(b, "\n");
    }
    rl_free(sorted);
    for (int i = 0; i < o->n_set; i++) {
        sbuf_addf(b, "  set %s = ", o->set[i].key->path);
        sbuf_add_value(b, o->set[i].canon);
        sbuf_addf(b, "\n");
    }
    return RL_OK;
}

rl_code spec_canonicalize(rl_spec *s, rl_status *st)
{
    sbuf b = {0};
    rl_code rc = RL_OK;
    sbuf_addf(&b, "richlazy spec canonical %d\nname ", CANON_VERSION);
    sbuf_add_value(&b, s->name);
    sbuf_addf(&b, "\nseed %llu\n", (unsigned long long)s->seed);
    for (int d = 0; d < s->ndims; d++)
        add_axis(&b, &s->axes[d]);
    for (int i = 0; i < s->n_params; i++) {
        sbuf_addf(&b, "param %s = ", s->params[i].key->path);
        sbuf_add_value(&b, s->params[i].canon);
        sbuf_addf(&b, "\n");
    }
    for (int o = 0; o < s->n_over && rc == RL_OK; o++)
        rc = add_override(&b, &s->over[o], st);
    if (rc == RL_OK && b.failed)
        rc = rl_status_fail(st, RL_ENOMEM, __FILE__, __LINE__, "out of memory");
    if (rc != RL_OK) {
        sbuf_free(&b);
        return rc;
    }
    uint8_t digest[SHA256_DIGEST_SIZE];
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    sha256_update(&ctx, b.len, (const uint8_t *)b.p);
    sha256_digest(&ctx, sizeof digest, digest);
    for (size_t i = 0; i < sizeof digest; i++)
        snprintf(s->hash + 2 * i, 3, "%02x", digest[i]);
    s->canonical = b.p; /* ownership moves to the spec */
    return RL_OK;
}

/* ---- item ids ---- */

void spec_item_id(const rl_params *p, char id[17])
{
    size_t nkeys;
    const rl_key *keys = rl_params_keys(&nkeys);
    char value[RL_PATH_MAX + 512];
    uint8_t digest[SHA256_DIGEST_SIZE];
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    for (size_t i = 0; i < nkeys; i++) {
        if (!rl_params_identifies(p, &keys[i])) continue;
        rl_params_format(p, &keys[i], value, sizeof value);
        sha256_update(&ctx, strlen(keys[i].path), (const uint8_t *)keys[i].path);
        sha256_update(&ctx, 1, (const uint8_t *)"=");
        sha256_update(&ctx, strlen(value), (const uint8_t *)value);
        sha256_update(&ctx, 1, (const uint8_t *)"\n");
    }
    sha256_digest(&ctx, sizeof digest, digest);
    for (int i = 0; i < 8; i++)
        snprintf(id + 2 * i, 3, "%02x", digest[i]);
}
