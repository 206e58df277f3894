/*
** train.h: one item end to end — task, initial weights, training, measures
** (module: run). The sweep engine calls rl_train_item for every item; the
** `richlazy train` subcommand calls it for one. Both entry points dispatch on
** model.kind through the runner table (src/run/runner.h): rnn and linear2.
*/
#ifndef RICHLAZY_TRAIN_H
#define RICHLAZY_TRAIN_H

#include "richlazy/core.h"
#include "richlazy/params.h"
#include "richlazy/result.h"

typedef struct rl_train_opts {
    const char *dump_path;    /* write initial/final weights and probe set here (NULL: no dump) */
    int verbose;              /* print progress lines to stderr */
    volatile const int *stop; /* if non-NULL and set, stop early (returns RL_ESTOPPED) */
    /*
    ** Mid-item checkpoints (NULL: none). If the file exists the training
    ** continues from it (bitwise as if never stopped); it is rewritten every
    ** checkpoint_seconds of training (0: 60 s) or checkpoint_iters iterations
    ** (0: by time only), and at once when `stop` is seen. The caller removes
    ** it once the result is safe (journaled).
    */
    const char *checkpoint_path;
    double checkpoint_seconds;
    long checkpoint_iters;
    /* Stop as if signalled on reaching this iteration (0: never); for tests of resumption. */
    long stop_at;
} rl_train_opts;

/*
** Trains the item with parameters p under sweep seed `sweep_seed` and fills out
** (status done or diverged, measures, loss curve, wall time). Returns RL_OK for
** both outcomes; an error (bad data file, out of memory) is returned with the
** message in st and the engine records the item as failed.
*/
rl_code rl_train_item(const rl_params *p, uint64_t sweep_seed, const rl_train_opts *opts,
                      rl_result *out, rl_status *st);

/*
** Checks an item's parameters beyond the spec's table (structure parameters,
** task shape, curve length; linear2's rank, init and sample count) without
** building anything: `plan` and `run` call it for every item before anything
** runs, and rl_train_item before it trains. A message names the parameter it
** refuses (rl_spec_check_items turns that into FILE:LINE:COLUMN).
*/
rl_code rl_train_check(const rl_params *p, rl_status *st);

/* Whether rl_train_item honours opts->checkpoint_path for this item's model.kind. */
bool rl_train_checkpoints(const rl_params *p);

#endif /* RICHLAZY_TRAIN_H */
