/*
** test_file_rank.c: init.rank on the kind file (file.c + rl_init_truncate in lowrank.c) —
** the task-aligned rank-r init of Fig. 3C (a teacher's trained W_h cut to its top r
** singular triplets). The reference truncation is computed here by LAPACKE_dgesvd on the
** matrix the test wrote, not by the module's SVD, so the checks are independent:
** rank exactly r, the kept singular vectors and values are the file's, norm matching is
** still applied afterwards, r = 0 and r = N leave the file as it is, init.transpose is
** applied before the cut, and out-of-range ranks are refused with the usual message.
** The matrix is written as CSV with %.17g, which reads back bit for bit.
*/
#include "initest.h"

#include <lapacke.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

enum { N = 8 };

static char dir[64], path[96];

/* A fixed non-symmetric matrix with distinct singular values (checked in main). */
static double value(int i, int j)
{
    return sin(3.0 * i + 1.7 * j + 0.3 * i * j) + (i == j ? 0.5 * (i + 1) : 0.0);
}

static void write_csv(const double *m)
{
    FILE *f = fopen(path, "w");
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            fprintf(f, "%.17g%s", m[i * N + j], j == N - 1 ? "\n" : ",");
    fclose(f);
}

/* u diag(s) vt of a (row-major, copied), by LAPACK directly; returns false if it failed. */
static bool svd(const double *a, double *u, double *s, double *vt)
{
    double copy[N * N], superb[N];
    memcpy(copy, a, sizeof copy);
    return LAPACKE_dgesvd(LAPACK_ROW_MAJOR, 'A', 'A', N, N, copy, N, s, u, N, vt, N, superb) == 0;
}

/* sum_{k<r} s_k u_k v_k^T */
static void truncation(const double *u, const double *s, const double *vt, int r, double *out)
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double acc = 0.0;
            for (int k = 0; k < r; k++)
                acc += u[i * N + k] * s[k] * vt[k * N + j];
            out[i * N + j] = acc;
        }
}

static double max_abs_diff(const double *a, const double *b, double scale_b)
{
    double d = 0.0;
    for (int k = 0; k < N * N; k++)
        d = fmax(d, fabs(a[k] - scale_b * b[k]));
    return d;
}

/* W_h(0) of kind file with the given rank, norm and orientation; false (reported) on failure. */
static bool load(long rank, const char *norm, bool transpose, double *w)
{
    rl_params p = params_for("file", N, 3);
    set_param(&p, "init.file", path);
    set_param(&p, "init.norm", norm);
    p.init.rank = rank;
    p.init.transpose = transpose;
    rl_status st = RL_STATUS_INIT;
    rl_code rc = rl_init_recurrent(&p, SWEEP_SEED, w, &st);
    if (rc != RL_OK) RL_TEST(0, "file, rank %ld, norm %s: %s", rank, norm, st.msg);
    return rc == RL_OK;
}

static void test_exact_rank(const double *u, const double *s, const double *vt)
{
    for (int r = 1; r < N; r++) {
        double w[N * N], want[N * N], ws[N], wu[N * N], wvt[N * N];
        if (!load(r, "none", false, w)) continue;
        truncation(u, s, vt, r, want);
        RL_TEST(max_abs_diff(w, want, 1.0) <= 1e-12 * s[0],
                "rank %d, norm none: W = U_r S_r V_r^T of the file (LAPACK's; 1e-12 s_1 abs)", r);
        if (!svd(w, wu, ws, wvt)) {
            RL_TEST(0, "LAPACKE_dgesvd failed on W (rank %d)", r);
            continue;
        }
        bool vals = true, vecs = true;
        for (int k = 0; k < r; k++) {
            vals = vals && fabs(ws[k] - s[k]) <= 1e-12 * s[0];
            double cu = 0.0, cv = 0.0; /* |u_k(W) . u_k(M)| = 1: the same line, sign free */
            for (int i = 0; i < N; i++) {
                cu += wu[i * N + k] * u[i * N + k];
                cv += wvt[k * N + i] * vt[k * N + i];
            }
            vecs = vecs && fabs(fabs(cu) - 1.0) <= 1e-9 && fabs(fabs(cv) - 1.0) <= 1e-9;
        }
        RL_TEST(vals && ws[r - 1] > 1e-3 * s[0] && ws[r] <= 1e-12 * s[0],
                "rank %d: the top %d singular values are the file's (1e-12 s_1) and s_%d = %.1e "
                "s_1 (rank exactly %d)",
                r, r, r + 1, ws[r] / s[0], r);
        RL_TEST(vecs,
                "rank %d: the kept singular vectors are the file's, |u_k.u_k'| = |v_k.v_k'| "
                "= 1 within 1e-9",
                r);
    }
}

static void test_full_and_norm(const double *m, const double *u, const double *s, const double *vt)
{
    double w0[N * N], wn[N * N];
    if (load(0, "none", false, w0) && load(N, "none", false, wn))
        RL_TEST(max_abs_diff(w0, m, 1.0) == 0.0 && max_abs_diff(wn, m, 1.0) == 0.0,
                "rank 0 and rank N = %d leave the file's matrix bit for bit", N);

    double w[N * N], want[N * N];
    rl_params p = params_for("file", N, 3);
    double *z = stream_z(&p);
    double target = p.init.gain * frob(z, N * N) / sqrt(N);
    free(z);
    if (load(2, "frobenius", false, w)) {
        truncation(u, s, vt, 2, want);
        double c = target / frob(want, N * N);
        RL_TEST(fabs(frob(w, N * N) / target - 1.0) <= 1e-12 &&
                    max_abs_diff(w, want, c) <= 1e-12 * c * s[0],
                "rank 2, norm frobenius: W = c U_2 S_2 V_2^T with ||W||_F = g ||Z||_F / sqrt(N) "
                "of the seed (1e-12 rel)");
    }

    double mt[N * N], tu[N * N], ts[N], tvt[N * N];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            mt[i * N + j] = m[j * N + i];
    if (svd(mt, tu, ts, tvt) && load(3, "none", true, w)) {
        truncation(tu, ts, tvt, 3, want);
        RL_TEST(max_abs_diff(w, want, 1.0) <= 1e-12 * ts[0],
                "rank 3 with init.transpose: the cut is of W = M^T (1e-12 s_1 abs)");
    }
}

static void test_refusals(void)
{
    rl_params p = params_for("file", N, 3);
    set_param(&p, "init.file", path);
    p.init.rank = N + 1;
    rl_status st = RL_STATUS_INIT;
    RL_TEST(rl_init_check(&p, &st) == RL_EINPUT && strstr(st.msg, "init.rank = 9") &&
                strstr(st.msg, "model.hidden = 8") &&
                strstr(st.msg, "valid: init.rank <= model.hidden"),
            "file with init.rank = N + 1 is refused: \"%s\"", st.msg);
    double w[N * N];
    rl_status st2 = RL_STATUS_INIT;
    RL_TEST(rl_init_recurrent(&p, SWEEP_SEED, w, &st2) == RL_EINPUT && strstr(st2.msg, "init.rank"),
            "... and rl_init_recurrent refuses it before reading the file");
    rl_status st3 = RL_STATUS_INIT;
    const rl_key *key = rl_params_find("init.rank");
    RL_TEST(key && rl_params_set(&p, key, "-1", &st3) != RL_OK && strstr(st3.msg, "init.rank"),
            "init.rank = -1 is refused by the parameter table: \"%s\"", st3.msg);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/rl_rank_XXXXXX", tmp && strlen(tmp) < 40 ? tmp : "/tmp");
    if (!mkdtemp(dir)) return rl_test_skip("cannot create a temporary directory");
    snprintf(path, sizeof path, "%s/teacher.csv", dir);
    double m[N * N], u[N * N], s[N], vt[N * N];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            m[i * N + j] = value(i, j);
    write_csv(m);
    bool ok = svd(m, u, s, vt);
    double gap = 1.0;
    for (int k = 0; ok && k + 1 < N; k++)
        gap = fmin(gap, (s[k] - s[k + 1]) / s[0]);
    RL_TEST(ok && gap > 1e-3 && s[N - 1] > 1e-3 * s[0],
            "test setup: the matrix has distinct singular values (min gap %.2e s_1) and full rank",
            gap);
    test_exact_rank(u, s, vt);
    test_full_and_norm(m, u, s, vt);
    test_refusals();
    RL_TEST(unlink(path) == 0 && rmdir(dir) == 0, "temporary directory %s removed", dir);
    return rl_test_done();
}
