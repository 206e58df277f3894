/*
** rng.h: counter-based random streams (module: rng).
** Why: an item's draws must depend only on its parameters, never on which rank
** ran it or in what order (DESIGN "Determinism"). Philox4x32-10 from Random123
** is a pure function of (key, counter), so a stream is named, not positioned:
**   key     = (sweep seed low 32 bits, 32-bit hash of the stream name)
**   counter = (block index, sub-stream low, sub-stream high ^ sweep seed high, item seed)
** Any stream can be rebuilt from its four coordinates, and the whole state is a
** small plain struct that can be copied into a checkpoint.
**
** Which coordinates key which stream (README "Random streams"): see rng.c.
** The caller chooses the coordinates; the paired design (every rank/gain/
** structure of one seed shares W0) follows from keying W0 by (sweep seed,
** "init.w0", item seed) only.
*/
#ifndef RICHLAZY_RNG_H
#define RICHLAZY_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct rl_rng {
    uint32_t key[2];
    uint32_t ctr[4]; /* ctr[0] counts 128-bit blocks */
    uint32_t buf[4]; /* the current block's output */
    int used;        /* words of buf already consumed (4 = empty) */
    int has_spare;   /* Box-Muller produces normals in pairs */
    double spare;
} rl_rng;

/* A stream named `name` for item seed `item_seed` and sub-stream `sub` (e.g. an iteration). */
void rl_rng_init(rl_rng *r, uint64_t sweep_seed, const char *name, uint64_t item_seed,
                 uint64_t sub);
/* The raw Philox4x32-10 block function (for known-answer tests). */
void rl_rng_philox(const uint32_t key[2], const uint32_t ctr[4], uint32_t out[4]);
/* 32-bit FNV-1a hash of a stream name (documented so streams can be rebuilt elsewhere). */
uint32_t rl_rng_hash_name(const char *name);

uint32_t rl_rng_u32(rl_rng *r);
/* Uniform on [0, 1) with 53 random bits. */
double rl_rng_uniform(rl_rng *r);
/* Uniform integer in [0, n), unbiased (rejection). n > 0. */
uint32_t rl_rng_below(rl_rng *r, uint32_t n);
/* Standard normal (Box-Muller on two uniforms, in double). */
double rl_rng_normal(rl_rng *r);

/* x[i] = mean + sd * N(0,1), i < n. */
void rl_rng_fill_normal(rl_rng *r, float *x, size_t n, double mean, double sd);
/* x[i] uniform on [lo, hi), i < n. */
void rl_rng_fill_uniform(rl_rng *r, float *x, size_t n, double lo, double hi);
/* Double-precision variants (connectivity is built in double, then rounded). */
void rl_rng_fill_normal_d(rl_rng *r, double *x, size_t n, double mean, double sd);

#endif /* RICHLAZY_RNG_H */
