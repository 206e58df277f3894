/*
** test_kernel.c: the tangent kernel of kernel.c (Eq. 6) and its alignments.
** Why: the kernel is assembled from Gram blocks of the backward slabs without
** ever forming J, so it is checked against J J^T of the explicit Jacobian (itself
** checked against finite differences in test_jacobian.c) for every option, then
** for the properties the measures rely on: symmetry, positive semi-definiteness,
** KA = 1 for identical networks, KA invariant to scaling the readout (K wrt W_h
** scales by c^2), and the row layout that kernel-task alignment reads. Both
** routes (Gram blocks of the slabs; J formed in column blocks) are checked.
*/
#include "mfix.h"
#include "rltest.h"

#include <lapacke.h>

/* K (either route) against J J^T of the full explicit J on a small network. */
static void check_against_jacobian(float rho, rl_kernel_wrt wrt, bool last, rl_kernel_route route)
{
    enum { N_IN = 3, N = 9, N_OUT = 2, T = 6, P = 5, B = 4 };
    rl_status st = RL_STATUS_INIT;
    rl_batch x;
    mf_batch(&x, T, P, N_IN, N_OUT, 21);
    rl_rnn *net = mf_net(N_IN, N, N_OUT, rho, 1.4, 1.0, 22);
    int m = rl_metrics_kernel_rows(net, T, B, last); /* B < P: the first B probe trials */
    size_t cols = rl_metrics_jacobian_cols(net, wrt);
    double *j = malloc(sizeof(double) * m * cols);
    rl_kernel *k = NULL, *kj = NULL;
    mf_ok(rl_metrics_jacobian(net, &x, B, wrt, last, j, &st), &st, "jacobian");
    mf_ok(rl_metrics_kernel_from_jacobian(j, m, cols, &kj, &st), &st, "J J^T");
    mf_ok(rl_metrics_kernel_create_route(net, &x, B, wrt, last, route, &k, &st), &st, "kernel");
    const double *a = rl_metrics_kernel_data(k), *b = rl_metrics_kernel_data(kj);
    double scale = mf_max_abs(b, (size_t)m * m), err = 0.0;
    for (size_t i = 0; i < (size_t)m * m; i++)
        err = fmax(err, fabs(a[i] - b[i]));
    RL_TEST(rl_metrics_kernel_size(k) == m && err <= 1e-12 * scale && scale > 0.0,
            "%s route, rho = %.1f, wrt %s, %s: the %d x %d kernel equals J J^T of the "
            "explicit Jacobian (max error %.1e <= 1e-12 x max |K| = %.1e)",
            route == RL_KERNEL_ROUTE_GRAM ? "Gram" : "column-block", (double)rho,
            wrt == RL_KERNEL_WRT_WH ? "W_h" : "all", last ? "last step" : "all steps", m, m, err,
            1e-12 * scale);
    rl_metrics_kernel_destroy(&k);
    rl_metrics_kernel_destroy(&kj);
    rl_metrics_kernel_destroy(&kj); /* destroy twice: the second is a no-op on NULL */
    free(j);
    rl_rnn_destroy(&net);
    rl_batch_destroy(&x);
}

/* Symmetric to the last bit and PSD (smallest eigenvalue >= -1e-12 largest). */
static void check_psd(const rl_kernel *k, const char *what)
{
    int m = rl_metrics_kernel_size(k);
    const double *a = rl_metrics_kernel_data(k);
    double asym = 0.0;
    for (int i = 0; i < m; i++)
        for (int c = 0; c < i; c++)
            asym = fmax(asym, fabs(a[(size_t)i * m + c] - a[(size_t)c * m + i]));
    double *e = malloc(sizeof(double) * m), *w = malloc(sizeof(double) * m * m);
    memcpy(w, a, sizeof(double) * m * m);
    int info = LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'N', 'U', m, w, m, e);
    RL_TEST(asym == 0.0, "%s: K is exactly symmetric (max |K - K^T| = %.1e)", what, asym);
    RL_TEST(info == 0 && e[0] >= -1e-12 * e[m - 1] && e[m - 1] > 0.0,
            "%s: K is positive semi-definite (eigenvalues in [%.3e, %.3e], min >= -1e-12 max)",
            what, e[0], e[m - 1]);
    free(e);
    free(w);
}

/* The paper's 2af configuration: N = 300, 32 kernel trials of 320, T = 8, 3 outputs. */
static void check_paper_size(void)
{
    rl_status st = RL_STATUS_INIT;
    rl_batch probe;
    rl_task_shape shape;
    rl_task *task = mf_task_probe(320, &probe, &shape);
    rl_rnn *n0 = mf_net(shape.n_in, 300, shape.n_out, 0.0f, 1.25, 1.0, 31);
    rl_rnn *nf = mf_copy(n0);
    rl_kernel *k0 = NULL, *kf = NULL;
    rl_rep *r0 = NULL, *rf = NULL;
    rl_weight_change dw;
    mf_ok(rl_metrics_kernel_create(n0, &probe, 32, RL_KERNEL_WRT_WH, false, &k0, &st), &st, "K0");
    RL_TEST(rl_metrics_kernel_size(k0) == 768,
            "2af at T = %d, 32 trials, 3 outputs: the kernel is 768 x 768 (got %d)", shape.steps,
            rl_metrics_kernel_size(k0));
    check_psd(k0, "2af, N = 300");
    mf_ok(rl_metrics_kernel_create(nf, &probe, 32, RL_KERNEL_WRT_WH, false, &kf, &st), &st, "Kf");
    mf_ok(rl_metrics_rep_create(n0, &probe, shape.decision_step, &r0, &st), &st, "rep 0");
    mf_ok(rl_metrics_rep_create(nf, &probe, shape.decision_step, &rf, &st), &st, "rep f");
    mf_ok(rl_metrics_weight_change(n0, nf, &dw, &st), &st, "weight change");
    double ka = rl_metrics_kernel_alignment(k0, kf), ra = rl_metrics_rep_alignment(r0, rf, false);
    RL_TEST_ABS(ka, 1.0, 1e-12, "identical networks: KA = 1 (got %.15f, tol 1e-12)", ka);
    RL_TEST_ABS(ra, 1.0, 1e-12,
                "identical networks: RA = 1 over 320 probe trials (got %.15f, "
                "tol 1e-12)",
                ra);
    RL_TEST(dw.w_h == 0.0 && dw.all == 0.0 && dw.w_h_rel == 0.0,
            "identical networks: weight change 0 (W_h %g, all %g, relative %g)", dw.w_h, dw.all,
            dw.w_h_rel);
    double kta = rl_metrics_kernel_task_alignment(k0, &probe), er = NAN;
    mf_ok(rl_metrics_kernel_eff_rank(k0, &er, &st), &st, "eff rank");
    RL_TEST(kta > 0.0 && kta <= 1.0 && er > 1.0 / 768 && er <= 1.0,
            "2af kernel: task alignment %.4f in (0, 1], effective rank %.4f in (1/768, 1]", kta,
            er);
    rl_metrics_kernel_destroy(&k0);
    rl_metrics_kernel_destroy(&kf);
    rl_metrics_rep_destroy(&r0);
    rl_metrics_rep_destroy(&rf);
    rl_rnn_destroy(&n0);
    rl_rnn_destroy(&nf);
    rl_batch_destroy(&probe);
    rl_task_destroy(&task);
}

/* KA(K(n0), K(nf)) with both readouts scaled by c equals the unscaled KA. */
static void check_readout_scaling(void)
{
    enum { N_IN = 3, N = 40, N_OUT = 3, T = 8, P = 16 };
    rl_status st = RL_STATUS_INIT;
    rl_batch x;
    mf_batch(&x, T, P, N_IN, N_OUT, 41);
    rl_rnn *n0 = mf_net(N_IN, N, N_OUT, 0.3f, 1.25, 1.0, 42), *nf = mf_copy(n0);
    mf_perturb(nf, 0.05, 43); /* a different, "trained" network */
    double ka[3];
    const float cs[3] = {1.0f, 2.0f, 3.0f};
    for (int v = 0; v < 3; v++) {
        rl_rnn *a = mf_copy(n0), *b = mf_copy(nf);
        for (int i = 0; i < N_OUT * N; i++) {
            a->w_out[i] *= cs[v];
            b->w_out[i] *= cs[v];
        }
        rl_kernel *k0 = NULL, *kf = NULL;
        mf_ok(rl_metrics_kernel_create(a, &x, P, RL_KERNEL_WRT_WH, false, &k0, &st), &st, "K0");
        mf_ok(rl_metrics_kernel_create(b, &x, P, RL_KERNEL_WRT_WH, false, &kf, &st), &st, "Kf");
        ka[v] = rl_metrics_kernel_alignment(k0, kf);
        rl_metrics_kernel_destroy(&k0);
        rl_metrics_kernel_destroy(&kf);
        rl_rnn_destroy(&a);
        rl_rnn_destroy(&b);
    }
    RL_TEST(ka[0] < 0.999, "a perturbed network has KA < 1 (got %.6f), so the next checks can fail",
            ka[0]);
    RL_TEST_ABS(ka[1], ka[0], 1e-13,
                "KA wrt W_h is unchanged when w is scaled by 2 (%.15f vs "
                "%.15f, tol 1e-13: x2 is exact in float)",
                ka[1], ka[0]);
    RL_TEST_ABS(ka[2], ka[0], 1e-6,
                "KA wrt W_h is unchanged when w is scaled by 3 (%.9f vs %.9f, "
                "tol 1e-6: w*3 rounds in float)",
                ka[2], ka[0]);
    rl_rnn_destroy(&n0);
    rl_rnn_destroy(&nf);
    rl_batch_destroy(&x);
}

/* Kernel-task alignment reads row m = (t*trials + b)*n_out + o: rebuild y by hand. */
static void check_task_rows(void)
{
    enum { N_IN = 2, N = 6, N_OUT = 3, T = 4, P = 5, B = 3 };
    rl_status st = RL_STATUS_INIT;
    rl_batch x;
    mf_batch(&x, T, P, N_IN, N_OUT, 51);
    x.mask[1] = 0.0f; /* (t = 0, b = 1) does not count */
    rl_rnn *net = mf_net(N_IN, N, N_OUT, 0.0f, 1.3, 1.0, 52);
    for (int last = 0; last < 2; last++) {
        rl_kernel *k = NULL;
        mf_ok(rl_metrics_kernel_create(net, &x, B, RL_KERNEL_WRT_ALL, last, &k, &st), &st,
              "kernel");
        int m = rl_metrics_kernel_size(k), t0 = last ? T - 1 : 0;
        double y[T * B * N_OUT] = {0};
        for (int t = t0; t < T; t++)
            for (int b = 0; b < B; b++)
                for (int c = 0; c < N_OUT; c++)
                    y[((t - t0) * B + b) * N_OUT + c] =
                        x.mask[t * P + b] * (x.label[t * P + b] == c);
        double got = rl_metrics_kernel_task_alignment(k, &x),
               want = rl_metrics_target_alignment(k, y);
        RL_TEST_ABS(got, want, 1e-15,
                    "%s: kernel-task alignment uses one-hot labels of rows "
                    "(t, b, o), masked (%.12f vs %.12f, %d rows)",
                    last ? "last step" : "all steps", got, want, m);
        rl_metrics_kernel_destroy(&k);
    }
    rl_rnn_destroy(&net);
    rl_batch_destroy(&x);
}

/* Alignment and effective rank on matrices with known answers. */
static void check_known_answers(void)
{
    enum { M = 6 };
    rl_status st = RL_STATUS_INIT;
    double eye[M * M] = {0}, one[M * M], half[M * M] = {0}, y[M];
    for (int i = 0; i < M; i++) {
        eye[i * M + i] = 1.0;
        half[i * M + i] = i < M / 2 ? 1.0 : 0.0;
        y[i] = i + 1.0;
    }
    for (int i = 0; i < M * M; i++)
        one[i] = y[i / M] * y[i % M]; /* y y^T */
    const double *mats[3] = {eye, one, half};
    const double want_rank[3] = {1.0, 1.0 / M, 0.5};
    for (int v = 0; v < 3; v++) {
        rl_kernel *k = NULL;
        double er = NAN;
        mf_ok(rl_metrics_kernel_from_matrix(mats[v], M, &k, &st), &st, "kernel");
        mf_ok(rl_metrics_kernel_eff_rank(k, &er, &st), &st, "eff rank");
        RL_TEST_ABS(er, want_rank[v], 1e-12, "effective rank of %s is %.6f (got %.15f, tol 1e-12)",
                    v == 0   ? "I_6"
                    : v == 1 ? "y y^T"
                             : "diag(1,1,1,0,0,0)",
                    want_rank[v], er);
        if (v == 1) {
            double a = rl_metrics_target_alignment(k, y);
            RL_TEST_ABS(a, 1.0, 1e-14, "y y^T is aligned with its own target y (got %.16f)", a);
        }
        rl_metrics_kernel_destroy(&k);
    }
    double a = rl_metrics_alignment(eye, half, M), want = 3.0 / (sqrt(6.0) * sqrt(3.0));
    RL_TEST_ABS(a, want, 1e-15, "Eq. 6: KA(I_6, diag(1,1,1,0,0,0)) = 3/sqrt(18) (got %.15f)", a);
}

int main(void)
{
    const rl_kernel_route routes[2] = {RL_KERNEL_ROUTE_GRAM, RL_KERNEL_ROUTE_EXPLICIT};
    for (int r = 0; r < 2; r++)
        for (int rho = 0; rho < 2; rho++)
            for (int wrt = 0; wrt < 2; wrt++)
                for (int last = 0; last < 2; last++)
                    check_against_jacobian(rho ? 0.5f : 0.0f, (rl_kernel_wrt)wrt, last, routes[r]);
    check_paper_size();
    check_readout_scaling();
    check_task_rows();
    check_known_answers();
    return rl_test_done();
}
