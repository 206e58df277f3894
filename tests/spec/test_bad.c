/*
** test_bad.c: every class of bad spec gives RL_EINPUT, no spec, and exactly
** the message in bad/<case>.expected (module: spec).
** Data-driven: each bad/<case>.expected names a case; the spec loaded is
** bad/<case>.yaml, which may be missing (the missing-file case) or a
** directory (the directory-as-spec case). The test runs in tests/spec (meson
** workdir), so messages start with the relative path "bad/<case>.yaml" and
** the expected files do not depend on where the checkout lives.
*/
#include "richlazy/spec.h"
#include "rltest.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CASES 256
#define MIN_CASES 50 /* fewer means the directory was not found or lost files */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The expected message: the file's text without its final newline. */
static bool read_expected(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    size_t n = fread(buf, 1, cap - 1, f);
    fclose(f);
    buf[n] = '\0';
    if (n > 0 && buf[n - 1] == '\n') buf[n - 1] = '\0';
    return true;
}

static void check_case(const char *stem)
{
    char spec_path[512], exp_path[512], expected[2048];
    snprintf(spec_path, sizeof spec_path, "bad/%s.yaml", stem);
    snprintf(exp_path, sizeof exp_path, "bad/%s.expected", stem);
    if (!read_expected(exp_path, expected, sizeof expected)) {
        RL_TEST(0, "%s: expected message readable", exp_path);
        return;
    }
    rl_status st = RL_STATUS_INIT;
    rl_spec *spec = (rl_spec *)&st; /* must be reset to NULL on failure */
    rl_code rc = rl_spec_load(spec_path, &spec, &st);
    RL_TEST(rc == RL_EINPUT && st.code == RL_EINPUT && spec == NULL,
            "%s: rejected with RL_EINPUT and no spec (code %s)", stem, rl_code_name(rc));
    bool same = strcmp(st.msg, expected) == 0;
    RL_TEST(same, "%s: exact message", stem);
    if (!same) printf("    expected: %s\n    got:      %s\n", expected, st.msg);
    if (rc == RL_OK) rl_spec_destroy(&spec);
}

int main(void)
{
    DIR *dir = opendir("bad");
    char *stems[MAX_CASES];
    int n = 0;
    RL_TEST(dir != NULL, "the bad-spec directory tests/spec/bad is readable from the workdir");
    if (!dir) return rl_test_done();
    for (struct dirent *e; (e = readdir(dir)) != NULL && n < MAX_CASES;) {
        size_t len = strlen(e->d_name);
        if (len > 9 && strcmp(e->d_name + len - 9, ".expected") == 0) {
            stems[n] = strdup(e->d_name);
            stems[n++][len - 9] = '\0';
        }
    }
    closedir(dir);
    qsort(stems, (size_t)n, sizeof stems[0], cmp_str);
    RL_TEST(n >= MIN_CASES, "found %d bad-spec cases (at least %d)", n, MIN_CASES);
    for (int i = 0; i < n; i++) {
        check_case(stems[i]);
        free(stems[i]);
    }
    return rl_test_done();
}
