/*
** result.c: the measure table behind result.h. Lives in core so that store
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

const rl_measure_info *rl_measure_get(rl_measure m)
{
    return (unsigned)m < RL_NMEASURES ? &measures[m] : NULL;
}

void rl_result_clear(rl_result *r, uint64_t item)
{
    memset(r, 0, sizeof *r);
    r->item = item;
    r->status = RL_ITEM_PENDING;
    for (int m = 0; m < RL_NMEASURES; m++)
        r->measure[m] = NAN;
}

const char *rl_item_status_name(rl_item_status s)
{
    static const char *const names[] = {"pending", "done", "diverged", "failed"};
    return (unsigned)s < 4 ? names[s] : "unknown";
}
