/*
** kernel.c: Eq. 6, the tangent kernel K = J J^T on the kernel probe rows, its
** alignments and its effective rank (module: metrics).
** Why this route: J has N^2 columns (90 000 at N = 300), so J J^T costs M^2 N^2.
** With the slabs of slabs.h, row m of J is sum_s g_{m,s} z_{b(m),s}^T, hence
**     K[m, m'] = sum_{s, s'} (g_{m,s} . g_{m',s'}) (z_{b,s} . z_{b',s'})      (*)
**              (+ [o = o'] r_{t,b} . r_{t',b'} for the readout, all parameters)
** i.e. K = sum_{s,s'} (G_s G_{s'}^T) o (Z_s Z_{s'}^T), a Hadamard product of Gram
** blocks. The G Gram over all slab rows costs (sum_s rows_s)^2 N, about T^2/(4N)
** of the explicit route (at N = 300, T = 8: 2.2 GFLOP against 53 GFLOP); the z
** Gram is (T B)^2 and tiny. Only blocks s <= s' are computed (K is symmetric):
** A = sum_{s<s'} C_{ss'} + 1/2 sum_s C_{ss}, then K = A + A^T.
** Memory: the slabs (sum_s rows_s x N) and one slab-pair block (rows_s x rows_s').
** Trade-off: with every row read at the last step of a long trial (sMNIST: T = 28,
** 2000 rows) the ratio becomes (T-1)^2/N = 2.4 in favour of forming J in column
** blocks (explicit.c); rl_metrics_kernel_create takes whichever route costs fewer
** estimated flops.
*/
#include "slabs.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

struct rl_kernel {
    int m;     /* rows of J */
    double *k; /* m x m, row-major, symmetric */
    /* Row layout (slabs.h) when built from a network; trials = 0 for a given matrix. */
    int steps, trials, n_out, t_first;
};

/* ---- construction ---- */

static rl_code kernel_alloc(int m, rl_kernel **out, rl_status *st)
{
    *out = NULL;
    RL_CHECK(m >= 1, st, RL_EINPUT, "tangent kernel: %d rows; valid: at least one", m);
    rl_kernel *k = rl_alloc(1, sizeof *k, st);
    if (!k) return RL_ENOMEM;
    k->m = m;
    k->k = rl_alloc((size_t)m * (size_t)m, sizeof *k->k, st);
    if (!k->k) {
        rl_metrics_kernel_destroy(&k);
        return RL_ENOMEM;
    }
    *out = k;
    return RL_OK;
}

rl_code rl_metrics_kernel_from_matrix(const double *k, int m, rl_kernel **out, rl_status *st)
{
    RL_TRY(kernel_alloc(m, out, st));
    memcpy((*out)->k, k, (size_t)m * (size_t)m * sizeof *k);
    return RL_OK;
}

rl_code rl_metrics_kernel_from_jacobian(const double *j, int m, size_t p, rl_kernel **out,
                                        rl_status *st)
{
    RL_TRY(kernel_alloc(m, out, st));
    double *k = (*out)->k;
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, m, (int)p, 1.0, j, (int)p, 0.0, k, m);
    for (int a = 0; a < m; a++) /* dsyrk fills the upper triangle only */
        for (int b = 0; b < a; b++)
            k[(size_t)a * m + b] = k[(size_t)b * m + a];
    return RL_OK;
}

void rl_metrics_kernel_destroy(rl_kernel **k)
{
    if (!k || !*k) return;
    rl_free((*k)->k);
    rl_free(*k);
    *k = NULL;
}

int rl_metrics_kernel_size(const rl_kernel *k)
{
    return k->m;
}

const double *rl_metrics_kernel_data(const rl_kernel *k)
{
    return k->k;
}

/* ---- (*) from the slabs ---- */

/* A += w * C_{ss'}: C[m, m'] = gg[i, j] zz[(s, b_i), (s', b_j)] for rows i of s, j of s'. */
static void add_block(const rl_slabs *s, int s1, int s2, const double *gg, const double *zz,
                      double w, double *a)
{
    int rows1 = slab_rows(s, s1), rows2 = slab_rows(s, s2), m = slab_m_total(s);
    int m1 = slab_first_m(s, s1), m2 = slab_first_m(s, s2), tb = s->steps * s->trials;
    for (int i = 0; i < rows1; i++) {
        int b = (i / s->n_out) % s->trials;
        const double *zrow = zz + ((size_t)s1 * s->trials + b) * tb + (size_t)s2 * s->trials;
        const double *grow = gg + (size_t)i * rows2;
        double *arow = a + (size_t)(m1 + i) * m + m2;
        for (int j = 0; j < rows2; j++)
            arow[j] += w * grow[j] * zrow[(j / s->n_out) % s->trials];
    }
}

/* The readout term of all parameters: K[m, m'] += [o = o'] r_{t,b} . r_{t',b'}. */
static void add_readout(const rl_slabs *s, const double *rr, double *k)
{
    int m = slab_m_total(s), tb = s->steps * s->trials;
    for (int a = 0; a < m; a++) {
        int sa = (s->t_first + a / (s->n_out * s->trials)) * s->trials + (a / s->n_out) % s->trials;
        for (int c = a % s->n_out; c < m; c += s->n_out) {
            int sc =
                (s->t_first + c / (s->n_out * s->trials)) * s->trials + (c / s->n_out) % s->trials;
            k[(size_t)a * m + c] += rr[(size_t)sa * tb + sc];
        }
    }
}

/* (*) without the readout term: K = sum_{s<=s'} ... by Gram blocks of the slabs. */
static rl_code gram_route(const rl_slabs *s, double *k, rl_status *st)
{
    int m = slab_m_total(s), tb = s->steps * s->trials, n = s->n;
    int most = slab_rows(s, 0); /* slab 0 has the most rows */
    double *zz = rl_alloc((size_t)tb * tb, sizeof *zz, st);
    double *gg = rl_alloc((size_t)most * most, sizeof *gg, st);
    if (!zz || !gg) {
        rl_free(zz);
        rl_free(gg);
        return RL_ENOMEM;
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, tb, tb, s->p, 1.0, s->z, s->p, s->z, s->p,
                0.0, zz, tb);
    memset(k, 0, (size_t)m * m * sizeof *k);
    for (int s1 = s->s_min; s1 < s->steps; s1++)
        for (int s2 = s1; s2 < s->steps; s2++) {
            int r1 = slab_rows(s, s1), r2 = slab_rows(s, s2);
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, r1, r2, n, 1.0, slab(s, s1), n,
                        slab(s, s2), n, 0.0, gg, r2);
            add_block(s, s1, s2, gg, zz, s1 == s2 ? 0.5 : 1.0, k);
        }
    for (int a = 0; a < m; a++) /* K = A + A^T */
        for (int c = a; c < m; c++) {
            double v = k[(size_t)a * m + c] + k[(size_t)c * m + a];
            k[(size_t)a * m + c] = v;
            k[(size_t)c * m + a] = v;
        }
    rl_free(zz);
    rl_free(gg);
    return RL_OK;
}

/* Flops: Gram route (sum rows)^2 N; explicit M^2 N P (dsyrk) + 2 (sum rows) N P (forming J). */
static rl_kernel_route cheaper_route(const rl_slabs *s)
{
    double rows = 0.0, m = slab_m_total(s), n = s->n, p = s->p;
    for (int step = s->s_min; step < s->steps; step++)
        rows += slab_rows(s, step);
    double gram = rows * rows * n, expl = m * m * n * p + 2.0 * rows * n * p;
    return gram <= expl ? RL_KERNEL_ROUTE_GRAM : RL_KERNEL_ROUTE_EXPLICIT;
}

static rl_code assemble(const rl_slabs *s, rl_kernel_route route, double *k, rl_status *st)
{
    if (route == RL_KERNEL_ROUTE_AUTO) route = cheaper_route(s);
    RL_TRY(route == RL_KERNEL_ROUTE_GRAM ? gram_route(s, k, st)
                                         : rl_slabs_kernel_explicit(s, k, st));
    if (!s->all) return RL_OK;
    int tb = s->steps * s->trials, n = s->n;
    double *rr = rl_alloc((size_t)tb * tb, sizeof *rr, st);
    if (!rr) return RL_ENOMEM;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, tb, tb, n, 1.0, s->r, n, s->r, n, 0.0, rr,
                tb);
    add_readout(s, rr, k);
    rl_free(rr);
    return RL_OK;
}

rl_code rl_metrics_kernel_create(const rl_rnn *net, const rl_batch *probe, int trials,
                                 rl_kernel_wrt wrt, bool last_step_only, rl_kernel **out,
                                 rl_status *st)
{
    return rl_metrics_kernel_create_route(net, probe, trials, wrt, last_step_only,
                                          RL_KERNEL_ROUTE_AUTO, out, st);
}

rl_code rl_metrics_kernel_create_route(const rl_rnn *net, const rl_batch *probe, int trials,
                                       rl_kernel_wrt wrt, bool last_step_only,
                                       rl_kernel_route route, rl_kernel **out, rl_status *st)
{
    rl_slabs *s = NULL;
    *out = NULL;
    RL_TRY(rl_slabs_create(net, probe, trials, wrt, last_step_only, &s, st));
    rl_code rc = kernel_alloc(slab_m_total(s), out, st);
    if (rc == RL_OK) {
        rl_kernel *k = *out;
        k->steps = s->steps;
        k->trials = s->trials;
        k->n_out = s->n_out;
        k->t_first = s->t_first;
        rc = assemble(s, route, k->k, st);
    }
    if (rc != RL_OK) rl_metrics_kernel_destroy(out);
    rl_slabs_destroy(&s);
    return rc;
}

/* ---- Eq. 6 and friends ---- */

double rl_metrics_alignment(const double *a, const double *b, int m)
{
    double ab = 0.0, aa = 0.0, bb = 0.0;
    size_t mm = (size_t)m * (size_t)m;
    for (size_t i = 0; i < mm; i++) { /* Tr(A B) = sum A o B for symmetric A, B */
        ab += a[i] * b[i];
        aa += a[i] * a[i];
        bb += b[i] * b[i];
    }
    if (aa == 0.0 || bb == 0.0) return NAN;
    return ab / (sqrt(aa) * sqrt(bb));
}

double rl_metrics_kernel_alignment(const rl_kernel *k0, const rl_kernel *kf)
{
    if (k0->m != kf->m) return NAN;
    return rl_metrics_alignment(k0->k, kf->k, k0->m);
}

double rl_metrics_target_alignment(const rl_kernel *k, const double *y)
{
    /* Eq. 6 with B = y y^T: Tr(K y y^T) = y^T K y and ||y y^T||_F = ||y||^2. */
    int m = k->m;
    double yky = 0.0, kk = 0.0, yy = 0.0;
    for (int a = 0; a < m; a++) {
        const double *row = k->k + (size_t)a * m;
        double ky = 0.0;
        for (int c = 0; c < m; c++) {
            ky += row[c] * y[c];
            kk += row[c] * row[c];
        }
        yky += y[a] * ky;
        yy += y[a] * y[a];
    }
    if (yy == 0.0 || kk == 0.0) return NAN;
    return yky / (sqrt(kk) * yy);
}

/* Target of row m of a kernel built from a network: one-hot label or regression target. */
static double row_target(const rl_kernel *k, const rl_batch *probe, int m)
{
    int per_t = k->trials * k->n_out;
    int t = k->t_first + m / per_t, b = (m / k->n_out) % k->trials, o = m % k->n_out;
    size_t tb = (size_t)t * probe->batch + b; /* time-major (task.h) */
    if (probe->mask && probe->mask[tb] == 0.0f) return 0.0;
    if (probe->label) return probe->label[tb] == o ? 1.0 : 0.0; /* CE tasks have labels */
    return probe->target ? (double)probe->target[tb * probe->n_out + o] : 0.0;
}

double rl_metrics_kernel_task_alignment(const rl_kernel *k, const rl_batch *probe)
{
    if (k->trials == 0 || probe->steps != k->steps || probe->n_out != k->n_out ||
        probe->batch < k->trials)
        return NAN;
    /* Eq. 6 with the task kernel y y^T, y generated row by row (nothing allocated). */
    int m = k->m;
    double yky = 0.0, kk = 0.0, yy = 0.0;
    for (int a = 0; a < m; a++) {
        const double *row = k->k + (size_t)a * m;
        double ya = row_target(k, probe, a), ky = 0.0;
        for (int c = 0; c < m; c++) {
            kk += row[c] * row[c];
            if (ya != 0.0) ky += row[c] * row_target(k, probe, c);
        }
        yky += ya * ky;
        yy += ya * ya;
    }
    if (yy == 0.0 || kk == 0.0) return NAN;
    return yky / (sqrt(kk) * yy);
}

rl_code rl_metrics_kernel_eff_rank(const rl_kernel *k, double *out, rl_status *st)
{
    int m = k->m;
    lapack_int found = 0, isuppz[2];
    double trace = 0.0, z = 0.0;
    *out = NAN;
    /* dsyevr needs the whole matrix and an m-long eigenvalue array even for one eigenvalue. */
    double *a = rl_alloc((size_t)m * (size_t)m + (size_t)m, sizeof *a, st);
    if (!a) return RL_ENOMEM;
    double *w = a + (size_t)m * m;
    memcpy(a, k->k, (size_t)m * (size_t)m * sizeof *a);
    for (int i = 0; i < m; i++) /* K is PSD: sum |lambda| = trace */
        trace += a[(size_t)i * m + i];
    lapack_int info = LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'N', 'I', 'U', m, a, m, 0.0, 0.0, m, m, 0.0,
                                     &found, w, &z, 1, isuppz);
    double top = w[0];
    rl_free(a);
    RL_CHECK(info == 0 && found == 1, st, RL_EBUG,
             "kernel effective rank: LAPACK dsyevr failed (info %d) on a %d x %d kernel", (int)info,
             m, m);
    *out = top > 0.0 ? trace / top / m : NAN;
    return RL_OK;
}
