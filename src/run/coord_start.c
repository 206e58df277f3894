/*
** coord_start.c: the coordinator's start-up (module: run; state in coord.h).
** Opens the store, then decides what this run will do before anything is dispatched:
** items lost in flight when the last job died are retried, or failed once they have
** used --max-attempts runs (invariant 3, coord.c); the queue is every pending item
** [and failed ones on request], longest first; checkpoints of items that already have
** a result are removed and those of pending items counted (invariant 4).
** Why first: the journal records these decisions (failed items, a commit, a snapshot)
** before any worker gets an item, so a kill during start-up repeats them identically.
*/
#include "coord.h"

#include <math.h>
#include <string.h>

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
        coord_note(c,
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
        coord_note(c, "%zu pending items continue from their checkpoints in %s", resumable,
                   rc->ckpt_dir);
    else if (resumable)
        coord_note(c,
                   "%zu checkpoints in %s are not used (--checkpoint-every 0): their items start "
                   "over, and each is removed once its item is journaled",
                   resumable, rc->ckpt_dir);
    return RL_OK;
}

rl_code rl_run_coord_start(coord *c, rl_status *st)
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
    if (rc->size > 1) coord_note(c, "%s", rc->hosts);
    if (rc->numerics_mixed)
        coord_note(c,
                   "warning: the ranks compute differently (%s): an item's bits will depend on the "
                   "rank that runs it; set RICHLAZY_GEMM=blas and one OPENBLAS_CORETYPE for every "
                   "rank to make them agree",
                   rc->numerics);
    RL_TRY(rl_store_open(c->o->out_path, &c->lay, rc->size, &c->store, &info, st));
    if (info.rebuilt)
        coord_note(c, "%s had no journal: rebuilt the journal from its %zu finished items",
                   c->o->out_path, info.kept);
    if (info.extended)
        coord_note(c, "the spec adds axis values: cube extended, %zu finished items kept",
                   info.kept);
    else if (info.resumed)
        coord_note(c, "resuming %s: %zu items already finished", c->o->out_path, info.kept);
    if (info.torn_tail) coord_note(c, "dropped a torn last journal record (a kill mid-write)");
    RL_TRY(build_queue(c, st));
    RL_TRY(rl_store_commit(c->store, st));
    RL_TRY(rl_store_snapshot(c->store, st));
    c->last_snapshot = rl_now();
    if (rc->coordinator_trains)
        RL_TRY(rl_run_trainer_create(rc->runner, rl_spec_seed(rc->spec), &c->local, st));
    c->slots[0].state = c->local ? S_IDLE : S_STOPPED;
    for (int r = 1; r < rc->size; r++)
        c->slots[r].state = S_STARTING;
    return tidy_checkpoints(c, st);
}
