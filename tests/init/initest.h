/*
** initest.h: helpers the init tests share — parameters for one kind, a matrix
** built by rl_init_recurrent, and the seed's Z rebuilt from its stream (so tests
** check the paired design against the documented stream, not the module's code).
*/
#ifndef INITEST_H
#define INITEST_H

#include "richlazy/init.h"
#include "richlazy/rng.h"
#include "rltest.h"

#include <string.h>

#define SWEEP_SEED 20240101u

/* Sets one parameter by its dotted path; a failure is a broken test, so it is reported. */
static inline void set_param(rl_params *p, const char *path, const char *text)
{
    rl_status st = RL_STATUS_INIT;
    const rl_key *key = rl_params_find(path);
    if (!key || rl_params_set(p, key, text, &st) != RL_OK)
        RL_TEST(0, "test setup: %s = %s (%s)", path, text, key ? st.msg : "no such key");
}

static inline rl_params params_for(const char *kind, long n, long seed)
{
    rl_params p;
    rl_params_defaults(&p);
    set_param(&p, "init.kind", kind);
    p.model.hidden = n;
    p.seed = seed;
    return p;
}

/* W_h(0) of p (n x n, malloc'd), or NULL with the failure reported. */
static inline double *build(const rl_params *p)
{
    size_t n = (size_t)p->model.hidden;
    double *w = malloc(n * n * sizeof *w);
    rl_status st = RL_STATUS_INIT;
    if (rl_init_recurrent(p, SWEEP_SEED, w, &st) != RL_OK) {
        RL_TEST(0, "rl_init_recurrent(kind %s, N %zu, seed %ld) failed: %s", p->init.kind, n,
                p->seed, st.msg);
        free(w);
        return NULL;
    }
    return w;
}

/* Z of rng.c's stream "init.w0" for (SWEEP_SEED, p->seed): N(0,1), row-major. */
static inline double *stream_z(const rl_params *p)
{
    size_t n = (size_t)p->model.hidden;
    double *z = malloc(n * n * sizeof *z);
    rl_rng r;
    rl_rng_init(&r, SWEEP_SEED, "init.w0", (uint64_t)p->seed, 0);
    rl_rng_fill_normal_d(&r, z, n * n, 0.0, 1.0);
    return z;
}

static inline double frob(const double *w, size_t count)
{
    double s = 0.0;
    for (size_t k = 0; k < count; k++)
        s += w[k] * w[k];
    return sqrt(s);
}

static inline rl_spectrum spectrum_of(const double *w, int n)
{
    rl_spectrum sp = {0};
    rl_status st = RL_STATUS_INIT;
    if (rl_init_spectrum(w, n, &sp, &st) != RL_OK) RL_TEST(0, "rl_init_spectrum: %s", st.msg);
    return sp;
}

#endif /* INITEST_H */
