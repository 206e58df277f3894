/* rltest.c: the harness behind rltest.h. */
#include "rltest.h"

#include <stdarg.h>

int rl_test_failures = 0;
int rl_test_count = 0;

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
    printf("%d checks, %d failed\n", rl_test_count, rl_test_failures);
    return rl_test_failures ? 1 : 0;
}

int rl_test_skip(const char *why)
{
    printf("SKIP: %s\n", why);
    return 77;
}
