/*
** cell.c: one item's in-memory state (module: store) — what the journal's replay and
** each new result set, and what cube.c writes. Why its own file: the rules for a cell
** (a later result replaces an earlier one; curves clipped to RL_CURVE_MAX; a curve
** counts as recorded if any value is a number) are one thing, apart from the journal.
*/
#include "store_int.h"

#include <assert.h>
#include <math.h>
#include <string.h>

void rl_store_cell_reset(cell *c)
{
    rl_free(c->curve);
    rl_free(c->reason);
    memset(c, 0, sizeof *c);
    c->status = RL_ITEM_PENDING;
    c->worker = -1;
    c->wall = NAN;
    for (int m = 0; m < RL_NMEASURES; m++)
        c->measure[m] = NAN;
}

/* True if any of the n values is a number (a curve an item did record). */
static bool curve_measured(const float *v, int n)
{
    for (int r = 0; r < n; r++)
        if (!isnan(v[r])) return true;
    return false;
}

rl_code rl_store_cell_set(cell *c, size_t counts[4], const rl_result *r, rl_status *st)
{
    assert(r->status >= 0 && r->status < 4); /* a result has one of the four statuses */
    counts[c->status]--;
    counts[r->status]++;
    c->status = (int8_t)r->status;
    c->in_flight = false;
    c->worker = r->worker;
    c->wall = r->wall_seconds;
    memcpy(c->measure, r->measure, sizeof c->measure);
    rl_free(c->curve);
    rl_free(c->reason);
    c->curve = NULL;
    c->curves = 0;
    c->reason = NULL;
    c->n_curve = r->n_curve < 0 ? 0 : r->n_curve > RL_CURVE_MAX ? RL_CURVE_MAX : r->n_curve;
    if (c->n_curve > 0) {
        size_t n = (size_t)c->n_curve;
        if (!(c->curve = rl_alloc(RL_NCURVES * n, sizeof(float), st))) return st->code;
        for (int k = 0; k < RL_NCURVES; k++) {
            memcpy(c->curve + k * n, r->curve[k], n * sizeof(float));
            if (curve_measured(r->curve[k], c->n_curve)) c->curves |= 1u << k;
        }
    }
    size_t len = strnlen(r->reason, RL_REASON_MAX - 1);
    if (len > 0) {
        if (!(c->reason = rl_alloc(len + 1, 1, st))) return st->code;
        memcpy(c->reason, r->reason, len);
    }
    return RL_OK;
}
