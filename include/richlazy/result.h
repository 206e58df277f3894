/*
** result.h: the fixed-size record one training item produces (module: run,
** read by store). Scalars are indexed by the measures.def table and curves by
** curves.def, so the store writes one netCDF variable per measure or curve without
** knowing their meaning, and a new one is one line in its table.
*/
#ifndef RICHLAZY_RESULT_H
#define RICHLAZY_RESULT_H

#include "richlazy/core.h"

typedef enum rl_item_status {
    RL_ITEM_PENDING = 0, /* not run yet, or lost in flight */
    RL_ITEM_DONE = 1,
    RL_ITEM_DIVERGED = 2, /* an outcome, never retried */
    RL_ITEM_FAILED = 3,   /* the training returned an error (message kept) */
} rl_item_status;
#define RL_ITEM_NSTATUS 4 /* the statuses above: the length of a count per status */

#define RL_M(name, units, long_name) RL_MEASURE_##name,
typedef enum rl_measure {
#include "richlazy/measures.def"
    RL_NMEASURES
} rl_measure;
#undef RL_M

#define RL_C(name, units, long_name) RL_CURVE_##name,
typedef enum rl_curve {
#include "richlazy/curves.def"
    RL_NCURVES
} rl_curve;
#undef RL_C

#define RL_CURVE_MAX  1024 /* most records per curve and item */
#define RL_REASON_MAX 256

typedef struct rl_result {
    uint64_t item;    /* index in the cube */
    int32_t status;   /* rl_item_status */
    int32_t attempts; /* runs started, this one included */
    int32_t worker;   /* MPI rank that trained it */
    int32_t n_curve;  /* valid records of every curve */
    double wall_seconds;
    double measure[RL_NMEASURES];          /* NaN where not computed */
    float curve[RL_NCURVES][RL_CURVE_MAX]; /* curves.def; NaN where not measured */
    char reason[RL_REASON_MAX];            /* why it failed ("" otherwise) */
} rl_result;

typedef struct rl_measure_info {
    const char *name, *units, *long_name;
} rl_measure_info;
/* Name, units and description of measure m (from measures.def). */
const rl_measure_info *rl_measure_get(rl_measure m);
/* The same for curve c (from curves.def). */
const rl_measure_info *rl_curve_get(rl_curve c);
/*
** A few words naming measure m, for axis labels and the results file's long_name
** ("kernel alignment (Eq. 6)"); linear2: the wording of the two-layer linear
** network (W1 for W_h). The formula is in rl_measure_comment (measures.def's text,
** corrected where it says less than the values: diverged_step). Same for curves.
*/
const char *rl_measure_title(rl_measure m, bool linear2);
const char *rl_measure_comment(rl_measure m);
const char *rl_curve_title(rl_curve c);
/*
** The wire form of a result, for MPI messages and journal records: the fixed head,
** then n_curve values of each curve, then the reason without its terminator. A
** result of a few records packs into well under a kilobyte; the most is
** RL_RESULT_PACKED_MAX. Native byte order (a sweep's ranks and files share one).
*/
#define RL_RESULT_PACKED_MAX sizeof(rl_result)
/* Packs r into buf (RL_RESULT_PACKED_MAX bytes); returns the bytes used. */
size_t rl_result_pack(const rl_result *r, unsigned char *buf);
/* Unpacks n bytes from rl_result_pack into r; false if they are not a packed result. */
bool rl_result_unpack(const unsigned char *buf, size_t n, rl_result *r);
/* Sets every measure and curve value to NaN, status pending, no records. */
void rl_result_clear(rl_result *r, uint64_t item);
const char *rl_item_status_name(rl_item_status s);

#endif /* RICHLAZY_RESULT_H */
