/*
** fixture.h: shared helpers of the model tests — a tiny seeded generator,
** batch allocation and a paper-style random initialisation.
** Why here and not rng/task/init: the model tests must not depend on modules
** above or beside model (DESIGN "dependencies"), and a self-contained
** generator keeps each test's numbers fixed whatever those modules do.
*/
#ifndef RL_MODEL_FIXTURE_H
#define RL_MODEL_FIXTURE_H

#include "richlazy/model.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* splitmix64: a fixed, well-mixed sequence from any seed. */
typedef struct fx_rng {
    uint64_t s;
} fx_rng;

static inline uint64_t fx_next(fx_rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform on [0, 1) with 53 random bits. */
static inline double fx_uniform(fx_rng *r)
{
    return (double)(fx_next(r) >> 11) * 0x1.0p-53;
}

/* Standard normal (Box–Muller; one draw per call is enough for tests). */
static inline double fx_normal(fx_rng *r)
{
    double u = 1.0 - fx_uniform(r), v = fx_uniform(r);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/*
** Allocates every field of b for (T, B, n_in, n_out), zeroed: the stand-in for
** the task module's rl_batch_create. A test cannot go on without its batch, so
** failure ends the test program (exit status 1, which meson reports as failed).
*/
static inline void fx_batch_alloc(rl_batch *b, int steps, int batch, int n_in, int n_out)
{
    rl_status st = RL_STATUS_INIT;
    size_t rows = (size_t)steps * (size_t)batch;
    *b = (rl_batch){steps, batch, n_in, n_out, NULL, NULL, NULL, NULL};
    b->x = rl_alloc(rows * (size_t)n_in, sizeof(float), &st);
    b->label = rl_alloc(rows, sizeof(int32_t), &st);
    b->target = rl_alloc(rows * (size_t)n_out, sizeof(float), &st);
    b->mask = rl_alloc(rows, sizeof(float), &st);
    if (st.code != RL_OK) {
        printf("FAIL: test batch allocation: %s\n", st.msg);
        exit(1);
    }
}

static inline void fx_batch_free(rl_batch *b)
{
    rl_free(b->x);
    rl_free(b->label);
    rl_free(b->target);
    rl_free(b->mask);
    *b = (rl_batch){0};
}

/*
** The paper's initialisation: W_h = g N(0,1)/sqrt(N); W_x and w uniform on
** +-1/sqrt(fan_in).
*/
static inline void fx_init_net(rl_rnn *net, double gain, fx_rng *r)
{
    int n = net->n_hidden;
    for (int i = 0; i < n * n; i++)
        net->w_h[i] = (float)(gain * fx_normal(r) / sqrt(n));
    for (int i = 0; i < n * net->n_in; i++)
        net->w_x[i] = (float)((2.0 * fx_uniform(r) - 1.0) / sqrt(net->n_in));
    for (int i = 0; i < net->n_out * n; i++)
        net->w_out[i] = (float)((2.0 * fx_uniform(r) - 1.0) / sqrt(n));
}

#endif /* RL_MODEL_FIXTURE_H */
