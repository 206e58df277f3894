/*
** test_train.c: one item end to end (run/train.c) — determinism, zero
** iterations, divergence as an outcome, the dump file, and mid-item
** checkpoints that resume to a bitwise-identical result.
*/
#include <math.h>
#include <netcdf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "richlazy/init.h"
#include "trainutil.h"

static rl_code train(const rl_params *p, const rl_train_opts *o, rl_result *r, rl_status *st)
{
    rl_result_clear(r, 0);
    rl_status_clear(st);
    return rl_train_item(p, 3, o, r, st);
}

/* Every variable of a dump file, concatenated (NULL on error); *bytes gets the length. */
static unsigned char *dump_bytes(const char *path, size_t *bytes)
{
    int nc, nvars;
    unsigned char *all = NULL;
    *bytes = 0;
    if (nc_open(path, NC_NOWRITE, &nc) != NC_NOERR) return NULL;
    nc_inq_nvars(nc, &nvars);
    for (int v = 0; v < nvars; v++) {
        int ndims, dims[NC_MAX_VAR_DIMS];
        nc_type type;
        size_t n = 1, len, size;
        nc_inq_var(nc, v, NULL, &type, &ndims, dims, NULL);
        for (int d = 0; d < ndims; d++) {
            nc_inq_dimlen(nc, dims[d], &len);
            n *= len;
        }
        nc_inq_type(nc, type, NULL, &size);
        all = realloc(all, *bytes + n * size);
        nc_get_var(nc, v, all + *bytes);
        *bytes += n * size;
    }
    nc_close(nc);
    return all;
}

static void test_determinism(void)
{
    rl_params p;
    small_params(&p, "dms");
    rl_result a, b;
    rl_status st = RL_STATUS_INIT;
    char pa[] = "/tmp/rl_det_a_XXXXXX", pb[] = "/tmp/rl_det_b_XXXXXX";
    close(mkstemp(pa));
    close(mkstemp(pb));
    rl_train_opts oa = {.dump_path = pa}, ob = {.dump_path = pb};
    train(&p, &oa, &a, &st);
    train(&p, &ob, &b, &st);
    RL_TEST(a.status == RL_ITEM_DONE && same_result(&a, &b),
            "the same item twice gives bitwise identical measures and loss curve");
    size_t na, nb;
    unsigned char *da = dump_bytes(pa, &na), *db = dump_bytes(pb, &nb);
    RL_TEST(da && db && na == nb && na > 0 && memcmp(da, db, na) == 0,
            "the same item twice gives bitwise identical dumps (every variable, %zu bytes)", na);
    free(da);
    free(db);
    remove(pa);
    remove(pb);
    p.init.gain = 1.5;
    train(&p, NULL, &b, &st);
    RL_TEST(!same_result(&a, &b), "a different gain gives different measures");
}

static void test_zero_iterations(void)
{
    rl_params p;
    small_params(&p, "2af");
    p.train.iterations = 0;
    rl_result r;
    rl_status st = RL_STATUS_INIT;
    rl_code rc = train(&p, NULL, &r, &st);
    RL_TEST(rc == RL_OK && r.status == RL_ITEM_DONE, "zero iterations is a valid item");
    RL_TEST(r.measure[RL_MEASURE_weight_change] == 0.0 &&
                r.measure[RL_MEASURE_weight_change_all] == 0,
            "zero iterations: weight change exactly 0");
    RL_TEST_ABS(r.measure[RL_MEASURE_rep_alignment], 1.0, 1e-12, "zero iterations: RA = 1 (1e-12)");
    RL_TEST_ABS(r.measure[RL_MEASURE_kernel_alignment], 1.0, 1e-12,
                "zero iterations: KA = 1 (1e-12)");
    RL_TEST(r.measure[RL_MEASURE_final_loss] == r.measure[RL_MEASURE_initial_loss],
            "zero iterations: final loss equals initial loss");
}

static void test_divergence(void)
{
    rl_params p;
    small_params(&p, "2af");
    p.init.gain = 40;
    p.train.lr = 50;
    rl_result r;
    rl_status st = RL_STATUS_INIT;
    rl_code rc = train(&p, NULL, &r, &st);
    RL_TEST(rc == RL_OK && r.status == RL_ITEM_DIVERGED,
            "gain 40 and lr 50 diverge, recorded as an outcome (status %s)",
            rl_item_status_name((rl_item_status)r.status));
    double step = r.measure[RL_MEASURE_diverged_step];
    RL_TEST(step >= 0 && step < p.train.iterations, "the divergence step is recorded (%g)", step);
}

static void test_lowrank_spectrum(void)
{
    rl_params p;
    small_params(&p, "2af");
    p.init.rank = 1;
    p.train.iterations = 0;
    rl_result r;
    rl_status st = RL_STATUS_INIT;
    train(&p, NULL, &r, &st);
    RL_TEST_ABS(r.measure[RL_MEASURE_eff_rank_sv], 1.0 / 48, 1e-6,
                "rank 1: singular-value effective rank 1/N (1e-6)");
}

/* The dump holds W_h(0) exactly as init built it, and the probe set's shape. */
static void test_dump(void)
{
    rl_params p;
    small_params(&p, "cxt");
    p.train.iterations = 20;
    char path[] = "/tmp/rl_dump_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    rl_train_opts o = {.dump_path = path};
    rl_result r;
    rl_status st = RL_STATUS_INIT;
    rl_code rc = train(&p, &o, &r, &st);
    RL_TEST(rc == RL_OK, "train with --dump succeeds (%s)", rc ? st.msg : "ok");
    int nc, var;
    size_t n = 48 * 48;
    float *got = malloc(n * sizeof *got);
    double *want = malloc(n * sizeof *want);
    int ok = nc_open(path, NC_NOWRITE, &nc) == NC_NOERR &&
             nc_inq_varid(nc, "W_h_init", &var) == 0 && nc_get_var_float(nc, var, got) == 0;
    rl_init_recurrent(&p, 3, want, &st);
    int same = ok;
    for (size_t i = 0; ok && i < n; i++)
        same &= got[i] == (float)want[i];
    RL_TEST(same, "dump: W_h_init equals the init module's W_h(0) rounded to float, bitwise");
    size_t dims[3] = {0, 0, 0};
    int dimids[3], nd = 0;
    ok = ok && nc_inq_varid(nc, "probe_x", &var) == 0 && nc_inq_varndims(nc, var, &nd) == 0 &&
         nd == 3 && nc_inq_vardimid(nc, var, dimids) == 0;
    for (int d = 0; ok && d < 3; d++)
        nc_inq_dimlen(nc, dimids[d], &dims[d]);
    RL_TEST(ok && dims[0] == 8 && dims[1] == 64 && dims[2] == 7,
            "dump: probe_x is (time 8, trial 64, input 7) for cxt (got %zu, %zu, %zu)", dims[0],
            dims[1], dims[2]);
    double rho = -1;
    ok = ok && nc_get_att_double(nc, NC_GLOBAL, "rho", &rho) == 0;
    RL_TEST(ok && rho == 0.0, "dump: attribute rho = 0 (the reference script's form)");
    nc_close(nc);
    free(got);
    free(want);
    remove(path);
}

/* ---- checkpoints ---- */

typedef struct stopper {
    volatile int flag;
    long delay_us;
} stopper;

static void *stop_later(void *arg)
{
    stopper *s = arg;
    struct timespec ts = {s->delay_us / 1000000, (s->delay_us % 1000000) * 1000};
    nanosleep(&ts, NULL);
    s->flag = 1;
    return NULL;
}

/*
** Trains p to the end through repeated stops `delay_us` after each (re)start,
** the delay growing by half each time so that every restart makes progress
** however slow the build; returns the number of interruptions, -1 on an error.
*/
static int train_interrupted(const rl_params *p, const char *ckpt, long delay_us, rl_result *r)
{
    int stops = 0;
    for (;;) {
        stopper s = {0, delay_us};
        pthread_t th;
        pthread_create(&th, NULL, stop_later, &s);
        rl_train_opts o = {.stop = &s.flag, .checkpoint_path = ckpt, .checkpoint_seconds = 1e9};
        rl_status st = RL_STATUS_INIT;
        rl_code rc = train(p, &o, r, &st);
        pthread_join(th, NULL);
        if (rc == RL_OK) return stops;
        if (rc != RL_ESTOPPED || stops > 1000) {
            printf("unexpected: %s\n", st.msg);
            return -1;
        }
        stops++;
        delay_us += delay_us / 2;
    }
}

static void test_checkpoint(void)
{
    rl_params p;
    small_params(&p, "2af");
    strcpy(p.train.optimizer, "adam");
    p.train.iterations = 400;
    p.train.curve_every = 7;
    rl_result ref, r;
    rl_status st = RL_STATUS_INIT;
    train(&p, NULL, &ref, &st);
    char ckpt[] = "/tmp/rl_ckpt_XXXXXX";
    int fd = mkstemp(ckpt);
    close(fd);
    remove(ckpt);

    /* Deterministic points: the first step, mid-window, window boundaries, the last step. */
    long points[] = {1, 57, 70, 133, 399, 0};
    rl_code rc = RL_OK;
    int stops = 0;
    for (int i = 0; points[i] >= 0; i++) {
        rl_train_opts o = {
            .checkpoint_path = ckpt, .checkpoint_seconds = 1e9, .stop_at = points[i]};
        rc = train(&p, &o, &r, &st);
        stops += rc == RL_ESTOPPED;
        if (points[i] == 0) break;
    }
    RL_TEST(stops == 5 && rc == RL_OK && same_result(&ref, &r),
            "Adam, 400 iterations, stopped at iterations 1, 57, 70, 133, 399 (%d stops) and "
            "resumed from its checkpoint each time: bitwise identical to an uninterrupted run",
            stops);

    /* Asynchronous stops, as a signal delivers them, at whatever iteration they land. */
    long delays[] = {5000, 20000};
    for (int i = 0; i < 2; i++) {
        remove(ckpt);
        int n = train_interrupted(&p, ckpt, delays[i], &r);
        RL_TEST(n >= 0 && same_result(&ref, &r),
                "stopped by another thread every %ld ms (%d times) and resumed: bitwise identical",
                delays[i] / 1000, n);
    }

    /* A checkpoint of another item is refused, never used silently. */
    rl_params q = p;
    q.init.gain = 2.0;
    rl_train_opts o = {.checkpoint_path = ckpt};
    stopper s = {1, 0};
    o.stop = &s.flag;
    train(&p, &o, &r, &st); /* leaves a checkpoint of p at iteration 0 */
    o.stop = NULL;
    rc = train(&q, &o, &r, &st);
    RL_TEST(rc == RL_EINPUT && strstr(st.msg, "different item"),
            "a checkpoint of different parameters is refused (%s)", st.msg);
    remove(ckpt);
    char init[64];
    snprintf(init, sizeof init, "%s.init", ckpt);
    remove(init);
}

/* Stops p at iteration `at` with checkpoints to ckpt, from scratch; 1 if it stopped there. */
static int stop_at(const rl_params *p, const char *ckpt, const char *init, long at)
{
    remove(ckpt);
    remove(init);
    rl_result r;
    rl_status st = RL_STATUS_INIT;
    rl_train_opts o = {.checkpoint_path = ckpt, .checkpoint_seconds = 1e9, .stop_at = at};
    return train(p, &o, &r, &st) == RL_ESTOPPED;
}

/* Issue 17: the initial measures (H(0), K(0), three scalars) saved with the first checkpoint. */
static void test_initial_saved(void)
{
    rl_params p;
    small_params(&p, "dms");
    strcpy(p.train.optimizer, "adam");
    p.train.iterations = 300;
    p.train.curve_every = 7;
    p.probe.kernel_every = 21; /* the kernel curves read K(0) too */
    rl_result ref, r;
    rl_status st = RL_STATUS_INIT;
    train(&p, NULL, &ref, &st);
    char ckpt[] = "/tmp/rl_init_XXXXXX", init[64];
    int fd = mkstemp(ckpt);
    close(fd);
    remove(ckpt);
    snprintf(init, sizeof init, "%s.init", ckpt);
    rl_train_opts o = {.checkpoint_path = ckpt, .checkpoint_seconds = 1e9};

    int stopped = stop_at(&p, ckpt, init, 100);
    RL_TEST(stopped && access(init, F_OK) == 0,
            "a stop at iteration 100 wrote the initial measures beside the checkpoint (%s)", init);
    rl_code rc = train(&p, &o, &r, &st);
    RL_TEST(rc == RL_OK && same_result(&ref, &r),
            "continued with the initial measures read back: bitwise identical to an "
            "uninterrupted run (initial loss, K(0) alignments, RA, KA, kernel curves)");

    stopped = stop_at(&p, ckpt, init, 100);
    remove(init); /* what an older build (RLCKPT02 alone) leaves */
    rc = train(&p, &o, &r, &st);
    RL_TEST(stopped && rc == RL_OK && same_result(&ref, &r),
            "a checkpoint without them (as an older build wrote it) continues with them "
            "recomputed: bitwise identical");

    stopped = stop_at(&p, ckpt, init, 100);
    FILE *f = fopen(init, "r+b");
    if (f) { /* one byte of K(0) changed: the checksum catches it, so the file is read */
        fseek(f, -20, SEEK_END);
        int c = fgetc(f);
        fseek(f, -20, SEEK_END);
        fputc(c ^ 0x10, f);
        fclose(f);
    }
    rl_status_clear(&st);
    rc = train(&p, &o, &r, &st);
    RL_TEST(stopped && rc == RL_EINPUT && strstr(st.msg, "initial measures damaged"),
            "a damaged file of initial measures is refused, never used silently (%s)", st.msg);
    remove(ckpt);
    remove(init);
}

/* ---- the stop criterion (train.stop_loss, train.stop_accuracy) ---- */

static void test_criterion(void)
{
    rl_params p;
    small_params(&p, "2af");
    p.train.iterations = 600;
    rl_result none, r, r2;
    rl_status st = RL_STATUS_INIT;
    train(&p, NULL, &none, &st);
    RL_TEST(none.measure[RL_MEASURE_iterations_trained] == 600 &&
                isnan(none.measure[RL_MEASURE_criterion_reached]),
            "no criterion: 600 iterations trained, criterion_reached NaN");

    /* A loss the item reaches late: a tenth of the way from its final to its initial loss. */
    p.train.stop_loss =
        none.measure[RL_MEASURE_final_loss] +
        0.1 * (none.measure[RL_MEASURE_initial_loss] - none.measure[RL_MEASURE_final_loss]);
    rl_code rc = train(&p, NULL, &r, &st);
    double at = r.measure[RL_MEASURE_iterations_trained];
    RL_TEST(rc == RL_OK && r.status == RL_ITEM_DONE && r.measure[RL_MEASURE_criterion_reached] == 1,
            "stop_loss %.4f: done, criterion_reached 1", p.train.stop_loss);
    RL_TEST(at > 0 && at < 600 && fmod(at, (double)p.train.curve_every) == 0 &&
                r.n_curve == (int)at / p.train.curve_every,
            "... stopped at a loss-curve record before the cap (iteration %g, %d records)", at,
            r.n_curve);
    RL_TEST(r.measure[RL_MEASURE_final_loss] <= p.train.stop_loss,
            "... its final (probe-set) loss %.4f is within the criterion",
            r.measure[RL_MEASURE_final_loss]);
    rl_params q = p; /* one record earlier the criterion did not hold */
    q.train.stop_loss = 0;
    q.train.iterations = (long)at - p.train.curve_every;
    train(&q, NULL, &r2, &st);
    RL_TEST(r2.measure[RL_MEASURE_final_loss] > p.train.stop_loss,
            "... and one record earlier it did not (loss %.4f at iteration %ld)",
            r2.measure[RL_MEASURE_final_loss], q.train.iterations);
    for (int c = 0; c < r.n_curve; c++)
        if (r.curve[RL_CURVE_loss_curve][c] != none.curve[RL_CURVE_loss_curve][c]) {
            RL_TEST(0, "the loss curve up to the stop equals the uncapped run's (record %d)", c);
            break;
        }
    /* Checkpoint and resume across the stop: the same iteration, bitwise. */
    char ckpt[] = "/tmp/rl_crit_XXXXXX";
    close(mkstemp(ckpt));
    remove(ckpt);
    long points[] = {13, (long)at - 3, 0};
    int stops = 0;
    for (int i = 0; i < 3; i++) {
        rl_train_opts o = {
            .checkpoint_path = ckpt, .checkpoint_seconds = 1e9, .stop_at = points[i]};
        rc = train(&p, &o, &r2, &st);
        stops += rc == RL_ESTOPPED;
    }
    RL_TEST(stops == 2 && rc == RL_OK && same_result(&r, &r2),
            "stopped at iterations 13 and %g and resumed: the same stop iteration, bitwise",
            at - 3);
    remove(ckpt);

    p.train.stop_loss = 1e-9; /* never reached */
    train(&p, NULL, &r, &st);
    RL_TEST(r.measure[RL_MEASURE_iterations_trained] == 600 &&
                r.measure[RL_MEASURE_criterion_reached] == 0 &&
                same_measures_but_criterion(&none, &r),
            "an unreachable loss: 600 iterations, criterion_reached 0, every other measure as "
            "without a criterion");

    /* Accuracy: both criteria must hold. */
    p.train.stop_loss = 0;
    p.train.stop_accuracy = 0.75;
    train(&p, NULL, &r, &st);
    RL_TEST(r.measure[RL_MEASURE_criterion_reached] == 1 &&
                r.measure[RL_MEASURE_final_accuracy] >= 0.75,
            "stop_accuracy 0.75: reached (probe accuracy %.3f at iteration %g)",
            r.measure[RL_MEASURE_final_accuracy], r.measure[RL_MEASURE_iterations_trained]);
    p.train.stop_loss = 1e-9;
    train(&p, NULL, &r2, &st);
    RL_TEST(r2.measure[RL_MEASURE_criterion_reached] == 0,
            "stop_accuracy 0.75 with an unreachable stop_loss: not reached (both must hold)");

    /* Refusals: accuracy needs classes; linear2 has no probe loss to watch. */
    small_params(&p, "pattern");
    p.train.stop_accuracy = 0.9;
    rl_status_clear(&st);
    RL_TEST(rl_train_check(&p, &st) == RL_EINPUT && strstr(st.msg, "train.stop_accuracy"),
            "stop_accuracy on a regression task is refused (%s)", st.msg);
    rl_params_defaults(&p);
    strcpy(p.model.kind, "linear2");
    p.train.stop_loss = 0.1;
    rl_status_clear(&st);
    RL_TEST(rl_train_check(&p, &st) == RL_EINPUT && strstr(st.msg, "train.stop_loss"),
            "stop_loss with model.kind linear2 is refused (%s)", st.msg);
}

/* train.pairing: paired items of a seed share W_x(0), w(0) and batches; unpaired ones do not. */
static void test_pairing(void)
{
    rl_params a, b;
    small_params(&a, "2af");
    b = a;
    a.init.rank = 1;
    b.init.rank = 8;
    size_t nx = 48 * 3, nw = 3 * 48; /* 2af: 3 inputs, 3 outputs */
    float xa[48 * 3], xb[48 * 3], wa[3 * 48], wb[3 * 48];
    rl_init_input(&a, 3, 3, xa);
    rl_init_input(&b, 3, 3, xb);
    rl_init_output(&a, 3, 3, wa);
    rl_init_output(&b, 3, 3, wb);
    RL_TEST(memcmp(xa, xb, sizeof xa) == 0 && memcmp(wa, wb, sizeof wa) == 0,
            "paired (default): ranks 1 and 8 of a seed share W_x(0) and w(0) bitwise");
    rl_result ra, rb, rc;
    rl_status st = RL_STATUS_INIT;
    train(&a, NULL, &ra, &st);
    strcpy(a.train.pairing, "unpaired");
    strcpy(b.train.pairing, "unpaired");
    rl_init_input(&a, 3, 3, xa);
    rl_init_input(&b, 3, 3, xb);
    rl_init_output(&a, 3, 3, wa);
    rl_init_output(&b, 3, 3, wb);
    int differ = 0;
    for (size_t i = 0; i < nx; i++)
        differ += xa[i] != xb[i];
    for (size_t i = 0; i < nw; i++)
        differ += wa[i] != wb[i];
    RL_TEST(differ > (int)(nx + nw) * 9 / 10,
            "unpaired: ranks 1 and 8 draw their own W_x(0) and w(0) (%d of %zu values differ)",
            differ, nx + nw);
    double *w0a = malloc(48 * 48 * sizeof *w0a), *w0b = malloc(48 * 48 * sizeof *w0b);
    a.init.rank = b.init.rank = 0;
    strcpy(b.train.pairing, "paired");
    rl_init_recurrent(&a, 3, w0a, &st);
    rl_init_recurrent(&b, 3, w0b, &st);
    RL_TEST(memcmp(w0a, w0b, 48 * 48 * sizeof *w0a) == 0,
            "unpaired: W_h(0) (the seed's Gaussian) stays shared");
    free(w0a);
    free(w0b);
    a.init.rank = 1;
    train(&a, NULL, &rb, &st);
    train(&a, NULL, &rc, &st);
    RL_TEST(
        !same_result(&ra, &rb) && same_result(&rb, &rc),
        "unpaired training differs from paired (other batches and W_x, w) and is deterministic");
}

int main(void)
{
    test_determinism();
    test_zero_iterations();
    test_divergence();
    test_lowrank_spectrum();
    test_dump();
    test_checkpoint();
    test_initial_saved();
    test_criterion();
    test_pairing();
    return rl_test_done();
}
