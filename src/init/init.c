/*
** init.c: the registry of connectivity kinds, W_h(0) end to end, the input and
** output weights, and the data-free parameter checks (module: init).
** Why: one table maps init.kind to its generator and its checks, so the .def
** choices, rl_init_check and rl_init_recurrent cannot disagree (a test walks the
** .def choices through this table). Every kind sees the same Z of the seed
** (stream "init.w0"), which is what makes the comparison between structures and
** ranks paired (paper: every rank truncates the same W0).
** Invariant: rl_init_recurrent depends only on (p, sweep_seed).
*/
#include "internal.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- the registry ---- */

typedef struct kind_entry {
    const char *name;
    rl_init_gen_fn gen;
    rl_init_check_fn check; /* NULL: the kind has no parameters of its own */
    bool is_w0;             /* the raw output is W0 itself: no rescaling needed */
} kind_entry;

static const kind_entry kinds[] = {
    {"gaussian", rl_init_gen_gaussian, NULL, true},
    {"uniform", rl_init_gen_uniform, NULL, false},
    {"svd", rl_init_gen_svd, NULL, false}, /* init.rank <= model.hidden: rl_params_check */
    {"softrank", rl_init_gen_softrank, NULL, false},
    {"celltype", rl_init_gen_celltype, rl_init_check_celltype, false},
    {"dale", rl_init_gen_dale, rl_init_check_dale, false},
    {"chain", rl_init_gen_chain, rl_init_check_chain, false},
    {"file", rl_init_gen_file, rl_init_check_file, false},
};

static const kind_entry *find_kind(const char *name)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].name, name) == 0) return &kinds[i];
    return NULL;
}

/* ---- public API ---- */

rl_code rl_init_check(const rl_params *p, rl_status *st)
{
    /* Ranges, choices (model.hidden, init.kind, init.gain, init.norm, ...) and
       init.rank <= model.hidden: the parameter table's, checked once there. */
    RL_TRY(rl_params_check(p, st));
    const kind_entry *k = find_kind(p->init.kind);
    RL_CHECK(k != NULL, st, RL_EBUG,
             "init.kind = '%s' is one of the table's choices but has no generator in init.c",
             p->init.kind);
    if (k->check) RL_TRY(k->check(p, st));
    return RL_OK;
}

rl_code rl_init_recurrent(const rl_params *p, uint64_t sweep_seed, double *w, rl_status *st)
{
    RL_TRY(rl_init_check(p, st));
    const kind_entry *k = find_kind(p->init.kind);
    size_t n = (size_t)p->model.hidden;
    double *z = rl_alloc(n * n, sizeof *z, st);
    if (!z) return st->code;
    rl_init_draw_z(p, sweep_seed, z);
    rl_code rc = k->gen(p, sweep_seed, z, w, st);
    if (rc == RL_OK) rc = rl_init_rescale(p, k->is_w0, z, w, st);
    rl_free(z);
    return rc;
}

/* uniform on +-1/sqrt(fan_in): torch.nn.Linear's kaiming_uniform(a = sqrt 5) bound. */
static void fill_linear(const rl_params *p, uint64_t sweep_seed, const char *stream, size_t count,
                        int fan_in, float *out)
{
    assert(fan_in > 0);
    rl_rng r;
    char name[64];
    double bound = 1.0 / sqrt((double)fan_in);
    rl_rng_init(&r, sweep_seed, rl_params_stream(p, stream, name, sizeof name), (uint64_t)p->seed,
                0);
    rl_rng_fill_uniform(&r, out, count, -bound, bound);
}

void rl_init_input(const rl_params *p, uint64_t sweep_seed, int n_in, float *w_x)
{
    size_t n = (size_t)p->model.hidden;
    fill_linear(p, sweep_seed, "init.w_x", n * (size_t)n_in, n_in, w_x);
}

void rl_init_output(const rl_params *p, uint64_t sweep_seed, int n_out, float *w_out)
{
    int n = (int)p->model.hidden;
    fill_linear(p, sweep_seed, "init.w_out", (size_t)n_out * (size_t)n, n, w_out);
}
