/*
** task.c: the task registry, the task object and the batch helpers (module: task).
** Why: the caller names a task in task.name; this file maps the name to its
** rl_task_kind (one file per task) and owns everything the kinds share — the
** batch arrays, the shape checks, and the random stream of each fill, so that a
** batch is a pure function of (sweep seed, item seed, iteration) (task.h):
**   training batch `iter`  stream (sweep seed, "task.train", p->seed, iter)
**   probe set              stream (sweep seed, "task.probe", p->seed, 0)
** With train.pairing unpaired the training stream's name carries a hash of the
** item's other parameters (rl_params_stream), so items of a seed differ in batches.
** A new task is one file defining an rl_task_kind plus one line in `kinds` below.
*/
#include "task_impl.h"

#include <assert.h>
#include <string.h>

/* ---- the registry ---- */

static const rl_task_kind *const kinds[] = {
    &rl_task_kind_2af,    &rl_task_kind_dms,     &rl_task_kind_cxt,
    &rl_task_kind_smnist, &rl_task_kind_pattern,
};

#define N_KINDS (sizeof kinds / sizeof kinds[0])

/*
** The task of p, after the parameter table's checks (rl_params_check: task.name
** among the .def choices, every range), which the tasks' shape functions assume.
*/
static rl_code find_kind(const rl_params *p, const rl_task_kind **out, rl_status *st)
{
    RL_TRY(rl_params_check(p, st));
    for (size_t i = 0; i < N_KINDS; i++) {
        if (strcmp(kinds[i]->name, p->task.name) == 0) {
            *out = kinds[i];
            return RL_OK;
        }
    }
    RL_FAIL(st, RL_EBUG, "task.name = '%s' is one of the table's choices but not in task.c's kinds",
            p->task.name);
}

/* ---- batches ---- */

/* a * b * c, or false if it overflows size_t. */
static bool mul3(size_t a, size_t b, size_t c, size_t *out)
{
    if (b != 0 && a > SIZE_MAX / b) return false;
    if (c != 0 && a * b > SIZE_MAX / c) return false;
    *out = a * b * c;
    return true;
}

rl_code rl_batch_create(const rl_task_shape *shape, int batch, rl_batch *out, rl_status *st)
{
    size_t n_x, n_tb, n_y;
    assert(shape && out);
    memset(out, 0, sizeof *out);
    RL_CHECK(batch >= 1, st, RL_EINPUT, "batch of %d trials; valid: at least 1", batch);
    RL_CHECK(shape->steps >= 1 && shape->n_in >= 1 && shape->n_out >= 1, st, RL_EBUG,
             "task shape T = %d, n_in = %d, n_out = %d is empty", shape->steps, shape->n_in,
             shape->n_out);
    RL_CHECK(mul3((size_t)shape->steps, (size_t)batch, (size_t)shape->n_in, &n_x) &&
                 mul3((size_t)shape->steps, (size_t)batch, (size_t)shape->n_out, &n_y),
             st, RL_ENOMEM, "a batch of %d trials x %d steps does not fit in memory", batch,
             shape->steps);
    n_tb = (size_t)shape->steps * (size_t)batch;
    *out = (rl_batch){
        .steps = shape->steps, .batch = batch, .n_in = shape->n_in, .n_out = shape->n_out};
    out->x = rl_alloc(n_x, sizeof(float), st);
    out->mask = rl_alloc(n_tb, sizeof(float), st);
    if (shape->loss == RL_LOSS_CE)
        out->label = rl_alloc(n_tb, sizeof(int32_t), st);
    else
        out->target = rl_alloc(n_y, sizeof(float), st);
    if (!out->x || !out->mask || (!out->label && !out->target)) {
        rl_batch_destroy(out);
        return RL_ENOMEM;
    }
    return RL_OK;
}

void rl_batch_destroy(rl_batch *b)
{
    if (!b) return;
    rl_free(b->x);
    rl_free(b->label);
    rl_free(b->target);
    rl_free(b->mask);
    memset(b, 0, sizeof *b);
}

/* Zeroes every array of b, so a kind writes only its non-zero values. */
static void clear(rl_batch *b)
{
    size_t tb = (size_t)b->steps * (size_t)b->batch;
    memset(b->x, 0, tb * (size_t)b->n_in * sizeof *b->x);
    memset(b->mask, 0, tb * sizeof *b->mask);
    if (b->label) memset(b->label, 0, tb * sizeof *b->label);
    if (b->target) memset(b->target, 0, tb * (size_t)b->n_out * sizeof *b->target);
}

/* ---- tasks ---- */

rl_code rl_task_shape_of(const rl_params *p, rl_task_shape *out, rl_status *st)
{
    const rl_task_kind *kind = NULL;
    RL_TRY(find_kind(p, &kind, st));
    return kind->shape(p, out, st);
}

rl_code rl_task_create(const rl_params *p, rl_task **out, rl_status *st)
{
    const rl_task_kind *kind = NULL;
    rl_code rc;
    assert(p && out);
    *out = NULL;
    RL_TRY(find_kind(p, &kind, st));
    rl_task *t = rl_alloc(1, sizeof *t, st);
    if (!t) return RL_ENOMEM;
    t->kind = kind;
    t->p = *p;
    if ((rc = kind->shape(p, &t->shape, st)) != RL_OK) goto fail;
    if (kind->build && (rc = kind->build(p, &t->state, st)) != RL_OK) goto fail;
    *out = t;
    return RL_OK;
fail:
    rl_task_destroy(&t);
    return rc;
}

void rl_task_destroy(rl_task **pt)
{
    if (!pt || !*pt) return;
    if ((*pt)->kind->release) (*pt)->kind->release((*pt)->state);
    rl_free(*pt);
    *pt = NULL;
}

rl_task_shape rl_task_get_shape(const rl_task *t)
{
    return t->shape;
}

/* The batch must have been made from this task's shape (any number of trials). */
static rl_code check_batch(const rl_task *t, const rl_batch *b, rl_status *st)
{
    const rl_task_shape *s = &t->shape;
    bool want_label = s->loss == RL_LOSS_CE;
    RL_CHECK(
        b->x && b->mask && b->batch >= 1 && (want_label ? b->label != NULL : b->target != NULL), st,
        RL_EBUG, "task %s: batch not created by rl_batch_create for this task", t->kind->name);
    RL_CHECK(b->steps == s->steps && b->n_in == s->n_in && b->n_out == s->n_out, st, RL_EBUG,
             "task %s: batch shape T = %d, n_in = %d, n_out = %d does not match the task's "
             "T = %d, n_in = %d, n_out = %d",
             t->kind->name, b->steps, b->n_in, b->n_out, s->steps, s->n_in, s->n_out);
    return RL_OK;
}

rl_code rl_task_fill_train(rl_task *t, uint64_t sweep_seed, long iter, rl_batch *b, rl_status *st)
{
    assert(t && b);
    RL_CHECK(iter >= 0, st, RL_EBUG, "task %s: training iteration %ld; valid: >= 0", t->kind->name,
             iter);
    RL_TRY(check_batch(t, b, st));
    rl_task_draw d = {.sweep_seed = sweep_seed, .probe = false, .iter = iter};
    char name[64];
    rl_rng_init(&d.rng, sweep_seed, rl_params_stream(&t->p, "task.train", name, sizeof name),
                (uint64_t)t->p.seed, (uint64_t)iter);
    clear(b);
    return t->kind->fill(t, &d, b, st);
}

rl_code rl_task_fill_probe(rl_task *t, uint64_t sweep_seed, rl_batch *b, rl_status *st)
{
    assert(t && b);
    RL_TRY(check_batch(t, b, st));
    rl_task_draw d = {.sweep_seed = sweep_seed, .probe = true, .iter = 0};
    rl_rng_init(&d.rng, sweep_seed, "task.probe", (uint64_t)t->p.seed, 0);
    clear(b);
    return t->kind->fill(t, &d, b, st);
}
