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
** Start-up is coord_start.c, the stop policy coord_stop.c (state: coord.h).
*/
#include "coord.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    return rl_now();
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

/* ---- outcomes ---- */

/* fsyncs the journal (invariant 1), then removes the now-redundant checkpoints (invariant 4). */
static rl_code commit(coord *c, rl_status *st)
{
    if (!c->uncommitted) return RL_OK;
    RL_TRY(rl_store_commit(c->store, st));
    if (rl_store_journal_restores(c->store) > c->journal_restores) {
        c->journal_restores = rl_store_journal_restores(c->store);
        coord_note(c,
                   "warning: %s.journal was replaced or removed while this run held it (git "
                   "checkout or stash, rsync, rm?); this run's journal was written back over it, "
                   "so no finished item is lost",
                   c->o->out_path);
    }
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
    c->item_seconds = c->item_seconds > 0
                          ? (1 - ITEM_SECONDS_NEW) * c->item_seconds + ITEM_SECONDS_NEW * took
                          : took;
    /* A diverged item did a share of its work; a failed one says nothing of the cost; an item
       stopped at its criterion counts whole, so the scale learns how early such items stop. */
    if (c->eta && r->status == RL_ITEM_DIVERGED)
        rl_run_eta_finished(c->eta, s->item, took, r->measure[RL_MEASURE_iterations_trained]);
    else if (c->eta && r->status == RL_ITEM_DONE)
        rl_run_eta_finished(c->eta, s->item, took, NAN);
    RL_TRY(rl_store_add_result(c->store, r, st));
    c->uncommitted = true;
    c->unsnapped++;
    c->finished_now++;
    c->running--;
    s->state = S_IDLE;
    if (r->status == RL_ITEM_FAILED) {
        char what[256];
        describe(c, s->item, what, sizeof what);
        coord_note(c, "%s failed: %s", what, r->reason);
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
        if (c->stop_level == STOP_NONE && c->head < c->nqueue) {
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
    if (c->running > 0 || (c->stop_level == STOP_NONE && c->head < c->nqueue)) return false;
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
    return rl_run_eta_seconds(c->eta, c->running_now, n, c->stop_level != STOP_NONE ? 0 : longest,
                              ranks);
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
    size_t counts[RL_ITEM_NSTATUS];
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
    p.stopping = c->stop_level != STOP_NONE;
    p.final = final;
    c->sum->last = p;
    c->last_progress = now();
    if (c->o->progress) c->o->progress(c->o->ctx, &p);
}

/* Commits at most every COMMIT_SPACING (at once when nothing runs); then cube and progress. */
static rl_code clocks(coord *c, rl_status *st)
{
    double t = now();
    double spacing = fmax(c->o->snapshot_every,
                          SNAPSHOT_SPACING_FACTOR * rl_store_last_snapshot_seconds(c->store));
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
        RL_TRY(rl_run_coord_update_stop(c, &give_up, st));
        if (give_up) {
            c->sum->abort_needed = true;
            coord_note(c,
                       "a rank did not stop its item in time after being asked; aborting the job "
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
    size_t counts[RL_ITEM_NSTATUS];
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
    if (c->stop_level != STOP_NONE && counts[RL_ITEM_PENDING] > 0)
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
    rl_code code = rl_run_coord_start(&c, st);
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
