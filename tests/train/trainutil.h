/*
** trainutil.h: small helpers the training tests share — a compact default
** configuration and a bitwise comparison of two results (timing excluded).
*/
#ifndef TRAINUTIL_H
#define TRAINUTIL_H

#include <string.h>

#include "richlazy/result.h"
#include "richlazy/train.h"
#include "rltest.h"

/* A small, fast 2af item: N 48, batch 16, SGD as the paper. */
static inline void small_params(rl_params *p, const char *task)
{
    rl_params_defaults(p);
    strcpy(p->task.name, task);
    strcpy(p->init.kind, "svd");
    p->init.rank = 0;
    p->model.hidden = 48;
    p->train.batch = 16;
    p->train.iterations = 200;
    p->train.curve_every = 10;
    p->probe.trials = 64;
    p->probe.kernel_trials = 8;
}

/* True if two results agree bitwise in everything but wall-clock timings. */
static inline int same_result(const rl_result *a, const rl_result *b)
{
    if (a->status != b->status || a->n_curve != b->n_curve) return 0;
    for (int m = 0; m < RL_NMEASURES; m++) {
        if (m == RL_MEASURE_train_seconds || m == RL_MEASURE_measure_seconds) continue;
        if (memcmp(&a->measure[m], &b->measure[m], sizeof(double)) != 0) return 0;
    }
    for (int c = 0; c < RL_NCURVES; c++)
        if (memcmp(a->curve[c], b->curve[c], (size_t)a->n_curve * sizeof(float)) != 0) return 0;
    return 1;
}

/* The same, except the stop-criterion bookkeeping (criterion_reached). */
static inline int same_measures_but_criterion(const rl_result *a, const rl_result *b)
{
    rl_result c = *b;
    c.measure[RL_MEASURE_criterion_reached] = a->measure[RL_MEASURE_criterion_reached];
    return same_result(a, &c);
}

#endif /* TRAINUTIL_H */
