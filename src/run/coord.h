/*
** coord.h: the coordinator's state, shared by its files (module: run, internal):
** coord.c (the loop: outcomes, dispatch, commits, progress), coord_start.c (start-up:
** the store, the queue, lost items, leftover checkpoints) and coord_stop.c (signals ->
** stop level -> which running items are asked to stop). Invariants: coord.c.
** Why split there: start-up runs once before the loop and stopping is a small state
** machine of its own (the levels below); both are called by the loop and call nothing
** back, so the arrows point from coord.c down to them.
*/
#ifndef RL_RUN_COORD_H
#define RL_RUN_COORD_H

#include "run_int.h"

#include <stdarg.h>
#include <stdio.h>

#define ABANDON_WAIT   10.0 /* s: after asking to abandon, how long before giving up on a rank */
#define COMMIT_SPACING 0.02 /* s: least time between fsyncs while results keep arriving */
#define JOURNALED_MAX  64   /* results whose checkpoints await a commit, beyond one per rank */
/*
** The typical item's duration (which sets the poll cap, run_int.h) is a running mean
** that weighs the newest item by ITEM_SECONDS_NEW: a change of item size shows within
** ~10 items, while one outlier (a diverged item, a slow node) moves it by a tenth only.
*/
#define ITEM_SECONDS_NEW 0.1
/*
** Snapshots (rewriting the cube) are spaced at least SNAPSHOT_SPACING_FACTOR times as
** long as the last one took, so on a slow file system or with a big cube they cost rank
** 0 at most ~5% of its time, whatever --snapshot-every asks.
*/
#define SNAPSHOT_SPACING_FACTOR 20

/*
** How far a stop has gone; it only rises. The count of stop signals seen (on any rank)
** is the level they ask for: the first STOP_GRACE, a second STOP_ABANDON.
*/
typedef enum stop_level {
    STOP_NONE = 0,    /* dispatching */
    STOP_GRACE = 1,   /* no new items; checkpointing items stop now, the others get --grace */
    STOP_ABANDON = 2, /* every running item is asked to stop now (second signal, grace over,
                         or a rank's file system failed) */
} stop_level;

typedef enum slot_state { S_STARTING, S_IDLE, S_BUSY, S_STOPPED } slot_state;

typedef struct slot {
    slot_state state;
    size_t item;
    double started;
    bool abandon_sent;
    int signals;       /* stop signals this rank reported */
    bool checkpoints;  /* the item saves its state when stopped: stopping it loses nothing */
    double give_up_at; /* asked to stop: abort the job if it has not by then */
} slot;

typedef struct coord {
    const run_ctx *rc;
    const rl_run_opts *o;
    rl_run_summary *sum;
    rl_store_layout lay;
    rl_store *store;
    rl_trainer *local; /* rank 0's trainer, or NULL */
    slot *slots;
    size_t *queue, nqueue, head;
    size_t running, finished_now, unsnapped;
    bool uncommitted;
    int journal_restores; /* rl_store_journal_restores already reported */
    stop_level stop_level;
    char fatal[RL_FATAL_MAX + 32]; /* a rank's file system failed: stop, then exit 1 with it */
    double t0, stop_at, last_progress, last_snapshot, last_commit;
    double item_seconds;  /* running mean of dispatch-to-outcome times (sets the poll cap) */
    bool ckpt_dir_exists; /* checkpoints may exist: remove them as items are journaled */
    size_t *journaled, njournaled, journaled_cap; /* results not yet committed (invariant 4) */
    rl_run_eta *eta; /* the time left, once the probes ran (after the first dispatch) */
    bool eta_tried;  /* they ran, or failed: an ETA is never worth failing a sweep */
    rl_run_eta_running *running_now; /* scratch for the ETA: one per rank */
    rl_item *item;                   /* scratch: the item being handed to the local trainer */
    rl_result *res;                  /* the last outcome received */
    unsigned char *packed;           /* receive buffer, RL_RESULT_PACKED_MAX bytes */
} coord;

/* A one-line event for the user (rl_run_opts.note), if anyone listens. */
static inline void coord_note(const coord *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static inline void coord_note(const coord *c, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    if (!c->o->note) return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->o->note(c->o->ctx, msg);
}

/* ---- coord_start.c ---- */

/*
** Opens the store (resuming, extending or rebuilding, with a note for each), fails
** items lost in flight too often, queues the rest longest first, starts rank 0's
** trainer when it trains, and tidies leftover checkpoints (invariants 3 and 4).
** Everything it allocates is released by rl_run_coordinate whatever happens.
*/
rl_code rl_run_coord_start(coord *c, rl_status *st);

/* ---- coord_stop.c ---- */

/*
** Raises c->stop_level from the signals seen, the grace deadline and c->fatal, and asks
** running items to stop accordingly (one note per step). *give_up is set once a rank
** asked to stop has overrun its deadline: the job must then be aborted.
*/
rl_code rl_run_coord_update_stop(coord *c, bool *give_up, rl_status *st);

#endif /* RL_RUN_COORD_H */
