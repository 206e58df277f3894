/*
** task_impl.h: what the task files share inside the module (not public).
** Why: a task is one rl_task_kind (a small table of functions) in its own file
** plus one line in task.c's registry (DESIGN "Extending"). The three NeuroGym
** tasks (2af, dms, cxt) share periods, noise and labelling: neurogym.c.
** Invariants: a kind's fill gets a batch whose shape already matches the task
** and whose arrays are zeroed, so it writes only what is non-zero.
*/
#ifndef RL_TASK_IMPL_H
#define RL_TASK_IMPL_H

#include "richlazy/task.h"

#include <stdbool.h>

/* The random source of one fill, prepared by task.c. */
typedef struct rl_task_draw {
    rl_rng rng;          /* "task.train" at iter, or "task.probe" */
    uint64_t sweep_seed; /* for kinds with streams of their own ("task.pattern") */
    bool probe;          /* the fixed probe set rather than training batch `iter` */
    long iter;           /* training iteration, >= 0 (unused for the probe) */
} rl_task_draw;

typedef struct rl_task_kind {
    const char *name; /* task.name */
    /* Checks p and computes the shape without file I/O (plan's cost estimate). */
    rl_code (*shape)(const rl_params *p, rl_task_shape *out, rl_status *st);
    /* Makes the kind's state (resolved periods, loaded files); NULL: none needed. */
    rl_code (*build)(const rl_params *p, void **state, rl_status *st);
    void (*release)(void *state); /* frees what build made; safe on NULL */
    /* Writes one batch into b (shape checked, arrays zeroed by the caller). */
    rl_code (*fill)(const rl_task *t, rl_task_draw *d, rl_batch *b, rl_status *st);
} rl_task_kind;

struct rl_task {
    const rl_task_kind *kind;
    rl_params p; /* the item's parameters, copied */
    rl_task_shape shape;
    void *state; /* kind-specific, owned */
};

/* The registry's entries (one per task file). */
extern const rl_task_kind rl_task_kind_2af;
extern const rl_task_kind rl_task_kind_dms;
extern const rl_task_kind rl_task_kind_cxt;
extern const rl_task_kind rl_task_kind_smnist;
extern const rl_task_kind rl_task_kind_pattern;

/* Element (t, row) of the time-major arrays of task.h. */
static inline float *rl_task_x(const rl_batch *b, int t, int row)
{
    return b->x + ((size_t)t * (size_t)b->batch + (size_t)row) * (size_t)b->n_in;
}
static inline size_t rl_task_tb(const rl_batch *b, int t, int row)
{
    return (size_t)t * (size_t)b->batch + (size_t)row;
}

/* ---- NeuroGym v0.0.2 tasks (neurogym.c) ---- */

#define RL_NG_PERIODS_MAX 5      /* dms has the most: fixation, sample, delay, test, decision */
#define RL_NG_STEPS_MAX   100000 /* longest trial we accept (T x B x n_in floats per batch) */

/* One period as the task declares it: its key in task.*, the given and the paper length. */
typedef struct rl_ng_period {
    const char *key; /* "fixation", ... (for messages: task.<key>) */
    double given_ms; /* the parameter: -1 = paper value */
    double paper_ms; /* the paper's value (tasks-neurogym-v002.md) */
} rl_ng_period;

/* Steps [start, start + len) of one period. */
typedef struct rl_ng_span {
    int start, len;
} rl_ng_span;

/* A NeuroGym task resolved from its parameters: the state of 2af, dms and cxt. */
typedef struct rl_ng {
    int n_periods; /* the last one is the decision period */
    rl_ng_span span[RL_NG_PERIODS_MAX];
    int steps;
    int n_in;
    int n_coh;
    double coh[RL_REALS_MAX]; /* percent */
    double sigma_eff;         /* sigma / sqrt(dt) */
} rl_ng;

/*
** Resolves periods (in order, decision last), the coherence list (p's, or
** the default `coh` of n_coh values when p gives none) and the noise level.
** RL_EINPUT names the offending key when a length is negative (other than -1),
** the decision period is shorter than one step, or the trial is too long.
*/
rl_code rl_ng_resolve(const rl_params *p, const rl_ng_period *per, int n_per, const double *coh,
                      int n_coh, int n_in, rl_ng *out, rl_status *st);
rl_task_shape rl_ng_shape(const rl_ng *ng);
/* Copies ng into newly allocated state for rl_task_kind.build. */
rl_code rl_ng_build(const rl_ng *ng, void **state, rl_status *st);
/*
** The registry entry of a NeuroGym kind: its shape and build entries are the
** same two steps around the kind's own resolve() (periods, coherences), so the
** macro writes them once. Use at file scope: RL_NG_KIND(2af, "2af", resolve, fill).
*/
#define RL_NG_KIND(id, name, resolve_fn, fill_fn)                                                  \
    static rl_code shape(const rl_params *p, rl_task_shape *out, rl_status *st)                    \
    {                                                                                              \
        rl_ng ng;                                                                                  \
        RL_TRY(resolve_fn(p, &ng, st));                                                            \
        *out = rl_ng_shape(&ng);                                                                   \
        return RL_OK;                                                                              \
    }                                                                                              \
    static rl_code build(const rl_params *p, void **state, rl_status *st)                          \
    {                                                                                              \
        rl_ng ng;                                                                                  \
        RL_TRY(resolve_fn(p, &ng, st));                                                            \
        return rl_ng_build(&ng, state, st);                                                        \
    }                                                                                              \
    const rl_task_kind rl_task_kind_##id = {name, shape, build, rl_ng_release, fill_fn}
void rl_ng_release(void *state);

/* Sets channel ch to v over a period's steps in trial `row`. */
void rl_ng_set(rl_batch *b, int row, rl_ng_span sp, int ch, float v);
/* Adds N(0, sigma_eff^2) to channels [ch0, ch1) over a period (always draws: see neurogym.c). */
void rl_ng_noise(const rl_ng *ng, rl_rng *r, rl_batch *b, int row, rl_ng_span sp, int ch0, int ch1);
/* The rules every NeuroGym task shares: fixation channel 0 is 1 before the
   decision period; label 0 except `label` in the decision period; mask 1 everywhere. */
void rl_ng_common(const rl_ng *ng, rl_batch *b, int row, int label);
/* A coherence drawn uniformly from ng's list (percent). */
double rl_ng_coherence(const rl_ng *ng, rl_rng *r);

#endif /* RL_TASK_IMPL_H */
