/*
** run_int.h: what the engine's files share — the MPI message protocol, the
** trainer thread, and the coordinator/worker entry points (module: run).
**
** Protocol (all on the engine's duplicated communicator; rank 0 = coordinator):
**   worker -> 0   TAG_READY      (empty)          after start-up
**                 TAG_RESULT     packed rl_result an item finished (done, diverged, failed)
**                 TAG_ABANDONED  uint64 item      the item was stopped on request
**                 TAG_SIGNAL     int32 count      this rank received stop signals
**                 TAG_FATAL      message text     the file system failed under the item
**                                                 (a checkpoint could not be written): the
**                                                 item stays pending, the run stops, exit 1
**   0 -> worker   TAG_ITEM       msg_item         train this item
**                 TAG_ABANDON    int32 0          stop the running item now
**                 TAG_STOP       int32 0          no more work: leave the loop
** A result travels packed (the fixed fields, n_curve curve values, the reason
** string): a few hundred bytes instead of 4.5 kB, under the shared-memory
** eager limit (4 kB), so the worker's send completes without waiting for rank 0.
** A worker holds at most one item; a RESULT or ABANDONED reply means "ready for
** the next", so dispatch needs no separate request. Rank 0 never blocks in MPI:
** it probes, and receives only messages that have arrived.
*/
#ifndef RICHLAZY_RUN_INT_H
#define RICHLAZY_RUN_INT_H

#include "richlazy/run.h"
#include "richlazy/store.h"

enum run_tag {
    TAG_READY = 1,
    TAG_RESULT,
    TAG_ABANDONED,
    TAG_SIGNAL,
    TAG_ITEM,
    TAG_FATAL,
    TAG_ABANDON,
    TAG_STOP,
};

#define RL_FATAL_MAX 1024 /* longest TAG_FATAL message, its NUL included */

typedef struct msg_item {
    uint64_t item;
    int32_t attempt;
    int32_t reserved;
} msg_item;

/* STYLE §11: an MPI return code becomes a status (needs MPI_ERRORS_RETURN on the communicator). */
#define RL_MPI(st, call)                                                                           \
    do {                                                                                           \
        int rl_mpi_rc_ = (call);                                                                   \
        if (rl_mpi_rc_ != MPI_SUCCESS) {                                                           \
            char rl_mpi_txt_[MPI_MAX_ERROR_STRING];                                                \
            int rl_mpi_len_ = 0;                                                                   \
            MPI_Error_string(rl_mpi_rc_, rl_mpi_txt_, &rl_mpi_len_);                               \
            RL_FAIL((st), RL_EMPI, "%s failed: %s", #call, rl_mpi_txt_);                           \
        }                                                                                          \
    } while (0)

/*
** Poll intervals: POLL_MIN right after activity, doubling while idle up to a cap
** that is a twentieth of the typical item's duration, between POLL_CAP_MIN and
** POLL_MAX. So waiting adds at most ~5% to an item, trivial items are not held
** up by millisecond sleeps, and a rank waiting on long items wakes ~1000 times a
** second (toolchain.md: ~0.04 s CPU per 3 s with 1 ms sleeps).
*/
#define POLL_MIN     20e-6 /* s */
#define POLL_CAP_MIN 50e-6 /* s */
#define POLL_MAX     1e-3  /* s */

/* ---- poll.c: waiting without spinning a core ---- */

/* The cap for items that typically take `item_seconds` (unknown: <= 0). */
double rl_run_poll_cap(double item_seconds);

/* Sleeps `seconds` (nanosleep; interrupted sleeps just return early). */
void rl_run_sleep(double seconds);
/* Next poll interval after an idle (active = false) or a busy iteration. */
double rl_run_backoff(double current, bool active, double cap);
/* Completes req by polling MPI_Test with short sleeps: a waiting rank burns no core. */
rl_code rl_run_wait(MPI_Request *req, rl_status *st);

/* ---- trainer.c: one thread that trains one item at a time ---- */

typedef struct rl_trainer rl_trainer;

typedef enum trainer_outcome {
    TRAINER_NONE,      /* nothing finished */
    TRAINER_RESULT,    /* *out holds an outcome (done, diverged or failed) */
    TRAINER_ABANDONED, /* the item was stopped on request */
    TRAINER_FATAL,     /* the runner met a failing file system (RL_EIO): stop the run */
} trainer_outcome;

rl_code rl_run_trainer_create(rl_run_item_fn fn, uint64_t sweep_seed, rl_trainer **out,
                              rl_status *st);
/* Joins the thread; the running item (if any) is abandoned first. Safe on NULL. */
void rl_run_trainer_destroy(rl_trainer **t);
/* One item for the trainer; rl_run_trainer_submit copies all of it, strings included. */
typedef struct trainer_job {
    const rl_params *params;
    uint64_t item;
    int worker;
    rl_train_opts opts;                /* opts.stop is replaced by the trainer's own abandon flag */
    char checkpoint_path[RL_PATH_MAX]; /* storage behind opts.checkpoint_path */
} trainer_job;

/* Starts a job. The trainer must be idle. */
void rl_run_trainer_submit(rl_trainer *t, const trainer_job *job);
/* Asks the running item to stop (train.h opts.stop). */
void rl_run_trainer_abandon(rl_trainer *t);
bool rl_run_trainer_busy(const rl_trainer *t);
/*
** Collects a finished item, waiting up to `wait` seconds for one. On
** TRAINER_RESULT *out is the item's record with item and worker set; a runner
** error has become status failed with the message as the reason.
*/
trainer_outcome rl_run_trainer_poll(rl_trainer *t, double wait, rl_result *out, uint64_t *item);
/*
** After TRAINER_FATAL: the runner's message (path and errno text), valid until the next
** submit. RL_EIO from a runner means the disk, not the item, failed (a full or failing
** file system under a checkpoint), so the item is not recorded as failed.
*/
const char *rl_run_trainer_message(const rl_trainer *t);

/* ---- progress.c: the cost-weighted time left (rank 0) ---- */

typedef struct rl_run_eta rl_run_eta;
typedef struct rl_run_eta_running {
    size_t item;
    double elapsed; /* seconds since it was dispatched */
} rl_run_eta_running;
/* Probes this machine (cost.c) and weighs the n queued items; all count as not dispatched. */
rl_code rl_run_eta_create(const rl_spec *spec, const size_t *queue, size_t n, rl_run_eta **out,
                          rl_status *st);
void rl_run_eta_destroy(rl_run_eta **e); /* safe on NULL */
void rl_run_eta_dispatched(rl_run_eta *e, size_t item);
/* An outcome of item after `seconds` from dispatch: corrects the scale (done or not). */
/*
** An item finished in `seconds` after `iterations` of its train.iterations (the measure
** iterations_trained; NaN: count the item whole): a diverged item did that share of the work
** the cost model expected, and the scale learns from it so.
*/
void rl_run_eta_finished(rl_run_eta *e, size_t item, double seconds, double iterations);
/* Measured over expected seconds of the items finished so far (1 before the first). */
double rl_run_eta_scale(const rl_run_eta *e);
double rl_run_eta_expected(const rl_run_eta *e, size_t item);
/* Seconds left: the queue and the running items over `ranks` training ranks, at least the
   longest single item (longest_queued: the expected seconds of the biggest one queued). */
double rl_run_eta_seconds(const rl_run_eta *e, const rl_run_eta_running *running, size_t n_running,
                          double longest_queued, int ranks);

/* ---- what engine.c decides at start-up, for coord.c and worker.c ---- */

/* What rank 0 and the workers agree on at start-up. */
typedef struct run_ctx {
    const rl_spec *spec;
    const rl_run_opts *o;
    rl_run_item_fn runner; /* o->runner, or rl_train_item */
    MPI_Comm comm;         /* duplicated, MPI_ERRORS_RETURN */
    int rank, size;
    bool coordinator_trains;
    bool checkpoints;           /* items that can checkpoint get a path in ckpt_dir */
    bool ckpt_created;          /* rank 0 created ckpt_dir in this run */
    char ckpt_dir[RL_PATH_MAX]; /* OUT.nc.ckpt, absolute once it exists (all ranks) */
    char numerics[512];         /* rank 0: the training ranks' rl_rnn_numerics, or "mixed: ..." */
    bool numerics_mixed;        /* rank 0: the training ranks' strings differ */
    char hosts[512];            /* rank 0: "P ranks on H hosts: NAME (ranks 0-3), ..." */
} run_ctx;

/* ---- ckptdir.c: the checkpoint directory and each item's job ---- */

/*
** The job for item `it` on rank `worker`: the one place where per-item training
** options are chosen, on rank 0 and the workers alike. job->opts.checkpoint_path
** is set (ckpt_dir/<id>.ckpt) exactly when the item checkpoints: then a stop
** loses nothing and rank 0 asks it to stop at once.
*/
void rl_run_item_job(const run_ctx *rc, const rl_item *it, int worker, trainer_job *job);

/*
** Collective, at start-up. Rank 0 checks the output path and creates OUT.nc.ckpt
** (when checkpoints are on) and broadcasts its absolute path; then every rank must be
** able to write there, or none starts. RL_EINPUT/RL_EIO are decided together (after a
** broadcast), so every rank returns the same code.
*/
rl_code rl_run_ckpt_prepare(run_ctx *rc, rl_status *st);

/* ckpt_dir/<id>.ckpt into buf (RL_PATH_MAX bytes); false if it does not fit. */
bool rl_run_ckpt_path(const run_ctx *rc, const char *id, char *buf);
/* Removes item id's checkpoint and its initial measures (<id>.init), if there. */
void rl_run_ckpt_remove(const run_ctx *rc, const char *id);
/*
** Rank 0, at start-up: removes the checkpoints of items that already have a
** result (a kill between commit and removal leaves one) and counts those of
** pending items, which will continue from them. *exists: the directory is there.
*/
rl_code rl_run_ckpt_tidy(const run_ctx *rc, const rl_store *store, const rl_store_layout *lay,
                         bool *exists, size_t *resumable, rl_status *st);

/* ---- coord.c and worker.c: called by engine.c only ---- */

/* Rank 0. Runs the sweep; fills sum. */
rl_code rl_run_coordinate(const run_ctx *rc, rl_run_summary *sum, rl_status *st);
/* Ranks 1..P-1. Trains what rank 0 sends until TAG_STOP. */
rl_code rl_run_work(const run_ctx *rc, rl_status *st);

#endif /* RICHLAZY_RUN_INT_H */
