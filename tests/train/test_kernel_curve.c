/*
** test_kernel_curve.c: the kernel curves along training (probe.kernel_every;
** appendix Figs. 14, 15) — recorded where asked and NaN elsewhere, equal to the
** final measures of a shorter training that stops at the record (batches are keyed
** by iteration, so both networks are the same), invisible to the training itself,
** kept across checkpoints, and refused with a clear message for a period that is not
** a multiple of train.curve_every. Also the linear network's curves, and the two
** measure options (probe.kernel_wrt, probe.rep_centred): they reach the measures and
** nothing else.
*/
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "trainutil.h"

static rl_code train(const rl_params *p, const rl_train_opts *o, rl_result *r, rl_status *st)
{
    rl_result_clear(r, 0);
    rl_status_clear(st);
    return rl_train_item(p, 3, o, r, st);
}

/* The 2af item of these tests: 200 iterations, loss records every 10, kernels every 20. */
static void curve_params(rl_params *p)
{
    small_params(p, "2af");
    p->train.iterations = 200;
    p->train.curve_every = 10;
    p->probe.kernel_every = 20;
}

/* curve_params with other iterations and kernel period, trained. */
static rl_code train_variant(long iterations, long kernel_every, rl_result *r, rl_status *st)
{
    rl_params p;
    curve_params(&p);
    p.train.iterations = iterations;
    p.probe.kernel_every = kernel_every;
    return train(&p, NULL, r, st);
}

static int finite_at(const rl_result *r, int c, int k)
{
    return !isnan(r->curve[c][k]);
}

static void test_records(void)
{
    rl_params p, off;
    curve_params(&p);
    off = p;
    off.probe.kernel_every = 0;
    rl_result r, r0;
    rl_status st = RL_STATUS_INIT;
    rl_code rc = train(&p, NULL, &r, &st);
    RL_TEST(rc == RL_OK && r.status == RL_ITEM_DONE && r.n_curve == 20,
            "kernel_every 20, curve_every 10, 200 iterations: done with 20 records (%s)", st.msg);
    int placed = 1, bounded = 1;
    for (int k = 0; k < r.n_curve; k++)
        for (int c = RL_CURVE_loss_curve + 1; c < RL_NCURVES; c++) {
            placed = placed && finite_at(&r, c, k) == (k % 2 == 1);
            bounded = bounded && (!finite_at(&r, c, k) ||
                                  (r.curve[c][k] > 0.0f && r.curve[c][k] <= 1.0f + 1e-6f));
        }
    RL_TEST(placed, "kernel curves hold numbers at records 1, 3, ..., 19 (iterations 20, 40, ..., "
                    "200) and NaN at the 10 records in between");
    RL_TEST(bounded, "every recorded KA, kernel-task alignment and effective rank is in (0, 1]");
    int last = r.n_curve - 1;
    RL_TEST(r.curve[RL_CURVE_kernel_alignment_curve][last] ==
                    (float)r.measure[RL_MEASURE_kernel_alignment] &&
                r.curve[RL_CURVE_kernel_task_alignment_curve][last] ==
                    (float)r.measure[RL_MEASURE_kernel_task_alignment] &&
                r.curve[RL_CURVE_kernel_eff_rank_curve][last] ==
                    (float)r.measure[RL_MEASURE_kernel_eff_rank],
            "the record at the last iteration equals the final KA, task alignment and effective "
            "rank exactly (the same network and probe set)");
    RL_TEST(r.curve[RL_CURVE_kernel_alignment_curve][last] < 1.0f,
            "the kernel moved: KA(200) = %.4f < 1", r.curve[RL_CURVE_kernel_alignment_curve][last]);

    train(&off, NULL, &r0, &st);
    int same =
        memcmp(r.curve[RL_CURVE_loss_curve], r0.curve[RL_CURVE_loss_curve], sizeof r.curve[0]) == 0;
    for (int m = 0; m < RL_NMEASURES; m++)
        if (m != RL_MEASURE_train_seconds && m != RL_MEASURE_measure_seconds)
            same = same && memcmp(&r.measure[m], &r0.measure[m], sizeof(double)) == 0;
    int all_nan = 1;
    for (int c = RL_CURVE_loss_curve + 1; c < RL_NCURVES; c++)
        for (int k = 0; k < r0.n_curve; k++)
            all_nan = all_nan && !finite_at(&r0, c, k);
    RL_TEST(same && all_nan,
            "recording the curves changes nothing else: loss curve and every measure bitwise "
            "equal to kernel_every 0, whose kernel curves are all NaN");
    RL_TEST(r.measure[RL_MEASURE_measure_seconds] > r0.measure[RL_MEASURE_measure_seconds],
            "the 10 kernels are timed as measures (%.3f s) not training (%.3f s without them)",
            r.measure[RL_MEASURE_measure_seconds], r0.measure[RL_MEASURE_measure_seconds]);
}

/* Record k of the long run against the final measures of a run that stops there. */
static void test_against_shorter(void)
{
    rl_params p, q;
    curve_params(&p);
    rl_result r, s;
    rl_status st = RL_STATUS_INIT;
    train(&p, NULL, &r, &st);
    int ok = 1;
    for (long stop = 20; stop <= 100; stop += 80) {
        q = p;
        q.train.iterations = stop;
        q.probe.kernel_every = 0;
        train(&q, NULL, &s, &st);
        int k = (int)(stop / 10) - 1;
        ok = ok && r.curve[RL_CURVE_kernel_alignment_curve][k] ==
                       (float)s.measure[RL_MEASURE_kernel_alignment];
        ok = ok && r.curve[RL_CURVE_kernel_task_alignment_curve][k] ==
                       (float)s.measure[RL_MEASURE_kernel_task_alignment];
        ok = ok && r.curve[RL_CURVE_kernel_eff_rank_curve][k] ==
                       (float)s.measure[RL_MEASURE_kernel_eff_rank];
    }
    RL_TEST(ok, "the records at iterations 20 and 100 equal the final KA, task alignment and "
                "effective rank of trainings of 20 and 100 iterations, exactly");
}

static void test_initial(void)
{
    rl_result r;
    rl_status st = RL_STATUS_INIT;
    train_variant(0, 20, &r, &st);
    double kta = r.measure[RL_MEASURE_kernel_task_alignment_init];
    double er = r.measure[RL_MEASURE_kernel_eff_rank_init];
    RL_TEST(kta == r.measure[RL_MEASURE_kernel_task_alignment] &&
                er == r.measure[RL_MEASURE_kernel_eff_rank] && kta > 0 && kta <= 1 && er > 0 &&
                er <= 1,
            "zero iterations: the _init task alignment (%.4f) and effective rank (%.4f) equal the "
            "final ones exactly",
            kta, er);
}

static void test_checkpoint(void)
{
    rl_params p;
    curve_params(&p);
    rl_result ref, r;
    rl_status st = RL_STATUS_INIT;
    train(&p, NULL, &ref, &st);
    char ckpt[] = "/tmp/rl_kcurve_XXXXXX";
    close(mkstemp(ckpt));
    remove(ckpt);
    long points[] = {37, 60, 139, 0};
    int stops = 0;
    rl_code rc = RL_OK;
    for (int i = 0; i < 4; i++) {
        rl_train_opts o = {
            .checkpoint_path = ckpt, .checkpoint_seconds = 1e9, .stop_at = points[i]};
        rc = train(&p, &o, &r, &st);
        stops += rc == RL_ESTOPPED;
    }
    RL_TEST(stops == 3 && rc == RL_OK && same_result(&ref, &r),
            "stopped at iterations 37, 60, 139 and resumed from checkpoints: every curve and "
            "measure bitwise equal to an uninterrupted run");
    remove(ckpt);
}

static void test_bad_period(void)
{
    rl_result r;
    rl_status st = RL_STATUS_INIT;
    rl_code rc = train_variant(200, 15, &r, &st);
    RL_TEST(rc == RL_EINPUT && strstr(st.msg, "probe.kernel_every = 15") &&
                strstr(st.msg, "multiple of train.curve_every = 10") &&
                strstr(st.msg, "such as 20"),
            "kernel_every 15 with curve_every 10 is refused: \"%s\"", st.msg);
}

/* The linear network: Eq. 7's kernel at step 0 is K(0) itself. */
static void test_linear(void)
{
    rl_params p;
    rl_params_defaults(&p);
    strcpy(p.model.kind, "linear2");
    p.model.hidden = 16;
    p.linear.steps = 300;
    p.train.curve_every = 50;
    p.probe.kernel_every = 100;
    rl_result r;
    rl_status st = RL_STATUS_INIT;
    rl_code rc = train(&p, NULL, &r, &st);
    RL_TEST(rc == RL_OK && r.status == RL_ITEM_DONE && r.n_curve == 7,
            "linear2, 300 steps: 7 records at steps 0, 50, ..., 300 (%s)", st.msg);
    int placed = 1;
    for (int k = 0; k < r.n_curve; k++)
        placed = placed && finite_at(&r, RL_CURVE_kernel_alignment_curve, k) == (k % 2 == 0);
    RL_TEST(placed, "linear2: kernel records at steps 0, 100, 200, 300 only");
    RL_TEST(fabs(r.curve[RL_CURVE_kernel_alignment_curve][0] - 1.0) < 1e-6 &&
                r.curve[RL_CURVE_kernel_task_alignment_curve][0] ==
                    (float)r.measure[RL_MEASURE_kernel_task_alignment_init] &&
                r.curve[RL_CURVE_kernel_eff_rank_curve][6] ==
                    (float)r.measure[RL_MEASURE_kernel_eff_rank],
            "linear2: KA(0) = %.7f (1 within 1e-6), task alignment at step 0 = the _init measure, "
            "effective rank at step 300 = the final one",
            r.curve[RL_CURVE_kernel_alignment_curve][0]);
}

/* The options change their measure only; at zero iterations both alignments stay 1. */
static void test_options(void)
{
    rl_params p, all, cen;
    curve_params(&p);
    p.probe.kernel_every = 0;
    all = cen = p;
    strcpy(all.probe.kernel_wrt, "all");
    cen.probe.rep_centred = true;
    rl_result r, ra, rc;
    rl_status st = RL_STATUS_INIT;
    train(&p, NULL, &r, &st);
    train(&all, NULL, &ra, &st);
    train(&cen, NULL, &rc, &st);
    int same = memcmp(r.curve[RL_CURVE_loss_curve], ra.curve[RL_CURVE_loss_curve],
                      sizeof r.curve[0]) == 0 &&
               memcmp(r.curve[RL_CURVE_loss_curve], rc.curve[RL_CURVE_loss_curve],
                      sizeof r.curve[0]) == 0 &&
               r.measure[RL_MEASURE_weight_change] == ra.measure[RL_MEASURE_weight_change] &&
               r.measure[RL_MEASURE_weight_change] == rc.measure[RL_MEASURE_weight_change];
    RL_TEST(same, "kernel_wrt all and rep_centred leave the training bitwise unchanged");
    RL_TEST(ra.measure[RL_MEASURE_kernel_alignment] != r.measure[RL_MEASURE_kernel_alignment] &&
                ra.measure[RL_MEASURE_kernel_eff_rank_init] !=
                    r.measure[RL_MEASURE_kernel_eff_rank_init] &&
                ra.measure[RL_MEASURE_rep_alignment] == r.measure[RL_MEASURE_rep_alignment],
            "kernel_wrt all changes the kernel measures only (KA %.4f vs %.4f wrt W_h)",
            ra.measure[RL_MEASURE_kernel_alignment], r.measure[RL_MEASURE_kernel_alignment]);
    RL_TEST(rc.measure[RL_MEASURE_rep_alignment] != r.measure[RL_MEASURE_rep_alignment] &&
                fabs(rc.measure[RL_MEASURE_rep_alignment]) <= 1.0 &&
                rc.measure[RL_MEASURE_kernel_alignment] == r.measure[RL_MEASURE_kernel_alignment],
            "rep_centred changes RA only (%.4f vs %.4f uncentred)",
            rc.measure[RL_MEASURE_rep_alignment], r.measure[RL_MEASURE_rep_alignment]);
    all.train.iterations = cen.train.iterations = 0;
    train(&all, NULL, &ra, &st);
    train(&cen, NULL, &rc, &st);
    RL_TEST(fabs(ra.measure[RL_MEASURE_kernel_alignment] - 1) < 1e-12 &&
                fabs(rc.measure[RL_MEASURE_rep_alignment] - 1) < 1e-12,
            "zero iterations: KA wrt all parameters = 1 and centred RA = 1 (1e-12)");
}

/* probe.rep_samples steps: Eq. 5 over time steps, for a probe of one frozen trial. */
static void test_rep_steps(void)
{
    rl_params p;
    small_params(&p, "pattern");
    strcpy(p.train.optimizer, "adam");
    p.train.lr = 0.001;
    p.train.batch = p.probe.trials = p.probe.kernel_trials = 1;
    p.train.iterations = 50;
    rl_params q = p;
    strcpy(q.probe.rep_samples, "steps");
    rl_result r, rq, r0;
    rl_status st = RL_STATUS_INIT;
    train(&p, NULL, &r, &st);
    train(&q, NULL, &rq, &st);
    q.train.iterations = 0;
    train(&q, NULL, &r0, &st);
    double ra = rq.measure[RL_MEASURE_rep_alignment];
    RL_TEST(r.measure[RL_MEASURE_rep_alignment] == 1.0 && ra > 0 && ra < 0.999 &&
                fabs(r0.measure[RL_MEASURE_rep_alignment] - 1) < 1e-12,
            "pattern, one frozen trial: RA over trials is trivially 1; over its %d steps it is "
            "%.4f after 50 Adam steps and 1 (1e-12) after none",
            (int)p.task.steps, ra);
}

int main(void)
{
    test_rep_steps();
    test_options();
    test_records();
    test_against_shorter();
    test_initial();
    test_checkpoint();
    test_bad_period();
    test_linear();
    return rl_test_done();
}
