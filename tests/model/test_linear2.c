/*
** test_linear2.c: the theory's two-layer linear network (src/model/linear2.c), its
** teacher (src/task/teacher.c) and runner (src/run/linear2.c), and the paper's
** claims about it, as tests.
** Why: the linear network is where the paper's theory is exact, so it checks the
** measures on known ground: the data are whitened and the features have the
** stated spectrum, the gradient matches central differences, the closed-form
** NTK (Eq. 7) equals J J^T of the generic Jacobian route, the initialisations
** have the stated norm, rank and direction, zero steps give KA = RA = 1 and no
** weight change, and, averaged over many random teachers (paired: the same
** teacher and data for both inits of a seed), full-rank random inits end with a
** higher KA than rank-1 random ones (Thm 1) and the task-aligned rank-1 init
** beats the random rank-1 one (Prop. 1), and the partially aligned init gains KA
** when the features are modulated (Fig. 3, kappa 8 vs 1). Those claims are tested
** on paired differences over 40 teachers with a 5-standard-error margin.
*/
#include "richlazy/linear2.h"
#include "richlazy/metrics.h"
#include "rltest.h"
#include "runner.h"

#include <lapacke.h>
#include <string.h>

enum { D = 8, N = 16, M = 32 };

static void ok_or_exit(rl_code rc, const rl_status *st, const char *what)
{
    if (rc == RL_OK) return;
    printf("FAIL: %s: %s\n", what, st->msg);
    exit(1);
}

static rl_params small_params(const char *init, long rank, long seed)
{
    rl_params p;
    rl_params_defaults(&p);
    p.seed = seed;
    snprintf(p.model.kind, sizeof p.model.kind, "linear2");
    p.model.hidden = N;
    p.linear.d = D;
    p.linear.m = M;
    p.linear.rank = rank;
    p.linear.sigma = 1e-3;
    p.linear.steps = 1500;
    p.linear.lr = 0.05;
    snprintf(p.linear.init, sizeof p.linear.init, "%s", init);
    return p;
}

static void check_data(void)
{
    rl_status st = RL_STATUS_INIT;
    rl_params p = small_params("random", 0, 3);
    p.linear.kappa = 4.0;
    rl_task_teacher *t = NULL;
    ok_or_exit(rl_task_teacher_create(&p, 9, &t, &st), &st, "data");
    double white = 0.0, fit = 0.0, sv = 0.0;
    for (int i = 0; i < D; i++)
        for (int j = 0; j < D; j++) {
            double s = 0.0;
            for (int c = 0; c < M; c++)
                s += t->x[i * M + c] * t->x[j * M + c];
            white = fmax(white, fabs(s / M - (i == j)));
        }
    for (int c = 0; c < M; c++) {
        double y = 0.0;
        for (int i = 0; i < D; i++)
            y += t->b[i] * t->x[i * M + c];
        fit = fmax(fit, fabs(y - t->y[c]));
    }
    for (int k = 0; k < D; k++) { /* ||F v_k|| = kappa for the top half, 1 below */
        double s = 0.0;
        for (int i = 0; i < D; i++) {
            double fv = 0.0;
            for (int j = 0; j < D; j++)
                fv += t->f[i * D + j] * t->v[k * D + j];
            s += fv * fv;
        }
        sv = fmax(sv, fabs(sqrt(s) - (k < D / 2 ? 4.0 : 1.0)));
    }
    RL_TEST(white < 1e-12, "inputs are whitened: max |X X^T / m - I| = %.1e < 1e-12", white);
    RL_TEST(fit < 1e-12, "targets are y = b^T X: max error %.1e < 1e-12", fit);
    RL_TEST(sv < 1e-12,
            "F has singular values kappa = 4 on v_0..v_3 and 1 on v_4..v_7 (max "
            "error %.1e < 1e-12)",
            sv);
    p.linear.m = D - 1;
    rl_task_teacher *bad = NULL;
    rl_status st2 = RL_STATUS_INIT;
    rl_code rc = rl_task_teacher_create(&p, 9, &bad, &st2);
    RL_TEST(rc == RL_EINPUT && bad == NULL && strstr(st2.msg, "linear.m = 7 < linear.d = 8"),
            "m < d is refused with the values named: \"%s\"", st2.msg);
    rl_task_teacher_destroy(&t);
}

static void check_gradient_and_kernel(void)
{
    rl_status st = RL_STATUS_INIT;
    rl_params p = small_params("random", 0, 4);
    p.linear.sigma = 0.7; /* away from the origin, where every term matters */
    rl_task_teacher *t = NULL;
    rl_linear2 *net = NULL;
    ok_or_exit(rl_task_teacher_create(&p, 9, &t, &st), &st, "data");
    ok_or_exit(rl_linear2_create(D, N, &net, &st), &st, "net");
    ok_or_exit(rl_run_linear2_init(&p, 9, t, net, &st), &st, "init");
    size_t np = net->n_params;
    double *g = calloc(np, sizeof(double)), *scratch = calloc(M + 2 * D, sizeof(double));
    rl_linear2_loss(net, t->x, t->y, t->m, g, scratch);
    double err = 0.0, gmax = 0.0;
    for (size_t q = 0; q < np; q++) {
        double v = net->theta[q], h = 1e-5;
        net->theta[q] = v + h;
        double lp = rl_linear2_loss(net, t->x, t->y, t->m, NULL, scratch);
        net->theta[q] = v - h;
        double lm = rl_linear2_loss(net, t->x, t->y, t->m, NULL, scratch);
        net->theta[q] = v;
        err = fmax(err, fabs((lp - lm) / (2 * h) - g[q]));
        gmax = fmax(gmax, fabs(g[q]));
    }
    RL_TEST(err < 1e-7 * gmax && gmax > 0.01,
            "dL/dtheta matches central differences on all %zu "
            "weights (max error %.1e < 1e-7 x max |g| = %.1e)",
            np, err, 1e-7 * gmax);
    double *j = calloc((size_t)M * np, sizeof(double)), *k = calloc(M * M, sizeof(double));
    rl_kernel *kj = NULL;
    rl_linear2_jacobian(net, t->x, M, j);
    ok_or_exit(rl_metrics_kernel_from_jacobian(j, M, np, &kj, &st), &st, "J J^T");
    ok_or_exit(rl_linear2_ntk(net, t->x, M, k, &st), &st, "Eq. 7");
    const double *kk = rl_metrics_kernel_data(kj);
    double kerr = 0.0, kmax = 0.0;
    for (int i = 0; i < M * M; i++) {
        kerr = fmax(kerr, fabs(kk[i] - k[i]));
        kmax = fmax(kmax, fabs(k[i]));
    }
    RL_TEST(kerr < 1e-13 * kmax,
            "Eq. 7 X^T(W1^T W1 + ||W2||^2 I)X equals J J^T of the generic "
            "Jacobian route (max error %.1e < 1e-13 x max |K| = %.1e)",
            kerr, 1e-13 * kmax);
    rl_metrics_kernel_destroy(&kj);
    free(j);
    free(k);
    free(g);
    free(scratch);
    rl_linear2_destroy(&net);
    rl_task_teacher_destroy(&t);
}

/* Singular values of W1 (N x D): s[0] >= ... >= s[D-1]. */
static void singular_values(const rl_linear2 *net, double *s)
{
    double a[N * D], u[N * D], vt[D * D];
    memcpy(a, net->w1, sizeof a);
    LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', N, D, a, D, s, u, D, vt, D);
}

static void check_inits(void)
{
    const char *kinds[3] = {"random", "aligned", "partial"};
    const long ranks[3] = {3, 0, 0};
    const int want_rank[3] = {3, 1, D / 2};
    rl_status st = RL_STATUS_INIT;
    for (int v = 0; v < 3; v++) {
        rl_params p = small_params(kinds[v], ranks[v], 5);
        rl_task_teacher *t = NULL;
        rl_linear2 *net = NULL;
        double s[D], w1 = 0.0, w2 = 0.0;
        ok_or_exit(rl_task_teacher_create(&p, 9, &t, &st), &st, "data");
        ok_or_exit(rl_linear2_create(D, N, &net, &st), &st, "net");
        ok_or_exit(rl_run_linear2_init(&p, 9, t, net, &st), &st, "init");
        for (int i = 0; i < N * D; i++)
            w1 += net->w1[i] * net->w1[i];
        for (int i = 0; i < N; i++)
            w2 += net->w2[i] * net->w2[i];
        singular_values(net, s);
        int r = 0;
        while (r < D && s[r] > 1e-10 * s[0])
            r++;
        RL_TEST(fabs(sqrt(w1) - 1e-3) < 1e-15 && fabs(sqrt(w2) - 1e-3) < 1e-15 && r == want_rank[v],
                "init %s: ||W1||_F = ||W2|| = sigma = 1e-3 (%.3e, %.3e), rank %d (want %d)",
                kinds[v], sqrt(w1), sqrt(w2), r, want_rank[v]);
        if (v == 1) { /* Prop. 1: row 0 is sigma b / ||b||, the other rows 0 */
            double bb = 0.0, cos = 0.0;
            for (int c = 0; c < D; c++) {
                bb += t->b[c] * t->b[c];
                cos += t->b[c] * net->w1[c];
            }
            cos /= sqrt(bb) * 1e-3;
            RL_TEST(fabs(cos - 1.0) < 1e-12,
                    "aligned init: W1's row 0 points along the "
                    "effective teacher F^T beta (cosine %.15f)",
                    cos);
        }
        rl_linear2_destroy(&net);
        rl_task_teacher_destroy(&t);
    }
}

/* The runner's data-free check refuses what init would refuse, naming the parameter. */
static void check_checks(void)
{
    rl_params p = small_params("random", D + 1, 5); /* min(N, d) = D */
    rl_status st = RL_STATUS_INIT;
    rl_code rc = rl_train_check(&p, &st);
    RL_TEST(rc == RL_EINPUT && strncmp(st.msg, "linear.rank = 9 exceeds", 23) == 0,
            "rl_train_check: linear.rank %d > min(model.hidden, linear.d) = %d is refused, "
            "naming linear.rank first (\"%s\")",
            D + 1, D, st.msg);
    p = small_params("random", D, 5);
    rl_status_clear(&st);
    RL_TEST(rl_train_check(&p, &st) == RL_OK,
            "rl_train_check: linear.rank = min(N, d) = %d is fine", D);
    p = small_params("partial", 0, 5);
    p.model.hidden = D / 2 - 1;
    rl_status_clear(&st);
    RL_TEST(rl_train_check(&p, &st) == RL_EINPUT && strstr(st.msg, "linear.init = partial"),
            "rl_train_check: a partial init with model.hidden < linear.d/2 is refused (\"%s\")",
            st.msg);
    p = small_params("random", 0, 5);
    p.linear.m = D - 1;
    rl_status_clear(&st);
    RL_TEST(rl_train_check(&p, &st) == RL_EINPUT && strstr(st.msg, "linear.m = 7 < linear.d = 8"),
            "rl_train_check: linear.m < linear.d is refused before any data is drawn");
}

static rl_result run(const rl_params *p)
{
    rl_status st = RL_STATUS_INIT;
    rl_result r;
    rl_result_clear(&r, 0);
    ok_or_exit(rl_train_item(p, 9, NULL, &r, &st), &st, "run");
    return r;
}

static void check_run(void)
{
    rl_params p = small_params("random", 0, 6);
    p.linear.steps = 0;
    rl_result r = run(&p);
    RL_TEST(r.status == RL_ITEM_DONE && fabs(r.measure[RL_MEASURE_kernel_alignment] - 1) < 1e-14 &&
                fabs(r.measure[RL_MEASURE_rep_alignment] - 1) < 1e-14 &&
                r.measure[RL_MEASURE_weight_change] == 0.0 &&
                r.measure[RL_MEASURE_weight_change_all] == 0.0,
            "zero steps: KA = %.15f, RA = %.15f (tol 1e-14), weight change %g and %g",
            r.measure[RL_MEASURE_kernel_alignment], r.measure[RL_MEASURE_rep_alignment],
            r.measure[RL_MEASURE_weight_change], r.measure[RL_MEASURE_weight_change_all]);
    p = small_params("random", 0, 6);
    r = run(&p);
    double l0 = r.measure[RL_MEASURE_initial_loss], lf = r.measure[RL_MEASURE_final_loss];
    RL_TEST(r.status == RL_ITEM_DONE && lf < 1e-4 * l0 && r.n_curve == 16 &&
                r.curve[RL_CURVE_loss_curve][0] == (float)l0 &&
                r.measure[RL_MEASURE_diverged_step] == -1.0,
            "1500 GD steps learn the teacher: loss %.3e -> %.3e (< 1e-4 x), %d curve records "
            "every 100 steps",
            l0, lf, r.n_curve);
    p.linear.lr = 50.0;
    r = run(&p);
    RL_TEST(r.status == RL_ITEM_DIVERGED && r.measure[RL_MEASURE_diverged_step] > 0 &&
                isnan(r.measure[RL_MEASURE_kernel_alignment]),
            "lr = 50 diverges: status diverged at step %.0f, KA left NaN",
            r.measure[RL_MEASURE_diverged_step]);
}

/* Paired over `n` teachers: mean and standard error of KA(a) - KA(b); kappa for a and b. */
static void paired_ka(const char *a, long ra, const char *b, long rb, const double kappa[2], int n,
                      double *mean, double *se, double *ka_a, double *ka_b)
{
    double s = 0.0, s2 = 0.0, sa = 0.0, sb = 0.0;
    for (int k = 0; k < n; k++) {
        rl_params pa = small_params(a, ra, k), pb = small_params(b, rb, k);
        pa.linear.kappa = kappa[0];
        pb.linear.kappa = kappa[1];
        rl_result x = run(&pa), y = run(&pb);
        double da = x.measure[RL_MEASURE_kernel_alignment];
        double db = y.measure[RL_MEASURE_kernel_alignment];
        s += da - db;
        s2 += (da - db) * (da - db);
        sa += da;
        sb += db;
    }
    *mean = s / n;
    *se = sqrt((s2 / n - *mean * *mean) / (n - 1));
    *ka_a = sa / n;
    *ka_b = sb / n;
}

static void check_theory(void)
{
    enum { TEACHERS = 40 };
    double mean, se, a, b;
    const double iso[2] = {1.0, 1.0}, fig3[2] = {8.0, 1.0};
    paired_ka("random", 0, "random", 1, iso, TEACHERS, &mean, &se, &a, &b);
    RL_TEST(mean > 5 * se,
            "Thm 1, %d teachers: KA after training is higher for full-rank "
            "(%.4f) than rank-1 random W1(0) (%.4f): paired difference %.4f > 5 SE = %.4f",
            TEACHERS, a, b, mean, 5 * se);
    paired_ka("aligned", 0, "random", 1, iso, TEACHERS, &mean, &se, &a, &b);
    RL_TEST(mean > 5 * se,
            "Prop. 1, %d teachers: the aligned rank-1 W1(0) (KA %.4f) beats a "
            "random rank-1 one (%.4f): paired difference %.4f > 5 SE = %.4f",
            TEACHERS, a, b, mean, 5 * se);
    paired_ka("partial", 0, "partial", 0, fig3, TEACHERS, &mean, &se, &a, &b);
    RL_TEST(mean > 5 * se,
            "Fig. 3, %d teachers: the partially aligned init reaches a higher KA "
            "with features modulated by kappa = 8 (%.4f) than by kappa = 1 (%.4f): paired "
            "difference %.4f > 5 SE = %.4f",
            TEACHERS, a, b, mean, 5 * se);
}

int main(void)
{
    check_data();
    check_gradient_and_kernel();
    check_inits();
    check_checks();
    check_run();
    check_theory();
    return rl_test_done();
}
