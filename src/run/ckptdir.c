/*
** ckptdir.c: the checkpoint directory OUT.nc.ckpt (run.h) and each item's job
** (module: run), shared by the entry point (engine.c: made at start-up), the
** coordinator (tidied at start, a file removed once its result is durable) and
** the workers (the same job choice as rank 0's).
** Why: the directory's path is decided by rank 0 and broadcast as an absolute
** path, because workers may start in another directory or on another node; a rank
** that cannot write there would fail every item it trains, so that is found out
** together before any item runs.
** Invariant: an item's job carries a checkpoint path exactly when its runner saves
** one (train.h), on every rank, so rank 0's stop policy matches what the item does.
*/
#include "run_int.h"

#include "checkpoint.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CKPT_SUFFIX ".ckpt"     /* OUT.nc.ckpt/<id>.ckpt */
#define CKPT_TMP    ".ckpt.tmp" /* what a kill during a save leaves (checkpoint.c writes PATH.tmp) */
#define INIT_SUFFIX ".init"     /* OUT.nc.ckpt/<id>.init: the initial measures (initial.c) */
#define INIT_TMP    ".init.tmp"
/* Longest directory path + 1 that leaves room for "/<id>.ckpt.tmp" within RL_PATH_MAX. */
#define CKPT_DIR_MAX (RL_PATH_MAX - RL_ID_LEN - sizeof CKPT_TMP)

bool rl_run_ckpt_path(const run_ctx *rc, const char *id, char *buf)
{
    return rl_snprintf(buf, RL_PATH_MAX, "%s/%s" CKPT_SUFFIX, rc->ckpt_dir, id);
}

/* Creates dir (or accepts an existing directory) and makes its path absolute; false with why. */
static bool make_dir(char *dir, bool *created, char *why, size_t cap)
{
    struct stat sb;
    *created = mkdir(dir, 0777) == 0;
    if (!*created && errno != EEXIST) {
        rl_snprintf(why, cap, "%s", strerror(errno));
        return false;
    }
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        rl_snprintf(why, cap, "it exists and is not a directory");
        return false;
    }
    char cwd[RL_PATH_MAX], abs[RL_PATH_MAX];
    if (dir[0] == '/') return true;
    if (!getcwd(cwd, sizeof cwd) || !rl_snprintf(abs, CKPT_DIR_MAX, "%s/%s", cwd, dir)) {
        rl_snprintf(why, cap, "its absolute path is longer than %zu bytes", CKPT_DIR_MAX - 1);
        return false;
    }
    memcpy(dir, abs, sizeof abs);
    return true;
}

/*
** Collective. Rank 0 creates OUT.nc.ckpt and broadcasts its absolute path; then
** every rank must be able to write there, or none starts (the message names the
** first rank that cannot). With checkpoints off the path stays as given: rank 0
** still removes checkpoints that earlier runs left, as their items finish.
*/
rl_code rl_run_ckpt_prepare(run_ctx *rc, rl_status *st)
{
    const rl_run_opts *o = rc->o;
    char why[256] = "";
    int ok = rc->rank != 0 || rl_store_check_output(o->out_path, st) == RL_OK;
    RL_MPI(st, MPI_Bcast(&ok, 1, MPI_INT, 0, rc->comm)); /* before the directory is made */
    if (!ok)
        return rc->rank == 0 ? st->code
                             : rl_status_fail(st, RL_EINPUT, __FILE__, __LINE__,
                                              "the output path: see rank 0");
    RL_CHECK(rl_snprintf(rc->ckpt_dir, CKPT_DIR_MAX, "%s.ckpt", o->out_path), st, RL_EINPUT,
             "output path too long to name its checkpoint files; valid: under %zu bytes",
             CKPT_DIR_MAX - sizeof ".ckpt");
    rc->checkpoints = o->checkpoint_every > 0 || o->checkpoint_iters > 0;
    if (!rc->checkpoints) return RL_OK;
    if (rc->rank == 0) ok = make_dir(rc->ckpt_dir, &rc->ckpt_created, why, sizeof why);
    RL_MPI(st, MPI_Bcast(&ok, 1, MPI_INT, 0, rc->comm));
    RL_MPI(st, MPI_Bcast(rc->ckpt_dir, RL_PATH_MAX, MPI_CHAR, 0, rc->comm));
    RL_CHECK(ok, st, RL_EIO,
             "cannot create the checkpoint directory %s: %s (or run with --checkpoint-every 0)",
             rc->ckpt_dir, rc->rank == 0 ? why : "see rank 0");
    int mine = access(rc->ckpt_dir, W_OK | X_OK) == 0 ? rc->size : rc->rank, first = 0;
    RL_MPI(st, MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, rc->comm));
    RL_CHECK(first == rc->size, st, RL_EIO,
             "rank %d cannot write to the checkpoint directory %s: put OUT.nc on a file system "
             "every node shares, or run with --checkpoint-every 0",
             first, rc->ckpt_dir);
    return RL_OK;
}

static int compare_ids(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* True if name is "<id>" + suffix (an id is RL_ID_LEN - 1 characters). */
static bool named(const char *name, const char *suffix)
{
    size_t len = strlen(name), k = strlen(suffix);
    return len == RL_ID_LEN - 1 + k && strcmp(name + RL_ID_LEN - 1, suffix) == 0;
}

/*
** The ids of dir's "<id>.ckpt" files and of its "<id>.init" files (initial measures,
** checkpoint.h), each list sorted; what a kill during a save leaves ("*.tmp") is removed.
*/
static rl_code list_checkpoints(DIR *d, const char *dir, char (**ids)[RL_ID_LEN], size_t *n,
                                char (**inits)[RL_ID_LEN], size_t *n_init, rl_status *st)
{
    struct dirent *e;
    size_t cap = 0;
    *n = *n_init = 0;
    while ((e = readdir(d)))
        cap++;
    rewinddir(d);
    if (!(*ids = rl_alloc(cap + 1, RL_ID_LEN, st))) return st->code;
    if (!(*inits = rl_alloc(cap + 1, RL_ID_LEN, st))) return st->code;
    while ((e = readdir(d))) {
        char(*into)[RL_ID_LEN] = NULL;
        size_t *count = NULL;
        if (named(e->d_name, CKPT_SUFFIX)) {
            into = *ids;
            count = n;
        } else if (named(e->d_name, INIT_SUFFIX)) {
            into = *inits;
            count = n_init;
        } else if (named(e->d_name, CKPT_TMP) || named(e->d_name, INIT_TMP)) {
            char path[RL_PATH_MAX];
            if (rl_snprintf(path, sizeof path, "%s/%s", dir, e->d_name)) unlink(path);
        }
        if (!into || *count >= cap) continue;
        memcpy(into[*count], e->d_name, RL_ID_LEN - 1);
        into[(*count)++][RL_ID_LEN - 1] = '\0';
    }
    qsort(*ids, *n, RL_ID_LEN, compare_ids);
    qsort(*inits, *n_init, RL_ID_LEN, compare_ids);
    return RL_OK;
}

void rl_run_ckpt_remove(const run_ctx *rc, const char *id)
{
    char path[RL_PATH_MAX], init[RL_PATH_MAX];
    if (!rl_run_ckpt_path(rc, id, path)) return;
    unlink(path); /* ENOENT: the item never saved one; other errors: tidied next start */
    if (rl_ckpt_initial_path(path, init, sizeof init)) unlink(init);
}

rl_code rl_run_ckpt_tidy(const run_ctx *rc, const rl_store *store, const rl_store_layout *lay,
                         bool *exists, size_t *resumable, rl_status *st)
{
    char(*ids)[RL_ID_LEN] = NULL, (*inits)[RL_ID_LEN] = NULL;
    size_t n = 0, n_init = 0;
    *resumable = 0;
    DIR *d = opendir(rc->ckpt_dir);
    *exists = d != NULL;
    if (!d) return RL_OK; /* none yet (or unreadable: the first save will say why) */
    rl_code code = list_checkpoints(d, rc->ckpt_dir, &ids, &n, &inits, &n_init, st);
    closedir(d);
    for (size_t i = 0; i < lay->nitems && n + n_init > 0 && !code; i++) {
        bool ckpt = n && bsearch(lay->ids[i], ids, n, RL_ID_LEN, compare_ids);
        bool init = n_init && bsearch(lay->ids[i], inits, n_init, RL_ID_LEN, compare_ids);
        if (!ckpt && !init) continue;
        if (rl_store_cell(store, i).status == RL_ITEM_PENDING)
            *resumable += ckpt;
        else
            rl_run_ckpt_remove(rc, lay->ids[i]); /* its result is journaled: dead weight */
    }
    rl_free(ids);
    rl_free(inits);
    return code;
}

/* ---- the job of one item ---- */

/*
** Items that continue from a checkpoint: real training by a runner that saves
** one (train.h). linear2 items (seconds each) do not, and other item functions
** (the fake one) write none, so a stop must give them the grace period instead.
*/
static bool checkpointable(const run_ctx *rc, const rl_params *p)
{
    return rc->checkpoints && rc->runner == rl_train_item && rl_train_checkpoints(p);
}

void rl_run_item_job(const run_ctx *rc, const rl_item *it, int worker, trainer_job *job)
{
    const rl_run_opts *o = rc->o;
    memset(job, 0, sizeof *job);
    job->params = &it->params;
    job->item = it->index;
    job->worker = worker;
    if (!checkpointable(rc, &it->params) || !rl_run_ckpt_path(rc, it->id, job->checkpoint_path))
        return; /* the length was checked at start-up, so only the first test decides */
    job->opts.checkpoint_path = job->checkpoint_path;
    /* train.h reads 0 seconds as 60: "by iterations only" is an interval never reached */
    job->opts.checkpoint_seconds = o->checkpoint_every > 0 ? o->checkpoint_every : HUGE_VAL;
    job->opts.checkpoint_iters = o->checkpoint_iters;
}
