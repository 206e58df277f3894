/*
** result.c: the measure and curve tables behind result.h. Lives in core so that store
** (which writes results) and run (which produces them) share it without
** depending on each other.
*/
#include "richlazy/result.h"

#include <math.h>
#include <stddef.h>
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

size_t rl_result_pack(const rl_result *r, unsigned char *buf)
{
    size_t head = offsetof(rl_result, curve), at = head;
    size_t curve = (size_t)(r->n_curve < 0 ? 0 : r->n_curve) * sizeof(float);
    size_t reason = strnlen(r->reason, RL_REASON_MAX - 1);
    memcpy(buf, r, head);
    for (int c = 0; c < RL_NCURVES; c++, at += curve)
        memcpy(buf + at, r->curve[c], curve);
    memcpy(buf + at, r->reason, reason);
    return at + reason;
}

bool rl_result_unpack(const unsigned char *buf, size_t n, rl_result *r)
{
    size_t head = offsetof(rl_result, curve), at = head;
    if (n < head) return false;
    rl_result_clear(r, 0);
    memcpy(r, buf, head);
    if (r->n_curve < 0 || r->n_curve > RL_CURVE_MAX) return false;
    size_t curve = (size_t)r->n_curve * sizeof(float);
    if (n < head + RL_NCURVES * curve || n - head - RL_NCURVES * curve >= RL_REASON_MAX)
        return false;
    for (int c = 0; c < RL_NCURVES; c++, at += curve)
        memcpy(r->curve[c], buf + at, curve);
    memcpy(r->reason, buf + at, n - at);
    return true;
}

const char *rl_item_status_name(rl_item_status s)
{
    static const char *const names[] = {"pending", "done", "diverged", "failed"};
    return (unsigned)s < 4 ? names[s] : "unknown";
}
