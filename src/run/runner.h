/*
** runner.h: the table of runners, one per model.kind (module: run, internal).
** Why: "one item end to end" is one seam for every kind of network: plan's checks,
** the engine's stop policy and the training itself all ask the table, so a new
** kind is one runner file plus one line in runner.c, and no caller compares names.
** Contract of a runner: check is data-free (no file, no allocation beyond a few
** bytes) and names in its message the parameter it refuses, so that plan points
** at that value in the YAML (spec's rl_spec_check_items); run has rl_train_item's
** contract and may assume check passed (rl_train_item runs it first).
*/
#ifndef RL_RUN_RUNNER_H
#define RL_RUN_RUNNER_H

#include "richlazy/task.h"
#include "richlazy/train.h"

typedef struct rl_linear2 rl_linear2;

typedef struct rl_run_runner {
    const char *kind; /* model.kind */
    rl_code (*check)(const rl_params *p, rl_status *st);
    rl_code (*run)(const rl_params *p, uint64_t sweep_seed, const rl_train_opts *opts,
                   rl_result *out, rl_status *st);
    bool checkpoints; /* run honours opts->checkpoint_path: a stop loses nothing */
} rl_run_runner;

/* The runner of p->model.kind, or NULL for a kind the table lacks (a bug: spec checks it). */
const rl_run_runner *rl_run_runner_of(const rl_params *p);

/* ---- train.c: model.kind rnn (Eq. 1) ---- */
rl_code rl_run_rnn_check(const rl_params *p, rl_status *st);
rl_code rl_run_rnn_item(const rl_params *p, uint64_t sweep_seed, const rl_train_opts *opts,
                        rl_result *out, rl_status *st);

/* ---- linear2.c: model.kind linear2 (the theory's two-layer linear network) ---- */
rl_code rl_run_linear2_check(const rl_params *p, rl_status *st);
rl_code rl_run_linear2_item(const rl_params *p, uint64_t sweep_seed, const rl_train_opts *opts,
                            rl_result *out, rl_status *st);
/*
** W1(0), W2(0) of net for p->linear (the kinds: linear2.c's opening comment), with
** ||W1(0)||_F = ||W2(0)|| = linear.sigma. RL_EINPUT as rl_run_linear2_check, or if
** net and data do not have the shape p gives. Not collective.
*/
rl_code rl_run_linear2_init(const rl_params *p, uint64_t sweep_seed, const rl_task_teacher *data,
                            rl_linear2 *net, rl_status *st);

#endif /* RL_RUN_RUNNER_H */
