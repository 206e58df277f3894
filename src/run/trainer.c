/*
** trainer.c: the thread that trains one item at a time on every training rank
** (module: run).
** Why a thread: training a long item must not stop a rank from answering MPI.
** The main thread keeps polling (rank 0: the whole coordinator; workers: the
** ABANDON message), the trainer thread only computes and never calls MPI, so
** MPI_THREAD_FUNNELED suffices. Stop signals are handled by the process-wide
** handler of signals.c, so it does not matter which thread receives them.
** Also here: the packed wire form of a result (run_int.h), which both sides use.
** States: IDLE -submit-> POSTED -thread-> RUNNING -> DONE -poll-> IDLE; QUIT ends it.
** Outcomes: a result (errors of the item become status failed), abandoned (stopped
** on request), or fatal: RL_EIO, a file system that failed under the item's
** checkpoint, which is no fault of the item and must not fail it.
** The abandon flag is the training's opts.stop: written by the main thread,
** read by the training between iterations. It is a volatile int as train.h
** asks; an aligned int store is atomic on every platform MPI runs on, and a
** late read only delays the stop by one iteration.
*/
#include "run_int.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define TRAINER_STACK ((size_t)64 << 20) /* trainings may keep sizeable arrays on the stack */

typedef enum tstate { T_IDLE, T_POSTED, T_RUNNING, T_DONE, T_QUIT } tstate;

struct rl_trainer {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t posted; /* main -> thread: a job or QUIT */
    pthread_cond_t done;   /* thread -> main: the job finished */
    tstate state;
    rl_run_item_fn fn;
    uint64_t sweep_seed;
    volatile int abandon; /* opts.stop of the running item */
    /* the job (copied at submit) */
    rl_params params;
    uint64_t item;
    int worker;
    rl_train_opts opts;
    char dump_path[RL_PATH_MAX], checkpoint_path[RL_PATH_MAX];
    rl_code code;
    rl_result result;
    char message[sizeof(((rl_status *)0)->msg)];
};

/* Turns what the runner returned into a record: errors are data (status failed). */
static void settle(struct rl_trainer *t, rl_code rc, const rl_status *st)
{
    rl_result *r = &t->result;
    t->code = rc;
    if (rc == RL_EIO) /* the file system failed, not the item: the engine stops the run */
        snprintf(t->message, sizeof t->message, "%s", st->msg[0] ? st->msg : "I/O error");
    if (rc == RL_ESTOPPED || rc == RL_EIO) return;
    if (rc != RL_OK) {
        double wall = r->wall_seconds;
        rl_result_clear(r, t->item);
        r->status = RL_ITEM_FAILED;
        r->wall_seconds = wall;
        snprintf(r->reason, sizeof r->reason, "%.*s", (int)sizeof r->reason - 1,
                 st->msg[0] ? st->msg : rl_code_name(rc)); /* long messages are cut */
    } else if (r->status != RL_ITEM_DONE && r->status != RL_ITEM_DIVERGED) {
        int got = r->status;
        rl_result_clear(r, t->item);
        r->status = RL_ITEM_FAILED;
        snprintf(r->reason, sizeof r->reason, "training returned no outcome (status %d)", got);
    }
    r->item = t->item;
    r->worker = t->worker;
}

static void run_job(struct rl_trainer *t)
{
    rl_status st = RL_STATUS_INIT;
    rl_result_clear(&t->result, t->item);
    rl_code rc = t->fn(&t->params, t->sweep_seed, &t->opts, &t->result, &st);
    settle(t, rc, &st);
}

static void *thread_main(void *arg)
{
    struct rl_trainer *t = arg;
    pthread_mutex_lock(&t->mu);
    for (;;) {
        while (t->state != T_POSTED && t->state != T_QUIT)
            pthread_cond_wait(&t->posted, &t->mu);
        if (t->state == T_QUIT) break;
        t->state = T_RUNNING;
        pthread_mutex_unlock(&t->mu);
        run_job(t); /* the job's fields belong to this thread while RUNNING */
        pthread_mutex_lock(&t->mu);
        t->state = T_DONE;
        pthread_cond_signal(&t->done);
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

rl_code rl_run_trainer_create(rl_run_item_fn fn, uint64_t sweep_seed, rl_trainer **out,
                              rl_status *st)
{
    pthread_attr_t attr;
    *out = NULL;
    rl_trainer *t = rl_alloc(1, sizeof *t, st);
    if (!t) return st->code;
    t->fn = fn;
    t->sweep_seed = sweep_seed;
    t->state = T_IDLE;
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->posted, NULL);
    pthread_cond_init(&t->done, NULL);
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, TRAINER_STACK);
    int err = pthread_create(&t->thread, &attr, thread_main, t);
    pthread_attr_destroy(&attr);
    if (err != 0) {
        pthread_cond_destroy(&t->done);
        pthread_cond_destroy(&t->posted);
        pthread_mutex_destroy(&t->mu);
        rl_free(t);
        RL_FAIL(st, RL_ENOMEM, "cannot start the trainer thread: %s", strerror(err));
    }
    *out = t;
    return RL_OK;
}

void rl_run_trainer_destroy(rl_trainer **pt)
{
    if (!pt || !*pt) return;
    rl_trainer *t = *pt;
    t->abandon = 1;
    pthread_mutex_lock(&t->mu);
    while (t->state == T_POSTED || t->state == T_RUNNING)
        pthread_cond_wait(&t->done, &t->mu);
    t->state = T_QUIT;
    pthread_cond_signal(&t->posted);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->thread, NULL);
    pthread_cond_destroy(&t->done);
    pthread_cond_destroy(&t->posted);
    pthread_mutex_destroy(&t->mu);
    rl_free(t);
    *pt = NULL;
}

/* Copies a caller's string into the trainer, so the job never points into caller memory. */
static const char *keep(char *own, size_t cap, const char *s)
{
    if (!s) return NULL;
    rl_snprintf(own, cap, "%s", s);
    return own;
}

void rl_run_trainer_submit(rl_trainer *t, const trainer_job *job)
{
    pthread_mutex_lock(&t->mu);
    t->params = *job->params;
    t->item = job->item;
    t->worker = job->worker;
    t->opts = job->opts;
    t->opts.dump_path = keep(t->dump_path, sizeof t->dump_path, job->opts.dump_path);
    t->opts.checkpoint_path =
        keep(t->checkpoint_path, sizeof t->checkpoint_path, job->opts.checkpoint_path);
    t->opts.stop = &t->abandon;
    t->abandon = 0;
    t->state = T_POSTED;
    pthread_cond_signal(&t->posted);
    pthread_mutex_unlock(&t->mu);
}

void rl_run_trainer_abandon(rl_trainer *t)
{
    t->abandon = 1;
}

bool rl_run_trainer_busy(const rl_trainer *t)
{
    rl_trainer *m = (rl_trainer *)t; /* locking mutates the mutex, not the trainer */
    pthread_mutex_lock(&m->mu);
    bool busy = m->state != T_IDLE;
    pthread_mutex_unlock(&m->mu);
    return busy;
}

/* Absolute CLOCK_REALTIME deadline `wait` seconds from now (what pthread_cond_timedwait takes). */
static struct timespec deadline_in(double wait)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long ns = ts.tv_nsec + (long)(wait * 1e9);
    ts.tv_sec += ns / 1000000000L;
    ts.tv_nsec = ns % 1000000000L;
    return ts;
}

trainer_outcome rl_run_trainer_poll(rl_trainer *t, double wait, rl_result *out, uint64_t *item)
{
    trainer_outcome got = TRAINER_NONE;
    pthread_mutex_lock(&t->mu);
    if (wait > 0 && (t->state == T_POSTED || t->state == T_RUNNING)) {
        struct timespec until = deadline_in(wait);
        while ((t->state == T_POSTED || t->state == T_RUNNING) &&
               pthread_cond_timedwait(&t->done, &t->mu, &until) == 0)
            ;
    }
    if (t->state == T_DONE) {
        *item = t->item;
        if (t->code == RL_ESTOPPED) {
            got = TRAINER_ABANDONED;
        } else if (t->code == RL_EIO) {
            got = TRAINER_FATAL;
        } else {
            *out = t->result;
            got = TRAINER_RESULT;
        }
        t->state = T_IDLE;
    }
    pthread_mutex_unlock(&t->mu);
    return got;
}

const char *rl_run_trainer_message(const rl_trainer *t)
{
    return t->message;
}
