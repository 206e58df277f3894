/*
** runner.c: the runner table and the item-level entry points rl_train_item and
** rl_train_check (module: run; train.h, runner.h).
** Why a table: each model kind brings its own checks and training (train.c for
** the RNN, linear2.c for the linear network); what every kind shares (the curve
** sampling rule) is checked here once, before the kind's own rules.
*/
#include "runner.h"

#include <string.h>

static const rl_run_runner runners[] = {
    {"rnn", rl_run_rnn_check, rl_run_rnn_item, true},
    {"linear2", rl_run_linear2_check, rl_run_linear2_item, false},
};

#define N_RUNNERS (sizeof runners / sizeof runners[0])

const rl_run_runner *rl_run_runner_of(const rl_params *p)
{
    for (size_t i = 0; i < N_RUNNERS; i++)
        if (strcmp(runners[i].kind, p->model.kind) == 0) return &runners[i];
    return NULL;
}

/* Kernel curves are sampled at loss-curve records, so their period must be one of them. */
static rl_code check_kernel_every(const rl_params *p, rl_status *st)
{
    RL_CHECK_PARAM(
        p->probe.kernel_every % p->train.curve_every == 0, st,
        "probe.kernel_every train.curve_every",
        "probe.kernel_every = %ld is not a multiple of train.curve_every = %ld; valid: 0 (off) "
        "or a multiple such as %ld",
        p->probe.kernel_every, p->train.curve_every,
        p->train.curve_every *
            ((p->probe.kernel_every + p->train.curve_every - 1) / p->train.curve_every));
    return RL_OK;
}

rl_code rl_train_check(const rl_params *p, rl_status *st)
{
    const rl_run_runner *r = rl_run_runner_of(p);
    RL_CHECK(r, st, RL_EBUG, "model.kind = '%s' has no runner (src/run/runner.c)", p->model.kind);
    RL_TRY(rl_params_check(p, st)); /* ranges, choices, probe.kernel_trials <= probe.trials */
    RL_TRY(check_kernel_every(p, st));
    return r->check(p, st);
}

bool rl_train_checkpoints(const rl_params *p)
{
    const rl_run_runner *r = rl_run_runner_of(p);
    return r && r->checkpoints;
}

rl_code rl_train_item(const rl_params *p, uint64_t sweep_seed, const rl_train_opts *opts,
                      rl_result *out, rl_status *st)
{
    double t0 = rl_now();
    rl_code rc = rl_train_check(p, st);
    if (rc == RL_OK) rc = rl_run_runner_of(p)->run(p, sweep_seed, opts, out, st);
    out->wall_seconds = rl_now() - t0;
    return rc;
}
