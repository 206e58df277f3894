/*
** test_values.c: the spec module's small parts, through its internal header
** (module: spec) — edit distance and suggestions, message text cleaning,
** the PATH file check, the canonical text of reals (shortest, plain where
** short, and one text per double: a property test on 20000 doubles), and
** rl_params_check: the table's ranges, choices and limits on a whole rl_params.
*/
#include "rltest.h"
#include "spec_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void test_distance(void)
{
    RL_TEST(spec_edit_distance("seed", "seeds") == 1, "d(seed, seeds) = 1");
    RL_TEST(spec_edit_distance("lables", "labels") == 1, "d(lables, labels) = 1 (transposition)");
    RL_TEST(spec_edit_distance("Name", "name") == 0, "d(Name, name) = 0 (case ignored)");
    RL_TEST(spec_edit_distance("kitten", "sitting") == 3, "d(kitten, sitting) = 3");
    RL_TEST(spec_edit_distance("", "abc") == 3, "d('', abc) = 3");
    const char *keys[] = {"name", "description", "seed", "axes", "params", "overrides"};
    RL_TEST(spec_suggest("prams", keys, 6) == keys[4], "'prams' suggests 'params'");
    RL_TEST(spec_suggest("xyz", keys, 6) == NULL, "'xyz' suggests nothing");
    RL_TEST(spec_suggest("axe", keys, 6) == keys[3], "'axe' suggests 'axes'");
    const char *short_keys[] = {"d", "lr"};
    RL_TEST(spec_suggest("m", short_keys, 2) == NULL && spec_suggest("l", short_keys, 2) == NULL,
            "a one-letter word suggests nothing (every letter would be an edit)");
}

static void test_messages(void)
{
    char buf[SPEC_SHOW_CAP];
    char long_text[200];
    memset(long_text, 'k', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    spec_show(long_text, buf, sizeof buf);
    RL_TEST(strlen(buf) == 63 && strcmp(buf + 60, "...") == 0,
            "a 199-byte text shows as its first 60 bytes and '...'");
    spec_show("a\nb\033[31m", buf, sizeof buf);
    RL_TEST(strcmp(buf, "a?b?[31m") == 0, "newlines and escapes show as '?' (got %s)", buf);
    rl_status st = RL_STATUS_INIT;
    rl_spec *s = NULL;
    const char *text = "name: x\n\"evil\\nkey\\e[2J\": 1\n";
    rl_spec_load_string(text, strlen(text), "m.yaml", &s, &st);
    RL_TEST(strncmp(st.msg, "m.yaml:2:1: unknown top-level key 'evil?key?[2J'", 47) == 0,
            "a key with control characters is reported cleaned: %s", st.msg);
    rl_status st2 = RL_STATUS_INIT;
    spec_failf(&st2, __FILE__, __LINE__, "f.yaml", (sloc){0, 0}, "no position");
    RL_TEST(strcmp(st2.msg, "f.yaml: no position") == 0 && st2.code == RL_EINPUT,
            "a file-level failure has no line and column");
}

static void test_files(void)
{
    const rl_key *key = rl_params_find("init.file");
    rl_status ok = RL_STATUS_INIT, missing = RL_STATUS_INIT, dir = RL_STATUS_INIT;
    RL_TEST(spec_check_file("s.yaml", (sloc){3, 4}, key, "test_values.c", &ok) == RL_OK,
            "an existing relative file passes (the test runs in tests/spec)");
    spec_check_file("s.yaml", (sloc){3, 4}, key, "no/such.bin", &missing);
    RL_TEST(strncmp(missing.msg,
                    "s.yaml:3:4: init.file = 'no/such.bin': No such file or directory (relative "
                    "paths resolve against the current directory, /",
                    120) == 0,
            "a missing relative path names the current directory: %s", missing.msg);
    spec_check_file("s.yaml", (sloc){3, 4}, key, "bad", &dir);
    RL_TEST(strstr(dir.msg, "s.yaml:3:4: init.file = 'bad': is a directory") == dir.msg,
            "a directory is refused: %s", dir.msg);
}

/* splitmix64: a fixed-seed source of arbitrary bit patterns. */
static uint64_t next(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void test_real_text(void)
{
    const rl_key *key = rl_params_find("task.dt");
    rl_params p;
    char text[64], again[64];
    struct {
        double v;
        const char *text;
    } known[] = {
        {100, "100"}, {0.003, "0.003"}, {1e-8, "1e-8"},    {1e17, "1e17"},
        {6.4, "6.4"}, {-0.0, "-0"},     {1e-5, "0.00001"}, {0.1 + 0.2, "0.30000000000000004"}};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        p.task.dt = known[i].v;
        rl_params_format(&p, key, text, sizeof text);
        RL_TEST(strcmp(text, known[i].text) == 0, "%.17g prints as %s (got %s)", known[i].v,
                known[i].text, text);
    }
    uint64_t seed = 42;
    int trips = 0, unique = 0;
    const int n = 20000;
    for (int i = 0; i < n; i++) {
        uint64_t bits = next(&seed);
        double v, w;
        memcpy(&v, &bits, sizeof v);
        if (v != v || v - v != 0) v = (double)(bits >> 11) * 0x1p-40; /* NaN/inf: use a normal */
        p.task.dt = v;
        rl_params_format(&p, key, text, sizeof text);
        trips += strtod(text, NULL) == v;
        w = nextafter(v, 2 * v + 1);
        p.task.dt = w;
        rl_params_format(&p, key, again, sizeof again);
        unique += strcmp(text, again) != 0;
    }
    RL_TEST(trips == n, "%d arbitrary doubles read back exactly from their text (%d)", n, trips);
    RL_TEST(unique == n, "and each differs in text from its neighbouring double (%d)", unique);
}

/* rl_params_check on values set by hand, as a caller that bypasses rl_params_set would. */
static void test_params_check(void)
{
    rl_params p;
    rl_params_defaults(&p);
    rl_status st = RL_STATUS_INIT;
    RL_TEST(rl_params_check(&p, &st) == RL_OK, "the defaults pass rl_params_check");
    p.model.hidden = 0;
    RL_TEST(rl_params_check(&p, &st) == RL_EINPUT &&
                strstr(st.msg, "model.hidden = 0 is out of range") &&
                strcmp(st.params, "model.hidden") == 0,
            "model.hidden 0: the table's range message, about model.hidden: \"%s\"", st.msg);
    rl_params_defaults(&p);
    rl_status_clear(&st);
    strcpy(p.init.norm, "l2");
    RL_TEST(rl_params_check(&p, &st) == RL_EINPUT &&
                strstr(st.msg, "init.norm = 'l2' is not known; valid: frobenius|spectral|none") &&
                strcmp(st.params, "init.norm") == 0,
            "init.norm l2: the table's choices, about init.norm: \"%s\"", st.msg);
    rl_params_defaults(&p);
    rl_status_clear(&st);
    p.init.rank = p.model.hidden + 1;
    RL_TEST(rl_params_check(&p, &st) == RL_EINPUT &&
                strstr(st.msg, "valid: init.rank <= model.hidden") &&
                strcmp(st.params, "init.rank model.hidden") == 0,
            "init.rank above model.hidden: the limit, about both paths: \"%s\"", st.msg);
    size_t n;
    const rl_params_limit *lim = rl_params_limits(&n);
    bool ints = n >= 2;
    for (size_t i = 0; i < n; i++) {
        const rl_key *a = rl_params_find(lim[i].small), *b = rl_params_find(lim[i].big);
        ints = ints && a && b && a->type == RL_KEY_INT && b->type == RL_KEY_INT;
    }
    RL_TEST(ints, "every one of the %zu limits names two integer keys of the table", n);
}

int main(void)
{
    test_distance();
    test_messages();
    test_files();
    test_real_text();
    test_params_check();
    return rl_test_done();
}
