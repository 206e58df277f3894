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
    {"svd", rl_init_gen_svd, rl_init_check_lowrank, false},
    {"softrank", rl_init_gen_softrank, rl_init_check_lowrank, false},
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

static void list_kinds(char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0] && used < cap; i++) {
        int k = snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", kinds[i].name);
        if (k < 0) break;
        used += (size_t)k;
    }
}

/* ---- public API ---- */

rl_code rl_init_check(const rl_params *p, rl_status *st)
{
    long n = p->model.hidden;
    RL_CHECK(n >= 1 && n <= 65536, st, RL_EINPUT,
             "model.hidden = %ld; valid: an integer from 1 to 65536", n);
    const kind_entry *k = find_kind(p->init.kind);
    if (!k) {
        char valid[256];
        list_kinds(valid, sizeof valid);
        RL_FAIL(st, RL_EINPUT, "init.kind = '%s' is not known; valid: %s", p->init.kind, valid);
    }
    RL_CHECK(isfinite(p->init.gain) && p->init.gain >= 0, st, RL_EINPUT,
             "init.gain = %g; valid: a finite real >= 0", p->init.gain);
    const char *norm = p->init.norm;
    RL_CHECK(!strcmp(norm, "frobenius") || !strcmp(norm, "spectral") || !strcmp(norm, "none"), st,
             RL_EINPUT, "init.norm = '%s' is not known; valid: frobenius, spectral, none", norm);
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
