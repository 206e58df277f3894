/*
** task.h: task generators behind one small interface (module: task).
** A task fills a batch — inputs, targets and a loss mask, time-major — from a
** random stream. It knows nothing of models (DESIGN "dependencies").
**
** The batch layout (time-major) and the loss kinds: batch.h, shared with model
** and metrics.
** Tasks (task.name): 2af, dms, cxt (NeuroGym v0.0.2, 8 steps with the paper's
** periods; mask 1 at every step), smnist (28 steps of one image row, label and
** mask at the last step only), pattern (frozen input and target, MSE). Their
** parameters and defaults: params_task.def; a task ignores keys it does not use.
** Registry: task.c lists every task; a new task is one file plus one line there.
** Also here: the teacher task of the two-layer linear network (teacher.c), which
** gives plain arrays (samples, targets) rather than batches.
*/
#ifndef RICHLAZY_TASK_H
#define RICHLAZY_TASK_H

#include "richlazy/batch.h"
#include "richlazy/core.h"
#include "richlazy/params.h"
#include "richlazy/rng.h"

typedef struct rl_task rl_task;

/* What a task produces; fixed for the task's lifetime. */
typedef struct rl_task_shape {
    int steps;       /* T */
    int n_in, n_out; /* input channels, outputs (classes for CE) */
    rl_loss_kind loss;
    int decision_step; /* step whose hidden state RA uses (the last decision step) */
} rl_task_shape;

/* Zeroed arrays for `batch` trials of this shape; RL_EINPUT if batch < 1. */
rl_code rl_batch_create(const rl_task_shape *shape, int batch, rl_batch *out, rl_status *st);
/* Frees the arrays and zeroes *b; safe on NULL and on a zeroed or failed batch. */
void rl_batch_destroy(rl_batch *b);

/*
** Builds the task named by p->task.name from p (smnist reads its two files here,
** once). RL_EINPUT with "what is wrong; what would be valid" for an unknown name,
** impossible periods, or a missing, truncated or malformed data file.
*/
rl_code rl_task_create(const rl_params *p, rl_task **out, rl_status *st);
void rl_task_destroy(rl_task **t);
rl_task_shape rl_task_get_shape(const rl_task *t);
/* Shape without building the task (no file I/O): for plan's cost estimate. Checks
   the same parameters as rl_task_create except the data files. */
rl_code rl_task_shape_of(const rl_params *p, rl_task_shape *out, rl_status *st);

/*
** Fills b (b->batch trials) for training iteration `iter`. The draws come from
** the stream (sweep_seed, "task.train", p->seed, iter), so a batch depends only on
** the item and the iteration — a resumed training sees the same batches. sMNIST
** takes images iter*B .. iter*B+B-1 (mod the training split), no shuffling; pattern
** repeats its one frozen trial (stream "task.pattern") in every row. b must come
** from rl_batch_create with this task's shape (any number of trials; else RL_EBUG).
*/
rl_code rl_task_fill_train(rl_task *t, uint64_t sweep_seed, long iter, rl_batch *b, rl_status *st);
/* Fills b with the fixed probe set of b->batch trials (stream "task.probe"; sMNIST:
   the first b->batch validation images; pattern: its frozen trial). */
rl_code rl_task_fill_probe(rl_task *t, uint64_t sweep_seed, rl_batch *b, rl_status *st);

/* ---- teacher.c: the teacher task of the two-layer linear network (linear2.h) ---- */

/* A fixed whitened sample and its teacher (streams and equations: teacher.c). */
typedef struct rl_task_teacher {
    int d, m;
    double *x; /* d x m, row-major: column i is sample x_i; X X^T = m I */
    double *y; /* m targets y_i = b^T x_i */
    double *b; /* d: the effective teacher F^T beta (what y sees in input space) */
    double *f; /* d x d feature map F */
    double *v; /* d x d: F's right singular vectors as rows, the kappa ones first */
} rl_task_teacher;

/* Data-free: RL_EINPUT naming linear.m unless linear.m >= linear.d (whitening needs it). */
rl_code rl_task_teacher_check(const rl_params *p, rl_status *st);
/* Draws the teacher and the whitened inputs for p->linear; fails as the check does. */
rl_code rl_task_teacher_create(const rl_params *p, uint64_t sweep_seed, rl_task_teacher **out,
                               rl_status *st);
void rl_task_teacher_destroy(rl_task_teacher **t); /* safe on NULL; sets *t = NULL */

#endif /* RICHLAZY_TASK_H */
