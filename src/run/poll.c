/*
** poll.c: waiting without spinning — sleeps, the back-off between polls, and
** completing a request by polling (module: run), for the coordinator, the workers
** and the trainer alike.
** Why polling: Open MPI's blocking receive spins a core (toolchain.md: 2.99 s of
** CPU for a 3 s wait). Every wait is MPI_Test/MPI_Iprobe plus a sleep that starts
** at POLL_MIN after activity (low latency under load) and doubles up to a cap tied
** to the items' duration (run_int.h), so rank 0 can share a core with training
** and trivial items still flow.
*/
#include "run_int.h"

#include <math.h>
#include <time.h>

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
