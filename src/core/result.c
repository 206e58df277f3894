/*
** result.c: the measure and curve tables behind result.h. Lives in core so that store
** (which writes results) and run (which produces them) share it without
** depending on each other.
*/
#include "richlazy/result.h"

#include <math.h>
#include <string.h>

#define RL_M(name, units, long_name) {#name, units, long_name},
static const rl_measure_info measures[RL_NMEASURES] = {
#include "richlazy/measures.def"
};
#undef RL_M

#define RL_C(name, units, long_name) {#name, units, long_name},
static const rl_measure_info curves[RL_NCURVES] = {
#include "richlazy/curves.def"
};
#undef RL_C

const rl_measure_info *rl_measure_get(rl_measure m)
{
    return (unsigned)m < RL_NMEASURES ? &measures[m] : NULL;
}

const rl_measure_info *rl_curve_get(rl_curve c)
{
    return (unsigned)c < RL_NCURVES ? &curves[c] : NULL;
}

void rl_result_clear(rl_result *r, uint64_t item)
{
    memset(r, 0, sizeof *r);
    r->item = item;
    r->status = RL_ITEM_PENDING;
    for (int m = 0; m < RL_NMEASURES; m++)
        r->measure[m] = NAN;
    for (int c = 0; c < RL_NCURVES; c++)
        for (int k = 0; k < RL_CURVE_MAX; k++)
            r->curve[c][k] = NAN;
}

const char *rl_item_status_name(rl_item_status s)
{
    static const char *const names[] = {"pending", "done", "diverged", "failed"};
    return (unsigned)s < 4 ? names[s] : "unknown";
}
