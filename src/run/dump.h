/*
** dump.h: `richlazy train --dump FILE.nc` — the initial and final network and the
** probe set of one item in a self-describing NetCDF file (module: run).
*/
#ifndef RL_RUN_DUMP_H
#define RL_RUN_DUMP_H

#include "richlazy/model.h"
#include "richlazy/params.h"
#include "richlazy/result.h"
#include "richlazy/task.h"

typedef struct rl_dump_in {
    const rl_params *p;
    const rl_rnn *net;     /* the final network */
    const float *theta0;   /* the initial parameters, theta's layout */
    const rl_batch *probe; /* the probe set */
    const rl_result *result;
    int decision_step;
} rl_dump_in;

/* Writes the dump atomically (FILE.tmp, then rename). */
rl_code rl_dump_write(const char *path, const rl_dump_in *in, rl_status *st);

#endif /* RL_RUN_DUMP_H */
