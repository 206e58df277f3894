/*
** engine.c: rl_run_sweep — the collective entry point, the start-up decisions
** every rank must agree on, and the polling helpers (module: run).
** Why polling: Open MPI's blocking receive spins a core (toolchain.md: 2.99 s of
** CPU for a 3 s wait). Every wait here is MPI_Test/MPI_Iprobe plus a sleep that
** starts at POLL_MIN after activity (low latency under load) and doubles up to
** a cap tied to the items' duration (run_int.h), so rank 0 can share a core
** with training and trivial items still flow.
** Also here: the checkpoint directory OUT.nc.ckpt (run.h). Its path is decided
** by rank 0 and broadcast as an absolute path, because workers may start in
** another directory or on another node; a rank that cannot write there would
** fail every item it trains, so that is found out together before any item runs.
*/
#include "run_int.h"

#include "checkpoint.h"
#include "richlazy/model.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CKPT_SUFFIX ".ckpt"     /* OUT.nc.ckpt/<id>.ckpt */
#define CKPT_TMP    ".ckpt.tmp" /* what a kill during a save leaves (checkpoint.c writes PATH.tmp) */
#define INIT_SUFFIX ".init"     /* OUT.nc.ckpt/<id>.init: the initial measures (initial.c) */
#define INIT_TMP    ".init.tmp"
/* Longest directory path + 1 that leaves room for "/<id>.ckpt.tmp" within RL_PATH_MAX. */
#define CKPT_DIR_MAX (RL_PATH_MAX - RL_ID_LEN - sizeof CKPT_TMP)

void rl_run_opts_default(rl_run_opts *o)
{
    memset(o, 0, sizeof *o);
    o->max_attempts = 2;
    o->grace = 60;
    o->progress_every = 30;
    o->snapshot_every = 10;
    o->checkpoint_every = 60;
    o->coordinator_trains = -1;
}

void rl_run_sleep(double seconds)
{
    if (seconds <= 0) return;
    struct timespec ts = {(time_t)seconds, (long)((seconds - floor(seconds)) * 1e9)};
    nanosleep(&ts, NULL);
}

double rl_run_poll_cap(double item_seconds)
{
    if (item_seconds <= 0) return POLL_MAX;
    double cap = item_seconds / 20;
    return cap < POLL_CAP_MIN ? POLL_CAP_MIN : cap > POLL_MAX ? POLL_MAX : cap;
}

double rl_run_backoff(double current, bool active, double cap)
{
    if (active) return POLL_MIN;
    return current * 2 > cap ? cap : current * 2;
}

rl_code rl_run_wait(MPI_Request *req, rl_status *st)
{
    double pause = POLL_MIN;
    for (;;) {
        int done = 0;
        RL_MPI(st, MPI_Test(req, &done, MPI_STATUS_IGNORE));
        if (done) return RL_OK;
        rl_run_sleep(pause);
        pause = rl_run_backoff(pause, false, POLL_MAX);
    }
}

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

/* ---- the checkpoint directory ---- */

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
static rl_code prepare_checkpoints(run_ctx *rc, rl_status *st)
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

/*
** Rank 0 trains too when every rank of its node has a core of its own: then an
** idle-polling coordinator costs ~nothing and its core would otherwise be
** wasted. Oversubscribed, it only coordinates. Collective.
*/
static rl_code decide_training(MPI_Comm comm, int size, const rl_run_opts *o, bool *trains,
                               rl_status *st)
{
    MPI_Comm node;
    int local = 1, flag;
    RL_MPI(st, MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node));
    RL_MPI(st, MPI_Comm_size(node, &local));
    MPI_Comm_free(&node);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    flag = size == 1 || o->coordinator_trains == 1 ||
           (o->coordinator_trains < 0 && local <= (cores > 0 ? cores : 1));
    RL_MPI(st, MPI_Bcast(&flag, 1, MPI_INT, 0, comm)); /* rank 0's node decides */
    *trains = flag != 0;
    return RL_OK;
}

enum { NUMERICS_LEN = 96 };

/* rank 0: distinct strings among the training ranks' (each NUMERICS_LEN long), with counts, as
** "mixed: A (ranks: 3), B (ranks: 1)" in out (at most four listed). */
static void describe_mixed(const char *all, int size, int first, char *out, size_t cap)
{
    size_t used = (size_t)snprintf(out, cap, "mixed:");
    int listed = 0;
    for (int r = first; r < size && used < cap && listed < 4; r++) {
        const char *s = all + (size_t)r * NUMERICS_LEN;
        int seen = 0, count = 0;
        for (int q = first; q < r; q++)
            seen |= strcmp(all + (size_t)q * NUMERICS_LEN, s) == 0;
        if (seen) continue;
        for (int q = r; q < size; q++)
            count += strcmp(all + (size_t)q * NUMERICS_LEN, s) == 0;
        used += (size_t)snprintf(out + used, cap - used, "%s %s (ranks: %d)", listed ? ";" : "", s,
                                 count);
        listed++;
    }
}

/*
** Every rank's rl_rnn_numerics to rank 0, which keeps the training ranks' common string, or
** notes that they differ: then an item's bits depend on the rank that ran it (a heterogeneous
** cluster: AVX-512 on some nodes, not on others, or different OpenBLAS cores).
*/
static rl_code gather_numerics(run_ctx *rc, rl_status *st)
{
    char mine[NUMERICS_LEN] = {0}, *all = NULL;
    rl_rnn_numerics(mine, sizeof mine);
    if (rc->rank == 0 && !(all = rl_alloc((size_t)rc->size, NUMERICS_LEN, st))) return st->code;
    int gathered =
        MPI_Gather(mine, NUMERICS_LEN, MPI_CHAR, all, NUMERICS_LEN, MPI_CHAR, 0, rc->comm);
    if (gathered == MPI_SUCCESS && rc->rank == 0) {
        int first = rc->coordinator_trains || rc->size == 1 ? 0 : 1;
        snprintf(rc->numerics, sizeof rc->numerics, "%s", all + (size_t)first * NUMERICS_LEN);
        for (int r = first + 1; r < rc->size; r++)
            rc->numerics_mixed |= strcmp(all + (size_t)r * NUMERICS_LEN, rc->numerics) != 0;
        if (rc->numerics_mixed)
            describe_mixed(all, rc->size, first, rc->numerics, sizeof rc->numerics);
    }
    rl_free(all);
    RL_MPI(st, gathered);
    return RL_OK;
}

enum { HOST_LEN = 64, HOSTS_LISTED = 8, RANGES_LISTED = 6 };

typedef struct {
    const char *name; /* HOST_LEN bytes in the gathered array */
    int rank;
} host_rank;

static int by_host(const void *a, const void *b)
{
    const host_rank *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->rank > y->rank) - (x->rank < y->rank);
}

/* snprintf at out + *used; once out is full the rest is dropped (out stays terminated). */
static void append(char *out, size_t cap, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char *out, size_t cap, size_t *used, const char *fmt, ...)
{
    if (*used >= cap) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + *used, cap - *used, fmt, ap);
    va_end(ap);
    *used += n > 0 ? (size_t)n : 0;
}

/* rank 0: "4 ranks on 2 hosts: node1 (ranks 0-1), node2 (ranks 2-3)" from every rank's name
** (HOST_LEN bytes each); hosts sorted by name, at most HOSTS_LISTED of them and RANGES_LISTED
** rank ranges each, so a large job still gives one line. */
static void describe_hosts(const char *all, host_rank *hr, int size, char *out, size_t cap)
{
    for (int r = 0; r < size; r++)
        hr[r] = (host_rank){all + (size_t)r * HOST_LEN, r};
    qsort(hr, (size_t)size, sizeof *hr, by_host); /* n log n: fine for 10^5 ranks */
    int hosts = 0;
    for (int i = 0; i < size; i++)
        hosts += i == 0 || strcmp(hr[i].name, hr[i - 1].name) != 0;
    size_t used = 0;
    append(out, cap, &used, "%d ranks on %d host%s:", size, hosts, hosts == 1 ? "" : "s");
    int listed = 0;
    for (int i = 0; i < size && listed < HOSTS_LISTED; listed++) {
        int end = i; /* this host's ranks are hr[i..end), ascending */
        while (end < size && strcmp(hr[end].name, hr[i].name) == 0)
            end++;
        append(out, cap, &used, "%s %s (rank%s ", listed ? "," : "", hr[i].name,
               end - i > 1 ? "s" : "");
        int ranges = 0;
        for (int j = i; j < end; ranges++) {
            int k = j; /* a run of consecutive ranks hr[j..k] */
            while (k + 1 < end && hr[k + 1].rank == hr[k].rank + 1)
                k++;
            if (ranges == RANGES_LISTED) {
                append(out, cap, &used, ", ...");
                break;
            }
            append(out, cap, &used, k > j ? "%s%d-%d" : "%s%d", ranges ? ", " : "", hr[j].rank,
                   hr[k].rank);
            j = k + 1;
        }
        append(out, cap, &used, ")");
        i = end;
    }
    if (hosts > listed) append(out, cap, &used, ", and %d more hosts", hosts - listed);
}

/*
** Every rank's host name (MPI_Get_processor_name) to rank 0, for one line of the log: on a
** cluster it shows the ranks landed where the allocation said, and it maps the cube's
** `worker` (a rank) to a node when one node misbehaves.
*/
static rl_code gather_hosts(run_ctx *rc, rl_status *st)
{
    char name[MPI_MAX_PROCESSOR_NAME] = {0}, mine[HOST_LEN] = {0}, *all = NULL;
    host_rank *hr = NULL;
    int len = 0;
    if (MPI_Get_processor_name(name, &len) != MPI_SUCCESS) snprintf(name, sizeof name, "?");
    snprintf(mine, sizeof mine, "%s", name);
    if (rc->rank == 0 && (!(all = rl_alloc((size_t)rc->size, HOST_LEN, st)) ||
                          !(hr = rl_alloc((size_t)rc->size, sizeof *hr, st)))) {
        rl_free(all);
        return st->code;
    }
    int gathered = MPI_Gather(mine, HOST_LEN, MPI_CHAR, all, HOST_LEN, MPI_CHAR, 0, rc->comm);
    if (gathered == MPI_SUCCESS && rc->rank == 0)
        describe_hosts(all, hr, rc->size, rc->hosts, sizeof rc->hosts);
    rl_free(hr);
    rl_free(all);
    RL_MPI(st, gathered);
    return RL_OK;
}

static rl_code check_opts(const rl_run_opts *o, rl_status *st)
{
    RL_CHECK(o->out_path && o->out_path[0], st, RL_EINPUT, "no output file given (-o OUT.nc)");
    RL_CHECK(o->max_attempts >= 1, st, RL_EINPUT, "--max-attempts must be >= 1 (got %d)",
             o->max_attempts);
    RL_CHECK(o->grace >= 0 && o->progress_every > 0 && o->snapshot_every >= 0, st, RL_EINPUT,
             "--grace and --snapshot-every must be >= 0 and --progress-every > 0 seconds");
    RL_CHECK(o->checkpoint_every >= 0 && o->checkpoint_iters >= 0, st, RL_EINPUT,
             "--checkpoint-every (seconds) and --checkpoint-iters must be >= 0 (0: not by that)");
    return RL_OK;
}

rl_code rl_run_sweep(const rl_spec *spec, MPI_Comm comm_in, const rl_run_opts *o,
                     rl_run_summary *sum, rl_status *st)
{
    int level = MPI_THREAD_SINGLE;
    double t0 = rl_now();
    memset(sum, 0, sizeof *sum);
    RL_TRY(check_opts(o, st));
    RL_MPI(st, MPI_Query_thread(&level));
    RL_CHECK(level >= MPI_THREAD_FUNNELED, st, RL_EMPI,
             "MPI was initialised without thread support; the engine needs MPI_Init_thread "
             "with MPI_THREAD_FUNNELED (training runs in a thread of its own)");
    run_ctx rc = {.spec = spec, .o = o, .runner = o->runner ? o->runner : rl_train_item};
    RL_MPI(st, MPI_Comm_dup(comm_in, &rc.comm));
    MPI_Comm_set_errhandler(rc.comm, MPI_ERRORS_RETURN);
    rl_code code = RL_OK;
    if (MPI_Comm_rank(rc.comm, &rc.rank) != MPI_SUCCESS ||
        MPI_Comm_size(rc.comm, &rc.size) != MPI_SUCCESS)
        code = rl_status_fail(st, RL_EMPI, __FILE__, __LINE__, "MPI_Comm_rank/size failed");
    if (!code) code = rl_run_signals_install(st);
    if (!code) code = decide_training(rc.comm, rc.size, o, &rc.coordinator_trains, st);
    /* A rank failing there (rank 0 out of memory) leaves the others in the gather: abort. */
    if (!code && (code = gather_numerics(&rc, st)) && rc.size > 1) sum->abort_needed = true;
    if (!code && (code = gather_hosts(&rc, st)) && rc.size > 1) sum->abort_needed = true;
    bool agreed = false; /* every rank failed the same check: they all stop cleanly */
    if (!code) {
        code = prepare_checkpoints(&rc, st);
        agreed = code == RL_EINPUT || code == RL_EIO; /* its checks follow a broadcast */
    }
    if (!code) code = rc.rank == 0 ? rl_run_coordinate(&rc, sum, st) : rl_run_work(&rc, st);
    /* A worker that fails leaves rank 0 waiting for its item: only an abort ends that. */
    if (code && !agreed && rc.rank != 0 && rc.size > 1) sum->abort_needed = true;
    sum->ranks = rc.size;
    sum->coordinator_trained = rc.coordinator_trains;
    sum->wall_seconds = rl_now() - t0;
    if (!sum->abort_needed) MPI_Comm_free(&rc.comm);
    return code;
}
