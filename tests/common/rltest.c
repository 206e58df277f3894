/* rltest.c: the harness behind rltest.h. */
#include "rltest.h"

#include <stdarg.h>

int rl_test_failures = 0;
int rl_test_count = 0;
static int skipped_parts = 0;

void rl_test_report(int ok, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    rl_test_count++;
    if (!ok) rl_test_failures++;
    printf("%s: ", ok ? "ok  " : "FAIL");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    if (!ok) printf("   [%s:%d]", file, line);
    printf("\n");
    fflush(stdout);
}

int rl_test_done(void)
{
    printf("%d checks, %d failed", rl_test_count, rl_test_failures);
    if (skipped_parts) printf(", %d part(s) skipped", skipped_parts);
    printf("\n");
    if (rl_test_failures) return 1;
    if (rl_test_count == 0) {
        printf("FAIL: no check ran, so this test proved nothing\n");
        return 1;
    }
    if (skipped_parts) {
        printf("SKIP: every check that ran passed, but %d part(s) could not run here (SKIP "
               "lines above)\n",
               skipped_parts);
        return 77;
    }
    return 0;
}

void rl_test_skip_part(const char *why)
{
    skipped_parts++;
    printf("SKIP: %s\n", why);
    fflush(stdout);
}

int rl_test_skip(const char *why)
{
    printf("SKIP: %s\n", why);
    return 77;
}
