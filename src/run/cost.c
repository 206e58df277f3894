/*
** cost.c: the expected cost of an item and the dispatch order (module: run).
** Why longest first: with dynamic dispatch the sweep ends when its last item
** does, so long items started last leave ranks idle at the end (LPT scheduling:
** within 4/3 of optimal). Only the ranking matters, so the model is the flop
** count's leading term: a step of Eq. 1 costs ~hidden^2 per trial, forward and
** backward, for `steps` steps of `batch` trials per iteration, plus the probe
** passes before and after training. Order never affects results (run.h).
*/
#include "run_int.h"

#include <stdlib.h>

#include "richlazy/task.h"

double rl_run_item_cost(const rl_params *p)
{
    rl_task_shape shape;
    rl_status st = RL_STATUS_INIT;
    double steps = rl_task_shape_of(p, &shape, &st) == RL_OK ? shape.steps : 1;
    double hidden = (double)p->model.hidden;
    double train = (double)p->train.iterations * (double)p->train.batch;
    double probe = 2.0 * (double)p->probe.trials; /* before and after */
    return hidden * hidden * steps * (train + probe);
}

typedef struct ranked {
    double cost;
    size_t item;
} ranked;

static int longest_first(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->cost != y->cost) return x->cost > y->cost ? -1 : 1;
    return x->item < y->item ? -1 : x->item > y->item;
}

rl_code rl_run_order(const rl_spec *spec, size_t *items, size_t n, rl_status *st)
{
    ranked *r = rl_alloc(n, sizeof *r, st);
    rl_item *it = rl_alloc(1, sizeof *it, st);
    if (!r || !it) {
        rl_free(r);
        return st->code;
    }
    for (size_t i = 0; i < n; i++) {
        rl_spec_fill_item(spec, items[i], it); /* O(1) memory for big sweeps */
        r[i] = (ranked){rl_run_item_cost(&it->params), items[i]};
    }
    rl_free(it);
    qsort(r, n, sizeof *r, longest_first);
    for (size_t i = 0; i < n; i++)
        items[i] = r[i].item;
    rl_free(r);
    return RL_OK;
}
