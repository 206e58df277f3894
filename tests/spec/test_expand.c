/*
** test_expand.c: spec -> items (module: spec) — row-major order and
** coordinates, ids (definition, stability when an axis grows, independence of
** position), zip groups, overrides (single, any-of, AND, in order), the
** item-level limits found wherever they arise, and item access.
*/
#include "richlazy/spec.h"
#include "rltest.h"

#include <nettle/sha2.h>
#include <stdlib.h>
#include <string.h>

static rl_spec *load(const char *text, rl_status *st)
{
    rl_spec *s = NULL;
    if (rl_spec_load_string(text, strlen(text), "t.yaml", &s, st) != RL_OK)
        printf("    (load failed: %s)\n", st->msg);
    return s;
}

static void test_order(void)
{
    rl_status st = RL_STATUS_INIT;
    rl_spec *s = load("name: o\naxes:\n  task: [2af, dms, cxt]\n  init.gain: [1, 2]\n"
                      "  seed: [7, 8]\n",
                      &st);
    if (!s) return;
    RL_TEST(rl_spec_nitems(s) == 12 && rl_spec_ndims(s) == 3, "3 x 2 x 2 axes give 12 items");
    const char *tasks[] = {"2af", "dms", "cxt"};
    int good = 0;
    for (size_t i = 0; i < 12; i++) {
        const rl_item *it = rl_spec_item(s, i);
        int c0 = (int)(i / 4), c1 = (int)(i / 2 % 2), c2 = (int)(i % 2);
        good += it->index == i && it->coords[0] == c0 && it->coords[1] == c1 &&
                it->coords[2] == c2 && strcmp(it->params.task.name, tasks[c0]) == 0 &&
                it->params.init.gain == 1.0 + c1 && it->params.seed == 7 + c2;
    }
    RL_TEST(good == 12,
            "item i has coords (i/4, i/2%%2, i%%2), last axis fastest, and the "
            "matching values (%d of 12)",
            good);
    const rl_dim *g = rl_spec_dim(s, 1), *t = rl_spec_dim(s, 0);
    RL_TEST(strcmp(g->name, "gain") == 0 && g->numeric && g->values && g->values[1] == 2.0 &&
                strcmp(g->paths[0], "init.gain") == 0 && g->n_paths == 1,
            "init.gain is the numeric dimension 'gain' with values [1, 2]");
    RL_TEST(strcmp(t->name, "task") == 0 && !t->numeric && t->values == NULL &&
                strcmp(t->labels[2], "cxt") == 0 && strcmp(t->paths[0], "task.name") == 0,
            "task (alias of task.name) is the labelled dimension 'task'");
    rl_spec_destroy(&s);
}

/* The definition: SHA-256 over "path=value\n" for every key in table order, 16 hex digits. */
static void expected_id(const rl_params *p, char out[17])
{
    size_t n;
    const rl_key *keys = rl_params_keys(&n);
    struct sha256_ctx ctx;
    uint8_t d[SHA256_DIGEST_SIZE];
    char line[2048], value[1024];
    sha256_init(&ctx);
    for (size_t i = 0; i < n; i++) {
        if (!rl_params_identifies(p, &keys[i])) continue; /* a late key at its default */
        rl_params_format(p, &keys[i], value, sizeof value);
        int len = snprintf(line, sizeof line, "%s=%s\n", keys[i].path, value);
        sha256_update(&ctx, (size_t)len, (const uint8_t *)line);
    }
    sha256_digest(&ctx, sizeof d, d);
    for (int i = 0; i < 8; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static const rl_item *find_id(const rl_spec *s, const char *id)
{
    for (size_t i = 0; i < rl_spec_nitems(s); i++)
        if (strcmp(rl_spec_item(s, i)->id, id) == 0) return rl_spec_item(s, i);
    return NULL;
}

static void test_ids(void)
{
    rl_status st = RL_STATUS_INIT;
    rl_spec *a = load("name: i\naxes:\n  rank: [1, 30]\n  seed: [0, 1]\n", &st);
    rl_spec *b = load("name: i\naxes:\n  rank: [1, 10, 30]\n  seed: [0, 1, 2]\n", &st);
    rl_spec *c = load("name: i\naxes:\n  seed: [1, 0]\n  rank: [30, 1]\n", &st);
    if (!a || !b || !c) goto out;
    int def_ok = 0, kept = 0, moved = 0, same_set = 0;
    for (size_t i = 0; i < rl_spec_nitems(a); i++) {
        const rl_item *it = rl_spec_item(a, i), *other;
        char want[17];
        expected_id(&it->params, want);
        def_ok += strcmp(want, it->id) == 0;
        other = find_id(b, it->id);
        kept += other && other->params.init.rank == it->params.init.rank &&
                other->params.seed == it->params.seed;
        moved += other && other->index != it->index;
        same_set += find_id(c, it->id) != NULL;
    }
    RL_TEST(def_ok == 4,
            "each id is SHA-256 of the item's path=value lines (late keys only when set), first 16 "
            "hex (%d of 4)",
            def_ok);
    RL_TEST(kept == 4 && moved >= 1,
            "adding a value to both axes keeps all 4 old ids on the same parameters (%d), though "
            "%d of them moved in the cube",
            kept, moved);
    RL_TEST(same_set == 4, "reordering axes and values keeps the set of ids (%d of 4)", same_set);
    int distinct = 1;
    for (size_t i = 0; i < rl_spec_nitems(b); i++)
        for (size_t j = 0; j < i; j++)
            distinct &= strcmp(rl_spec_item(b, i)->id, rl_spec_item(b, j)->id) != 0;
    RL_TEST(distinct, "the 9 items of the grown sweep have 9 distinct ids");
out:
    rl_spec_destroy(&a);
    rl_spec_destroy(&b);
    rl_spec_destroy(&c);
}

static void test_zip(void)
{
    rl_status st = RL_STATUS_INIT;
    rl_spec *s =
        load("name: z\naxes:\n  structure:\n    zip:\n      init.kind: [gaussian, svd, svd]\n"
             "      init: {rank: [0, 1, 2]}\n    labels: [full, ~, rank2]\n"
             "  lr: [0.1, 0.2]\n  solo: {zip: {hidden: [10, 20]}}\n",
             &st);
    if (!s) return;
    const rl_dim *d = rl_spec_dim(s, 0), *solo = rl_spec_dim(s, 2);
    RL_TEST(rl_spec_nitems(s) == 12 && d->size == 3 && d->n_paths == 2 &&
                strcmp(d->paths[0], "init.kind") == 0 && strcmp(d->paths[1], "init.rank") == 0,
            "a zip group of two paths (one nested) is one dimension of size 3");
    RL_TEST(!d->numeric && strcmp(d->labels[0], "full") == 0 && strcmp(d->labels[1], "svd") == 0 &&
                strcmp(d->labels[2], "rank2") == 0,
            "labels as given; null falls back to the first path's value ('svd')");
    RL_TEST(solo->numeric && solo->values[1] == 20.0 && strcmp(solo->name, "solo") == 0,
            "a one-path zip without labels is numeric, named by its key");
    const rl_item *it = rl_spec_item(s, 2 * 2 * 2 + 1); /* structure 2, lr 0, solo 1 */
    RL_TEST(strcmp(it->params.init.kind, "svd") == 0 && it->params.init.rank == 2 &&
                it->params.train.lr == 0.1 && it->params.model.hidden == 20,
            "item 9 pairs svd with rank 2 (zipped), lr 0.1 and hidden 20");
    rl_spec_destroy(&s);
}

static void test_overrides(void)
{
    rl_status st = RL_STATUS_INIT;
    rl_spec *s = load("name: ov\naxes:\n  task: [2af, dms, cxt]\n  seed: [0, 1]\n"
                      "params: {train.batch: 8}\n"
                      "overrides:\n"
                      "  - when: {task: cxt}\n    set: {train.batch: 200}\n"
                      "  - when: {task: [dms, cxt], seed: 1}\n    set: {train: {momentum: 0.5}}\n"
                      "  - when: {train.batch: 200}\n    set: {train.iterations: 7}\n"
                      "  - when: {train.momentum: 0.5, train.batch: 8}\n    set: {lr: 0.5}\n",
                      &st);
    if (!s) return;
    int good = 0;
    for (size_t i = 0; i < 6; i++) {
        const rl_params *p = &rl_spec_item(s, i)->params;
        bool cxt = i / 2 == 2, dms = i / 2 == 1, seed1 = i % 2 == 1;
        good += p->train.batch == (cxt ? 200 : 8) &&
                p->train.momentum == ((dms || cxt) && seed1 ? 0.5 : 0.9) &&
                p->train.iterations == (cxt ? 7 : 10000) &&
                p->train.lr == (dms && seed1 ? 0.5 : 0.003);
    }
    RL_TEST(good == 6,
            "overrides: a single value, an any-of list AND a second path, a when on "
            "an earlier override's result, and on params (%d of 6 items right)",
            good);
    rl_spec_destroy(&s);
}

static void test_limits(void)
{
    rl_status st = RL_STATUS_INIT;
    rl_spec *s = load("name: l\naxes:\n  seed: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\n  task: [2af, dms]\n"
                      "  lr: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]\n  rank: [10, 50]\n"
                      "overrides:\n  - when: {task: dms}\n    set: {train.batch: 3}\n"
                      "  - when: {train.batch: 3}\n    set: {hidden: 40}\n",
                      &st);
    RL_TEST(s == NULL && st.code == RL_EINPUT &&
                strcmp(st.msg, "t.yaml:6:14: init.rank = 50 exceeds model.hidden = 40 (from line "
                               "11, column 19) in item 21 (seed=0, task=dms, lr=0.1, rank=50); "
                               "valid: init.rank <= model.hidden") == 0,
            "rank 50 > hidden 40, set by an override chained on another, is found at its lowest "
            "item: %s",
            st.msg);
    rl_spec_destroy(&s);
    rl_status ok = RL_STATUS_INIT;
    s = load("name: l\naxes:\n  rank: [1, 300]\n  hidden: [300, 400]\n", &ok);
    RL_TEST(s != NULL, "rank = hidden = 300 is allowed (the limit is inclusive)");
    rl_spec_destroy(&s);
    rl_status zip = RL_STATUS_INIT;
    s = load("name: l\naxes:\n  net: {zip: {rank: [10, 100], hidden: [50, 200]}}\n"
             "  seed: [0, 1]\n",
             &zip);
    RL_TEST(s != NULL, "rank 100 > hidden 50 never meet in one item (zipped): accepted");
    rl_spec_destroy(&s);
    rl_status big = RL_STATUS_INIT;
    s = load("name: big\naxes:\n  seed: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\n"
             "  train.iterations: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n"
             "  train.batch: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n"
             "  task.sigma: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n"
             "  lr: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n  gain: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n"
             "  task.dt: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n",
             &big);
    RL_TEST(s && rl_spec_nitems(s) == 10000000,
            "10^7 items (the limit) load, checked without resolving every item");
    if (s) {
        const rl_item *last = rl_spec_item(s, 9999999);
        RL_TEST(last && last->params.seed == 9 && last->params.task.dt == 10.0,
                "the last of 10^7 items resolves to the last value of every axis");
    }
    rl_spec_destroy(&s);
}

static void test_access(void)
{
    rl_status st = RL_STATUS_INIT;
    rl_spec *s = load("name: a\naxes:\n  seed: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, "
                      "15, 16, 17, 18, 19]\n  gain: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, "
                      "14, 15, 16, 17, 18, 19, 20]\n",
                      &st);
    if (!s) return;
    const rl_item *first = rl_spec_item(s, 0);
    rl_item copy = *first;
    const rl_item *far = rl_spec_item(s, 399), *again = rl_spec_item(s, 0);
    RL_TEST(first == again && memcmp(&copy, again, sizeof copy) == 0,
            "an item pointer stays valid and unchanged after other pages are filled");
    rl_item filled;
    rl_spec_fill_item(s, 399, &filled);
    RL_TEST(far && strcmp(filled.id, far->id) == 0 && filled.index == 399 &&
                filled.coords[0] == 19 && filled.coords[1] == 19 && filled.params.init.gain == 20.0,
            "rl_spec_fill_item gives the same item 399 as rl_spec_item");
    RL_TEST(rl_spec_item(s, 400) == NULL, "item 400 of 400 is NULL");
    rl_spec_destroy(&s);
}

int main(void)
{
    test_order();
    test_ids();
    test_zip();
    test_overrides();
    test_limits();
    test_access();
    return rl_test_done();
}
