/*
** test_canon.c: the canonical form and hash (module: spec) — invariant
** under rewriting the YAML (comments, flow/block, 1e3/1000, dotted/nested,
** aliases, key order, any-of order, quoting, description) and sensitive to
** every semantic change (name, seed, a value, value order, axis order,
** override order, a label, a `when`).
*/
#include "richlazy/spec.h"
#include "rltest.h"

#include <nettle/sha2.h>
#include <string.h>

static const char base[] =
    "name: c\nseed: 3\naxes:\n  task: [2af, dms]\n  rank: [1, 30]\n"
    "  structure:\n    zip: {init.kind: [gaussian, svd], gain: [1, 2]}\n    labels: [g, s]\n"
    "params:\n  train.iterations: 1000\n  model.hidden: 100\n"
    "overrides:\n  - when: {task: [dms, cxt], seed: 0}\n    set: {train.batch: 64}\n"
    "  - when: {train.batch: 64}\n    set: {lr: 0.01}\n";

/* The same sweep written differently. */
static const char *const same[] = {
    "# the same sweep, rewritten\nname: \"c\"   # quoted\nseed: 3\ndescription: other text\n"
    "axes:\n  task:\n    - 2af\n    - 'dms'\n  init.rank: [1.0, 3e1]\n"
    "  structure:\n    labels: [g, s]\n    zip:\n      init:\n        kind: [gaussian, svd]\n"
    "        gain: [1.00, 2]\n"
    "params: {model: {hidden: 1e2}, train: {iterations: 1e3}}\n"
    "overrides:\n  - set: {train: {batch: 64}}\n    when: {seed: 0, task.name: [cxt, dms, dms]}\n"
    "  - {when: {train.batch: 64.0}, set: {train.lr: 1e-2}}\n",
};

/* One semantic change each. */
static const struct {
    const char *what, *from, *to;
} changes[] = {
    {"the name", "name: c\n", "name: d\n"},
    {"the sweep seed", "seed: 3\n", "seed: 4\n"},
    {"a fixed parameter", "model.hidden: 100", "model.hidden: 101"},
    {"the order of an axis's values", "task: [2af, dms]", "task: [dms, 2af]"},
    {"a value added to an axis", "rank: [1, 30]", "rank: [1, 30, 100]"},
    {"a zip label", "labels: [g, s]", "labels: [g, t]"},
    {"a `when` value", "seed: 0}", "seed: 1}"},
    {"a `set` value", "batch: 64}", "batch: 65}"},
    {"the order of the axes", "  task: [2af, dms]\n  rank: [1, 30]\n",
     "  rank: [1, 30]\n  task: [2af, dms]\n"},
    {"the order of the overrides",
     "  - when: {task: [dms, cxt], seed: 0}\n    set: {train.batch: 64}\n"
     "  - when: {train.batch: 64}\n    set: {lr: 0.01}\n",
     "  - when: {train.batch: 64}\n    set: {lr: 0.01}\n"
     "  - when: {task: [dms, cxt], seed: 0}\n    set: {train.batch: 64}\n"},
};

static bool hash_of(const char *text, char out[65], char *canon, size_t cap)
{
    rl_status st = RL_STATUS_INIT;
    rl_spec *s = NULL;
    if (rl_spec_load_string(text, strlen(text), "c.yaml", &s, &st) != RL_OK) {
        printf("    (load failed: %s)\n", st.msg);
        return false;
    }
    snprintf(out, 65, "%s", rl_spec_hash(s));
    if (canon) snprintf(canon, cap, "%s", rl_spec_canonical(s));
    rl_spec_destroy(&s);
    return true;
}

static void replace(const char *text, const char *from, const char *to, char *out, size_t cap)
{
    const char *at = strstr(text, from);
    if (!at) {
        snprintf(out, cap, "(missing: %s)", from);
        return;
    }
    snprintf(out, cap, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
}

/* The id of item i of a spec text ("" on error). */
static void item_id(const char *text, size_t i, char id[17])
{
    rl_spec *s = NULL;
    rl_status st = RL_STATUS_INIT;
    static rl_item it;
    id[0] = '\0';
    if (rl_spec_load_string(text, strlen(text), "ids.yaml", &s, &st) != RL_OK) return;
    rl_spec_fill_item(s, i, &it);
    snprintf(id, 17, "%s", it.id);
    rl_spec_destroy(&s);
}

/*
** Item ids are what results files and checkpoints are matched by, so they must not
** change when richlazy gains a parameter: a new parameter enters the id only when
** set (params.c, late keys). The pinned ids are those of the build before
** train.stop_loss (ec4648f); a change here strands every results file made before it.
*/
static void test_stable_ids(void)
{
    static const char spec[] = "name: ids\naxes:\n  rank: [1, 30]\nparams: {model.hidden: 100}\n";
    char a[17], b[17], c[17];
    item_id(spec, 0, a);
    item_id(spec, 1, b);
    RL_TEST(strcmp(a, "eedd17f55bc57eff") == 0 && strcmp(b, "bc83dc33b872a58c") == 0,
            "item ids are pinned across builds (got %s, %s)", a, b);
    item_id("name: ids\naxes:\n  rank: [1, 30]\nparams: {model.hidden: 100, train.stop_loss: 0}\n",
            0, c);
    RL_TEST(strcmp(a, c) == 0, "a late parameter written at its default keeps the id (%s)", c);
    item_id(
        "name: ids\naxes:\n  rank: [1, 30]\nparams: {model.hidden: 100, train.stop_loss: 0.01}\n",
        0, c);
    RL_TEST(c[0] && strcmp(a, c) != 0, "a late parameter set away from its default changes the id");
}

int main(void)
{
    test_stable_ids();
    char h0[65], h[65], canon[4096], text[4096];
    if (!hash_of(base, h0, canon, sizeof canon)) {
        RL_TEST(0, "the base spec loads");
        return rl_test_done();
    }
    uint8_t d[SHA256_DIGEST_SIZE];
    char hex[65];
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    sha256_update(&ctx, strlen(canon), (const uint8_t *)canon);
    sha256_digest(&ctx, sizeof d, d);
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    RL_TEST(strcmp(hex, h0) == 0, "the hash is the SHA-256 (64 hex) of the canonical form");
    RL_TEST(strstr(canon, "\nparam model.hidden = 100\nparam train.iterations = 1000\n") &&
                strstr(canon, "  when task.name in cxt, dms\n") &&
                strstr(canon, "axis structure labelled: init.kind init.gain\n  g = gaussian, 1\n"),
            "the canonical form sorts params and any-of values and spells full paths:\n%s", canon);
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
        RL_TEST(hash_of(same[i], h, NULL, 0) && strcmp(h, h0) == 0,
                "rewritten YAML (comments, flow/block, 1e3/1000, 3e1/30, nested/dotted, aliases, "
                "key order, quoting, repeated any-of values, description) keeps the hash");
    for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++) {
        replace(base, changes[i].from, changes[i].to, text, sizeof text);
        RL_TEST(hash_of(text, h, NULL, 0) && strcmp(h, h0) != 0, "changing %s changes the hash",
                changes[i].what);
    }
    return rl_test_done();
}
