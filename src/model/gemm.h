/*
** gemm.h: the model module's own single-precision GEMM (internal; not part of
** include/richlazy). Why: OpenBLAS 0.3.21 does not recognise Sapphire Rapids and
** falls back to SSE kernels (32 GFLOP/s against ~150 for AVX-512), and at the
** RNN's batch sizes it repacks all of W_h for every per-step product. This
** kernel reads B in place (row-major, rows contiguous) for n < 512, so W_h stays
** in L2, and copies it into L1-sized panels for wider C (N = 1024).
** Contract: row-major C[m x n] = alpha op(A)[m x k] B[k x n] + beta C, with
** op(A) = A (m x k, ld lda) or A^T (A is k x m, ld lda); beta = 0 never reads C.
** Determinism: the AVX-512 kernel sums each C element over k in order, in fixed
** blocks of RL_GEMM_KC terms (C += alpha * block sum, the first block applying
** beta), so the bits depend only on the operands, not on m, n or tiling.
*/
#ifndef RL_MODEL_GEMM_H
#define RL_MODEL_GEMM_H

#include <stdbool.h>
#include <stddef.h>

/* Terms of k summed in registers before C is updated (part of the rounding contract). */
enum { RL_GEMM_KC = 128 };

typedef enum rl_gemm_kernel {
    RL_GEMM_BLAS,   /* cblas_sgemm: whatever OpenBLAS chose for this CPU */
    RL_GEMM_AVX512, /* the register-tiled AVX-512F kernel of gemm.c */
} rl_gemm_kernel;

/* The fastest kernel this CPU (and OS) supports. */
rl_gemm_kernel rl_gemm_best(void);

/* The kernel rnn.c uses: rl_gemm_best(), unless the environment variable
** RICHLAZY_GEMM=blas asks for OpenBLAS (A/B comparisons, debugging). */
rl_gemm_kernel rl_gemm_select(void);

/* "avx512" or "openblas". */
const char *rl_gemm_kernel_name(rl_gemm_kernel kernel);

/* The product of the contract above with `kernel` (which must be supported:
** rl_gemm_best() or RL_GEMM_BLAS). m, n, k >= 0; ldb, ldc >= n; lda >= k (NoTrans)
** or >= m (trans_a). */
void rl_gemm_multiply(rl_gemm_kernel kernel, bool trans_a, int m, int n, int k, float alpha,
                      const float *a, int lda, const float *b, int ldb, float beta, float *c,
                      int ldc, float *work);

/* Terms per call in which a product over k may be computed, call after call (terms p0..p0+kc-1
** with beta for the first call and 1 after), with the bits of one call: RL_GEMM_KC for the
** AVX-512 kernel, whose k blocks these are (the contract above); INT_MAX for OpenBLAS, which
** promises no order (one call). rnn.c interleaves its weight gradients block by block. */
int rl_gemm_k_split(rl_gemm_kernel kernel);

/* Reads floats p[0..floats-1] once, in order (a load per 64 bytes, nothing else), so that the
** products after it find them in cache: a product's tiles reach rows far apart in an order the
** hardware prefetchers do not follow (see gemm.c's long-k note). Nothing without AVX-512. */
void rl_gemm_touch(const float *p, size_t floats);

/* Operand bytes of a whole product (op(A) and B) above which touching its k blocks first pays:
** beyond L2 (1-2 MiB), where the tiles' own order would fetch them from memory. */
enum { RL_GEMM_TOUCH_MIN_BYTES = 2 << 20 };

/* Floats of `work` that rl_gemm_multiply may use for an m x k op(A) (a packed block
** of it and one packed panel of B); work = NULL is allowed and gives the same bits,
** only slower for wide C. */
size_t rl_gemm_work_floats(int m, int k);

/* C[m x n] = alpha A[m x k] B^T + beta C with B n x k (ld ldb): the readout y = r w^T, whose
** n = n_out columns would fill a fraction of the tile kernel's 16 lanes. The AVX-512 kernel
** takes each element as a dot product of two contiguous rows, 16 lanes wide over k in order and
** then reduced in a fixed order: its bits depend on the operands only (not on m), but differ
** from rl_gemm_multiply's order. beta = 0 never reads C. */
void rl_gemm_multiply_abt(rl_gemm_kernel kernel, int m, int n, int k, float alpha, const float *a,
                          int lda, const float *b, int ldb, float beta, float *c, int ldc);

/* dst (cols x rows, ld ldd) = a^T (a: rows x cols, ld lda), exactly (a copy): the AVX-512
** kernel's register transposes, else OpenBLAS's somatcopy (whose Prescott loop took 7% of a
** 2af iteration for W_h^T). */
void rl_gemm_transpose(rl_gemm_kernel kernel, int rows, int cols, const float *a, int lda,
                       float *dst, int ldd);

/* Floats B (k x n) takes as the panels the kernel streams for wide C (n >= 512 with the
** AVX-512 kernel): about k x n; 0 where the kernel reads B in place (narrow C, OpenBLAS). */
size_t rl_gemm_panels_floats(rl_gemm_kernel kernel, int k, int n);

/* B copied into `panels` (rl_gemm_panels_floats of them; nothing when that is 0), for the
** products of one pass that all multiply by the same B: W_h at every step. A copy, so the
** bits are those of rl_gemm_multiply. */
void rl_gemm_pack_panels(rl_gemm_kernel kernel, int k, int n, const float *b, int ldb,
                         float *panels);

/* rl_gemm_multiply with B also given as rl_gemm_pack_panels made it (or NULL): where the
** kernel would pack B (wide C, work given) it streams the panels instead. */
void rl_gemm_multiply_panels(rl_gemm_kernel kernel, bool trans_a, int m, int n, int k, float alpha,
                             const float *a, int lda, const float *b, int ldb, const float *panels,
                             float beta, float *c, int ldc, float *work);

#endif
