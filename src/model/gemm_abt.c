/*
** gemm_abt.c: the model's A B^T product and its transpose (module: model; contract in gemm.h,
** shared parts in gemm_int.h). Why apart from gemm.c: neither uses its tiles or packing. The
** readout y = r w^T has n = n_out columns, a fraction of a tile's 16 lanes, so each element is
** a dot product of two contiguous rows instead (bits: 16 lanes over k in order, then a fixed
** reduction; not rl_gemm_multiply's order). The transpose is an exact copy by 8 x 8 register
** transposes. Both fall back to OpenBLAS (cblas_sgemm, cblas_somatcopy) without AVX-512.
*/
#include "gemm.h"
#include "gemm_int.h"

#include <assert.h>
#include <cblas.h>
#include <stddef.h>

#if HAVE_AVX512_KERNEL
/* Columns of C one pass of abt_rows accumulates: 2 rows x ABT_NC zmm sums stay in registers. */
enum { ABT_NC = 12 };

/* Eq. 2's dot products for `rows` (1 or 2) rows of A and columns j0..j0+nc-1 of C: each sum 16
** lanes wide over k in order, then _mm512_reduce_add_ps, the same sequence for every element
** whatever rows and nc are. */
static inline __attribute__((always_inline)) AVX512 void
abt_rows(const int rows, int nc, int k, float alpha, const float *a, size_t lda, const float *b,
         size_t ldb, float beta, float *c, size_t ldc)
{
    /* Fully unrolled over ABT_NC (columns past nc skipped), so acc stays in registers. */
    __m512 acc[2][ABT_NC];
#pragma GCC unroll 2
    for (int r = 0; r < rows; r++)
#pragma GCC unroll 12
        for (int j = 0; j < ABT_NC; j++)
            acc[r][j] = _mm512_setzero_ps();
    for (int p = 0; p < k; p += 16) {
        __mmask16 mask = k - p >= 16 ? (__mmask16)0xFFFF : (__mmask16)(0xFFFFu >> (16 - (k - p)));
        __m512 av[2];
#pragma GCC unroll 2
        for (int r = 0; r < rows; r++)
            av[r] = _mm512_maskz_loadu_ps(mask, a + r * lda + p);
#pragma GCC unroll 12
        for (int j = 0; j < ABT_NC; j++) {
            if (j >= nc) break;
            __m512 bv = _mm512_maskz_loadu_ps(mask, b + j * ldb + p);
#pragma GCC unroll 2
            for (int r = 0; r < rows; r++)
                acc[r][j] = _mm512_fmadd_ps(av[r], bv, acc[r][j]);
        }
    }
#pragma GCC unroll 2
    for (int r = 0; r < rows; r++)
#pragma GCC unroll 12
        for (int j = 0; j < ABT_NC; j++) {
            if (j >= nc) break;
            float sum = alpha * _mm512_reduce_add_ps(acc[r][j]), *cp = c + r * ldc + j;
            *cp = beta == 0.0f ? sum : sum + beta * *cp;
        }
}

static AVX512 void abt_avx512(int m, int n, int k, float alpha, const float *a, int lda,
                              const float *b, int ldb, float beta, float *c, int ldc)
{
    for (int j0 = 0; j0 < n; j0 += ABT_NC) {
        int nc = n - j0 < ABT_NC ? n - j0 : ABT_NC;
        const float *bj = b + (size_t)j0 * ldb;
        int i = 0;
        for (; i + 2 <= m; i += 2)
            abt_rows(2, nc, k, alpha, a + (size_t)i * lda, (size_t)lda, bj, (size_t)ldb, beta,
                     c + (size_t)i * ldc + j0, (size_t)ldc);
        if (i < m)
            abt_rows(1, nc, k, alpha, a + (size_t)i * lda, (size_t)lda, bj, (size_t)ldb, beta,
                     c + (size_t)i * ldc + j0, (size_t)ldc);
    }
}
#endif

void rl_gemm_multiply_abt(rl_gemm_kernel kernel, int m, int n, int k, float alpha, const float *a,
                          int lda, const float *b, int ldb, float beta, float *c, int ldc)
{
    assert(m >= 0 && n >= 0 && k >= 0 && lda >= k && ldb >= k && ldc >= n);
    if (m <= 0 || n <= 0) return;
#if HAVE_AVX512_KERNEL
    if (kernel == RL_GEMM_AVX512) {
        abt_avx512(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
#endif
    (void)kernel;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, alpha, a, lda, b, ldb, beta, c,
                ldc);
}

/* dst (cols x rows, ld ldd) = a^T (a: rows x cols, ld lda): 8 x 8 blocks in registers. */
#if HAVE_AVX512_KERNEL
static AVX512 void transpose_avx512(int rows, int cols, const float *a, int lda, float *dst,
                                    int ldd)
{
    int i = 0;
    for (; i + 8 <= rows; i += 8) {
        int j = 0;
        for (; j + 8 <= cols; j += 8)
            transpose8_ld(a + (size_t)i * lda + j, (size_t)lda, dst + (size_t)j * ldd + i,
                          (size_t)ldd);
        for (; j < cols; j++)
            for (int r = i; r < i + 8; r++)
                dst[(size_t)j * ldd + r] = a[(size_t)r * lda + j];
    }
    for (; i < rows; i++)
        for (int j = 0; j < cols; j++)
            dst[(size_t)j * ldd + i] = a[(size_t)i * lda + j];
}
#endif

void rl_gemm_transpose(rl_gemm_kernel kernel, int rows, int cols, const float *a, int lda,
                       float *dst, int ldd)
{
    assert(rows >= 0 && cols >= 0 && lda >= cols && ldd >= rows);
    if (rows <= 0 || cols <= 0) return;
#if HAVE_AVX512_KERNEL
    if (kernel == RL_GEMM_AVX512) {
        transpose_avx512(rows, cols, a, lda, dst, ldd);
        return;
    }
#endif
    (void)kernel;
    cblas_somatcopy(CblasRowMajor, CblasTrans, rows, cols, 1.0f, a, lda, dst, ldd);
}
