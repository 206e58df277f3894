/*
** run.h: the sweep engine — rank 0 coordinates, ranks train, results go to the
** store (module: run). README "Running a sweep" documents the command.
**
** Shape (every rank has the spec; only item indices travel):
**   rank 0, main thread   coordinator: polls MPI and signals (MPI_Iprobe + ~1 ms
**                         sleeps, never a blocking receive, which would spin a
**                         core), journals, dispatches longest-expected-first,
**                         snapshots the cube, reports progress
**   every training rank   one trainer thread runs items; its main thread polls
**                         MPI so the coordinator can ask it to abandon an item
**   rank 0 trains too when all ranks on its node fit on its cores (P = 1: always).
** MPI must be initialised with at least MPI_THREAD_FUNNELED (only main threads
** call MPI). Determinism: an item's values depend only on its parameters and
** the sweep seed (never on P, order or resumption): the engine passes nothing else.
** Stop: SIGTERM, SIGINT or SIGUSR1 (on any rank) stops dispatching. Running
** items that checkpoint (below) are told to stop at once: each saves its state
** and comes back unfinished. Items that cannot checkpoint get `grace` seconds;
** a second signal abandons them at once. Either way everything journaled is
** kept, a stopped item stays pending without using up an attempt, and the
** result is RL_ESTOPPED (exit 3).
** Mid-item checkpoints (issue 8): OUT.nc.ckpt/<item id>.ckpt, written by the
** training rank (train.h) every checkpoint_every seconds and on a stop; rank 0
** removes one once the item's result is committed, and the directory once it is
** empty. A rerun continues each item from its checkpoint, bitwise as if never
** stopped. The directory must be writable from every rank (checked at start).
*/
#ifndef RICHLAZY_RUN_H
#define RICHLAZY_RUN_H

#include <mpi.h>

#include "richlazy/spec.h"
#include "richlazy/train.h"

/* Trains one item (rl_train_item's contract); the engine's only view of training. */
typedef rl_code (*rl_run_item_fn)(const rl_params *p, uint64_t sweep_seed,
                                  const rl_train_opts *opts, rl_result *out, rl_status *st);

/* A snapshot of the sweep's state, for progress lines. */
typedef struct rl_run_progress {
    size_t total, done, diverged, failed, running, pending;
    size_t finished_now;  /* items finished by this run (not carried over) */
    double elapsed;       /* seconds since this run started */
    double items_per_min; /* this run's rate */
    double eta_seconds;   /* seconds left, weighted by each item's cost (progress.c); < 0 unknown */
    bool stopping;        /* a stop signal arrived */
    bool final;           /* the last report of the run */
} rl_run_progress;

typedef struct rl_run_opts {
    const char *out_path;    /* OUT.nc (journal OUT.nc.journal next to it) */
    int max_attempts;        /* runs of an item lost in flight before it is failed (2) */
    double grace;            /* seconds running items get after a stop signal (60) */
    double progress_every;   /* seconds between progress reports (30) */
    double snapshot_every;   /* least seconds between cube rewrites (10; more if they are slow) */
    double checkpoint_every; /* seconds of training between an item's checkpoints (60) */
    long checkpoint_iters;   /* ... or iterations (0: by time only); both 0: no checkpoints */
    bool retry_failed;       /* run items recorded as failed again */
    int coordinator_trains;  /* -1 auto, 0 never, 1 always */
    rl_run_item_fn runner;   /* NULL: rl_train_item */
    /* Rank 0 only; may be NULL. Called from the coordinator's thread. */
    void (*progress)(void *ctx, const rl_run_progress *p);
    void (*note)(void *ctx, const char *msg); /* one-line events: resume, failure, stop */
    void *ctx;
} rl_run_opts;

/* What the run did (meaningful on rank 0; other ranks fill what they know). */
typedef struct rl_run_summary {
    rl_run_progress last;
    int ranks;
    bool coordinator_trained;
    double wall_seconds;
    double coordinator_cpu_seconds; /* CPU time of rank 0's coordinating thread */
    bool abort_needed;              /* workers did not stop cleanly: call MPI_Abort, not Finalize */
} rl_run_summary;

/* Fills the defaults above. */
void rl_run_opts_default(rl_run_opts *o);

/*
** rl_run_sweep: runs every unfinished item of spec and keeps the results file
** at o->out_path up to date. Collective over comm (every rank passes the same
** spec and options). Returns RL_OK when nothing is left to run (failed and
** diverged items included), RL_ESTOPPED after a stop signal with work left,
** RL_EINPUT if the results file belongs to another spec (message with a diff),
** RL_EIO/RL_EMPI/RL_ENOMEM otherwise. Only rank 0's message is meaningful; when
** sum->abort_needed is set the caller must MPI_Abort (the journal is intact).
*/
rl_code rl_run_sweep(const rl_spec *spec, MPI_Comm comm, const rl_run_opts *o, rl_run_summary *sum,
                     rl_status *st);

/* ---- cost (cost.c): plan's estimate, dispatch order, the progress ETA ---- */

/* Expected work of one item in flops (a multiply-add counts 2). Any rank. */
typedef struct rl_run_flops {
    double train;         /* every training iteration (train.iterations: a criterion may stop it
                             earlier) */
    double measure;       /* probe passes, tangent kernels and eigenvalues, W_h(0)'s spectrum */
    double per_iteration; /* one training iteration */
} rl_run_flops;
rl_run_flops rl_run_item_flops(const rl_params *p);
/* train + measure: what longest-first dispatch orders by. */
double rl_run_item_cost(const rl_params *p);
/* The indices of `items` (n of them) ordered by rl_run_item_cost, longest first, ties by index. */
rl_code rl_run_order(const rl_spec *spec, size_t *items, size_t n, rl_status *st);

/*
** This machine's speed on the training shapes of n items of a spec (items NULL:
** all of them): one probe per distinct shape (task, hidden, batch, steps,
** optimiser) runs the real training step for ~0.05 s of the calling thread's CPU
** time, and one times the double-precision GEMM and LAPACK calls of the measures.
** Any rank; not collective.
*/
typedef struct rl_run_rates rl_run_rates;
rl_code rl_run_rates_measure(const rl_spec *spec, const size_t *items, size_t n, rl_run_rates **out,
                             rl_status *st);
void rl_run_rates_destroy(rl_run_rates **r); /* safe on NULL */
/* Expected seconds of one free core for item p (training and measures). */
double rl_run_rates_item_seconds(const rl_run_rates *r, const rl_params *p);
/* Its training iterations' part of that (what a diverged or early-stopped item saves). */
double rl_run_rates_train_seconds(const rl_run_rates *r, const rl_params *p);
double rl_run_rates_probe_seconds(const rl_run_rates *r); /* CPU time the probes took */
int rl_run_rates_shapes(const rl_run_rates *r);           /* shapes probed */

#ifdef RL_TEST_HOOKS
/*
** A cheap deterministic stand-in for rl_train_item, for the engine's own tests
** and benchmark (RICHLAZY_FAKE_RUNNER=1 in the test program richlazy-test only;
** src/run/fake.c is in no library). Sleeps train.iterations microseconds
** (honouring opts->stop); measures are a hash of every parameter, so they are
** bitwise reproducible. init.gain selects an outcome: < 100 done, [100, 500)
** diverged, [500, 900) an error, >= 900 kills its own process (a crash).
*/
rl_code rl_run_fake_item(const rl_params *p, uint64_t sweep_seed, const rl_train_opts *opts,
                         rl_result *out, rl_status *st);
#endif /* RL_TEST_HOOKS */

/* Any rank. Counts SIGTERM, SIGINT and SIGUSR1 from now on (rl_run_sweep calls it). */
rl_code rl_run_signals_install(rl_status *st);
/* Stop signals received so far by this process. */
int rl_run_signals_seen(void);

#endif /* RICHLAZY_RUN_H */
