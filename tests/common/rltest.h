/*
** rltest.h: the tiny test harness every unit test uses (GSL's gsl_test, HPL's
** PASSED/FAILED). Each check prints one line naming what it proved, and
** floating-point checks state their tolerance. main() returns rl_test_done():
** 1 if a check failed or none ran (a test that checked nothing proved nothing),
** 77 (meson's skip) if every check passed but a part was skipped for want of
** something this machine lacks (rl_test_skip_part), else 0.
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
/* Prints "SKIP: why" and returns 77 (meson's skip code): the whole test is skipped. */
int rl_test_skip(const char *why);
/* Prints "SKIP: why" for a part of the test that cannot run here (a data set is
   absent); the others still run, and rl_test_done then returns 77 unless one failed. */
void rl_test_skip_part(const char *why);

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
