/*
** rng.c: named counter-based streams on Random123's Philox4x32-10 (module: rng).
** Why: see rng.h — draws are a pure function of (sweep seed, stream name, item
** seed, sub-stream, position), so results never depend on rank count, dispatch
** order or interruption, and a stream's state is a few words to checkpoint.
**
** Streams used by richlazy (the coordinates in brackets are the only ones that
** change the draw; everything else — rank, gain, structure, task — does not):
**   "init.w0"     [sweep seed, item seed]          base Gaussian W0 (paired design)
**   "init.<kind>" [sweep seed, item seed]          extra draws of a structure
**   "init.w_x", "init.w_out" [sweep seed, item seed]
**   "task.train"  [sweep seed, item seed, iteration]   one stream per mini-batch
**   "task.probe"  [sweep seed, item seed]          the fixed probe set
**   "task.pattern" [sweep seed, item seed]         the pattern task's frozen input and target
** Normals: Box–Muller in double on 53-bit uniforms (exact reproduction across
** machines needs only IEEE double log/sqrt/cos, which glibc rounds correctly enough
** that known-answer tests pin them to 1e-15).
*/
#define _DEFAULT_SOURCE /* M_PI */
#include "richlazy/rng.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#include <Random123/philox.h>

void rl_rng_philox(const uint32_t key[2], const uint32_t ctr[4], uint32_t out[4])
{
    philox4x32_key_t k = {{key[0], key[1]}};
    philox4x32_ctr_t c = {{ctr[0], ctr[1], ctr[2], ctr[3]}};
    philox4x32_ctr_t r = philox4x32_R(10, c, k);
    memcpy(out, r.v, sizeof r.v);
}

uint32_t rl_rng_hash_name(const char *name)
{
    uint32_t h = 2166136261u; /* FNV-1a, 32 bit */
    for (const unsigned char *s = (const unsigned char *)name; *s; s++) {
        h ^= *s;
        h *= 16777619u;
    }
    return h;
}

void rl_rng_init(rl_rng *r, uint64_t sweep_seed, const char *name, uint64_t item_seed, uint64_t sub)
{
    memset(r, 0, sizeof *r);
    r->key[0] = (uint32_t)sweep_seed;
    r->key[1] = rl_rng_hash_name(name);
    r->ctr[0] = 0;
    r->ctr[1] = (uint32_t)sub;
    r->ctr[2] = (uint32_t)(sub >> 32) ^ (uint32_t)(sweep_seed >> 32);
    r->ctr[3] = (uint32_t)item_seed;
    r->used = 4;
}

uint32_t rl_rng_u32(rl_rng *r)
{
    if (r->used == 4) {
        rl_rng_philox(r->key, r->ctr, r->buf);
        r->ctr[0]++; /* 2^32 blocks = 64 GiB per stream: more than any item draws */
        r->used = 0;
    }
    return r->buf[r->used++];
}

double rl_rng_uniform(rl_rng *r)
{
    uint64_t hi = rl_rng_u32(r) >> 5; /* 27 bits */
    uint64_t lo = rl_rng_u32(r) >> 6; /* 26 bits */
    return (double)((hi << 26) | lo) * (1.0 / 9007199254740992.0);
}

uint32_t rl_rng_below(rl_rng *r, uint32_t n)
{
    assert(n > 0); /* rng.h: "n > 0"; n = 0 would divide by zero below */
    /* Lemire-free simple rejection: discard the top partial block of 2^32 mod n values. */
    uint32_t limit = (uint32_t)(0x100000000ull - (0x100000000ull % n));
    for (;;) {
        uint32_t x = rl_rng_u32(r);
        if (limit == 0 || x < limit) return x % n;
    }
}

double rl_rng_normal(rl_rng *r)
{
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    double u1 = 1.0 - rl_rng_uniform(r); /* (0, 1]: log(u1) is finite */
    double u2 = rl_rng_uniform(r);
    double rad = sqrt(-2.0 * log(u1));
    double ang = 2.0 * M_PI * u2;
    r->spare = rad * sin(ang);
    r->has_spare = 1;
    return rad * cos(ang);
}

void rl_rng_fill_normal(rl_rng *r, float *x, size_t n, double mean, double sd)
{
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(mean + sd * rl_rng_normal(r));
}

void rl_rng_fill_normal_d(rl_rng *r, double *x, size_t n, double mean, double sd)
{
    for (size_t i = 0; i < n; i++)
        x[i] = mean + sd * rl_rng_normal(r);
}

void rl_rng_fill_uniform(rl_rng *r, float *x, size_t n, double lo, double hi)
{
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(lo + (hi - lo) * rl_rng_uniform(r));
}
