/*
** test_lowrank.c: the kinds svd and softrank (lowrank.c) at the paper's N = 300.
** Checks each defining property: rank exactly r (singular values beyond r below
** 1e-10 of s_1), Frobenius norm of W0 kept (1e-12 rel), the paired design (every
** rank of a seed is built on the singular vectors of that seed's W0, checked
** through W v_k = c s_k u_k with the test's own SVD of W0), and soft rank's
** participation ratio (sum s^2)^2 / sum s^4 = coth(1/r) (1 - q^2N)/(1 + q^2N) with
** q = exp(-1/r) (the finite-N form of lowrank.c's law; r = N shows the correction).
*/
#include "initest.h"

#include <lapacke.h>

enum { N = 300 };

typedef struct svd {
    double *u, *s, *vt; /* W0 = U diag(s) V^T, row-major */
} svd;

static svd svd_of(const double *w)
{
    svd d = {malloc(sizeof(double) * N * N), malloc(sizeof(double) * N),
             malloc(sizeof(double) * N * N)};
    double *a = malloc(sizeof(double) * N * N);
    memcpy(a, w, sizeof(double) * N * N);
    int info = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', N, N, a, N, d.s, d.u, N, d.vt, N);
    RL_TEST(info == 0, "test's own SVD of W0 (LAPACKE_dgesdd, info %d)", info);
    free(a);
    return d;
}

static void svd_free(svd *d)
{
    free(d->u);
    free(d->s);
    free(d->vt);
}

/*
** Largest |W v_k - want_k u_k| over k < N relative to s_1(W0), with
** want_k = c_k the expected singular value of W along W0's k-th pair.
*/
static double pair_error(const double *w, const svd *d, const double *want)
{
    double worst = 0;
    for (int k = 0; k < N; k++)
        for (int i = 0; i < N; i++) {
            double wv = 0;
            for (int j = 0; j < N; j++)
                wv += w[i * N + j] * d->vt[k * N + j];
            worst = fmax(worst, fabs(wv - want[k] * d->u[i * N + k]));
        }
    return worst / d->s[0];
}

static double *w0_of(const rl_params *p)
{
    double *z = stream_z(p);
    for (int k = 0; k < N * N; k++)
        z[k] *= p->init.gain / sqrt((double)N);
    return z;
}

static void test_svd(void)
{
    const long ranks[] = {1, 30, 100, 300};
    rl_params p = params_for("svd", N, 3);
    double *w0 = w0_of(&p);
    svd d = svd_of(w0);
    double f0 = frob(w0, (size_t)N * N), want[N], s[N];
    for (size_t t = 0; t < sizeof ranks / sizeof ranks[0]; t++) {
        long r = ranks[t];
        p.init.rank = r;
        double *w = build(&p);
        if (!w) continue;
        rl_status st = RL_STATUS_INIT;
        rl_init_singular_values(w, N, s, &st);
        double tail = r < N ? s[r] / s[0] : 0;
        /* s_min of a Gaussian matrix is ~ s_1 / (2N), with a tail toward 0: 1e-8 is safe. */
        RL_TEST(tail <= 1e-10 && s[r - 1] / s[0] > 1e-8,
                "svd rank %ld: s_k/s_1 <= %.1e for k > r (1e-10) and s_r/s_1 = %.2g > 1e-8 (rank "
                "exactly r)",
                r, tail, s[r - 1] / s[0]);
        RL_TEST_REL(frob(w, (size_t)N * N), f0, 1e-12,
                    "svd rank %ld: ||W||_F = ||W0||_F (1e-12 rel)", r);
        double kept = 0;
        for (int k = 0; k < r; k++)
            kept += d.s[k] * d.s[k];
        for (int k = 0; k < N; k++)
            want[k] = k < r ? d.s[k] * f0 / sqrt(kept) : 0;
        double err = pair_error(w, &d, want);
        RL_TEST(err <= 1e-10,
                "svd rank %ld: W v_k = (||W0||/||W0_r||) s_k u_k for k < r, 0 beyond, on the "
                "seed's W0 (paired; error %.1e of s_1, 1e-10)",
                r, err);
        if (r == N) {
            double worst = 0;
            for (int k = 0; k < N * N; k++)
                worst = fmax(worst, fabs(w[k] - w0[k]));
            RL_TEST(worst <= 1e-12, "svd rank N reproduces W0 (max error %.1e, 1e-12)", worst);
            rl_params q = p;
            q.init.rank = 0;
            double *w_full = build(&q);
            RL_TEST(w_full && memcmp(w_full, w, sizeof(double) * N * N) == 0,
                    "init.rank 0 means full rank (bit-identical to rank N)");
            free(w_full);
        }
        free(w);
    }
    svd_free(&d);
    free(w0);
}

/* (sum s^2)^2 / sum s^4 */
static double participation(const double *s, int n)
{
    double s2 = 0, s4 = 0;
    for (int k = 0; k < n; k++) {
        s2 += s[k] * s[k];
        s4 += s[k] * s[k] * s[k] * s[k];
    }
    return s2 * s2 / s4;
}

static void test_softrank(void)
{
    const long ranks[] = {1, 5, 30, N};
    rl_params p = params_for("softrank", N, 3);
    double *w0 = w0_of(&p);
    svd d = svd_of(w0);
    double f0 = frob(w0, (size_t)N * N), want[N], s[N];
    for (size_t t = 0; t < sizeof ranks / sizeof ranks[0]; t++) {
        double r = (double)ranks[t], q2n = exp(-2 * N / r);
        p.init.rank = ranks[t];
        double *w = build(&p);
        if (!w) continue;
        rl_status st = RL_STATUS_INIT;
        rl_init_singular_values(w, N, s, &st);
        double pr = participation(s, N), exact = (1 / tanh(1 / r)) * (1 - q2n) / (1 + q2n);
        RL_TEST_REL(
            pr, exact, 1e-9,
            "softrank r = %g: participation ratio %.10g = coth(1/r)(1-q^2N)/(1+q^2N) = %.10g, "
            "q = exp(-1/r) (1e-9 rel; coth(1/r) = %.6g)",
            r, pr, exact, 1 / tanh(1 / r));
        RL_TEST_REL(s[1] / s[0], exp(-1 / r), 1e-10,
                    "softrank r = %g: s_2/s_1 = exp(-1/r) (1e-10 rel)", r);
        RL_TEST_REL(frob(w, (size_t)N * N), f0, 1e-12,
                    "softrank r = %g: ||W||_F = ||W0||_F (1e-12 rel)", r);
        double norm = 0;
        for (int k = 0; k < N; k++)
            norm += exp(-2 * k / r);
        for (int k = 0; k < N; k++)
            want[k] = exp(-k / r) * f0 / sqrt(norm);
        double err = pair_error(w, &d, want);
        RL_TEST(err <= 1e-10,
                "softrank r = %g: W v_k = c exp(-k/r) u_k on the seed's W0 singular vectors "
                "(error %.1e of s_1, 1e-10)",
                r, err);
        free(w);
    }
    svd_free(&d);
    free(w0);
}

static void test_spectral_norm(void)
{
    rl_params p = params_for("svd", N, 3);
    set_param(&p, "init.rank", "30");
    set_param(&p, "init.norm", "spectral");
    double *w = build(&p), *w0 = w0_of(&p);
    rl_spectrum a = spectrum_of(w, N), b = spectrum_of(w0, N);
    RL_TEST_REL(a.radius, b.radius, 1e-10,
                "svd rank 30, norm spectral: spectral radius %.10g = W0's (1e-10 rel)", a.radius);
    free(w);
    free(w0);
}

/* init.base uniform: the kept triplets are those of the uniform twin of W0. */
static void test_uniform_base(void)
{
    rl_params full = params_for("svd", N, 3), uni = params_for("uniform", N, 3);
    set_param(&full, "init.base", "uniform");
    double *w = build(&full), *u = build(&uni), err = 0.0, scale = 0.0;
    for (size_t k = 0; k < (size_t)N * N; k++) {
        err = fmax(err, fabs(w[k] - u[k]));
        scale = fmax(scale, fabs(u[k]));
    }
    RL_TEST(err <= 1e-10 * scale,
            "svd full rank of the uniform base equals kind uniform (max diff %.2g of %.2g, "
            "1e-10 rel)",
            err, scale);
    rl_params low = full;
    set_param(&low, "init.rank", "5");
    double *wl = build(&low);
    svd d = svd_of(wl);
    RL_TEST(d.s[5] <= 1e-12 * d.s[0],
            "svd rank 5 of the uniform base has rank exactly 5 (s_6/s_1 = %.2g <= 1e-12)",
            d.s[5] / d.s[0]);
    svd_free(&d);
    free(w);
    free(u);
    free(wl);
}

static void test_check(void)
{
    rl_params p = params_for("svd", N, 3);
    p.init.rank = N + 1;
    rl_status st = RL_STATUS_INIT;
    RL_TEST(
        rl_init_check(&p, &st) == RL_EINPUT && strstr(st.msg, "valid: init.rank <= model.hidden") &&
            strcmp(st.params, "init.rank model.hidden") == 0,
        "rank 301 > hidden 300 is refused by the table's limit, about init.rank: \"%s\"", st.msg);
}

int main(void)
{
    test_svd();
    test_softrank();
    test_spectral_norm();
    test_uniform_base();
    test_check();
    return rl_test_done();
}
