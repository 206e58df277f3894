/*
** engine.c: rl_run_sweep — the collective entry point, the start-up decisions
** every rank must agree on, and the polling helpers (module: run).
** Why polling: Open MPI's blocking receive spins a core (toolchain.md: 2.99 s of
** CPU for a 3 s wait). Every wait here is MPI_Test/MPI_Iprobe plus a sleep that
** starts at POLL_MIN after activity (low latency under load) and doubles up to
** a cap tied to the items' duration (run_int.h), so rank 0 can share a core
** with training and trivial items still flow.
*/
#include "run_int.h"

#include <math.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void rl_run_opts_default(rl_run_opts *o)
{
    memset(o, 0, sizeof *o);
    o->max_attempts = 2;
    o->grace = 60;
    o->progress_every = 30;
    o->snapshot_every = 10;
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

void rl_run_item_job(const run_ctx *rc, const rl_item *it, int worker, trainer_job *job)
{
    (void)rc; /* the output path will name checkpoint files */
    memset(job, 0, sizeof *job);
    job->params = &it->params;
    job->item = it->index;
    job->worker = worker;
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

static rl_code check_opts(const rl_run_opts *o, rl_status *st)
{
    RL_CHECK(o->out_path && o->out_path[0], st, RL_EINPUT, "no output file given (-o OUT.nc)");
    RL_CHECK(o->max_attempts >= 1, st, RL_EINPUT, "--max-attempts must be >= 1 (got %d)",
             o->max_attempts);
    RL_CHECK(o->grace >= 0 && o->progress_every > 0 && o->snapshot_every >= 0, st, RL_EINPUT,
             "--grace and --snapshot-every must be >= 0 and --progress-every > 0 seconds");
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
    if (!code) code = rc.rank == 0 ? rl_run_coordinate(&rc, sum, st) : rl_run_work(&rc, st);
    /* A worker that fails leaves rank 0 waiting for its item: only an abort ends that. */
    if (code && rc.rank != 0 && rc.size > 1) sum->abort_needed = true;
    sum->ranks = rc.size;
    sum->coordinator_trained = rc.coordinator_trains;
    sum->wall_seconds = rl_now() - t0;
    if (!sum->abort_needed) MPI_Comm_free(&rc.comm);
    return code;
}
