/*
** test_trainer.c: the engine's parts that need no second process — the
** trainer thread (outcome, abandon, errors become data), the packed wire form
** of a result, longest-first ordering, the poll cap, and the signal counter.
** The fake runner (run.h) stands in for training: init.gain picks the outcome.
*/
#include "rltest.h"
#include "run_int.h"

#include <math.h>
#include <signal.h>
#include <string.h>
#include <time.h>

static rl_params fake_params(double gain, long iterations_us)
{
    rl_params p;
    rl_params_defaults(&p);
    p.init.gain = gain;
    p.train.iterations = iterations_us;
    p.train.curve_every = 1000;
    return p;
}

static void submit(rl_trainer *t, const rl_params *p, uint64_t item, int worker)
{
    trainer_job job;
    memset(&job, 0, sizeof job);
    job.params = p;
    job.item = item;
    job.worker = worker;
    rl_run_trainer_submit(t, &job);
}

/* Polls until an outcome arrives (at most ~10 s). */
static trainer_outcome wait_outcome(rl_trainer *t, rl_result *r, uint64_t *item)
{
    for (int i = 0; i < 1000; i++) {
        trainer_outcome got = rl_run_trainer_poll(t, 0.01, r, item);
        if (got != TRAINER_NONE) return got;
    }
    return TRAINER_NONE;
}

static void test_trainer(void)
{
    rl_status st = RL_STATUS_INIT;
    rl_trainer *t = NULL;
    rl_result r, again;
    uint64_t item = 0;
    RL_TEST(rl_run_trainer_create(rl_run_fake_item, 9, &t, &st) == RL_OK, "trainer thread starts");
    if (!t) return;
    rl_params p = fake_params(1.0, 5000);
    submit(t, &p, 17, 4);
    RL_TEST(rl_run_trainer_busy(t), "busy after submit");
    RL_TEST(wait_outcome(t, &r, &item) == TRAINER_RESULT && item == 17 && r.item == 17 &&
                r.worker == 4 && r.status == RL_ITEM_DONE && r.n_curve == 5,
            "a 5 ms item comes back done, tagged with item 17 and worker 4, 5 curve records");
    RL_TEST(!rl_run_trainer_busy(t), "idle once its outcome was collected");
    submit(t, &p, 17, 1);
    wait_outcome(t, &again, &item);
    RL_TEST(memcmp(r.measure, again.measure, sizeof r.measure) == 0 &&
                memcmp(r.curve, again.curve, sizeof r.curve) == 0,
            "the same parameters give bitwise the same measures and curve on another worker");

    p = fake_params(600.0, 0);
    submit(t, &p, 3, 0);
    RL_TEST(wait_outcome(t, &r, &item) == TRAINER_RESULT && r.status == RL_ITEM_FAILED &&
                strstr(r.reason, "asks for an error") && isnan(r.measure[0]),
            "a runner error becomes status failed with its message: '%s'", r.reason);

    p = fake_params(200.0, 0);
    submit(t, &p, 4, 0);
    wait_outcome(t, &r, &item);
    RL_TEST(r.status == RL_ITEM_DIVERGED && r.reason[0] == '\0',
            "a diverged item is an outcome, not a failure");

    p = fake_params(1.0, 20 * 1000 * 1000); /* 20 s unless abandoned */
    submit(t, &p, 5, 0);
    nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL); /* let it start */
    double t0 = rl_now();
    rl_run_trainer_abandon(t);
    RL_TEST(wait_outcome(t, &r, &item) == TRAINER_ABANDONED && item == 5 && rl_now() - t0 < 1,
            "abandon stops a 20 s item within 1 s (%.3f s) and reports it abandoned",
            rl_now() - t0);
    submit(t, &p, 6, 0);
    t0 = rl_now();
    rl_run_trainer_destroy(&t);
    RL_TEST(t == NULL && rl_now() - t0 < 1, "destroy abandons a running item and joins (%.3f s)",
            rl_now() - t0);
    rl_run_trainer_destroy(&t); /* safe on NULL */
}

static void test_pack(void)
{
    rl_result r, back;
    unsigned char buf[RL_RESULT_PACKED_MAX];
    rl_result_clear(&r, 42);
    r.status = RL_ITEM_FAILED;
    r.attempts = 2;
    r.n_curve = 3;
    for (int k = 0; k < 3; k++)
        r.curve[RL_CURVE_loss_curve][k] = 0.5f * (float)k;
    r.curve[RL_CURVE_kernel_eff_rank_curve][1] = 0.75f; /* the others stay NaN */
    r.measure[RL_MEASURE_kernel_alignment] = 0.25;
    snprintf(r.reason, sizeof r.reason, "out of memory");
    size_t n = rl_result_pack(&r, buf);
    RL_TEST(n < 4096, "a packed result (%zu bytes) fits the 4 kB eager limit", n);
    RL_TEST(rl_result_unpack(buf, n, &back) && memcmp(&r, &back, sizeof r) == 0,
            "pack then unpack gives the record back byte for byte");
    RL_TEST(!rl_result_unpack(buf, 10, &back), "a truncated packet is refused");
    r.n_curve = RL_CURVE_MAX;
    memset(r.reason, 'x', RL_REASON_MAX - 1);
    n = rl_result_pack(&r, buf);
    RL_TEST(rl_result_unpack(buf, n, &back) && memcmp(&r, &back, sizeof r) == 0,
            "a full curve and a full reason round-trip too (%zu bytes)", n);
}

static void test_order(void)
{
    static const char yaml[] = "name: order\n"
                               "axes:\n"
                               "  model.hidden: [16, 64, 32]\n"
                               "  train.iterations: [10, 100000]\n";
    rl_status st = RL_STATUS_INIT;
    rl_spec *spec = NULL;
    size_t items[6] = {0, 1, 2, 3, 4, 5};
    if (rl_spec_load_string(yaml, sizeof yaml - 1, "order.yaml", &spec, &st) != RL_OK) {
        RL_TEST(0, "order spec loads: %s", st.msg);
        return;
    }
    rl_run_order(spec, items, 6, &st);
    /* index = hidden_index * 2 + iterations_index; training ~ hidden^2 x iterations dominates
       at 100000 iterations, the measures (the same for every iteration count) at 10 */
    static const size_t want[6] = {3, 5, 1, 2, 4, 0};
    RL_TEST(memcmp(items, want, sizeof want) == 0,
            "longest first: (64,1e5) (32,1e5) (16,1e5) (64,10) (32,10) (16,10) -> "
            "%zu %zu %zu %zu %zu %zu",
            items[0], items[1], items[2], items[3], items[4], items[5]);
    rl_run_flops f16 = rl_run_item_flops(&rl_spec_item(spec, 1)->params),
                 f64 = rl_run_item_flops(&rl_spec_item(spec, 3)->params);
    RL_TEST(f64.per_iteration > 8 * f16.per_iteration && f64.per_iteration < 16 * f16.per_iteration,
            "training work grows as hidden^2 + hidden (inputs, outputs): 4x the units, 8x-16x "
            "the flops (%.1fx)",
            f64.per_iteration / f16.per_iteration);
    RL_TEST(fabs(f16.train - 100000 * f16.per_iteration) < 1e-6 * f16.train && f16.measure > 0,
            "training work = iterations x one iteration; the measures cost something");
    rl_spec_destroy(&spec);
}

static void test_poll_and_signals(void)
{
    RL_TEST(rl_run_poll_cap(0) == POLL_MAX && rl_run_poll_cap(100) == POLL_MAX,
            "poll cap: 1 ms for unknown or long items");
    RL_TEST(rl_run_poll_cap(1e-4) == POLL_CAP_MIN && fabs(rl_run_poll_cap(2e-3) - 1e-4) < 1e-12,
            "poll cap: item/20, at least 50 us (0.1 ms item -> 50 us, 2 ms item -> 100 us)");
    RL_TEST(rl_run_backoff(POLL_MAX, true, POLL_MAX) == POLL_MIN &&
                rl_run_backoff(4e-4, false, 5e-4) == 5e-4,
            "backoff: reset on activity, doubling capped");
    rl_status st = RL_STATUS_INIT;
    RL_TEST(rl_run_signals_install(&st) == RL_OK, "stop-signal handlers installed");
    int before = rl_run_signals_seen();
    raise(SIGUSR1);
    raise(SIGTERM);
    RL_TEST(rl_run_signals_seen() == before + 2, "SIGUSR1 and SIGTERM are counted, not fatal");
}

int main(void)
{
    test_trainer();
    test_pack();
    test_order();
    test_poll_and_signals();
    return rl_test_done();
}
