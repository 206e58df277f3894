/*
** fake.c: a deterministic stand-in for rl_train_item (module: run), selected by
** RICHLAZY_FAKE_RUNNER=1 in the test program richlazy-test, the only binary that
** links this file (src/cli/meson.build). The engine's tests and its overhead
** benchmark need items that cost a chosen time, produce reproducible values, and
** diverge, fail or crash on demand, without the real training's seconds per item.
** Values: a 64-bit FNV-1a hash of every parameter's canonical text (so they
** depend on the item only, never on rank, order or resumption), spread over
** the measures and the curves by a SplitMix64 finaliser.
** Outcome by init.gain: < 100 done; [100, 500) diverged; [500, 900) an error;
** >= 900 raises SIGKILL in its own process (a worker crash).
*/
#include "richlazy/run.h"

#include <math.h>
#include <signal.h>
#include <string.h>
#include <time.h>

static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return (h ^ '\n') * 0x100000001b3ULL;
}

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* A double in [0, 1) from 53 bits of k. */
static double unit(uint64_t k)
{
    return ldexp((double)(k >> 11), -53);
}

static uint64_t params_hash(const rl_params *p, uint64_t sweep_seed)
{
    size_t n;
    const rl_key *keys = rl_params_keys(&n);
    uint64_t h = 0xcbf29ce484222325ULL ^ mix(sweep_seed);
    for (size_t i = 0; i < n; i++) {
        char text[RL_PATH_MAX + 64];
        rl_params_format(p, &keys[i], text, sizeof text);
        h = fnv1a(fnv1a(h, keys[i].path), text);
    }
    return h;
}

/* Sleeps about `us` microseconds in 1 ms slices; false if asked to stop. */
static bool pretend_to_train(long us, volatile const int *stop)
{
    while (us > 0) {
        if (stop && *stop) return false;
        long slice = us < 1000 ? us : 1000;
        nanosleep(&(struct timespec){0, slice * 1000}, NULL);
        us -= slice;
    }
    return !(stop && *stop);
}

rl_code rl_run_fake_item(const rl_params *p, uint64_t sweep_seed, const rl_train_opts *opts,
                         rl_result *out, rl_status *st)
{
    double t0 = rl_now(), gain = p->init.gain;
    uint64_t h = params_hash(p, sweep_seed);
    if (gain >= 900) raise(SIGKILL);
    RL_CHECK(gain < 500, st, RL_EINPUT, "fake runner: init.gain %g asks for an error", gain);
    if (!pretend_to_train(p->train.iterations, opts ? opts->stop : NULL))
        RL_FAIL(st, RL_ESTOPPED, "fake runner: stopped on request");
    for (int m = 0; m < RL_NMEASURES; m++)
        out->measure[m] = unit(mix(h + (uint64_t)m));
    long every = p->train.curve_every > 0 ? p->train.curve_every : 1;
    long n = (p->train.iterations + every - 1) / every;
    out->n_curve = n > RL_CURVE_MAX ? RL_CURVE_MAX : (int)n;
    for (int k = 0; k < out->n_curve; k++)
        out->curve[RL_CURVE_loss_curve][k] =
            (float)(exp(-0.1 * k) * (1.0 + 0.1 * unit(mix(h ^ (uint64_t)k))));
    long kevery = p->probe.kernel_every; /* the kernel curves at the records train.c fills */
    for (int k = 0; kevery > 0 && k < out->n_curve; k++)
        if (((k + 1) * every) % kevery == 0)
            for (int c = RL_CURVE_loss_curve + 1; c < RL_NCURVES; c++)
                out->curve[c][k] = (float)unit(mix(h ^ ((uint64_t)c << 32 | (uint64_t)k)));
    out->status = RL_ITEM_DONE;
    out->measure[RL_MEASURE_diverged_step] = -1;
    if (gain >= 100) {
        out->status = RL_ITEM_DIVERGED;
        for (int m = 0; m < RL_NMEASURES; m++)
            out->measure[m] = NAN;
        out->measure[RL_MEASURE_diverged_step] = (double)(p->train.iterations / 2);
    }
    out->wall_seconds = rl_now() - t0;
    return RL_OK;
}
