/*
** tasktest.h: helpers the task tests share — parameters by key, a task and
** batch in one call, element access in the time-major layout, and running
** moments for the statistical checks (mean, sd and their standard errors).
** Why: each test file then reads as a list of sentences about one task.
*/
#ifndef TASKTEST_H
#define TASKTEST_H

#include "richlazy/task.h"
#include "rltest.h"

#include <math.h>
#include <string.h>

/* Sets one parameter from its YAML text; a failure is reported as a failed check. */
static inline void tt_set(rl_params *p, const char *path, const char *text)
{
    rl_status st = RL_STATUS_INIT;
    const rl_key *k = rl_params_find(path);
    if (!k || rl_params_set(p, k, text, &st) != RL_OK)
        RL_TEST(0, "set %s = %s (%s)", path, text, k ? st.msg : "no such key");
}

/* Defaults with task.name = name, item seed 3. */
static inline rl_params tt_params(const char *name)
{
    rl_params p;
    rl_params_defaults(&p);
    tt_set(&p, "task.name", name);
    p.seed = 3;
    return p;
}

/* A task and a batch of B trials; NULL (with a failed check) if either fails. */
static inline rl_task *tt_task(const rl_params *p, int B, rl_batch *b)
{
    rl_status st = RL_STATUS_INIT;
    rl_task *t = NULL;
    memset(b, 0, sizeof *b);
    if (rl_task_create(p, &t, &st) != RL_OK) {
        RL_TEST(0, "create task %s: %s", p->task.name, st.msg);
        return NULL;
    }
    rl_task_shape s = rl_task_get_shape(t);
    if (rl_batch_create(&s, B, b, &st) != RL_OK) {
        RL_TEST(0, "create a batch of %d for task %s: %s", B, p->task.name, st.msg);
        rl_task_destroy(&t);
        return NULL;
    }
    return t;
}

/* Fills training batch `iter` under sweep seed 7; false (with a failed check) on error. */
static inline int tt_fill(rl_task *t, long iter, rl_batch *b)
{
    rl_status st = RL_STATUS_INIT;
    if (rl_task_fill_train(t, 7, iter, b, &st) == RL_OK) return 1;
    RL_TEST(0, "fill training batch %ld: %s", iter, st.msg);
    return 0;
}

/*
** The same trials twice from one configuration: b0 noiseless (task.sigma 0), b1 as
** configured, so b1 - b0 is exactly the noise. ok is false (after a failed check) if
** either could not be made; tt_pair_destroy in any case.
*/
typedef struct tt_pair {
    rl_task *t0, *t1;
    rl_batch b0, b1;
    int ok;
} tt_pair;

static inline tt_pair tt_pair_make(const rl_params *p, int B, long iter)
{
    tt_pair pr;
    rl_params p0 = *p;
    tt_set(&p0, "task.sigma", "0");
    pr.t0 = tt_task(&p0, B, &pr.b0);
    pr.t1 = tt_task(p, B, &pr.b1);
    pr.ok = pr.t0 && pr.t1 && tt_fill(pr.t0, iter, &pr.b0) && tt_fill(pr.t1, iter, &pr.b1);
    return pr;
}

static inline void tt_pair_destroy(tt_pair *pr)
{
    rl_batch_destroy(&pr->b0);
    rl_batch_destroy(&pr->b1);
    rl_task_destroy(&pr->t0);
    rl_task_destroy(&pr->t1);
}

static inline float tt_x(const rl_batch *b, int t, int row, int ch)
{
    return b->x[((size_t)t * (size_t)b->batch + (size_t)row) * (size_t)b->n_in + (size_t)ch];
}
static inline int tt_label(const rl_batch *b, int t, int row)
{
    return b->label[(size_t)t * (size_t)b->batch + (size_t)row];
}
static inline float tt_mask(const rl_batch *b, int t, int row)
{
    return b->mask[(size_t)t * (size_t)b->batch + (size_t)row];
}

/* Running moments (Welford). */
typedef struct tt_stat {
    long n;
    double mean, m2;
} tt_stat;

static inline void tt_add(tt_stat *s, double v)
{
    s->n++;
    double d = v - s->mean;
    s->mean += d / (double)s->n;
    s->m2 += d * (v - s->mean);
}
static inline double tt_sd(const tt_stat *s)
{
    return s->n > 1 ? sqrt(s->m2 / (double)(s->n - 1)) : 0;
}
/* Standard error of the mean, and of the sd for Gaussian data (sd / sqrt(2n)). */
static inline double tt_se_mean(const tt_stat *s)
{
    return s->n > 0 ? tt_sd(s) / sqrt((double)s->n) : INFINITY;
}
static inline double tt_se_sd(const tt_stat *s)
{
    return s->n > 0 ? tt_sd(s) / sqrt(2.0 * (double)s->n) : INFINITY;
}
/* Standard error of a frequency estimate p from n trials. */
static inline double tt_se_freq(double p, long n)
{
    return sqrt(p * (1 - p) / (double)n);
}

#endif /* TASKTEST_H */
