/*
** fixture.h: hand-built cube layouts and results for the store tests.
** Why by hand: the store must not need the spec parser to be tested, and a
** layout written out here shows exactly which ids sit at which cell.
** Cube A: task in {2af, dms, cxt} (categorical) x seed in {0, 1} (numeric), 6 items.
** Cube B: the same with seed in {0, 1, 2} (axis values added), 9 items; every id of
** A appears in B at another index. Ids are <task letter><last character of lr><seed>, padded with
*zeros to 16 characters.
*/
#ifndef STORE_FIXTURE_H
#define STORE_FIXTURE_H

#include "richlazy/store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct fixture {
    rl_store_layout lay;
    const char *task_labels[3];
    const char *seed_labels[3];
    double seed_values[3];
    const char *task_paths[1], *seed_paths[1];
    char ids[9][RL_ID_LEN];
    char canonical[256];
    char hash[65];
} fixture;

/* nseeds = 2 (cube A) or 3 (cube B); `lr` changes the canonical form and the ids. */
static inline void fixture_init(fixture *f, int nseeds, const char *lr)
{
    static const char *tasks[3] = {"2af", "dms", "cxt"};
    static const char *seeds[3] = {"0", "1", "2"};
    memset(f, 0, sizeof *f);
    for (int k = 0; k < 3; k++) {
        f->task_labels[k] = tasks[k];
        f->seed_labels[k] = seeds[k];
        f->seed_values[k] = k;
    }
    f->task_paths[0] = "task.name";
    f->seed_paths[0] = "seed";
    snprintf(f->canonical, sizeof f->canonical,
             "name: fixture\nseed: 7\naxes:\n  task: [2af, dms, cxt]\n  seed: [%s]\n"
             "params:\n  train.lr: %s\n",
             nseeds == 2 ? "0, 1" : "0, 1, 2", lr);
    /* Not SHA-256, but distinct per canonical form, which is all the store compares. */
    unsigned long h = 5381;
    for (const char *c = f->canonical; *c; c++)
        h = h * 33 + (unsigned char)*c;
    snprintf(f->hash, sizeof f->hash, "%016lx%016lx%016lx%016lx", h, h, h, h);
    for (int t = 0; t < 3; t++)
        for (int s = 0; s < nseeds; s++)
            snprintf(f->ids[t * nseeds + s], RL_ID_LEN, "%c%c%014d", 'a' + t, lr[strlen(lr) - 1],
                     s);
    rl_store_layout *L = &f->lay;
    L->name = "fixture";
    L->seed = 7;
    L->text = "name: fixture  # the YAML as written\n";
    L->canonical = f->canonical;
    L->hash = f->hash;
    L->ndims = 2;
    L->dims[0] = (rl_dim){"task", 3, 1, f->task_paths, false, f->task_labels, NULL};
    L->dims[1] = (rl_dim){"seed", nseeds, 1, f->seed_paths, true, f->seed_labels, f->seed_values};
    L->nitems = (size_t)(3 * nseeds);
    L->ids = (const char(*)[RL_ID_LEN])f->ids;
    L->n_record = 5;
    L->record_every = 10;
}

/* A finished result for item i whose values encode i (checked after reading back). */
static inline void fixture_result(rl_result *r, size_t item, rl_item_status status)
{
    rl_result_clear(r, item);
    r->status = status;
    r->worker = (int)item % 3;
    r->wall_seconds = 0.5 + (double)item;
    for (int m = 0; m < RL_NMEASURES; m++)
        r->measure[m] = status == RL_ITEM_DIVERGED ? NAN : 1000.0 * (double)item + m + 1.0 / 3;
    r->n_curve = status == RL_ITEM_DONE ? 5 : 2;
    for (int k = 0; k < r->n_curve; k++)
        r->curve[RL_CURVE_loss_curve][k] = (float)(item + 1) / (float)(k + 1);
    if (status == RL_ITEM_FAILED) snprintf(r->reason, sizeof r->reason, "bad data file %zu", item);
}

/*
** A store for lay at nc, as the cube and view tests read it: items 0 done, 1 diverged,
** 2 failed (all journaled), 3 in flight (attempt begun), the rest untouched; one
** session of 3 ranks; committed and snapshotted once. NULL (closed) if any step failed.
*/
static inline rl_store *fixture_store(const char *nc, const rl_store_layout *lay, rl_status *st)
{
    rl_store *s = NULL;
    rl_result r;
    int attempt;
    rl_store_open(nc, lay, 3, &s, NULL, st);
    for (size_t i = 0; s && i < 4; i++)
        rl_store_begin_attempt(s, i, 1, &attempt, st);
    for (int i = 0; s && i < 3; i++) {
        fixture_result(&r, (size_t)i,
                       i == 0   ? RL_ITEM_DONE
                       : i == 1 ? RL_ITEM_DIVERGED
                                : RL_ITEM_FAILED);
        rl_store_add_result(s, &r, st);
    }
    if (s) rl_store_commit(s, st);
    if (s) rl_store_snapshot(s, st);
    if (st->code != RL_OK) rl_store_close(&s);
    return s;
}

/* A fresh empty directory under /tmp; paths of OUT.nc and its journal inside it. */
static inline void fixture_dir(char *dir, size_t cap, char *nc, char *journal)
{
    snprintf(dir, cap, "/tmp/rl_store_test_XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        exit(1);
    }
    sprintf(nc, "%s/out.nc", dir);
    sprintf(journal, "%s/out.nc.journal", dir);
}

static inline void fixture_rmdir(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

#endif /* STORE_FIXTURE_H */
