/*
** batch.h: one batch of trials and the loss it is scored with — the types that
** task (which fills batches), model (which runs and scores them) and metrics
** (which probes with them) share (module: core, header only).
** Why its own header: model and metrics need the layout, not the tasks; with the
** types here neither includes task.h (DESIGN: a shared type lives in the lowest
** header that needs it). Allocation stays with the task (rl_batch_create, task.h),
** which knows a task's shape.
**
** Layout (time-major, as the reference script's T x B x N_in tensors):
**   x      [t][b][i]  T*B*n_in floats
**   label  [t][b]     T*B int32 class indices (loss CE; NULL for MSE tasks)
**   target [t][b][o]  T*B*n_out floats (loss MSE; NULL for CE tasks)
**   mask   [t][b]     T*B floats: 1 where the loss counts, else 0
*/
#ifndef RICHLAZY_BATCH_H
#define RICHLAZY_BATCH_H

#include <stdint.h>

typedef enum rl_loss_kind {
    RL_LOSS_CE,  /* softmax cross-entropy on `label` where mask = 1 */
    RL_LOSS_MSE, /* mean squared error on `target` where mask = 1 */
} rl_loss_kind;

/* One batch, owned (rl_batch_create, rl_batch_destroy: task.h). A fill overwrites every array. */
typedef struct rl_batch {
    int steps, batch, n_in, n_out;
    float *x;
    int32_t *label;
    float *target;
    float *mask;
} rl_batch;

#endif /* RICHLAZY_BATCH_H */
