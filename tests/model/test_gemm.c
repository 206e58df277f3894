/*
** test_gemm.c: src/model/gemm.c, the model's own GEMM, on both kernels (the
** AVX-512 one where the CPU has it, and the OpenBLAS fallback, forced here).
** Accuracy: every product of m, n, k in {1, 3, 15, 16, 17, 31, 33, 300} (512
** shapes, so the 8-row tiles, 16-lane vectors, 48-column panels and 128-term k
** blocks all get tails) plus six with n >= 512 (packed A and B panels; two
** with n, k >= 1024 and padded leading dimensions), op(A) = A and A^T, four
** (alpha, beta) pairs and padded leading dimensions in rotation, against a
** double-precision reference. The tolerance is the rigorous
** summation bound |err| <= (k + 2) eps (|alpha| |A||B| + |beta| |C|) per element
** (eps = FLT_EPSILON; any order of k FMAs meets it). Determinism: bitwise equal
** on repeated calls and with or without the packing workspace; for the own
** kernel also for a sub-block of rows and columns computed on its own (tiling
** does not change the bits; OpenBLAS's do change, reported), and for a product computed
** rl_gemm_k_split terms per call (how rnn.c interleaves its weight gradients). beta = 0 must
** not read C (C filled with NaN).
*/
#include "gemm.h"
#include "richlazy/core.h"
#include "rltest.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int SIZES[] = {1, 3, 15, 16, 17, 31, 33, 300};
enum { N_SIZES = sizeof SIZES / sizeof SIZES[0] };
/* Wide C (n >= 512), where op(A) and the B panels are packed, in a few shapes (the cube above
** stays at n <= 300): m, n, k and a padding of the leading dimensions. Two have n, k >= 1024,
** one with B's and C's rows exactly 4 KiB apart (ld 1024 > n = 1000). */
static const int WIDE[][4] = {{17, 520, 300, 0}, {300, 513, 33, 0},    {3, 530, 129, 0},
                              {8, 512, 1, 0},    {13, 1000, 1100, 24}, {9, 1030, 1024, 3}};
static const float ALPHA[] = {1.0f, 1.0f, -0.7f, 0.6f}, BETA[] = {0.0f, 1.0f, 0.0f, -1.3f};

/* Fixed-seed xorshift, uniform on [-1, 1). */
static float uniform_pm1(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (float)((double)(*s >> 11) * 0x1.0p-52 - 1.0);
}

static float *random_floats(size_t n, uint64_t *seed)
{
    rl_status st = RL_STATUS_INIT;
    float *v = rl_alloc(n ? n : 1, sizeof *v, &st);
    for (size_t i = 0; v && i < n; i++)
        v[i] = uniform_pm1(seed);
    return v;
}

typedef struct gemm_case {
    bool trans;
    int m, n, k, lda, ldb, ldc;
    float alpha, beta;
} gemm_case;

/* Worst |C - C_ref| / bound over the case (> 1 fails); a NaN in C counts as infinite. */
static double worst_ratio(rl_gemm_kernel kern, const gemm_case *g, uint64_t *seed, float *work)
{
    int a_rows = g->trans ? g->k : g->m;
    float *a = random_floats((size_t)a_rows * g->lda, seed);
    float *b = random_floats((size_t)g->k * g->ldb, seed);
    float *c0 = random_floats((size_t)g->m * g->ldc, seed);
    float *c = random_floats((size_t)g->m * g->ldc, seed);
    double worst = INFINITY;
    if (a && b && c0 && c) {
        memcpy(c, c0, (size_t)g->m * g->ldc * sizeof *c);
        if (g->beta == 0.0f) /* BLAS: C is output only */
            for (size_t i = 0; i < (size_t)g->m * g->ldc; i++)
                c[i] = NAN;
        rl_gemm_multiply(kern, g->trans, g->m, g->n, g->k, g->alpha, a, g->lda, b, g->ldb, g->beta,
                         c, g->ldc, work);
        worst = 0.0;
        for (int i = 0; i < g->m; i++) {
            for (int j = 0; j < g->n; j++) {
                double sum = 0.0, mag = 0.0;
                for (int p = 0; p < g->k; p++) {
                    double av = g->trans ? a[(size_t)p * g->lda + i] : a[(size_t)i * g->lda + p];
                    sum += av * b[(size_t)p * g->ldb + j];
                    mag += fabs(av * b[(size_t)p * g->ldb + j]);
                }
                double cij = g->beta == 0.0f ? 0.0 : c0[(size_t)i * g->ldc + j];
                double want = g->alpha * sum + g->beta * cij;
                double bound = (g->k + 2) * (double)FLT_EPSILON *
                               (fabs(g->alpha) * mag + fabs(g->beta) * fabs(cij));
                double err = fabs(c[(size_t)i * g->ldc + j] - want);
                double ratio = err == 0.0 ? 0.0 : bound > 0.0 ? err / bound : INFINITY;
                if (!(ratio <= worst)) worst = isnan(ratio) ? INFINITY : ratio;
            }
        }
    }
    rl_free(a);
    rl_free(b);
    rl_free(c0);
    rl_free(c);
    return worst;
}

/* All 512 shapes with one kernel and one op(A); variants rotate with the shape index. */
static void test_accuracy(rl_gemm_kernel kern, bool trans, float *work)
{
    uint64_t seed = 2024 + (uint64_t)trans;
    double worst[4] = {0};
    int shapes = 0;
    for (int im = 0; im < N_SIZES; im++)
        for (int in = 0; in < N_SIZES; in++)
            for (int ik = 0; ik < N_SIZES; ik++, shapes++) {
                int m = SIZES[im], n = SIZES[in], k = SIZES[ik], v = shapes % 4;
                int pad = shapes % 3 == 1; /* every third shape: ld > its minimum */
                gemm_case g = {
                    trans,       m,           n,        k,      (trans ? m : k) + 5 * pad,
                    n + 3 * pad, n + 7 * pad, ALPHA[v], BETA[v]};
                worst[v] = fmax(worst[v], worst_ratio(kern, &g, &seed, work));
            }
    for (size_t w = 0; w < sizeof WIDE / sizeof WIDE[0]; w++, shapes++) {
        int v = shapes % 4, m = WIDE[w][0], n = WIDE[w][1], k = WIDE[w][2], pad = WIDE[w][3];
        gemm_case g = {trans, m, n, k, (trans ? m : k) + pad, n + pad, n + pad, ALPHA[v], BETA[v]};
        worst[v] = fmax(worst[v], worst_ratio(kern, &g, &seed, work));
    }
    for (int v = 0; v < 4; v++)
        RL_TEST(worst[v] <= 1.0,
                "%s, op(A) = %s, alpha %g beta %g: %d shapes within (k+2) eps (|alpha||A||B| + "
                "|beta||C|) of double (worst %.3f of the bound)",
                rl_gemm_kernel_name(kern), trans ? "A^T" : "A", (double)ALPHA[v], (double)BETA[v],
                shapes / 4, worst[v]);
}

/* C (m x n, k) with the given kernel and workspace into c (ld n), from fixed operands. */
static void product(rl_gemm_kernel kern, bool trans, int m, int n, int k, const float *a,
                    const float *b, float *c, float *work)
{
    memset(c, 0, (size_t)m * n * sizeof *c);
    rl_gemm_multiply(kern, trans, m, n, k, 0.9f, a, trans ? m : k, b, n, 1.0f, c, n, work);
}

/* Repeated calls, a sub-block alone and the packing workspace leave the bits unchanged. */
static void test_bitwise(rl_gemm_kernel kern, bool trans, float *work)
{
    enum { M = 33, N = 520, K = 300, I0 = 9, MS = 17, J0 = 17, NS = 150 };
    uint64_t seed = 77;
    float *a = random_floats((size_t)M * K, &seed), *b = random_floats((size_t)K * N, &seed);
    float *c1 = random_floats((size_t)M * N, &seed), *c2 = random_floats((size_t)M * N, &seed);
    float *cs = random_floats((size_t)M * N, &seed);
    if (!a || !b || !c1 || !c2 || !cs) {
        RL_TEST(0, "test_gemm: out of memory");
        return;
    }
    product(kern, trans, M, N, K, a, b, c1, work);
    product(kern, trans, M, N, K, a, b, c2, work);
    RL_TEST(memcmp(c1, c2, (size_t)M * N * sizeof *c1) == 0,
            "%s, op(A) = %s: two calls on %d x %d x %d give bitwise the same C",
            rl_gemm_kernel_name(kern), trans ? "A^T" : "A", M, N, K);
    product(kern, trans, M, N, K, a, b, c2, NULL);
    RL_TEST(memcmp(c1, c2, (size_t)M * N * sizeof *c1) == 0,
            "%s, op(A) = %s: with and without the packing workspace, the same bits (n = %d)",
            rl_gemm_kernel_name(kern), trans ? "A^T" : "A", N);
    /* rows I0.. and columns J0.. on their own: other tile and panel boundaries */
    const float *as = trans ? a + I0 : a + (size_t)I0 * K;
    memset(cs, 0, (size_t)M * N * sizeof *cs);
    rl_gemm_multiply(kern, trans, MS, NS, K, 0.9f, as, trans ? M : K, b + J0, N, 1.0f,
                     cs + (size_t)I0 * N + J0, N, work);
    int same = 1;
    for (int i = I0; i < I0 + MS; i++)
        same &= memcmp(c1 + (size_t)i * N + J0, cs + (size_t)i * N + J0, NS * sizeof *cs) == 0;
    if (kern == RL_GEMM_BLAS) /* OpenBLAS promises no such thing (and here it does not hold) */
        printf("# openblas, op(A) = %s: a sub-block alone gives %s bits\n", trans ? "A^T" : "A",
               same ? "the same" : "different");
    else
        RL_TEST(same,
                "%s, op(A) = %s: rows %d..%d x columns %d..%d alone give the same bits as "
                "inside the full product (tiling does not change the sums)",
                rl_gemm_kernel_name(kern), trans ? "A^T" : "A", I0, I0 + MS - 1, J0, J0 + NS - 1);
    rl_free(a);
    rl_free(b);
    rl_free(c1);
    rl_free(c2);
    rl_free(cs);
}

/* A product over k in calls of rl_gemm_k_split terms (beta in the first, 1 after) gives the bits
** of one call: long k in place, a last call of k <= SMALL_K (the small-k path), wide C (packed),
** op(A) = A and A^T, beta 0 and not. OpenBLAS splits nothing (one call, INT_MAX). */
static void test_k_split(rl_gemm_kernel kern)
{
    static const int SHAPES[][4] = {
        {1, 33, 300, 700}, {0, 31, 300, 389}, {1, 20, 48, 3 * 128 + 5}, {0, 17, 520, 300}};
    const int split = rl_gemm_k_split(kern);
    RL_TEST(split == (kern == RL_GEMM_BLAS ? INT_MAX : RL_GEMM_KC), "%s: k split every %d terms",
            rl_gemm_kernel_name(kern), split);
    if (kern == RL_GEMM_BLAS) return;
    rl_status st = RL_STATUS_INIT;
    for (size_t s = 0; s < sizeof SHAPES / sizeof SHAPES[0]; s++) {
        const bool trans = SHAPES[s][0];
        const int m = SHAPES[s][1], n = SHAPES[s][2], k = SHAPES[s][3], lda = trans ? m : k;
        const float beta = s % 2 ? -1.3f : 0.0f;
        uint64_t seed = 91 + s;
        float *a = random_floats((size_t)m * k, &seed), *b = random_floats((size_t)k * n, &seed);
        float *c1 = random_floats((size_t)m * n, &seed), *c2 = random_floats((size_t)m * n, &seed);
        float *work = rl_alloc(rl_gemm_work_floats(m, k), sizeof *work, &st);
        if (!a || !b || !c1 || !c2 || !work) {
            RL_TEST(0, "test_gemm: out of memory");
            return;
        }
        memcpy(c2, c1, (size_t)m * n * sizeof *c1);
        rl_gemm_multiply(kern, trans, m, n, k, 0.6f, a, lda, b, n, beta, c1, n, work);
        for (int p0 = 0; p0 < k; p0 += split) {
            int kc = k - p0 < split ? k - p0 : split;
            rl_gemm_multiply(kern, trans, m, n, kc, 0.6f, trans ? a + (size_t)p0 * lda : a + p0,
                             lda, b + (size_t)p0 * n, n, p0 == 0 ? beta : 1.0f, c2, n, work);
        }
        RL_TEST(memcmp(c1, c2, (size_t)m * n * sizeof *c1) == 0,
                "%s, op(A) = %s, %d x %d x %d, beta %g: in calls of %d terms, the bits of one call",
                rl_gemm_kernel_name(kern), trans ? "A^T" : "A", m, n, k, (double)beta, split);
        rl_free(a);
        rl_free(b);
        rl_free(c1);
        rl_free(c2);
        rl_free(work);
    }
}

/* B packed once into panels (rl_gemm_pack_panels) gives the bits of packing it per call, for the
** WIDE shapes and both op(A); narrow C and OpenBLAS take no panels. */
static void test_panels(rl_gemm_kernel kern, bool trans)
{
    rl_status st = RL_STATUS_INIT;
    int same = 1, shapes = 0;
    for (size_t w = 0; w < sizeof WIDE / sizeof WIDE[0]; w++, shapes++) {
        int m = WIDE[w][0], n = WIDE[w][1], k = WIDE[w][2], ldb = n + WIDE[w][3];
        size_t np = rl_gemm_panels_floats(kern, k, n);
        uint64_t seed = 5 + w;
        float *a = random_floats((size_t)m * k, &seed), *b = random_floats((size_t)k * ldb, &seed);
        float *c1 = random_floats((size_t)m * n, &seed), *c2 = rl_alloc((size_t)m, n * 4, &st);
        float *panels = rl_alloc(np, sizeof *panels, &st);
        float *work = rl_alloc(rl_gemm_work_floats(m, k), sizeof *work, &st);
        if (!a || !b || !c1 || !c2 || !panels || !work) {
            RL_TEST(0, "test_gemm: out of memory");
            return;
        }
        memcpy(c2, c1, (size_t)m * n * sizeof *c1);
        rl_gemm_pack_panels(kern, k, n, b, ldb, panels);
        float alpha = ALPHA[w % 4], beta = BETA[w % 4];
        rl_gemm_multiply(kern, trans, m, n, k, alpha, a, trans ? m : k, b, ldb, beta, c1, n, work);
        rl_gemm_multiply_panels(kern, trans, m, n, k, alpha, a, trans ? m : k, b, ldb, panels, beta,
                                c2, n, work);
        same &= memcmp(c1, c2, (size_t)m * n * sizeof *c1) == 0;
        if (kern == RL_GEMM_BLAS) same &= np == 0;
        rl_free(a);
        rl_free(b);
        rl_free(c1);
        rl_free(c2);
        rl_free(panels);
        rl_free(work);
    }
    RL_TEST(same, "%s, op(A) = %s: B packed once into panels, %d wide shapes: the same bits",
            rl_gemm_kernel_name(kern), trans ? "A^T" : "A", shapes);
    RL_TEST(rl_gemm_panels_floats(kern, 300, 300) == 0 && rl_gemm_panels_floats(kern, 0, 1024) == 0,
            "%s: no panels for narrow C (n = 300) or k = 0", rl_gemm_kernel_name(kern));
}

/* rl_gemm_transpose against the definition, with 8 x 8 blocks, edges and padded ld. */
static void test_transpose(rl_gemm_kernel kern)
{
    static const int DIMS[] = {1, 7, 8, 9, 17, 300};
    enum { ND = sizeof DIMS / sizeof DIMS[0] };
    int exact = 1, shapes = 0;
    for (int ir = 0; ir < ND; ir++)
        for (int ic = 0; ic < ND; ic++, shapes++) {
            int rows = DIMS[ir], cols = DIMS[ic], lda = cols + shapes % 3, ldd = rows + shapes % 2;
            uint64_t seed = 11 + shapes;
            float *a = random_floats((size_t)rows * lda, &seed);
            float *d = random_floats((size_t)cols * ldd, &seed);
            if (!a || !d) {
                RL_TEST(0, "test_gemm: out of memory");
                return;
            }
            rl_gemm_transpose(kern, rows, cols, a, lda, d, ldd);
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++)
                    exact &= memcmp(&d[(size_t)j * ldd + i], &a[(size_t)i * lda + j], 4) == 0;
            rl_free(a);
            rl_free(d);
        }
    RL_TEST(exact, "%s: transpose exact in %d shapes (rows, cols in 1..300, padded ld)",
            rl_gemm_kernel_name(kern), shapes);
}

/* Worst error of c (m x n, after the product) against alpha A B^T + beta c_old in units of
** (k+2) eps (|alpha||A||B| + |beta c_old|), the bound of test_accuracy. */
static double abt_worst(int m, int n, int k, float alpha, const float *a, int lda, const float *b,
                        int ldb, float beta, const float *c_old, const float *c)
{
    double worst = 0.0;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double sum = 0.0, mag = 0.0, old = beta == 0.0f ? 0.0 : c_old[(size_t)i * n + j];
            for (int p = 0; p < k; p++) {
                double t = (double)a[(size_t)i * lda + p] * b[(size_t)j * ldb + p];
                sum += t;
                mag += fabs(t);
            }
            double bound = (k + 2) * FLT_EPSILON * (fabs(alpha) * mag + fabs(beta * old));
            double err = fabs(c[(size_t)i * n + j] - (alpha * sum + beta * old));
            worst = fmax(worst, bound > 0.0 ? err / bound : err);
        }
    return worst;
}

/* rl_gemm_multiply_abt (C = alpha A B^T + beta C, thin C) over rows, columns (1..13: one and two
** passes of 12) and k (tails of 16); each element's bits do not depend on m (the first row alone
** gives the bits it has inside C). */
static void test_abt(rl_gemm_kernel kern)
{
    static const int MS[] = {1, 2, 3, 33}, NS[] = {1, 3, 10, 12, 13}, KS[] = {1, 15, 16, 17, 300};
    enum { NM = sizeof MS / sizeof *MS, NN = sizeof NS / sizeof *NS, NK = sizeof KS / sizeof *KS };
    double worst = 0.0;
    int alone = 1, shapes = 0;
    for (int s = 0; s < NM * NN * NK; s++, shapes++) {
        int m = MS[s / (NN * NK)], n = NS[s / NK % NN], k = KS[s % NK];
        int lda = k + s % 2, ldb = k + s % 3;
        float alpha = ALPHA[s % 4], beta = BETA[s % 4];
        uint64_t seed = 31 + s;
        float *a = random_floats((size_t)m * lda, &seed),
              *b = random_floats((size_t)n * ldb, &seed);
        float *c = random_floats((size_t)m * n, &seed), *old = random_floats((size_t)m * n, &seed);
        if (!a || !b || !c || !old) {
            RL_TEST(0, "test_gemm: out of memory");
            return;
        }
        memcpy(old, c, (size_t)m * n * sizeof *c);
        rl_gemm_multiply_abt(kern, m, n, k, alpha, a, lda, b, ldb, beta, c, n);
        worst = fmax(worst, abt_worst(m, n, k, alpha, a, lda, b, ldb, beta, old, c));
        /* the first row alone (inside C it was computed in a pair whenever m > 1) */
        rl_gemm_multiply_abt(kern, 1, n, k, alpha, a, lda, b, ldb, beta, old, n);
        alone &= memcmp(old, c, (size_t)n * sizeof *c) == 0;
        rl_free(a);
        rl_free(b);
        rl_free(c);
        rl_free(old);
    }
    RL_TEST(worst <= 1.0,
            "%s: A B^T in %d shapes within (k+2) eps (|alpha||A||B| + |beta C|) (worst %.2f of it)",
            rl_gemm_kernel_name(kern), shapes, worst);
    if (kern == RL_GEMM_BLAS)
        printf("# openblas: A B^T, a row alone gives %s bits\n", alone ? "the same" : "different");
    else
        RL_TEST(alone, "%s: A B^T, the first row alone gives the bits it has inside C",
                rl_gemm_kernel_name(kern));
}

/* Products with k <= 12 take their own path in the AVX-512 kernel (a pass over C's rows); it
** must give the bits of the tile path. Appending zero terms (A's extra columns 0, k -> 16, which
** the tile path takes) adds exact zeros to each sum, so both must agree bit for bit. */
static void test_small_k(rl_gemm_kernel kern)
{
    static const int MS[] = {1, 7, 33}, NS[] = {5, 300, 520};
    enum { KPAD = 16 };
    rl_status st = RL_STATUS_INIT;
    int same = 1, shapes = 0;
    for (int k = 1; k <= 12; k++)
        for (int im = 0; im < 3; im++)
            for (int in = 0; in < 3; in++)
                for (int trans = 0; trans < 2; trans++, shapes++) {
                    int m = MS[im], n = NS[in], v = shapes % 4;
                    uint64_t seed = 900 + shapes;
                    float *a = random_floats((size_t)m * k, &seed);
                    float *ap = rl_alloc((size_t)m * KPAD, sizeof *ap, &st); /* zeroed */
                    float *b = random_floats((size_t)KPAD * n, &seed);
                    float *c1 = random_floats((size_t)m * n, &seed);
                    float *c2 = rl_alloc((size_t)m * n, sizeof *c2, &st);
                    float *work = rl_alloc(rl_gemm_work_floats(m, KPAD), sizeof *work, &st);
                    if (!a || !ap || !b || !c1 || !c2 || !work) {
                        RL_TEST(0, "test_gemm: out of memory");
                        return;
                    }
                    for (int i = 0; i < m; i++)
                        for (int p = 0; p < k; p++) /* A (m x k) or A^T (k x m) */
                            ap[trans ? (size_t)p * m + i : (size_t)i * KPAD + p] =
                                a[trans ? (size_t)p * m + i : (size_t)i * k + p];
                    memcpy(c2, c1, (size_t)m * n * sizeof *c1);
                    rl_gemm_multiply(kern, trans, m, n, k, ALPHA[v], a, trans ? m : k, b, n,
                                     BETA[v], c1, n, work);
                    rl_gemm_multiply(kern, trans, m, n, KPAD, ALPHA[v], ap, trans ? m : KPAD, b, n,
                                     BETA[v], c2, n, work);
                    same &= memcmp(c1, c2, (size_t)m * n * sizeof *c1) == 0;
                    rl_free(a);
                    rl_free(ap);
                    rl_free(b);
                    rl_free(c1);
                    rl_free(c2);
                    rl_free(work);
                }
    RL_TEST(same,
            "%s: k = 1..12 (the small-k path) gives the bits of k = %d with zero terms appended "
            "(the tile path), %d shapes, both op(A)",
            rl_gemm_kernel_name(kern), KPAD, shapes);
}

/* avx512f in /proc/cpuinfo's flags, read independently of the library's probe (-1: unknown). */
static int cpuinfo_has_avx512f(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return -1;
    char line[8192];
    int found = -1;
    while (found < 0 && fgets(line, sizeof line, f))
        if (strncmp(line, "flags", 5) == 0) found = strstr(line, " avx512f ") != NULL;
    fclose(f);
    return found;
}

static void test_selection(void)
{
    rl_gemm_kernel best = rl_gemm_best();
    int has = cpuinfo_has_avx512f();
    printf("# kernel on this machine: %s (/proc/cpuinfo avx512f: %s)\n", rl_gemm_kernel_name(best),
           has < 0 ? "unknown"
           : has   ? "yes"
                   : "no");
    if (has >= 0)
        RL_TEST((best == RL_GEMM_AVX512) == has,
                "the AVX-512 kernel is chosen exactly when /proc/cpuinfo lists avx512f (%s)",
                rl_gemm_kernel_name(best));
    setenv("RICHLAZY_GEMM", "blas", 1);
    RL_TEST(rl_gemm_select() == RL_GEMM_BLAS, "RICHLAZY_GEMM=blas selects OpenBLAS");
    unsetenv("RICHLAZY_GEMM");
    RL_TEST(rl_gemm_select() == best, "without RICHLAZY_GEMM the best kernel (%s) is selected",
            rl_gemm_kernel_name(rl_gemm_select()));
}

int main(void)
{
    rl_status st = RL_STATUS_INIT;
    float *work = rl_alloc(rl_gemm_work_floats(300, 300), sizeof *work, &st);
    if (!work) return rl_test_skip("out of memory");
    test_selection();
    rl_gemm_kernel kernels[] = {RL_GEMM_BLAS, rl_gemm_best()};
    for (int i = 0; i < (kernels[1] == RL_GEMM_BLAS ? 1 : 2); i++) {
        test_transpose(kernels[i]);
        test_abt(kernels[i]);
        if (kernels[i] != RL_GEMM_BLAS) test_small_k(kernels[i]);
        test_k_split(kernels[i]);
        for (int trans = 0; trans < 2; trans++) {
            test_accuracy(kernels[i], trans, work);
            test_bitwise(kernels[i], trans, work);
            test_panels(kernels[i], trans);
        }
    }
    rl_free(work);
    return rl_test_done();
}
