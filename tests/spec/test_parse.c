/*
** test_parse.c: reading specs (module: spec) — nested, dotted and alias
** forms of one parameter agree; defaults, name, seed, description; REALS,
** PATH and null values; the 1 MiB limit; `--set` assignments; the item
** listing; and every default in the parameter table passes its own checks.
*/
#include "richlazy/spec.h"
#include "rltest.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static rl_spec *load(const char *text, rl_status *st)
{
    rl_spec *s = NULL;
    if (rl_spec_load_string(text, strlen(text), "t.yaml", &s, st) != RL_OK)
        printf("    (load failed: %s)\n", st->msg);
    return s;
}

/* Every parameter formats the same: the canonical notion of "same value". */
static bool same_params(const rl_params *a, const rl_params *b)
{
    size_t n;
    const rl_key *keys = rl_params_keys(&n);
    char x[1024], y[1024];
    for (size_t i = 0; i < n; i++) {
        rl_params_format(a, &keys[i], x, sizeof x);
        rl_params_format(b, &keys[i], y, sizeof y);
        if (strcmp(x, y) != 0) return false;
    }
    return true;
}

static void test_forms_agree(void)
{
    const char *nested = "name: a\nparams:\n  train: {lr: 0.01}\n  init:\n    rank: 5\n"
                         "  model: {hidden: 50}\n";
    const char *dotted = "name: a\nparams: {train.lr: 0.01, init.rank: 5, model.hidden: 50}\n";
    const char *alias = "name: a\nparams:\n  lr: 1e-2\n  rank: 5\n  hidden: 50.0\n";
    rl_status s1 = RL_STATUS_INIT, s2 = RL_STATUS_INIT, s3 = RL_STATUS_INIT;
    rl_spec *a = load(nested, &s1), *b = load(dotted, &s2), *c = load(alias, &s3);
    RL_TEST(a && b && c, "nested sections, dotted paths and aliases all load");
    if (a && b && c) {
        const rl_params *p = &rl_spec_item(a, 0)->params;
        RL_TEST(p->train.lr == 0.01 && p->init.rank == 5 && p->model.hidden == 50,
                "nested {train: {lr: 0.01}} sets train.lr = 0.01, init.rank = 5, hidden = 50");
        RL_TEST(same_params(p, &rl_spec_item(b, 0)->params),
                "dotted train.lr: 0.01 resolves exactly like the nested form");
        RL_TEST(same_params(p, &rl_spec_item(c, 0)->params),
                "aliases lr/rank/hidden (with 1e-2 and 50.0) resolve like the full paths");
    }
    rl_spec_destroy(&a);
    rl_spec_destroy(&b);
    rl_spec_destroy(&c);
}

static void test_minimal(void)
{
    rl_status st = RL_STATUS_INIT;
    rl_spec *s = load("name: only-a-name\n", &st);
    RL_TEST(s != NULL, "a spec with only a name loads");
    if (!s) return;
    rl_params def;
    rl_params_defaults(&def);
    RL_TEST(rl_spec_ndims(s) == 0 && rl_spec_nitems(s) == 1,
            "no axes: one item, no dimensions (got %d dims, %zu items)", rl_spec_ndims(s),
            rl_spec_nitems(s));
    RL_TEST(same_params(&rl_spec_item(s, 0)->params, &def), "its item holds every default");
    RL_TEST(rl_spec_seed(s) == 0 && strcmp(rl_spec_description(s), "") == 0,
            "sweep seed defaults to 0 and description to empty");
    RL_TEST(strcmp(rl_spec_text(s), "name: only-a-name\n") == 0, "rl_spec_text is the text read");
    RL_TEST(rl_spec_item(s, 1) == NULL && rl_spec_dim(s, 0) == NULL,
            "item 1 and dimension 0 are out of range (NULL)");
    rl_spec_destroy(&s);
    rl_spec_destroy(&s); /* destroy is safe on NULL */
}

static void test_top_level(void)
{
    rl_status st = RL_STATUS_INIT;
    rl_spec *s = load("\xEF\xBB\xBF# a BOM and a comment\nname: fig1.quick_v2\nseed: 1e3\n"
                      "description: |\n  two lines\n  of text\naxes: ~\nparams: {}\n"
                      "overrides: []\n",
                      &st);
    RL_TEST(s != NULL, "a UTF-8 BOM, empty params, null axes and no overrides are accepted");
    if (!s) return;
    RL_TEST(strcmp(rl_spec_name(s), "fig1.quick_v2") == 0, "name is read (got %s)",
            rl_spec_name(s));
    RL_TEST(rl_spec_seed(s) == 1000, "seed 1e3 is the sweep seed 1000 (got %llu)",
            (unsigned long long)rl_spec_seed(s));
    RL_TEST(strcmp(rl_spec_description(s), "two lines\nof text\n") == 0,
            "a block-literal description is kept as text");
    RL_TEST(rl_spec_nitems(s) == 1, "null axes give a single item");
    rl_spec_destroy(&s);
}

static void test_value_kinds(void)
{
    rl_status st = RL_STATUS_INIT;
    rl_spec *s = load("name: v\nparams:\n  task.coherences: [0, 6.4, 12.8]\n"
                      "  init.file: test_parse.c\n  init.dale_keep: yes\n"
                      "axes:\n  task.sigma: [0, 0.5]\n",
                      &st);
    RL_TEST(s != NULL, "REALS lists, an existing PATH (relative) and a YAML 1.1 boolean load");
    if (s) {
        const rl_params *p = &rl_spec_item(s, 1)->params;
        RL_TEST(p->task.coherences.n == 3 && p->task.coherences.v[1] == 6.4 &&
                    p->task.coherences.v[2] == 12.8,
                "task.coherences: [0, 6.4, 12.8] is a list of 3 reals");
        RL_TEST(strcmp(p->init.file, "test_parse.c") == 0 && p->init.dale_keep,
                "init.file keeps the path as written; yes is true");
        RL_TEST(p->task.sigma == 0.5, "item 1 has task.sigma = 0.5");
    }
    rl_spec_destroy(&s);
    rl_status st2 = RL_STATUS_INIT;
    s = load("name: v\nparams: {init.file: ~, task.coherences: null}\n"
             "axes:\n  task.coherences: [[1, 2], [3]]\n",
             &st2);
    RL_TEST(s == NULL && strstr(st2.msg, "'task.coherences' is fixed in params and swept") != NULL,
            "task.coherences both fixed (as null) and swept is refused");
    rl_status st3 = RL_STATUS_INIT;
    s = load("name: v\nparams: {init.file: ~}\naxes:\n  task.coherences: [[1, 2], [3], ~]\n", &st3);
    RL_TEST(s && rl_spec_nitems(s) == 3, "an axis of REALS values: lists, one per coordinate");
    if (s) {
        const rl_dim *d = rl_spec_dim(s, 0);
        RL_TEST(strcmp(d->name, "coherences") == 0 && !d->numeric && d->labels &&
                    strcmp(d->labels[0], "[1, 2]") == 0 && strcmp(d->labels[2], "") == 0,
                "its labels are the canonical lists ('[1, 2]', ..., '' for null)");
        RL_TEST(rl_spec_item(s, 0)->params.init.file[0] == '\0' &&
                    rl_spec_item(s, 2)->params.task.coherences.n == 0,
                "null PATH and null REALS mean 'not given' (empty)");
    }
    rl_spec_destroy(&s);
}

static void test_size_limit(void)
{
    size_t big = (1u << 20) + 1;
    char *text = malloc(big);
    memset(text, ' ', big);
    memcpy(text, "name: big\n#", 11);
    text[big - 1] = '\n';
    rl_status st = RL_STATUS_INIT;
    rl_spec *s = NULL;
    rl_code rc = rl_spec_load_string(text, big, "big.yaml", &s, &st);
    RL_TEST(rc == RL_EINPUT && s == NULL &&
                strcmp(st.msg, "big.yaml: the spec is larger than 1 MiB; valid: at most 1048576 "
                               "bytes") == 0,
            "1 MiB + 1 byte from memory is refused with the size message");
    rl_status ok = RL_STATUS_INIT;
    rc = rl_spec_load_string(text, big - 1, "big.yaml", &s, &ok);
    RL_TEST(rc == RL_OK && s && strcmp(rl_spec_name(s), "big") == 0,
            "exactly 1 MiB (a name and a long comment) is accepted");
    rl_spec_destroy(&s);
    char path[] = "/tmp/rl_spec_bigXXXXXX";
    int fd = mkstemp(path);
    bool written = fd >= 0 && write(fd, text, big) == (ssize_t)big;
    if (fd >= 0) close(fd);
    rl_status st2 = RL_STATUS_INIT;
    rc = written ? rl_spec_load(path, &s, &st2) : RL_EIO;
    RL_TEST(rc == RL_EINPUT && strstr(st2.msg, ": the spec is larger than 1 MiB") != NULL,
            "a file of 1 MiB + 1 byte is refused without reading it all");
    if (written) unlink(path);
    free(text);
}

static void test_file_and_string_agree(void)
{
    const char *text = "name: f\naxes: {rank: [1, 2]}\n";
    char path[] = "/tmp/rl_spec_fileXXXXXX";
    int fd = mkstemp(path);
    bool written = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);
    if (fd >= 0) close(fd);
    rl_status st = RL_STATUS_INIT, st2 = RL_STATUS_INIT;
    rl_spec *a = NULL, *b = load(text, &st2);
    RL_TEST(written && rl_spec_load(path, &a, &st) == RL_OK && b,
            "the same spec loads from a file and from memory");
    if (a && b)
        RL_TEST(strcmp(rl_spec_hash(a), rl_spec_hash(b)) == 0 && rl_spec_nitems(a) == 2,
                "and gives the same hash and items");
    rl_spec_destroy(&a);
    rl_spec_destroy(&b);
    if (written) unlink(path);
}

static void test_assignment(void)
{
    rl_params p;
    rl_params_defaults(&p);
    rl_status st = RL_STATUS_INIT;
    RL_TEST(rl_spec_apply_assignment(&p, "train.lr=0.01", &st) == RL_OK && p.train.lr == 0.01,
            "--set train.lr=0.01 sets 0.01");
    RL_TEST(rl_spec_apply_assignment(&p, " rank = 7 ", &st) == RL_OK && p.init.rank == 7,
            "--set ' rank = 7 ' (alias, spaces) sets init.rank = 7");
    RL_TEST(rl_spec_apply_assignment(&p, "task.coherences=[1, 2.5]", &st) == RL_OK &&
                p.task.coherences.n == 2 && p.task.coherences.v[1] == 2.5,
            "--set task.coherences=[1, 2.5] sets a REALS list");
    /* The first message goes on to list the train keys, which grow with the table: prefix only. */
    struct {
        const char *text, *msg;
        bool whole;
    } bad[] = {
        {"train.lrr=1",
         "train.lrr=1: unknown parameter 'train.lrr'; did you mean 'train.lr'? valid train keys: ",
         false},
        {"nonsense", "nonsense: not an assignment; valid: path=value, e.g. train.lr=0.01", true},
        {"train.lr=-1",
         "train.lr=-1: train.lr = -1 is out of range; valid: 1e-12 <= train.lr <= 1000", true},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rl_status e = RL_STATUS_INIT;
        rl_code rc = rl_spec_apply_assignment(&p, bad[i].text, &e);
        bool same = bad[i].whole ? strcmp(e.msg, bad[i].msg) == 0
                                 : strncmp(e.msg, bad[i].msg, strlen(bad[i].msg)) == 0;
        RL_TEST(rc == RL_EINPUT && same, "--set %s is refused: %s", bad[i].text, e.msg);
    }
    rl_status e = RL_STATUS_INIT;
    RL_TEST(rl_spec_apply_assignment(&p, "init.file=no_such_weights.bin", &e) == RL_EINPUT &&
                strstr(e.msg, "No such file or directory (relative paths resolve against the "
                              "current directory, ") != NULL,
            "--set of a missing relative PATH says paths resolve against the current directory");
    RL_TEST(p.train.lr == 0.01 && p.init.rank == 7, "failed assignments leave p unchanged");
}

static void test_format_item(void)
{
    rl_status st = RL_STATUS_INIT;
    rl_spec *s = load("name: f\naxes: {lr: [0.003, 0.01]}\nparams: {task: dms}\n", &st);
    if (!s) return;
    char line[512], want[512], small[20];
    const rl_item *it0 = rl_spec_item(s, 0), *it1 = rl_spec_item(s, 1);
    rl_spec_format_item(it0, line, sizeof line);
    snprintf(want, sizeof want, "%s task.name=dms", it0->id);
    RL_TEST(strcmp(line, want) == 0, "item 0 lists only its non-default task.name (%s)", line);
    rl_spec_format_item(it1, line, sizeof line);
    snprintf(want, sizeof want, "%s task.name=dms train.lr=0.01", it1->id);
    RL_TEST(strcmp(line, want) == 0, "item 1 lists task.name and train.lr in table order (%s)",
            line);
    rl_spec_format_item(it1, small, sizeof small);
    RL_TEST(strlen(small) == sizeof small - 1 && strncmp(small, it1->id, 16) == 0,
            "a small buffer is filled and terminated, never overrun");
    rl_spec_destroy(&s);
}

static void test_table_defaults(void)
{
    size_t n;
    const rl_key *keys = rl_params_keys(&n);
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        rl_params p;
        rl_status st = RL_STATUS_INIT;
        memset(&p, 0, sizeof p);
        if (rl_params_set(&p, &keys[i], keys[i].def, &st) != RL_OK) {
            printf("    default of %s: %s\n", keys[i].path, st.msg);
            bad++;
        }
    }
    RL_TEST(bad == 0, "every default in the parameter table (%zu keys) passes its own checks", n);
}

int main(void)
{
    test_forms_agree();
    test_minimal();
    test_top_level();
    test_value_kinds();
    test_size_limit();
    test_file_and_string_agree();
    test_assignment();
    test_format_item();
    test_table_defaults();
    return rl_test_done();
}
