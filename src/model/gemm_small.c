/*
** gemm_small.c: products of 1..SMALL_K terms for gemm.c's AVX-512 kernel (module: model;
** contract in gemm.h, shared parts in gemm_int.h). Why a file of its own: a second kernel
** shape beside gemm.c's tiles, to which gemm_avx512 hands the readout's dL/dr and the input
** drive; the note below gives its design and why its bits equal the tiles'. Built for AVX-512F
** + FMA by the AVX512 attribute, as gemm.c (no per-file flags); without AVX-512 it is empty.
*/
#include "gemm_int.h"

#include <stdbool.h>
#include <stddef.h>

#if HAVE_AVX512_KERNEL

/*
** Small k (1..SMALL_K terms: the readout's dL/dr, K = n_out, and the input drive, K = n_in):
** one pass over C's rows, R rows at a time, with op(A)'s R x k scalars broadcast once into
** registers and B (k rows, in L1) streamed 16 columns at a time. gemm.c's tile spends most of
** such a product on its prologue, C's prefetch and epilogue per 8 x 48 tile (224 x 300 x 3: 0.73x
** OpenBLAS). Bits: the tile's exactly (acc from 0, one FMA per term in order, the same epilogue
** for beta 0, 1, other), so which path a product takes never shows in C.
*/
/* Rows R and vectors V per pass for k terms: R k broadcasts + R V accumulators + V B vectors
** <= 30 registers, and R V >= 4 independent sums (an FMA's latency is 4 of its issue slots). */
#define SMALL_R(k) ((k) == 1 ? 8 : (k) == 2 ? 6 : (k) == 3 ? 5 : (k) <= 5 ? 4 : (k) <= 7 ? 3 : 2)

/* Passes ahead whose rows of C a pass fetches (to L1) while it runs, a line per row per vector it
** writes. A C written from scratch (beta = 0: sMNIST's dL/dr into g_t, 240 KB per step) comes
** from memory, and a row pass of k terms (~0.1 us) is too short to wait for it: fetched in the
** tiles' order or not at all, that product took 2.3x its in-cache time inside an iteration (-0.2
** ms per sMNIST iteration with it; 2-16 passes ahead all did about as well). */
enum { SMALL_AHEAD = 4, SMALL_FETCH_MIN_K = 8 };

/* One output vector per row: acc from 0, the k terms in order, then the tile's epilogue. */
static inline __attribute__((always_inline)) AVX512 __m512 small_out(__m512 acc, __m512 va,
                                                                     __m512 vb, float beta,
                                                                     __mmask16 mask, float *cp)
{
    if (beta == 0.0f) return _mm512_mul_ps(va, acc); /* C not read, as in tile() */
    __m512 old = mask == 0xFFFF ? _mm512_loadu_ps(cp) : _mm512_maskz_loadu_ps(mask, cp);
    if (beta == 1.0f) return _mm512_fmadd_ps(va, acc, old);
    return _mm512_fmadd_ps(va, acc, _mm512_mul_ps(vb, old));
}

/* Fetches columns j.. (nv vectors) of the rows of C that the pass SMALL_AHEAD passes on writes
** (none where ahead is NULL: past C's last row). */
static inline __attribute__((always_inline)) void small_fetch(const int rows, const int nv,
                                                              const float *ahead, size_t ldc, int j)
{
    if (!ahead) return;
#pragma GCC unroll 8
    for (int r = 0; r < rows; r++)
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++)
            _mm_prefetch((const char *)(ahead + (size_t)r * ldc + j + 16 * v), _MM_HINT_T1);
}

static inline __attribute__((always_inline)) AVX512 void
small_rows(const int k, const int rows, const int nv, const bool trans, int n, float alpha,
           const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c, size_t ldc,
           const float *ahead)
{
    __m512 av[8][SMALL_K], acc[8][4];
#pragma GCC unroll 8
    for (int r = 0; r < rows; r++)
#pragma GCC unroll 12
        for (int p = 0; p < k; p++)
            av[r][p] = _mm512_set1_ps(trans ? a[(size_t)p * lda + r] : a[(size_t)r * lda + p]);
    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    int j = 0;
    for (; j + 16 * nv <= n; j += 16 * nv) { /* nv whole vectors, unmasked */
        small_fetch(rows, nv, ahead, ldc, j);
#pragma GCC unroll 8
        for (int r = 0; r < rows; r++)
#pragma GCC unroll 4
            for (int v = 0; v < nv; v++)
                acc[r][v] = _mm512_setzero_ps();
#pragma GCC unroll 12
        for (int p = 0; p < k; p++) {
            __m512 bv[4];
#pragma GCC unroll 4
            for (int v = 0; v < nv; v++) {
                bv[v] = _mm512_loadu_ps(b + (size_t)p * ldb + j + 16 * v);
                __asm__("" : "+v"(bv[v])); /* one load per vector, not one per FMA using it */
            }
#pragma GCC unroll 8
            for (int r = 0; r < rows; r++)
#pragma GCC unroll 4
                for (int v = 0; v < nv; v++)
                    acc[r][v] = _mm512_fmadd_ps(av[r][p], bv[v], acc[r][v]);
        }
#pragma GCC unroll 8
        for (int r = 0; r < rows; r++)
#pragma GCC unroll 4
            for (int v = 0; v < nv; v++) {
                float *cp = c + (size_t)r * ldc + j + 16 * v;
                _mm512_storeu_ps(cp, small_out(acc[r][v], va, vb, beta, 0xFFFF, cp));
            }
    }
    for (; j < n; j += 16) { /* the rest, a vector at a time, the last one masked */
        __mmask16 mask = n - j >= 16 ? (__mmask16)0xFFFF : (__mmask16)(0xFFFFu >> (16 - (n - j)));
        small_fetch(rows, 1, ahead, ldc, j);
#pragma GCC unroll 8
        for (int r = 0; r < rows; r++)
            acc[r][0] = _mm512_setzero_ps();
#pragma GCC unroll 12
        for (int p = 0; p < k; p++) {
            __m512 bv = _mm512_maskz_loadu_ps(mask, b + (size_t)p * ldb + j);
            __asm__("" : "+v"(bv));
#pragma GCC unroll 8
            for (int r = 0; r < rows; r++)
                acc[r][0] = _mm512_fmadd_ps(av[r][p], bv, acc[r][0]);
        }
#pragma GCC unroll 8
        for (int r = 0; r < rows; r++) {
            float *cp = c + (size_t)r * ldc + j;
            _mm512_mask_storeu_ps(cp, mask, small_out(acc[r][0], va, vb, beta, mask, cp));
        }
    }
}

typedef void (*small_fn)(int n, float alpha, const float *a, size_t lda, const float *b, size_t ldb,
                         float beta, float *c, size_t ldc, const float *ahead);

/* Per (op(A) transposed, k): R rows with V vectors per pass, and one row (same V) for the rest. */
#define SMALL_FN(tr, k, rows, nv)                                                                  \
    static AVX512 void small_##tr##_##k##_##rows(int n, float alpha, const float *a, size_t lda,   \
                                                 const float *b, size_t ldb, float beta, float *c, \
                                                 size_t ldc, const float *ahead)                   \
    {                                                                                              \
        small_rows(k, rows, nv, tr, n, alpha, a, lda, b, ldb, beta, c, ldc, ahead);                \
    }
#define SMALL_K_FNS(tr, k, r, nv) SMALL_FN(tr, k, 1, nv) SMALL_FN(tr, k, r, nv)
#define SMALL_TR_FNS(tr)                                                                           \
    SMALL_K_FNS(tr, 1, 8, 2)                                                                       \
    SMALL_K_FNS(tr, 2, 6, 2)                                                                       \
    SMALL_K_FNS(tr, 3, 5, 2)                                                                       \
    SMALL_K_FNS(tr, 4, 4, 2)                                                                       \
    SMALL_K_FNS(tr, 5, 4, 2)                                                                       \
    SMALL_K_FNS(tr, 6, 3, 3)                                                                       \
    SMALL_K_FNS(tr, 7, 3, 2)                                                                       \
    SMALL_K_FNS(tr, 8, 2, 4)                                                                       \
    SMALL_K_FNS(tr, 9, 2, 4)                                                                       \
    SMALL_K_FNS(tr, 10, 2, 3)                                                                      \
    SMALL_K_FNS(tr, 11, 2, 2)                                                                      \
    SMALL_K_FNS(tr, 12, 2, 2)
SMALL_TR_FNS(0)
SMALL_TR_FNS(1)
/* [op(A) transposed][k - 1]: {one row, SMALL_R(k) rows} */
static const small_fn small_fns[2][SMALL_K][2] = {
    {{small_0_1_1, small_0_1_8},
     {small_0_2_1, small_0_2_6},
     {small_0_3_1, small_0_3_5},
     {small_0_4_1, small_0_4_4},
     {small_0_5_1, small_0_5_4},
     {small_0_6_1, small_0_6_3},
     {small_0_7_1, small_0_7_3},
     {small_0_8_1, small_0_8_2},
     {small_0_9_1, small_0_9_2},
     {small_0_10_1, small_0_10_2},
     {small_0_11_1, small_0_11_2},
     {small_0_12_1, small_0_12_2}},
    {{small_1_1_1, small_1_1_8},
     {small_1_2_1, small_1_2_6},
     {small_1_3_1, small_1_3_5},
     {small_1_4_1, small_1_4_4},
     {small_1_5_1, small_1_5_4},
     {small_1_6_1, small_1_6_3},
     {small_1_7_1, small_1_7_3},
     {small_1_8_1, small_1_8_2},
     {small_1_9_1, small_1_9_2},
     {small_1_10_1, small_1_10_2},
     {small_1_11_1, small_1_11_2},
     {small_1_12_1, small_1_12_2}},
};

/* The small-k product: full passes of SMALL_R(k) rows, then one row at a time. */
AVX512 void rl_gemm_small_k(bool trans_a, int m, int n, int k, float alpha, const float *a, int lda,
                            const float *b, int ldb, float beta, float *c, int ldc)
{
    const int rows = SMALL_R(k);
    const small_fn *fn = small_fns[trans_a][k - 1];
    int i = 0;
    for (; i + rows <= m; i += rows) {
        int ahead = i + SMALL_AHEAD * rows;   /* the first row of the pass fetched */
        if (k < SMALL_FETCH_MIN_K) ahead = m; /* a fetch per k FMAs: 224 x 300 x 3 -3% */
        fn[1](n, alpha, trans_a ? a + i : a + (size_t)i * lda, (size_t)lda, b, (size_t)ldb, beta,
              c + (size_t)i * ldc, (size_t)ldc, ahead <= m - rows ? c + (size_t)ahead * ldc : NULL);
    }
    for (; i < m; i++)
        fn[0](n, alpha, trans_a ? a + i : a + (size_t)i * lda, (size_t)lda, b, (size_t)ldb, beta,
              c + (size_t)i * ldc, (size_t)ldc, NULL);
}

#else
typedef int gemm_small_unused; /* ISO C: a translation unit declares something */
#endif
