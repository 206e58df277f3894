/*
** mfix.h: shared helpers of the metrics tests — seeded random networks in the
** paper's parametrisation, batches of random inputs, the real 2af probe set.
** Why: every test draws from rl_rng streams with fixed seeds, so each number a
** test checks is reproducible; the model and task are the real modules.
** A test cannot continue without its fixture, so a failure here ends the test
** program with status 1 (meson reports it failed).
*/
#ifndef RL_METRICS_MFIX_H
#define RL_METRICS_MFIX_H

#include "richlazy/metrics.h"
#include "richlazy/params.h"
#include "richlazy/rng.h"
#include "richlazy/task.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void mf_ok(rl_code rc, const rl_status *st, const char *what)
{
    if (rc == RL_OK) return;
    printf("FAIL: fixture %s: %s\n", what, st->msg);
    exit(1);
}

/*
** W_h ~ g N(0, 1/N), W_x and w_out uniform on +-1/sqrt(fan_in) (paper setup),
** with W_x scaled by x_gain so that the relu units sit on both sides of 0.
*/
static inline rl_rnn *mf_net(int n_in, int n, int n_out, float rho, double g, double x_gain,
                             uint64_t seed)
{
    rl_status st = RL_STATUS_INIT;
    rl_rnn *net = NULL;
    rl_rng r;
    mf_ok(rl_rnn_create(n_in, n, n_out, rho, &net, &st), &st, "network");
    rl_rng_init(&r, seed, "test.metrics.net", 0, 0);
    rl_rng_fill_normal(&r, net->w_h, (size_t)n * n, 0.0, g / sqrt(n));
    double ax = x_gain / sqrt(n_in), ao = 1.0 / sqrt(n);
    rl_rng_fill_uniform(&r, net->w_x, (size_t)n * n_in, -ax, ax);
    rl_rng_fill_uniform(&r, net->w_out, (size_t)n_out * n, -ao, ao);
    return net;
}

/* A copy of net (same shape and weights). */
static inline rl_rnn *mf_copy(const rl_rnn *net)
{
    rl_status st = RL_STATUS_INIT;
    rl_rnn *c = NULL;
    mf_ok(rl_rnn_create(net->n_in, net->n_hidden, net->n_out, net->rho, &c, &st), &st, "copy");
    memcpy(c->theta, net->theta, net->n_params * sizeof(float));
    return c;
}

/* theta += sd N(0,1) elementwise: a stand-in for a trained network. */
static inline void mf_perturb(rl_rnn *net, double sd, uint64_t seed)
{
    rl_rng r;
    rl_rng_init(&r, seed, "test.metrics.perturb", 0, 0);
    for (size_t i = 0; i < net->n_params; i++)
        net->theta[i] += (float)(sd * rl_rng_normal(&r));
}

/* A classification batch with N(0,1) inputs, random labels, mask 1. */
static inline void mf_batch(rl_batch *b, int steps, int trials, int n_in, int n_out, uint64_t seed)
{
    rl_status st = RL_STATUS_INIT;
    rl_task_shape shape = {steps, n_in, n_out, RL_LOSS_CE, steps - 1};
    rl_rng r;
    mf_ok(rl_batch_create(&shape, trials, b, &st), &st, "batch");
    rl_rng_init(&r, seed, "test.metrics.batch", 0, 0);
    rl_rng_fill_normal(&r, b->x, (size_t)steps * trials * n_in, 0.0, 1.0);
    for (size_t i = 0; i < (size_t)steps * trials; i++) {
        b->label[i] = (int32_t)rl_rng_below(&r, (uint32_t)n_out);
        b->mask[i] = 1.0f;
    }
}

/* The real 2af task (paper defaults: T = 8, 3 outputs) and its probe set of `trials`. */
static inline rl_task *mf_task_probe(int trials, rl_batch *probe, rl_task_shape *shape)
{
    rl_status st = RL_STATUS_INIT;
    rl_params p;
    rl_task *t = NULL;
    rl_params_defaults(&p);
    p.probe.trials = trials;
    mf_ok(rl_task_create(&p, &t, &st), &st, "2af task");
    *shape = rl_task_get_shape(t);
    mf_ok(rl_batch_create(shape, trials, probe, &st), &st, "probe batch");
    mf_ok(rl_task_fill_probe(t, 12345, probe, &st), &st, "probe fill");
    return t;
}

static inline double mf_max_abs(const double *a, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++)
        m = fmax(m, fabs(a[i]));
    return m;
}

#endif /* RL_METRICS_MFIX_H */
