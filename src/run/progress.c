/*
** progress.c: the expected time left of a running sweep, weighted by what each
** item costs (module: run; rank 0 only).
** Why weighted: items of one sweep differ by orders of magnitude (a 2AF item and
** an sMNIST one; rank 1 and rank 300 cost the same, but hidden 100 and 1000 do
** not), so "items left / items per minute" is wrong until the very end — on a
** mixed Fig. 1 sweep it said 2 min for ~155 s of work left. Here each queued item
** carries its expected seconds on a free core (cost.c: the work model at the
** speed of probes run at start), and the items finished by this run correct that
** scale: k = (their measured seconds) / (their expected seconds), which also
** absorbs a machine busier than the probe saw. A diverged item is expected only
** the iterations it ran: else four rank-5 sMNIST items diverging in their first
** steps made k tiny and the ETA said 50 min for 2 h of work. Items stopped at
** their criterion count whole (the coordinator's call): the items still queued
** will stop about as early, which k then carries (an ETA of fig2 at N 300 that
** expected every queued item at its cap said 1.8 h for ~35 min). Time left = the larger of (k x the
** expected seconds of everything not finished, running items' elapsed time
** deducted) / training ranks, and the longest single item still to run.
*/
#include "run_int.h"

#include <math.h>

struct rl_run_eta {
    double *expected;             /* per cube item: seconds on a free core; 0 unless queued */
    double *train;                /* per cube item: the training iterations' part of expected */
    long *iterations;             /* per cube item: train.iterations */
    double queued;                /* sum of expected over items not dispatched yet */
    double done_expected, done_s; /* items finished by this run: expected and measured */
};

rl_code rl_run_eta_create(const rl_spec *spec, const size_t *queue, size_t n, rl_run_eta **out,
                          rl_status *st)
{
    rl_run_rates *rates = NULL;
    rl_run_eta *e = rl_alloc(1, sizeof *e, st);
    rl_item *it = rl_alloc(1, sizeof *it, st);
    rl_code rc = e && it ? RL_OK : st->code;
    size_t nitems = rl_spec_nitems(spec);
    if (!rc && (!(e->expected = rl_alloc(nitems, sizeof *e->expected, st)) ||
                !(e->train = rl_alloc(nitems, sizeof *e->train, st)) ||
                !(e->iterations = rl_alloc(nitems, sizeof *e->iterations, st))))
        rc = st->code;
    if (!rc) rc = rl_run_rates_measure(spec, queue, n, &rates, st);
    for (size_t i = 0; !rc && i < n; i++) {
        rl_spec_fill_item(spec, queue[i], it); /* O(1) memory for big sweeps */
        e->expected[queue[i]] = rl_run_rates_item_seconds(rates, &it->params);
        e->train[queue[i]] = rl_run_rates_train_seconds(rates, &it->params);
        e->iterations[queue[i]] = it->params.train.iterations;
        e->queued += e->expected[queue[i]];
    }
    rl_run_rates_destroy(&rates);
    rl_free(it);
    if (rc) rl_run_eta_destroy(&e);
    *out = e;
    return rc;
}

void rl_run_eta_destroy(rl_run_eta **e)
{
    if (!e || !*e) return;
    rl_free((*e)->expected);
    rl_free((*e)->train);
    rl_free((*e)->iterations);
    rl_free(*e);
    *e = NULL;
}

void rl_run_eta_dispatched(rl_run_eta *e, size_t item)
{
    e->queued -= e->expected[item];
    if (e->queued < 0) e->queued = 0; /* rounding of the running sum */
}

void rl_run_eta_finished(rl_run_eta *e, size_t item, double seconds, double iterations)
{
    /* Training cost scales with the iterations run; the measures' part (cost.c) is paid whole. */
    double share = isfinite(iterations) && e->iterations[item] > 0
                       ? fmin(1.0, iterations / (double)e->iterations[item])
                       : 1.0;
    e->done_expected += e->expected[item] - e->train[item] * (1 - share);
    e->done_s += seconds;
}

double rl_run_eta_scale(const rl_run_eta *e)
{
    return e->done_expected > 0 && e->done_s > 0 ? e->done_s / e->done_expected : 1.0;
}

double rl_run_eta_seconds(const rl_run_eta *e, const rl_run_eta_running *running, size_t n_running,
                          double longest_queued, int ranks)
{
    double k = rl_run_eta_scale(e), left = k * e->queued, longest = k * longest_queued;
    for (size_t i = 0; i < n_running; i++) {
        double rest = k * e->expected[running[i].item] - running[i].elapsed;
        rest = rest > 0 ? rest : 0;
        left += rest;
        longest = rest > longest ? rest : longest;
    }
    double spread = left / (ranks > 0 ? ranks : 1);
    return spread > longest ? spread : longest;
}

double rl_run_eta_expected(const rl_run_eta *e, size_t item)
{
    return e->expected[item];
}
