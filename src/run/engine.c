/*
** engine.c: rl_run_sweep — the collective entry point and the start-up decisions
** every rank must agree on (who trains, numerics, hosts, the checkpoint directory),
** then rank 0 coordinates (coord.c) and the others work (worker.c) (module: run).
** Why only this: it calls down into the coordinator, the workers and the helpers
** they share (poll.c: polling; ckptdir.c: the checkpoint directory and each item's
** job), and nothing calls back up into it, so every arrow of the engine points down.
*/
#include "run_int.h"

#include "richlazy/model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
        code = rl_run_ckpt_prepare(&rc, st);
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
