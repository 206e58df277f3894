/*
** worker.c: the loop of ranks 1..P-1 (module: run). The main thread polls MPI
** (never blocking: a blocking receive would spin the core the trainer thread
** needs) and relays: ITEM -> trainer, trainer outcome -> RESULT/ABANDONED,
** ABANDON -> trainer's stop flag, this rank's stop signals -> SIGNAL. It decides
** nothing: rank 0 owns every decision, so P never changes what is computed.
*/
#include "run_int.h"

#include <string.h>

typedef struct worker {
    const run_ctx *rc;
    rl_trainer *trainer;
    rl_item *item; /* scratch: the item being handed to the trainer */
    rl_result *res;
    unsigned char *packed; /* RL_RESULT_PACKED_MAX bytes */
    bool stop;
    int signals_sent;
    double started, item_seconds; /* the running item's start; the last one's duration */
} worker;

static rl_code send_outcome(worker *w, trainer_outcome got, uint64_t item, rl_status *st)
{
    MPI_Request req;
    if (got == TRAINER_RESULT) {
        int n = (int)rl_result_pack(w->res, w->packed);
        RL_MPI(st, MPI_Isend(w->packed, n, MPI_BYTE, 0, TAG_RESULT, w->rc->comm, &req));
    } else if (got == TRAINER_FATAL) {
        const char *msg = rl_run_trainer_message(w->trainer);
        int n = (int)strnlen(msg, RL_FATAL_MAX - 1) + 1;
        RL_MPI(st, MPI_Isend(msg, n, MPI_CHAR, 0, TAG_FATAL, w->rc->comm, &req));
    } else {
        RL_MPI(st, MPI_Isend(&item, sizeof item, MPI_BYTE, 0, TAG_ABANDONED, w->rc->comm, &req));
    }
    return rl_run_wait(&req, st); /* the buffers must outlive the send */
}

static rl_code on_message(worker *w, const MPI_Status *ms, rl_status *st)
{
    unsigned char buf[64];
    int count = 0;
    RL_MPI(st, MPI_Get_count(ms, MPI_BYTE, &count));
    RL_CHECK(count <= (int)sizeof buf, st, RL_EBUG, "message of %d bytes from rank 0", count);
    RL_MPI(st, MPI_Recv(buf, count, MPI_BYTE, 0, ms->MPI_TAG, w->rc->comm, MPI_STATUS_IGNORE));
    if (ms->MPI_TAG == TAG_ITEM) {
        msg_item m;
        memcpy(&m, buf, sizeof m);
        RL_CHECK(m.item < rl_spec_nitems(w->rc->spec) && !rl_run_trainer_busy(w->trainer), st,
                 RL_EBUG, "rank 0 sent item %llu to a busy or mismatched worker",
                 (unsigned long long)m.item);
        trainer_job job;
        rl_spec_fill_item(w->rc->spec, m.item, w->item);
        rl_run_item_job(w->rc, w->item, w->rc->rank, &job);
        rl_run_trainer_submit(w->trainer, &job);
        w->started = rl_now();
    } else if (ms->MPI_TAG == TAG_ABANDON) {
        rl_run_trainer_abandon(w->trainer);
    } else if (ms->MPI_TAG == TAG_STOP) {
        w->stop = true;
    } else {
        RL_FAIL(st, RL_EBUG, "unexpected message tag %d from rank 0", ms->MPI_TAG);
    }
    return RL_OK;
}

static rl_code relay_signals(worker *w, rl_status *st)
{
    int32_t seen = rl_run_signals_seen();
    if (seen <= w->signals_sent) return RL_OK;
    RL_MPI(st, MPI_Send(&seen, sizeof seen, MPI_BYTE, 0, TAG_SIGNAL, w->rc->comm));
    w->signals_sent = seen;
    return RL_OK;
}

static rl_code loop(worker *w, rl_status *st)
{
    double pause = POLL_MIN;
    RL_MPI(st, MPI_Send(NULL, 0, MPI_BYTE, 0, TAG_READY, w->rc->comm));
    while (!w->stop) {
        bool active = false;
        int flag = 0;
        MPI_Status ms;
        RL_TRY(relay_signals(w, st));
        RL_MPI(st, MPI_Iprobe(0, MPI_ANY_TAG, w->rc->comm, &flag, &ms));
        if (flag) {
            active = true;
            RL_TRY(on_message(w, &ms, st));
        }
        uint64_t item;
        bool busy = rl_run_trainer_busy(w->trainer);
        trainer_outcome got = rl_run_trainer_poll(w->trainer, active ? 0 : pause, w->res, &item);
        if (got != TRAINER_NONE) {
            active = true;
            w->item_seconds = rl_now() - w->started;
            RL_TRY(send_outcome(w, got, item, st));
        } else if (!active && !busy) {
            rl_run_sleep(pause);
        }
        pause = rl_run_backoff(pause, active, rl_run_poll_cap(w->item_seconds));
    }
    return RL_OK;
}

rl_code rl_run_work(const run_ctx *rc, rl_status *st)
{
    worker w;
    memset(&w, 0, sizeof w);
    w.rc = rc;
    w.res = rl_alloc(1, sizeof *w.res, st);
    w.packed = rl_alloc(1, RL_RESULT_PACKED_MAX, st);
    w.item = rl_alloc(1, sizeof *w.item, st);
    rl_code code = w.res && w.packed && w.item ? RL_OK : st->code;
    if (!code) code = rl_run_trainer_create(rc->runner, rl_spec_seed(rc->spec), &w.trainer, st);
    if (!code) code = loop(&w, st);
    rl_run_trainer_destroy(&w.trainer);
    rl_free(w.item);
    rl_free(w.packed);
    rl_free(w.res);
    return code;
}
