/*
** checkpoint.h: the whole state of one training as one file, so a long item can
** stop (time limit, preemption, SIGTERM) and continue to a bitwise-identical
** result (module: run; DESIGN "Resumable items").
** What is saved: the iteration reached, the optimiser (step, first and second
** moments), the parameters, the loss curve so far and the open curve window.
** What is not: anything rebuilt bitwise from the item's parameters — W(0), the
** probe set, the initial representation and kernel — and the random streams,
** which are keyed by iteration (rng.h), so they have no position to save.
*/
#ifndef RL_RUN_CHECKPOINT_H
#define RL_RUN_CHECKPOINT_H

#include "richlazy/model.h"
#include "richlazy/params.h"
#include "richlazy/result.h"

typedef struct rl_ckpt_state {
    long iteration; /* the next iteration to run */
    double window;  /* sum of the training losses of the open curve window */
    long in_window; /* iterations in it */
    rl_result *out; /* curves and n_curve */
    rl_rnn *net;    /* theta */
    rl_opt *opt;    /* step, m, v */
} rl_ckpt_state;

/* 64-bit FNV-1a of the item's canonical parameters and sweep seed: a checkpoint fits only its item.
 */
uint64_t rl_ckpt_fingerprint(const rl_params *p, uint64_t sweep_seed);

/*
** Writes the state atomically (PATH.tmp, fsync, rename, fsync of the directory).
** RL_EIO with the path and errno text (ENOSPC, EDQUOT, EIO); PATH.tmp is removed.
*/
rl_code rl_ckpt_save(const char *path, uint64_t fingerprint, const rl_ckpt_state *s, rl_status *st);
/*
** Restores the state from path into s (whose net and opt have the item's shapes).
** *found = false if there is no file. A file of another item or a damaged one
** (checksum) is an RL_EINPUT error naming the file (delete it: the item restarts),
** never used silently; RL_EIO is kept for a file system that fails (the engine
** stops the run then, instead of failing the item).
*/
rl_code rl_ckpt_load(const char *path, uint64_t fingerprint, rl_ckpt_state *s, bool *found,
                     rl_status *st);

#endif /* RL_RUN_CHECKPOINT_H */
