/*
** gemm_int.h: what gemm.c, gemm_small.c and gemm_abt.c share (module: model; internal to
** src/model, below gemm.h's contract). Why: the GEMM is split by product shape into files of
** readable size, and these must agree on one thing above all: every AVX-512 function carries
** the same target attribute (AVX512), so the code and its bits are what they were in one file.
** Holds: the AVX-512 switch (HAVE_AVX512_KERNEL), the attribute, the 8 x 8 register transpose
** (packing op(A) in gemm.c, rl_gemm_transpose in gemm_abt.c) and the small-k entry point.
*/
#ifndef RL_MODEL_GEMM_INT_H
#define RL_MODEL_GEMM_INT_H

#include "gemm.h"

#include <stdbool.h>
#include <stddef.h>

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_AVX512_KERNEL 1
#include <immintrin.h>
#else
#define HAVE_AVX512_KERNEL 0
#endif

#if HAVE_AVX512_KERNEL

#define AVX512 __attribute__((target("avx512f,fma")))

/* dst[p * ldd + r] = a[r * lda + p] for 8 rows x 8 terms: the standard unpack / shuffle /
** lane-permute transpose of eight ymm rows. */
static inline AVX512 void transpose8_ld(const float *a, size_t lda, float *dst, size_t ldd)
{
    __m256 r[8], u[8], v[8];
    for (int i = 0; i < 8; i++)
        r[i] = _mm256_loadu_ps(a + i * lda);
    for (int i = 0; i < 8; i += 2) {
        u[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        u[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
        v[i] = _mm256_shuffle_ps(u[i], u[i + 2], 0x44);
        v[i + 1] = _mm256_shuffle_ps(u[i], u[i + 2], 0xEE);
        v[i + 2] = _mm256_shuffle_ps(u[i + 1], u[i + 3], 0x44);
        v[i + 3] = _mm256_shuffle_ps(u[i + 1], u[i + 3], 0xEE);
    }
    for (int i = 0; i < 4; i++) {
        _mm256_storeu_ps(dst + i * ldd, _mm256_permute2f128_ps(v[i], v[i + 4], 0x20));
        _mm256_storeu_ps(dst + (i + 4) * ldd, _mm256_permute2f128_ps(v[i], v[i + 4], 0x31));
    }
}

/* Largest k that gemm_avx512 hands to rl_gemm_small_k (see gemm_small.c). */
enum { SMALL_K = 12 };

/* C[m x n] = alpha op(A)[m x k] B + beta C for 1 <= k <= SMALL_K (gemm_small.c): the same bits
** as gemm.c's tiles (one FMA per term in order from 0, the same epilogue). */
AVX512 void rl_gemm_small_k(bool trans_a, int m, int n, int k, float alpha, const float *a, int lda,
                            const float *b, int ldb, float beta, float *c, int ldc);

#endif

#endif
