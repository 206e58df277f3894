/*
** signals.c: the stop signals (module: run). SIGTERM, SIGINT and SIGUSR1 only
** increment a counter; the coordinator's loop reads it (first signal: stop
** dispatching and give running items the grace period; second: abandon them).
** Why a counter and a process-wide handler: a handler runs in whichever thread
** the kernel picks (MPI's and OpenBLAS's threads included), and the only thing
** a handler may safely do is write a sig_atomic_t. This is the module's one
** global (the house rules allow this one kind).
** SIGUSR1 is there because mpirun forwards it to every rank without killing
** the job, whereas its SIGTERM kills the ranks a second later (toolchain.md).
*/
#include "richlazy/run.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

static volatile sig_atomic_t stop_signals; /* how many stop signals arrived */

static void on_stop_signal(int sig)
{
    (void)sig;
    if (stop_signals < 1000) stop_signals = stop_signals + 1;
}

rl_code rl_run_signals_install(rl_status *st)
{
    static const int sigs[] = {SIGTERM, SIGINT, SIGUSR1};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaddset(&sa.sa_mask, sigs[i]); /* no nesting: the increment is never interleaved */
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        RL_CHECK(sigaction(sigs[i], &sa, NULL) == 0, st, RL_EBUG, "sigaction(%d): %s", sigs[i],
                 strerror(errno));
    return RL_OK;
}

int rl_run_signals_seen(void)
{
    return stop_signals;
}
