/*
** checkpoint.h: the whole state of one training as one file, so a long item can
** stop (time limit, preemption, SIGTERM) and continue to a bitwise-identical
** result (module: run; DESIGN "Resumable items").
** What is saved: the iteration reached, the optimiser (step, first and second
** moments), the parameters, the loss curve so far and the open curve window.
** What is not: anything rebuilt bitwise from the item's parameters — W(0), the
** probe set — and the random streams, which are keyed by iteration (rng.h), so
** they have no position to save. The initial measures (H(0), K(0) and the three
** scalars from them) go to a file of their own, <id>.init, written once with the
** first checkpoint (initial.c), so a continued item skips recomputing them.
*/
#ifndef RL_RUN_CHECKPOINT_H
#define RL_RUN_CHECKPOINT_H

#include "richlazy/metrics.h"
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

/* ---- initial.c: the initial measures, saved once with the first checkpoint ---- */

typedef struct rl_ckpt_initial {
    double measure[3];  /* initial_loss, kernel_task_alignment_init, kernel_eff_rank_init */
    rl_rep *rep0;       /* H(0) (Eq. 5) */
    rl_kernel *kernel0; /* K(0) (Eq. 6) */
} rl_ckpt_initial;

/* The file beside a checkpoint: DIR/<id>.ckpt -> DIR/<id>.init (else PATH.init). */
bool rl_ckpt_initial_path(const char *ckpt_path, char *buf, size_t cap);
/* Writes them atomically (PATH.tmp, fsync, rename). RL_EIO with the path and errno text. */
rl_code rl_ckpt_save_initial(const char *path, uint64_t fingerprint, const rl_ckpt_initial *in,
                             rl_status *st);
/*
** Reads them if path exists (*found), for an item whose H(0) is rows x cols and K(0)
** m x m; out->rep0 and out->kernel0 are then the caller's. Another item's file, or a
** damaged one, is RL_EINPUT naming it (delete it and the item recomputes them).
*/
rl_code rl_ckpt_load_initial(const char *path, uint64_t fingerprint, int rows, int cols, int m,
                             rl_ckpt_initial *out, bool *found, rl_status *st);

#endif /* RL_RUN_CHECKPOINT_H */
