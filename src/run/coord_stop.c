/*
** coord_stop.c: how the coordinator stops (module: run; state and levels in coord.h).
** Signals -> stop level -> which running items are asked to stop, and by when.
** Why this policy: an item that checkpoints loses at most the iteration under way,
** so it is stopped at once; one that cannot would lose all its work, so it gets the
** grace period, and only a second signal (the user insists) or the deadline
** abandons it. A rank that does not answer by its deadline gets the job aborted:
** nothing journaled is lost by that (invariants 1 and 4, coord.c).
*/
#include "coord.h"

#include <math.h>

/*
** Sets the stop flag (train.h opts.stop) of running items: only those that
** checkpoint, or all. Each must be back by now + wait or the job is aborted;
** one already asked gets the tighter of its deadlines. *asked counts new requests.
*/
static rl_code ask_to_stop(coord *c, bool checkpointing_only, double wait, size_t *asked,
                           rl_status *st)
{
    int zero = 0;
    double t = rl_now();
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
    coord_note(c, "stop requested: no new items%s%s", saved, waited);
}

/*
** Signals -> stop level. The first (on any rank) stops dispatching; items that
** checkpoint stop at once (they lose at most the iteration under way), the
** others get the grace period. A second signal, or the end of the grace period,
** abandons what still runs. *give_up is set once a rank overruns its deadline.
*/
rl_code rl_run_coord_update_stop(coord *c, bool *give_up, rl_status *st)
{
    int asks = rl_run_signals_seen(); /* the level the signals ask for (coord.h) */
    size_t asked = 0;
    for (int r = 1; r < c->rc->size; r++)
        asks = c->slots[r].signals > asks ? c->slots[r].signals : asks;
    if (asks >= STOP_GRACE && c->stop_level == STOP_NONE) {
        c->stop_level = STOP_GRACE;
        c->stop_at = rl_now() + c->o->grace;
        c->last_snapshot = -INFINITY; /* bring the cube up to date right away */
        c->unsnapped++;
        /* Reaching the next iteration may take a while (setup, a long step): grace covers it. */
        RL_TRY(ask_to_stop(c, true, c->o->grace + ABANDON_WAIT, &asked, st));
        note_stop(c, asked);
    }
    if (c->fatal[0] && c->stop_level < STOP_ABANDON) { /* stop everything now: ends in error */
        c->stop_level = STOP_ABANDON;
        RL_TRY(ask_to_stop(c, false, c->o->grace + ABANDON_WAIT, &asked, st));
        coord_note(c, "%s; stopping %zu running items (they stay pending)", c->fatal, asked);
    }
    if (c->stop_level == STOP_GRACE && (asks >= STOP_ABANDON || rl_now() >= c->stop_at)) {
        RL_TRY(ask_to_stop(c, false, ABANDON_WAIT, &asked, st));
        if (asked)
            coord_note(c, "%s: abandoning %zu running items (they will rerun on resume)",
                       asks >= STOP_ABANDON ? "second signal" : "grace period over", asked);
        c->stop_level = STOP_ABANDON;
    }
    *give_up = false;
    for (int r = 0; r < c->rc->size; r++) {
        const slot *s = &c->slots[r];
        *give_up |= s->state == S_BUSY && s->abandon_sent && rl_now() > s->give_up_at;
    }
    return RL_OK;
}
