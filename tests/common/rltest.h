/*
** rltest.h: the tiny test harness every unit test uses (GSL's gsl_test, HPL's
** PASSED/FAILED). Each check prints one line naming what it proved, and
** floating-point checks state their tolerance. main() returns rl_test_done(),
** which is 0 only if every check passed (meson reads the exit status; 77 = skip).
*/
#ifndef RLTEST_H
#define RLTEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

extern int rl_test_failures;
extern int rl_test_count;

void rl_test_report(int ok, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int rl_test_done(void);
/* Prints "SKIP: why" and returns 77 (meson's skip code). */
int rl_test_skip(const char *why);

/* RL_TEST(cond, "what this proves", ...) */
#define RL_TEST(cond, ...) rl_test_report(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
/* |got - want| <= tol */
#define RL_TEST_ABS(got, want, tol, ...)                                                           \
    rl_test_report(fabs((double)(got) - (double)(want)) <= (tol), __FILE__, __LINE__, __VA_ARGS__)
/* |got - want| <= tol * max(|want|, tiny) */
#define RL_TEST_REL(got, want, tol, ...)                                                           \
    rl_test_report(fabs((double)(got) - (double)(want)) <=                                         \
                       (tol)*fmax(fabs((double)(want)), 1e-30),                                    \
                   __FILE__, __LINE__, __VA_ARGS__)

#endif /* RLTEST_H */
