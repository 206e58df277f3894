/*
** coord.c: the coordinator on rank 0 (module: run). One loop, never blocking:
**   collect (probe + receive arrived messages; the local trainer's outcome)
**   -> stop logic (signals, grace deadline, abandon)
**   -> dispatch (idle slots get the next longest item; "attempt" journaled first)
**   -> commit (fsync; at most every COMMIT_SPACING while busy: group commit)
**   -> progress and snapshots on their clocks -> sleep with backoff if idle.
** Invariants: (1) a result is counted (progress, cube) only after a commit made
** it durable; results are written to the journal at once, so a kill -9 keeps
** them and only a machine crash can cost the uncommitted ones a rerun;
** (2) every dispatched item has an attempt record, so a kill leaves it "in
** flight" for the next run; (3) at the start, items in flight when a previous
** job died are retried, or failed once they have used --max-attempts runs;
** (4) an item's checkpoint is removed only after a commit made its result
** durable, so a kill at any instant leaves either the result or the checkpoint.
** Slot r is rank r; slot 0 is rank 0's own trainer when it trains.
*/
#include "run_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ABANDON_WAIT   10.0 /* s: after asking to abandon, how long before giving up on a rank */
#define COMMIT_SPACING 0.02 /* s: least time between fsyncs while results keep arriving */
#define JOURNALED_MAX  64   /* results whose checkpoints await a commit, beyond one per rank */

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
    int stop_level;                /* 0 running, 1 stop requested (grace), 2 abandoning */
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

static double now(void)
{
    return rl_now();
}

static void note(const coord *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(const coord *c, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    if (!c->o->note) return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->o->note(c->o->ctx, msg);
}

/* "item 12 (task=dms, seed=3)" */
static void describe(const coord *c, size_t item, char *buf, size_t cap)
{
    int coords[RL_MAX_DIMS];
    size_t rest = item, used = (size_t)snprintf(buf, cap, "item %zu (", item);
    for (int d = c->lay.ndims - 1; d >= 0; d--) { /* row-major, last axis fastest */
        coords[d] = (int)(rest % (size_t)c->lay.dims[d].size);
        rest /= (size_t)c->lay.dims[d].size;
    }
    for (int d = 0; d < c->lay.ndims && used < cap; d++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%s=%s", d ? ", " : "",
                                 c->lay.dims[d].name, c->lay.dims[d].labels[coords[d]]);
    if (used < cap) snprintf(buf + used, cap - used, ")");
}

/* ---- start-up ---- */

static rl_code fail_lost(coord *c, size_t item, int attempts, rl_status *st)
{
    rl_result_clear(c->res, item);
    c->res->status = RL_ITEM_FAILED;
    c->res->worker = -1;
    c->res->wall_seconds = NAN;
    snprintf(c->res->reason, sizeof c->res->reason,
             "lost in flight %d times (the job died while it ran; --max-attempts %d)", attempts,
             c->o->max_attempts);
    return rl_store_add_result(c->store, c->res, st);
}

/* Queue = pending items (lost ones within their attempts) [+ failed ones on request]. */
static rl_code build_queue(coord *c, rl_status *st)
{
    size_t lost = 0, given_up = 0;
    c->queue = rl_alloc(c->lay.nitems, sizeof *c->queue, st);
    if (!c->queue) return st->code;
    for (size_t i = 0; i < c->lay.nitems; i++) {
        rl_store_cell_info ci = rl_store_cell(c->store, i);
        if (ci.status == RL_ITEM_PENDING && ci.in_flight) {
            lost++;
            if (ci.attempts >= c->o->max_attempts) {
                RL_TRY(fail_lost(c, i, ci.attempts, st));
                given_up++;
                continue;
            }
        }
        if (ci.status == RL_ITEM_PENDING || (ci.status == RL_ITEM_FAILED && c->o->retry_failed))
            c->queue[c->nqueue++] = i;
    }
    if (lost)
        note(c,
             "items in flight when the last run ended: %zu (%zu to retry, %zu failed after "
             "--max-attempts %d runs)",
             lost, lost - given_up, given_up, c->o->max_attempts);
    return rl_run_order(c->rc->spec, c->queue, c->nqueue, st);
}

/* Start-up: invariant (4) after a kill, and the user hears which items continue mid-way. */
static rl_code tidy_checkpoints(coord *c, rl_status *st)
{
    const run_ctx *rc = c->rc;
    size_t resumable = 0;
    c->journaled_cap = (size_t)rc->size + JOURNALED_MAX;
    if (!(c->journaled = rl_alloc(c->journaled_cap, sizeof *c->journaled, st))) return st->code;
    RL_TRY(rl_run_ckpt_tidy(rc, c->store, &c->lay, &c->ckpt_dir_exists, &resumable, st));
    if (resumable && rc->checkpoints)
        note(c, "%zu pending items continue from their checkpoints in %s", resumable, rc->ckpt_dir);
    else if (resumable)
        note(c,
             "%zu checkpoints in %s are not used (--checkpoint-every 0): their items start "
             "over, and each is removed once its item is journaled",
             resumable, rc->ckpt_dir);
    return RL_OK;
}

static rl_code start(coord *c, rl_status *st)
{
    rl_store_open_info info;
    const run_ctx *rc = c->rc;
    if (!(c->res = rl_alloc(1, sizeof *c->res, st))) return st->code;
    if (!(c->packed = rl_alloc(1, RL_RESULT_PACKED_MAX, st))) return st->code;
    if (!(c->item = rl_alloc(1, sizeof *c->item, st))) return st->code;
    if (!(c->slots = rl_alloc((size_t)rc->size, sizeof *c->slots, st))) return st->code;
    if (!(c->running_now = rl_alloc((size_t)rc->size, sizeof *c->running_now, st))) return st->code;
    RL_TRY(rl_store_layout_from_spec(rc->spec, &c->lay, st));
    c->lay.numerics = rc->numerics;
    if (rc->size > 1) note(c, "%s", rc->hosts);
    if (rc->numerics_mixed)
        note(c,
             "warning: the ranks compute differently (%s): an item's bits will depend on the "
             "rank that runs it; set RICHLAZY_GEMM=blas and one OPENBLAS_CORETYPE for every "
             "rank to make them agree",
             rc->numerics);
    RL_TRY(rl_store_open(c->o->out_path, &c->lay, rc->size, &c->store, &info, st));
    if (info.rebuilt)
        note(c, "%s had no journal: rebuilt the journal from its %zu finished items",
             c->o->out_path, info.kept);
    if (info.extended)
        note(c, "the spec adds axis values: cube extended, %zu finished items kept", info.kept);
    else if (info.resumed)
        note(c, "resuming %s: %zu items already finished", c->o->out_path, info.kept);
    if (info.torn_tail) note(c, "dropped a torn last journal record (a kill mid-write)");
    RL_TRY(build_queue(c, st));
    RL_TRY(rl_store_commit(c->store, st));
    RL_TRY(rl_store_snapshot(c->store, st));
    c->last_snapshot = now();
    if (rc->coordinator_trains)
        RL_TRY(rl_run_trainer_create(rc->runner, rl_spec_seed(rc->spec), &c->local, st));
    c->slots[0].state = c->local ? S_IDLE : S_STOPPED;
    for (int r = 1; r < rc->size; r++)
        c->slots[r].state = S_STARTING;
    return tidy_checkpoints(c, st);
}

/* ---- outcomes ---- */

/* fsyncs the journal (invariant 1), then removes the now-redundant checkpoints (invariant 4). */
static rl_code commit(coord *c, rl_status *st)
{
    if (!c->uncommitted) return RL_OK;
    RL_TRY(rl_store_commit(c->store, st));
    c->uncommitted = false;
    c->last_commit = now();
    for (size_t k = 0; k < c->njournaled; k++)
        rl_run_ckpt_remove(c->rc, c->lay.ids[c->journaled[k]]);
    c->njournaled = 0;
    return RL_OK;
}

static rl_code on_result(coord *c, int rank, rl_result *r, rl_status *st)
{
    slot *s = &c->slots[rank];
    RL_CHECK(s->state == S_BUSY, st, RL_EBUG, "rank %d sent a result but had no item", rank);
    if (c->ckpt_dir_exists) {
        if (c->njournaled == c->journaled_cap) RL_TRY(commit(c, st)); /* empties the list */
        c->journaled[c->njournaled++] = s->item;
    }
    r->item = s->item;
    r->worker = rank;
    double took = now() - s->started;
    c->item_seconds = c->item_seconds > 0 ? 0.9 * c->item_seconds + 0.1 * took : took;
    if (c->eta) rl_run_eta_finished(c->eta, s->item, took);
    RL_TRY(rl_store_add_result(c->store, r, st));
    c->uncommitted = true;
    c->unsnapped++;
    c->finished_now++;
    c->running--;
    s->state = S_IDLE;
    if (r->status == RL_ITEM_FAILED) {
        char what[256];
        describe(c, s->item, what, sizeof what);
        note(c, "%s failed: %s", what, r->reason);
    }
    return RL_OK;
}

static rl_code on_abandoned(coord *c, int rank, rl_status *st)
{
    slot *s = &c->slots[rank];
    RL_CHECK(s->state == S_BUSY, st, RL_EBUG, "rank %d abandoned an item it did not have", rank);
    RL_TRY(rl_store_abandon_attempt(c->store, s->item, st));
    c->uncommitted = true;
    c->running--;
    s->state = S_IDLE;
    return RL_OK;
}

/*
** A rank's file system failed under its item (a checkpoint that could not be
** written: ENOSPC, EDQUOT, EIO). The item is not at fault, so its attempt is
** abandoned (best effort: the journal may sit on the same full disk) and stays
** pending; the run stops as after a second signal and ends with this message.
*/
static rl_code on_fatal(coord *c, int rank, const char *msg, rl_status *st)
{
    slot *s = &c->slots[rank];
    RL_CHECK(s->state == S_BUSY, st, RL_EBUG, "rank %d reported an I/O failure but had no item",
             rank);
    rl_status scratch = RL_STATUS_INIT;
    if (rl_store_abandon_attempt(c->store, s->item, &scratch) == RL_OK) c->uncommitted = true;
    c->running--;
    s->state = S_IDLE;
    if (!c->fatal[0]) snprintf(c->fatal, sizeof c->fatal, "rank %d: %s", rank, msg);
    return RL_OK;
}

static rl_code receive(coord *c, const MPI_Status *ms, rl_status *st)
{
    int src = ms->MPI_SOURCE, tag = ms->MPI_TAG, count = 0;
    MPI_Comm comm = c->rc->comm;
    RL_MPI(st, MPI_Get_count(ms, MPI_BYTE, &count));
    RL_CHECK(src > 0 && src < c->rc->size, st, RL_EBUG, "message from rank %d", src);
    if (tag == TAG_RESULT) {
        RL_CHECK(count <= (int)RL_RESULT_PACKED_MAX, st, RL_EBUG, "result of %d bytes", count);
        RL_MPI(st, MPI_Recv(c->packed, count, MPI_BYTE, src, tag, comm, MPI_STATUS_IGNORE));
        RL_CHECK(rl_result_unpack(c->packed, (size_t)count, c->res), st, RL_EBUG,
                 "rank %d sent a malformed result (%d bytes)", src, count);
        return on_result(c, src, c->res, st);
    }
    if (tag == TAG_FATAL) {
        char msg[RL_FATAL_MAX];
        RL_CHECK(count > 0 && count <= RL_FATAL_MAX, st, RL_EBUG, "fatal message of %d bytes",
                 count);
        RL_MPI(st, MPI_Recv(msg, count, MPI_CHAR, src, tag, comm, MPI_STATUS_IGNORE));
        msg[count - 1] = '\0';
        return on_fatal(c, src, msg, st);
    }
    unsigned char buf[64];
    RL_CHECK(count <= (int)sizeof buf, st, RL_EBUG, "message of %d bytes, tag %d", count, tag);
    RL_MPI(st, MPI_Recv(buf, count, MPI_BYTE, src, tag, comm, MPI_STATUS_IGNORE));
    if (tag == TAG_READY) {
        if (c->slots[src].state == S_STARTING) c->slots[src].state = S_IDLE;
    } else if (tag == TAG_ABANDONED) {
        return on_abandoned(c, src, st);
    } else if (tag == TAG_SIGNAL) {
        int32_t n;
        memcpy(&n, buf, sizeof n);
        c->slots[src].signals = n > c->slots[src].signals ? n : c->slots[src].signals;
    } else {
        RL_FAIL(st, RL_EBUG, "unexpected message tag %d from rank %d", tag, src);
    }
    return RL_OK;
}

static rl_code collect(coord *c, double wait, bool *active, rl_status *st)
{
    for (;;) {
        int flag = 0;
        MPI_Status ms;
        RL_MPI(st, MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, c->rc->comm, &flag, &ms));
        if (!flag) break;
        *active = true;
        RL_TRY(receive(c, &ms, st));
    }
    uint64_t item;
    if (!c->local) return RL_OK;
    trainer_outcome got = rl_run_trainer_poll(c->local, *active ? 0 : wait, c->res, &item);
    if (got != TRAINER_NONE) *active = true;
    if (got == TRAINER_RESULT) return on_result(c, 0, c->res, st);
    if (got == TRAINER_ABANDONED) return on_abandoned(c, 0, st);
    if (got == TRAINER_FATAL) return on_fatal(c, 0, rl_run_trainer_message(c->local), st);
    return RL_OK;
}

/* ---- stopping ---- */

/*
** Sets the stop flag (train.h opts.stop) of running items: only those that
** checkpoint, or all. Each must be back by now + wait or the job is aborted;
** one already asked gets the tighter of its deadlines. *asked counts new requests.
*/
static rl_code ask_to_stop(coord *c, bool checkpointing_only, double wait, size_t *asked,
                           rl_status *st)
{
    int zero = 0;
    double t = now();
    *asked = 0;
    for (int r = 0; r < c->rc->size; r++) {
        slot *s = &c->slots[r];
        if (s->state != S_BUSY || (checkpointing_only && !s->checkpoints)) continue;
        if (s->abandon_sent) {
            s->give_up_at = fmin(s->give_up_at, t + wait);
            continue;
        }
        if (r == 0)
            rl_run_trainer_abandon(c->local);
        else
            RL_MPI(st, MPI_Send(&zero, 1, MPI_INT, r, TAG_ABANDON, c->rc->comm));
        s->abandon_sent = true;
        s->give_up_at = t + wait;
        (*asked)++;
    }
    return RL_OK;
}

/* "stop requested: ...", naming what happens to each kind of running item. */
static void note_stop(coord *c, size_t checkpointing)
{
    char saved[128] = "", waited[160] = "";
    size_t others = c->running - checkpointing;
    if (checkpointing)
        rl_snprintf(saved, sizeof saved, "; %zu running items save a checkpoint and stop",
                    checkpointing);
    if (others)
        rl_snprintf(waited, sizeof waited,
                    "; waiting up to %g s for %zu running items without checkpoints (a second "
                    "signal abandons them)",
                    c->o->grace, others);
    note(c, "stop requested: no new items%s%s", saved, waited);
}

/*
** Signals -> stop level. The first (on any rank) stops dispatching; items that
** checkpoint stop at once (they lose at most the iteration under way), the
** others get the grace period. A second signal, or the end of the grace period,
** abandons what still runs. *give_up is set once a rank overruns its deadline.
*/
static rl_code update_stop(coord *c, bool *give_up, rl_status *st)
{
    int level = rl_run_signals_seen();
    size_t asked = 0;
    for (int r = 1; r < c->rc->size; r++)
        level = c->slots[r].signals > level ? c->slots[r].signals : level;
    if (level >= 1 && c->stop_level == 0) {
        c->stop_level = 1;
        c->stop_at = now() + c->o->grace;
        c->last_snapshot = -INFINITY; /* bring the cube up to date right away */
        c->unsnapped++;
        /* Reaching the next iteration may take a while (setup, a long step): grace covers it. */
        RL_TRY(ask_to_stop(c, true, c->o->grace + ABANDON_WAIT, &asked, st));
        note_stop(c, asked);
    }
    if (c->fatal[0] && c->stop_level < 2) { /* stop everything now: the run ends in error */
        c->stop_level = 2;
        RL_TRY(ask_to_stop(c, false, c->o->grace + ABANDON_WAIT, &asked, st));
        note(c, "%s; stopping %zu running items (they stay pending)", c->fatal, asked);
    }
    if (c->stop_level == 1 && (level >= 2 || now() >= c->stop_at)) {
        RL_TRY(ask_to_stop(c, false, ABANDON_WAIT, &asked, st));
        if (asked)
            note(c, "%s: abandoning %zu running items (they will rerun on resume)",
                 level >= 2 ? "second signal" : "grace period over", asked);
        c->stop_level = 2;
    }
    *give_up = false;
    for (int r = 0; r < c->rc->size; r++) {
        const slot *s = &c->slots[r];
        *give_up |= s->state == S_BUSY && s->abandon_sent && now() > s->give_up_at;
    }
    return RL_OK;
}

/* ---- dispatch ---- */

static rl_code give(coord *c, int r, rl_status *st)
{
    size_t item = c->queue[c->head++];
    int attempt = 0;
    trainer_job job;
    RL_TRY(rl_store_begin_attempt(c->store, item, r, &attempt, st));
    if (c->eta) rl_run_eta_dispatched(c->eta, item);
    rl_spec_fill_item(c->rc->spec, item, c->item);
    rl_run_item_job(c->rc, c->item, r, &job); /* a worker makes the same choice: stop policy */
    if (r == 0) {
        rl_run_trainer_submit(c->local, &job);
    } else {
        msg_item m = {item, attempt, 0};
        RL_MPI(st, MPI_Send(&m, sizeof m, MPI_BYTE, r, TAG_ITEM, c->rc->comm));
    }
    c->slots[r] = (slot){.state = S_BUSY,
                         .item = item,
                         .started = now(),
                         .signals = c->slots[r].signals,
                         .checkpoints = job.opts.checkpoint_path != NULL,
                         .give_up_at = INFINITY};
    c->running++;
    return RL_OK;
}

static rl_code dispatch(coord *c, rl_status *st)
{
    int zero = 0;
    for (int r = 0; r < c->rc->size; r++) {
        if (c->slots[r].state != S_IDLE) continue;
        if (c->stop_level == 0 && c->head < c->nqueue) {
            RL_TRY(give(c, r, st));
        } else if (r > 0) {
            RL_MPI(st, MPI_Send(&zero, 1, MPI_INT, r, TAG_STOP, c->rc->comm));
            c->slots[r].state = S_STOPPED;
        }
    }
    return RL_OK;
}

static bool finished(const coord *c)
{
    if (c->running > 0 || (c->stop_level == 0 && c->head < c->nqueue)) return false;
    for (int r = 1; r < c->rc->size; r++)
        if (c->slots[r].state != S_STOPPED) return false;
    return true;
}

/* ---- clocks: progress and snapshots ---- */

/* Cost-weighted seconds left (progress.c), or -1 before the probes ran. */
static double time_left(const coord *c)
{
    size_t n = 0;
    int ranks = (c->local ? 1 : 0) + c->rc->size - 1;
    if (!c->eta) return -1;
    for (int r = 0; r < c->rc->size; r++)
        if (c->slots[r].state == S_BUSY)
            c->running_now[n++] =
                (rl_run_eta_running){c->slots[r].item, now() - c->slots[r].started};
    double longest = c->head < c->nqueue ? rl_run_eta_expected(c->eta, c->queue[c->head]) : 0;
    return rl_run_eta_seconds(c->eta, c->running_now, n, c->stop_level ? 0 : longest, ranks);
}

/*
** The time-left model, once: after the first items went out, so that probing (a
** few tenths of a second of this thread) delays no rank. Failing costs only the ETA.
*/
static void weigh_queue(coord *c)
{
    rl_status quiet = RL_STATUS_INIT;
    c->eta_tried = true;
    if (rl_run_eta_create(c->rc->spec, c->queue, c->nqueue, &c->eta, &quiet) != RL_OK) return;
    for (size_t k = 0; k < c->head; k++)
        rl_run_eta_dispatched(c->eta, c->queue[k]);
}

static void report(coord *c, bool final)
{
    size_t counts[4];
    rl_run_progress p;
    rl_store_counts(c->store, counts);
    memset(&p, 0, sizeof p);
    p.total = c->lay.nitems;
    p.done = counts[RL_ITEM_DONE];
    p.diverged = counts[RL_ITEM_DIVERGED];
    p.failed = counts[RL_ITEM_FAILED];
    p.running = c->running;
    p.pending = counts[RL_ITEM_PENDING] - c->running;
    p.finished_now = c->finished_now;
    p.elapsed = now() - c->t0;
    p.items_per_min = p.elapsed > 0 ? 60.0 * (double)c->finished_now / p.elapsed : 0;
    p.eta_seconds = time_left(c);
    p.stopping = c->stop_level > 0;
    p.final = final;
    c->sum->last = p;
    c->last_progress = now();
    if (c->o->progress) c->o->progress(c->o->ctx, &p);
}

/* Commits at most every COMMIT_SPACING (at once when nothing runs); then cube and progress. */
static rl_code clocks(coord *c, rl_status *st)
{
    double t = now();
    double spacing = fmax(c->o->snapshot_every, 20 * rl_store_last_snapshot_seconds(c->store));
    bool snap = c->unsnapped && t - c->last_snapshot >= spacing;
    bool progress = t - c->last_progress >= c->o->progress_every;
    if (c->running == 0 || snap || progress || t - c->last_commit >= COMMIT_SPACING)
        RL_TRY(commit(c, st)); /* invariant (1): counted only once durable */
    if (snap) {
        RL_TRY(rl_store_snapshot(c->store, st));
        c->unsnapped = 0;
        c->last_snapshot = now();
    }
    if (progress) report(c, false);
    return RL_OK;
}

/* ---- the loop ---- */

static rl_code loop(coord *c, rl_status *st)
{
    double pause = POLL_MIN;
    bool give_up = false;
    while (!finished(c)) {
        bool active = false;
        RL_TRY(collect(c, pause, &active, st));
        RL_TRY(update_stop(c, &give_up, st));
        if (give_up) {
            c->sum->abort_needed = true;
            note(c, "a rank did not stop its item in time after being asked; aborting the job "
                    "(journaled results and saved checkpoints are kept)");
            break;
        }
        RL_TRY(dispatch(c, st));
        if (!c->eta_tried && c->running > 0) {
            weigh_queue(c);
            report(c, false); /* the first line, with a time left from the start */
        }
        RL_TRY(clocks(c, st));
        /* With a local trainer, collect() already waited on it; otherwise sleep here. */
        if (!active && !(c->local && rl_run_trainer_busy(c->local))) rl_run_sleep(pause);
        pause = rl_run_backoff(pause, active, rl_run_poll_cap(c->item_seconds));
    }
    return RL_OK;
}

static rl_code finish(coord *c, rl_status *st)
{
    size_t counts[4];
    if (c->fatal[0]) { /* keep what can be kept; the disk may refuse even that */
        rl_status scratch = RL_STATUS_INIT;
        if (commit(c, &scratch) == RL_OK) rl_store_snapshot(c->store, &scratch);
        report(c, true);
        RL_FAIL(st, RL_EIO, "%s", c->fatal);
    }
    RL_TRY(commit(c, st));
    RL_TRY(rl_store_snapshot(c->store, st));
    report(c, true);
    rl_store_counts(c->store, counts);
    if (c->stop_level > 0 && counts[RL_ITEM_PENDING] > 0)
        RL_FAIL(st, RL_ESTOPPED,
                "stopped by a signal with %zu items left; run the same command again to resume",
                counts[RL_ITEM_PENDING]);
    return RL_OK;
}

/* After a failure: tell ranks that are waiting to go; any that are busy force an abort. */
static void stop_workers(coord *c)
{
    int zero = 0;
    for (int r = 1; r < c->rc->size; r++) {
        if (c->slots && c->slots[r].state == S_BUSY) c->sum->abort_needed = true;
        if (!c->slots || c->slots[r].state != S_STOPPED)
            MPI_Send(&zero, 1, MPI_INT, r, TAG_STOP, c->rc->comm);
    }
}

static double thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

rl_code rl_run_coordinate(const run_ctx *rc, rl_run_summary *sum, rl_status *st)
{
    coord c;
    memset(&c, 0, sizeof c);
    c.rc = rc;
    c.o = rc->o;
    c.sum = sum;
    c.t0 = c.last_progress = now(); /* the first line comes with the first items (loop) */
    double cpu0 = thread_cpu();
    rl_code code = start(&c, st);
    if (!code) code = loop(&c, st);
    if (!code && !sum->abort_needed) code = finish(&c, st);
    if (c.store) rl_store_commit(c.store, &(rl_status)RL_STATUS_INIT); /* best effort on errors */
    if ((code && code != RL_ESTOPPED) || sum->abort_needed) stop_workers(&c);
    sum->coordinator_cpu_seconds = thread_cpu() - cpu0;
    rl_run_trainer_destroy(&c.local);
    /* Gone once empty (rmdir refuses otherwise). Only while holding the journal's lock, or
       if this run made it: a refused second run must not remove the running one's. */
    if (c.store || rc->ckpt_created) rmdir(rc->ckpt_dir);
    rl_store_close(&c.store);
    rl_store_layout_free(&c.lay);
    rl_free(c.queue);
    rl_free(c.journaled);
    rl_run_eta_destroy(&c.eta);
    rl_free(c.running_now);
    rl_free(c.slots);
    rl_free(c.item);
    rl_free(c.packed);
    rl_free(c.res);
    return code;
}
