/*
** layout.c: the cube's shape taken from a spec (module: store).
** Why a separate file: it is the store's only use of the spec module's
** functions, so store code and tests that build a layout by hand link without
** the spec parser.
** The `record` dimension: record r is the mean training loss over iterations
** [rK, (r+1)K) (K = train.curve_every; train.c), so an item has
** ceil(iterations / K) records, at most RL_CURVE_MAX; `loss_curve_iteration`
** holds (r+1)K. A snapshot widens the dimension if a training reports more.
** The kernel curves are variables of the file only if some item records them
** (probe.kernel_every > 0), or, for layouts built otherwise, once some item
** reports one: a sweep without them keeps a small file.
*/
#include "richlazy/store.h"

#include <string.h>

static int curve_records(const rl_params *p)
{
    long every = p->train.curve_every > 0 ? p->train.curve_every : 1;
    long n = (p->train.iterations + every - 1) / every;
    return n > RL_CURVE_MAX ? RL_CURVE_MAX : n < 1 ? 1 : (int)n;
}

rl_code rl_store_layout_from_spec(const rl_spec *spec, rl_store_layout *lay, rl_status *st)
{
    memset(lay, 0, sizeof *lay);
    lay->name = rl_spec_name(spec);
    lay->seed = rl_spec_seed(spec);
    lay->text = rl_spec_text(spec);
    lay->canonical = rl_spec_canonical(spec);
    lay->hash = rl_spec_hash(spec);
    lay->description = rl_spec_description(spec);
    lay->ndims = rl_spec_ndims(spec);
    RL_CHECK(lay->ndims >= 0 && lay->ndims <= RL_MAX_DIMS, st, RL_EBUG,
             "spec reports %d axes (at most %d)", lay->ndims, RL_MAX_DIMS);
    for (int d = 0; d < lay->ndims; d++)
        lay->dims[d] = *rl_spec_dim(spec, d);
    lay->nitems = rl_spec_nitems(spec);
    RL_CHECK(lay->nitems > 0, st, RL_EINPUT, "the spec has no items");
    lay->own_ids = rl_alloc(lay->nitems, RL_ID_LEN, st);
    if (!lay->own_ids) return st->code;
    lay->ids = (const char(*)[RL_ID_LEN])lay->own_ids;
    lay->n_record = 1; /* netCDF needs a dimension even when no item records a curve */
    lay->curves = 1u << RL_CURVE_loss_curve;
    rl_item *it = rl_alloc(1, sizeof *it, st);
    if (!it) return st->code;
    for (size_t i = 0; i < lay->nitems; i++) {
        rl_spec_fill_item(spec, i, it); /* O(1) memory: no page of items is kept */
        memcpy(lay->own_ids[i], it->id, RL_ID_LEN);
        int n = curve_records(&it->params);
        lay->n_record = n > lay->n_record ? n : lay->n_record;
        long every = it->params.train.curve_every;
        if (i == 0) lay->record_every = every;
        if (lay->record_every != every) lay->record_every = 0;
        if (it->params.probe.kernel_every > 0) lay->curves = (1u << RL_NCURVES) - 1;
        lay->models |= strcmp(it->params.model.kind, "linear2") == 0 ? 2u : 1u;
    }
    rl_free(it);
    return RL_OK;
}

void rl_store_layout_free(rl_store_layout *lay)
{
    if (!lay) return;
    rl_free(lay->own_ids);
    lay->own_ids = NULL;
    lay->ids = NULL;
}
