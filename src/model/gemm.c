/*
** gemm.c: row-major single-precision GEMM for rnn.c's products (module: model;
** contract in gemm.h). Why this shape: the RNN's large products are B x N x N
** per step (B = 32..256, N = 300..1024) and the weight gradients N x N x TB. At
** those sizes OpenBLAS's packing is a large share of the time, and on this
** cluster's CPUs its runtime dispatch picks SSE kernels. So:
**   - B is read in place, never packed: a tile's columns are 16-float zmm vectors
**     of B's contiguous rows; op(A) is read one scalar at a time and broadcast
**     (A or A^T cost the same: A^T's tile rows are adjacent floats), and packed
**     only for wide C (n >= 512), where it avoids L1 set conflicts;
**   - register tile MR x NV vectors (8 x 48 floats, 24 accumulators), k blocked
**     by RL_GEMM_KC so the B panel (KC x 48 floats, 24 KB) stays in L1 while
**     every tile row of C passes over it; n % 16 by masked loads and stores;
**   - one function per (op, rows, vectors) tile shape, generated below, so every
**     loop over rows and vectors unrolls with the accumulators in registers;
**   - compiled for AVX-512F + FMA by function attribute and chosen at run time,
**     so the library still runs on any x86-64 (elsewhere: cblas_sgemm).
*/
#include "gemm.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_AVX512_KERNEL 1
#include <immintrin.h>
#else
#define HAVE_AVX512_KERNEL 0
#endif

rl_gemm_kernel rl_gemm_best(void)
{
#if HAVE_AVX512_KERNEL
    /* libgcc's probe also checks that the OS saves the zmm state (XCR0). */
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma")) return RL_GEMM_AVX512;
#endif
    return RL_GEMM_BLAS;
}

rl_gemm_kernel rl_gemm_select(void)
{
    const char *env = getenv("RICHLAZY_GEMM");
    if (env && strcmp(env, "blas") == 0) return RL_GEMM_BLAS;
    return rl_gemm_best();
}

const char *rl_gemm_kernel_name(rl_gemm_kernel kernel)
{
    return kernel == RL_GEMM_AVX512 ? "avx512" : "openblas";
}

/* Register tile: MR rows of C by NV zmm vectors (NR floats) of columns. */
enum { MR = 8, NV = 3, NR = 16 * NV };

size_t rl_gemm_work_floats(int m, int k)
{
    return ((size_t)m + MR - 1) / MR * MR * (size_t)(k < RL_GEMM_KC ? k : RL_GEMM_KC);
}

static void gemm_blas(bool trans_a, int m, int n, int k, float alpha, const float *a, int lda,
                      const float *b, int ldb, float beta, float *c, int ldc)
{
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, CblasNoTrans, m, n, k, alpha, a,
                lda, b, ldb, beta, c, ldc);
}

#if HAVE_AVX512_KERNEL

#define AVX512 __attribute__((target("avx512f,fma")))

/* What every tile of one k block shares. */
typedef struct tile_args {
    int kc;               /* terms of this k block */
    size_t lda, ldb, ldc; /* leading dimensions */
    __mmask16 tail;       /* valid lanes of the tile's last vector */
    float alpha, beta;    /* beta: the caller's for the first block, 1 after */
} tile_args;

/*
** C[mr x 16nv] (+)= alpha op(A)[mr x kc] B[kc x 16nv]; a points at op(A)'s
** first element of the tile, b and c at the tile's first column. Each element's
** sum runs over p = 0..kc-1 in order, whatever mr and nv are.
*/
static inline __attribute__((always_inline)) AVX512 void tile(const int mr, const int nv,
                                                              const bool trans, const tile_args *t,
                                                              const float *a, const float *b,
                                                              float *c)
{
    __m512 acc[MR][NV];
#pragma GCC unroll 8
    for (int r = 0; r < mr; r++)
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++) {
            acc[r][v] = _mm512_setzero_ps();
            /* C is needed only after kc terms: fetch it meanwhile (large C lives in L3). */
            _mm_prefetch((const char *)(c + r * t->ldc + 16 * v), _MM_HINT_T0);
        }
    const size_t a_row = trans ? 1 : t->lda, a_step = trans ? t->lda : 1;
    for (int p = 0; p < t->kc; p++) {
        __m512 bv[NV];
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++)
            bv[v] = v + 1 < nv ? _mm512_loadu_ps(b + 16 * v)
                               : _mm512_maskz_loadu_ps(t->tail, b + 16 * v);
#pragma GCC unroll 8
        for (int r = 0; r < mr; r++) {
            __m512 ar = _mm512_set1_ps(a[r * a_row]);
#pragma GCC unroll 4
            for (int v = 0; v < nv; v++)
                acc[r][v] = _mm512_fmadd_ps(ar, bv[v], acc[r][v]);
        }
        a += a_step;
        b += t->ldb;
    }
    const __m512 alpha = _mm512_set1_ps(t->alpha), beta = _mm512_set1_ps(t->beta);
#pragma GCC unroll 8
    for (int r = 0; r < mr; r++) {
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++) {
            float *cp = c + r * t->ldc + 16 * v;
            __mmask16 mask = v + 1 < nv ? (__mmask16)0xFFFF : t->tail;
            __m512 x;
            if (t->beta == 0.0f) /* BLAS: C is not read, so NaN there does not leak in */
                x = _mm512_mul_ps(alpha, acc[r][v]);
            else if (t->beta == 1.0f)
                x = _mm512_fmadd_ps(alpha, acc[r][v], _mm512_maskz_loadu_ps(mask, cp));
            else
                x = _mm512_fmadd_ps(alpha, acc[r][v],
                                    _mm512_mul_ps(beta, _mm512_maskz_loadu_ps(mask, cp)));
            _mm512_mask_storeu_ps(cp, mask, x);
        }
    }
}

typedef void (*tile_fn)(const tile_args *t, const float *a, const float *b, float *c);

/* One instantiation per (op(A), rows 1..MR, vectors 1..NV): 2 x 8 x 3 functions. */
#define TILE_FN(tr, mr, nv)                                                                        \
    static AVX512 void tile_##tr##_##mr##_##nv(const tile_args *t, const float *a, const float *b, \
                                               float *c)                                           \
    {                                                                                              \
        tile(mr, nv, tr, t, a, b, c);                                                              \
    }
#define TILE_ROW(tr, mr) TILE_FN(tr, mr, 1) TILE_FN(tr, mr, 2) TILE_FN(tr, mr, 3)
#define TILE_OP(tr)                                                                                \
    TILE_ROW(tr, 1)                                                                                \
    TILE_ROW(tr, 2)                                                                                \
    TILE_ROW(tr, 3) TILE_ROW(tr, 4) TILE_ROW(tr, 5) TILE_ROW(tr, 6) TILE_ROW(tr, 7) TILE_ROW(tr, 8)
TILE_OP(0)
TILE_OP(1)

#define TILE_REF(tr, mr)                                                                           \
    {                                                                                              \
        tile_##tr##_##mr##_1, tile_##tr##_##mr##_2, tile_##tr##_##mr##_3                           \
    }
#define TILE_TABLE(tr)                                                                             \
    {                                                                                              \
        TILE_REF(tr, 1), TILE_REF(tr, 2), TILE_REF(tr, 3), TILE_REF(tr, 4), TILE_REF(tr, 5),       \
            TILE_REF(tr, 6), TILE_REF(tr, 7), TILE_REF(tr, 8)                                      \
    }
static const tile_fn tiles[2][MR][NV] = {TILE_TABLE(0), TILE_TABLE(1)};

/* op(A)'s rows i0..i0+mr-1, terms p0..p0+kc-1 as kc x MR (row p: MR adjacent floats), zero-padded.
 */
static void pack_a(bool trans_a, const float *a, size_t lda, int i0, int mr, int p0, int kc,
                   float *dst)
{
    if (mr < MR) memset(dst, 0, (size_t)kc * MR * sizeof *dst);
    if (trans_a) {
        for (int p = 0; p < kc; p++)
            memcpy(dst + p * MR, a + (size_t)(p0 + p) * lda + i0, (size_t)mr * sizeof *dst);
    } else {
        for (int r = 0; r < mr; r++)
            for (int p = 0; p < kc; p++)
                dst[p * MR + r] = a[(size_t)(i0 + r) * lda + p0 + p];
    }
}

/*
** Loop order (outer to inner): k blocks, column panels of NR, row tiles of MR.
** The panel of B (kc x NR, read in place) is reused by every row tile while it
** sits in L1; the k blocks run in order, so each element's sum keeps its order.
** op(A) is packed into `work` per k block when n >= PACK_A_MIN_N: a row stride
** of 4 KiB (N = 1024) puts a tile's A rows in one L1 set, and packing (one pass
** over A per k block) pays off once there are enough column panels to reuse it
** (1024^3: 95 -> 120 GFLOP/s; at n = 300 it cost 5-15%).
*/
enum { PACK_A_MIN_N = 512 };

static AVX512 void gemm_avx512(bool trans_a, int m, int n, int k, float alpha, const float *a,
                               int lda, const float *b, int ldb, float beta, float *c, int ldc,
                               float *work)
{
    const bool packed = work && n >= PACK_A_MIN_N;
    tile_args t = {0, packed ? MR : (size_t)lda, (size_t)ldb, (size_t)ldc, 0, alpha, beta};
    /* k = 0 still runs one (empty) block: C = beta C, as BLAS. */
    for (int p0 = 0; p0 == 0 || p0 < k; p0 += RL_GEMM_KC) {
        t.kc = k - p0 < RL_GEMM_KC ? k - p0 : RL_GEMM_KC;
        t.beta = p0 == 0 ? beta : 1.0f;
        for (int i0 = 0; packed && i0 < m; i0 += MR)
            pack_a(trans_a, a, (size_t)lda, i0, m - i0 < MR ? m - i0 : MR, p0, t.kc,
                   work + (size_t)i0 * t.kc);
        for (int j0 = 0; j0 < n; j0 += NR) {
            int cols = n - j0 < NR ? n - j0 : NR, nv = (cols + 15) / 16;
            t.tail = (__mmask16)(0xFFFFu >> (16 * nv - cols));
            const float *bp = b + (size_t)p0 * t.ldb + j0;
            for (int i0 = 0; i0 < m; i0 += MR) {
                int mr = m - i0 < MR ? m - i0 : MR;
                const float *ap = packed    ? work + (size_t)i0 * t.kc
                                  : trans_a ? a + (size_t)p0 * t.lda + i0
                                            : a + i0 * t.lda + p0;
                /* packed A has the transposed layout: adjacent rows, stride MR per term */
                tiles[packed || trans_a][mr - 1][nv - 1](&t, ap, bp, c + i0 * t.ldc + j0);
            }
        }
    }
}

#endif

void rl_gemm_multiply(rl_gemm_kernel kernel, bool trans_a, int m, int n, int k, float alpha,
                      const float *a, int lda, const float *b, int ldb, float beta, float *c,
                      int ldc, float *work)
{
    if (m <= 0 || n <= 0) return;
#if HAVE_AVX512_KERNEL
    if (kernel == RL_GEMM_AVX512) {
        gemm_avx512(trans_a, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, work);
        return;
    }
#endif
    (void)kernel;
    (void)work;
    gemm_blas(trans_a, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
