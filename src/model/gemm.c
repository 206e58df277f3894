/*
** gemm.c: row-major single-precision GEMM for rnn.c's products (module: model;
** contract in gemm.h). Why this shape: the RNN's large products are B x N x N
** per step (B = 32..256, N = 300..1024) and the weight gradients N x N x TB. At
** those sizes OpenBLAS's packing is a large share of the time, and on this
** cluster's CPUs its runtime dispatch picks SSE kernels. So:
**   - a tile's columns are 16-float zmm vectors of B's contiguous rows; op(A) is
**     read one scalar at a time and broadcast (A or A^T cost the same: A^T's tile
**     rows are adjacent floats). Narrow C (n < 512, the 2af and sMNIST shapes)
**     reads both in place; wide C (N = 1024) packs op(A) blocks and B panels,
**     where rows 4 KiB apart would collide in L1's sets (see gemm_avx512). A B
**     that many products share (W_h at every step) is packed once by the caller
**     (rl_gemm_pack_panels), and op(A) = A is packed by 8 x 8 register transposes;
**   - register tile MR x NV vectors (8 x 48 floats, 24 accumulators), k blocked
**     by RL_GEMM_KC so the B panel (KC x 48 floats, 24 KB) stays in L1 while
**     every tile row of C passes over it; n % 16 by masked loads and stores;
**   - one function per (operand layout, rows, vectors) tile shape, generated
**     below, so every loop over rows and vectors unrolls with the accumulators in
**     registers, and packed B (zero-padded) loads without masks (a mask register
**     write per term took a port the FMAs need: 8 x 48 tiles +6%);
**   - compiled for AVX-512F + FMA by function attribute and chosen at run time,
**     so the library still runs on any x86-64 (elsewhere: cblas_sgemm).
** Files: this one (dispatch, tiles, packing); gemm_small.c (k <= SMALL_K, which
** gemm_avx512 hands over); gemm_abt.c (A B^T and the transpose); gemm_int.h
** (what they share: the AVX-512 switch and attribute, the 8 x 8 transpose).
*/
#include "gemm.h"
#include "gemm_int.h"

#include <assert.h>
#include <cblas.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

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
_Static_assert(MR == 8, "pack_a_rows transposes 8 x 8 blocks");

/* Columns from which op(A) and B are packed (wide C; see gemm_avx512). */
enum { PACK_A_MIN_N = 512 };

/* The packed B panel (KC x NR) first, then the packed op(A) block (m rounded up to MR, x kc). */
size_t rl_gemm_work_floats(int m, int k)
{
    return (size_t)RL_GEMM_KC * NR +
           ((size_t)m + MR - 1) / MR * MR * (size_t)(k < RL_GEMM_KC ? k : RL_GEMM_KC);
}

int rl_gemm_k_split(rl_gemm_kernel kernel)
{
    return HAVE_AVX512_KERNEL && kernel == RL_GEMM_AVX512 ? RL_GEMM_KC : INT_MAX;
}

static void gemm_blas(bool trans_a, int m, int n, int k, float alpha, const float *a, int lda,
                      const float *b, int ldb, float beta, float *c, int ldc)
{
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, CblasNoTrans, m, n, k, alpha, a,
                lda, b, ldb, beta, c, ldc);
}

#if HAVE_AVX512_KERNEL

/* What every tile of one k block shares. */
typedef struct tile_args {
    int kc;               /* terms of this k block */
    int nv;               /* vectors of this column panel */
    size_t lda, ldb, ldc; /* leading dimensions */
    __mmask16 tail;       /* valid lanes of the tile's last vector */
    float alpha, beta;    /* beta: the caller's for the first block, 1 after */
} tile_args;

/* Where a tile's operands are: op(A) = A in place (rows lda apart), op(A) = A^T in place
** (a tile's rows adjacent, terms lda apart), or both packed (A as A^T with lda = MR, B panel
** rows of NR floats zero-padded past n, so even the last vector loads unmasked). The _FULL
** modes are TILE_A and TILE_AT for panels whose last vector is whole: no mask anywhere (a
** masked load costs a mask-register write per term, on a port the FMAs need: +2-3% on Zen 4). */
enum { TILE_A, TILE_AT, TILE_PACKED, TILE_A_FULL, TILE_AT_FULL, TILE_MODES };

/* Rows of the tall one-vector tile (a panel of n % NR <= 16 columns): 24 accumulators, as the
** MR x NV tile has, instead of 8 (an 8 x 16 tile needs as many broadcasts as FMAs). */
enum { MR_TALL = 24 };

/*
** C[mr x 16nv] (+)= alpha op(A)[mr x kc] B[kc x 16nv]; a points at op(A)'s
** first element of the tile, b and c at the tile's first column. Each element's
** sum runs over p = 0..kc-1 in order, whatever mr, nv and mode are.
*/
static inline __attribute__((always_inline)) AVX512 void tile(const int mr, const int nv,
                                                              const int mode, const tile_args *t,
                                                              const float *a, const float *b,
                                                              float *c)
{
    __m512 acc[MR_TALL][NV];
    const bool full = mode == TILE_A_FULL || mode == TILE_AT_FULL;
#pragma GCC unroll 24
    for (int r = 0; r < mr; r++)
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++) {
            acc[r][v] = _mm512_setzero_ps();
            /* C is needed only after kc terms: fetch it meanwhile (large C lives in L3). */
            _mm_prefetch((const char *)(c + r * t->ldc + 16 * v), _MM_HINT_T0);
        }
    const bool trans = mode != TILE_A && mode != TILE_A_FULL;
    const bool padded = mode == TILE_PACKED || full;
    const size_t a_row = trans ? 1 : t->lda, a_step = trans ? t->lda : 1;
    for (int p = 0; p < t->kc; p++) {
        __m512 bv[NV];
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++) {
            bv[v] = v + 1 < nv || padded ? _mm512_loadu_ps(b + 16 * v)
                                         : _mm512_maskz_loadu_ps(t->tail, b + 16 * v);
            /* one load per vector: unmasked, GCC would fold it into every FMA that uses it
            ** (3 x 48 tiles: -14%) */
            __asm__("" : "+v"(bv[v]));
        }
#pragma GCC unroll 24
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
#pragma GCC unroll 24
    for (int r = 0; r < mr; r++) {
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++) {
            float *cp = c + r * t->ldc + 16 * v;
            if (full) { /* the same operations as below, unmasked */
                __m512 x;
                if (t->beta == 0.0f)
                    x = _mm512_mul_ps(alpha, acc[r][v]);
                else if (t->beta == 1.0f)
                    x = _mm512_fmadd_ps(alpha, acc[r][v], _mm512_loadu_ps(cp));
                else
                    x = _mm512_fmadd_ps(alpha, acc[r][v], _mm512_mul_ps(beta, _mm512_loadu_ps(cp)));
                _mm512_storeu_ps(cp, x);
                continue;
            }
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

/* One instantiation per (mode, rows 1..MR, vectors 1..NV): 5 x 8 x 3 functions, and the tall
** one-vector tiles of the in-place modes. */
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
TILE_OP(2)
TILE_OP(3)
TILE_OP(4)
TILE_FN(0, 24, 1)
TILE_FN(1, 24, 1)
TILE_FN(3, 24, 1)
TILE_FN(4, 24, 1)

#define TILE_REF(tr, mr)                                                                           \
    {                                                                                              \
        tile_##tr##_##mr##_1, tile_##tr##_##mr##_2, tile_##tr##_##mr##_3                           \
    }
#define TILE_TABLE(tr)                                                                             \
    {                                                                                              \
        TILE_REF(tr, 1), TILE_REF(tr, 2), TILE_REF(tr, 3), TILE_REF(tr, 4), TILE_REF(tr, 5),       \
            TILE_REF(tr, 6), TILE_REF(tr, 7), TILE_REF(tr, 8)                                      \
    }
static const tile_fn tiles[TILE_MODES][MR][NV] = {TILE_TABLE(0), TILE_TABLE(1), TILE_TABLE(2),
                                                  TILE_TABLE(3), TILE_TABLE(4)};
/* Tall tiles per mode (NULL: packed op(A) comes in MR-row micro-panels, so no tall tile). */
static const tile_fn tall_tiles[TILE_MODES] = {tile_0_24_1, tile_1_24_1, NULL, tile_3_24_1,
                                               tile_4_24_1};

/* One micro-panel of op(A) = A: rows (lda apart, `rows` <= MR of them, the rest of dst
** already zero), terms 0..kc-1, as dst[p * MR + r]. Full tiles transpose 8 x 8 blocks
** in registers (the scalar copy cost ~2% of a large training iteration). */
static AVX512 void pack_a_rows(const float *a, size_t lda, int rows, int kc, float *dst)
{
    int p = 0;
    if (rows == MR)
        for (; p + 8 <= kc; p += 8)
            transpose8_ld(a + p, lda, dst + (size_t)p * MR, MR);
    for (; p < kc; p++)
        for (int r = 0; r < rows; r++)
            dst[(size_t)p * MR + r] = a[(size_t)r * lda + p];
}

/* op(A)'s m rows, terms p0..p0+kc-1, as one kc x MR micro-panel per MR rows (row p of one:
** MR adjacent floats), the last zero-padded. A^T is copied term by term, so each of its rows is
** read front to back (one stream per row, not MR floats from each of kc pages in turn). */
static AVX512 void pack_a(bool trans_a, const float *a, size_t lda, int m, int p0, int kc,
                          float *dst)
{
    int tiles_m = (m + MR - 1) / MR, tail = m - (tiles_m - 1) * MR;
    float *last = dst + (size_t)(tiles_m - 1) * kc * MR;
    if (tail < MR) memset(last, 0, (size_t)kc * MR * sizeof *dst);
    if (trans_a) {
        for (int p = 0; p < kc; p++) {
            const float *src = a + (size_t)(p0 + p) * lda;
            for (int it = 0; it < tiles_m; it++)
                memcpy(dst + ((size_t)it * kc + p) * MR, src + it * MR,
                       (size_t)(it + 1 < tiles_m ? MR : tail) * sizeof *dst);
        }
    } else {
        for (int it = 0; it < tiles_m; it++)
            pack_a_rows(a + (size_t)it * MR * lda + p0, lda, it + 1 < tiles_m ? MR : tail, kc,
                        dst + (size_t)it * kc * MR);
    }
}

/* Rows r0..r1-1 (ld floats apart, `floats` long each) towards L2, ahead of their packing: rows
** 4 KiB apart each sit on their own page, where the hardware prefetcher does not follow. */
static void prefetch_rows(const float *base, size_t ld, int r0, int r1, int floats)
{
    for (int r = r0; r < r1; r++)
        for (int f = 0; f < floats; f += 16)
            _mm_prefetch((const char *)(base + (size_t)r * ld + f), _MM_HINT_T1);
}

/* B's element (p, j). */
static const float *bp_at(const float *b, int ldb, int p, int j)
{
    return b + (size_t)p * (size_t)ldb + j;
}

/* B's rows p0..p0+kc-1, columns j0.. (nv vectors, the last `tail` lanes) as kc contiguous rows
** of NR floats, zero-padded: the panel every row tile then streams from L1. */
static AVX512 void pack_b(const float *b, size_t ldb, int p0, int kc, int j0, int nv,
                          __mmask16 tail, float *dst)
{
    for (int p = 0; p < kc; p++) {
        const float *src = b + (size_t)(p0 + p) * ldb + j0;
        for (int v = 0; v < nv; v++)
            _mm512_storeu_ps(
                dst + (size_t)p * NR + 16 * v,
                _mm512_maskz_loadu_ps(v + 1 < nv ? (__mmask16)0xFFFF : tail, src + 16 * v));
    }
}

/* Rows of an operand that a later panel or k block reads, fetched towards L2 a share per row
** tile while the current tiles compute: rows on separate pages (4 KiB apart at N = 1024) defeat
** the hardware prefetcher, and fetched in one burst (as op(A) once was, per panel) they stall
** on the fill buffers. */
typedef struct ahead {
    const float *base; /* first row (NULL: nothing to fetch) */
    size_t ld;         /* floats between rows */
    int rows, floats;  /* how many rows, how many floats of each */
    int tiles;         /* row tiles the rows are spread over */
} ahead;

static void ahead_share(const ahead *h, int q)
{
    if (h->base)
        prefetch_rows(h->base, h->ld, (int)((long)q * h->rows / h->tiles),
                      (int)((long)(q + 1) * h->rows / h->tiles), h->floats);
}

/*
** Long k, operands beyond L2 (sMNIST dW_h: 300 x 300 x 5400, 13 MB): a k block's rows of op(A)
** and B are read once, in order, before its tiles run. The tiles' own order (a column of 8
** floats per row of A^T, 48 of B, rows 1.2 KB apart) left the hardware prefetchers behind, and
** software prefetches of the next block (to L1 or L2, spread over the tiles or per panel, with
** or without 2 MB pages) changed nothing on Zen 4; this sequential pass streams at the memory's
** rate and the tiles then find the block in L2 (dW_h 91 -> 98 GFLOP/s). Only loads, no stores:
** the bits cannot change. rnn.c now calls its weight gradients a k block at a time (interleaved,
** rl_gemm_k_split) and touches dW_h's blocks itself with rl_gemm_touch, the same pass.
*/
enum {
    TOUCH_MIN_MN = 128, /* m and n: below, few tiles share a block and the extra pass cost more
                        ** than it saved (dW_x 28 x 300 x 5600: -7%); bytes: gemm.h */
};

/* gemm.h's rl_gemm_touch: one load per 64 bytes, kept by an empty asm (no dependency between
** the loads). */
void rl_gemm_touch(const float *p, size_t floats)
{
    for (size_t f = 0; f < floats; f += 16) {
        __m128 v = _mm_load_ss(p + f);
        __asm__ volatile("" ::"x"(v));
    }
}

/* rl_gemm_touch for rows r = 0..rows-1, ld floats apart, `floats` long. */
static void touch_rows(const float *base, size_t ld, int rows, int floats)
{
    for (int r = 0; r < rows; r++)
        rl_gemm_touch(base + (size_t)r * ld, (size_t)floats);
}

/*
** One k block of one column panel: every row tile of C (m rows) against the panel bp. The tile
** of rows i0.. reads op(A) at a + (i0 / MR) a_tile. While the tiles run, `panel` (the next B
** panel, spread over this panel's tiles) and `block` (the next k block's op(A), spread over
** all tiles of this k block, of which this panel's first is number q0) are prefetched.
*/
static AVX512 void panel_tiles(const tile_args *t, int mode, int m, const float *a, size_t a_tile,
                               const float *bp, float *c, const ahead *panel, const ahead *block,
                               int q0)
{
    int tiles_m = (m + MR - 1) / MR, it = 0;
    if (t->nv == 1 && tall_tiles[mode]) /* MR_TALL rows at once, one share of each ahead per MR */
        for (; (it + MR_TALL / MR) * MR <= m; it += MR_TALL / MR) {
            for (int q = it; q < it + MR_TALL / MR; q++) {
                ahead_share(panel, q);
                ahead_share(block, q0 + q);
            }
            tall_tiles[mode](t, a + it * a_tile, bp, c + (size_t)it * MR * t->ldc);
        }
    for (; it < tiles_m; it++) {
        int i0 = it * MR, mr = m - i0 < MR ? m - i0 : MR;
        ahead_share(panel, it);
        ahead_share(block, q0 + it);
        tiles[mode][mr - 1][t->nv - 1](t, a + it * a_tile, bp, c + i0 * t->ldc);
    }
}

/*
** Loop order (outer to inner): k blocks,
** column panels of NR, row tiles of MR. The k blocks run in order, so each
** element's sum keeps its order. The panel of B (kc x NR) is reused by every row
** tile while it sits in L1.
** Wide C (n >= PACK_A_MIN_N, with `work`) packs both operands. op(A) per k block:
** a row stride of 4 KiB (N = 1024) puts a tile's A rows in one L1 set, and packing
** (one pass over A per k block) pays off once there are enough column panels to
** reuse it (1024^3: 95 -> 120 GFLOP/s; at n = 300 it cost 5-15%). Each B panel
** too, as kc contiguous rows of NR floats: read in place, a panel with rows 4 KiB
** apart falls into 3 of L1's 64 sets (12 ways) and on one page per row, so it did
** not stay in L1 and every row tile fetched it from L2 again. The next B panel and
** the next k block's operands are prefetched a share per row tile (see ahead).
** Narrow C (n < PACK_A_MIN_N) reads both in place.
*/
/* Where panel jp of the k block from p0 (kc terms) starts in rl_gemm_pack_panels' layout:
** the k blocks in order, each its column panels in order, kc x NR floats each. */
static size_t panel_offset(int n, int p0, int kc, int jp)
{
    return (size_t)p0 * (size_t)((n + NR - 1) / NR) * NR + (size_t)jp * kc * NR;
}

/* The next k block's op(A) (terms p1.., kc1 of them) for packing, spread over `tiles` row
** tiles; nothing after the last block. Narrow C reads its operands in place, where fetching
** the next block ahead did not help (sMNIST dW_h 126-132 GFLOP/s either way). */
static ahead block_ahead(bool trans_a, int m, const float *a, int lda, int p1, int kc1, int tiles)
{
    if (kc1 <= 0) return (ahead){NULL, 0, 0, 0, 1};
    return trans_a ? (ahead){a + (size_t)p1 * lda, (size_t)lda, kc1, m, tiles}
                   : (ahead){a + p1, (size_t)lda, m, kc1, tiles};
}

static AVX512 void gemm_avx512(bool trans_a, int m, int n, int k, float alpha, const float *a,
                               int lda, const float *b, int ldb, const float *panels, float beta,
                               float *c, int ldc, float *work)
{
    if (k >= 1 && k <= SMALL_K) {
        rl_gemm_small_k(trans_a, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    const bool packed = work && n >= PACK_A_MIN_N;
    const int mode = packed ? TILE_PACKED : trans_a ? TILE_AT : TILE_A;
    const bool touch = !packed && k > RL_GEMM_KC && m >= TOUCH_MIN_MN && n >= TOUCH_MIN_MN &&
                       ((size_t)m + (size_t)n) * (size_t)k * sizeof *a > RL_GEMM_TOUCH_MIN_BYTES;
    const int panels_n = (n + NR - 1) / NR, tiles_m = (m + MR - 1) / MR;
    float *bpack = work, *apack = packed ? work + (size_t)RL_GEMM_KC * NR : NULL;
    tile_args t = {0,     0,   packed ? MR : (size_t)lda, packed ? NR : (size_t)ldb, (size_t)ldc, 0,
                   alpha, beta};
    /* k = 0 still runs one (empty) block: C = beta C, as BLAS. */
    for (int p0 = 0; p0 == 0 || p0 < k; p0 += RL_GEMM_KC) {
        t.kc = k - p0 < RL_GEMM_KC ? k - p0 : RL_GEMM_KC;
        t.beta = p0 == 0 ? beta : 1.0f;
        int p1 = p0 + t.kc, kc1 = k - p1 < RL_GEMM_KC ? k - p1 : RL_GEMM_KC; /* next k block */
        size_t a_tile = packed ? (size_t)MR * t.kc : trans_a ? MR : (size_t)MR * lda;
        const float *ap = packed ? apack : trans_a ? a + (size_t)p0 * lda : a + p0;
        ahead block = packed ? block_ahead(trans_a, m, a, lda, p1, kc1, panels_n * tiles_m)
                             : (ahead){NULL, 0, 0, 0, 1};
        if (touch) {
            if (trans_a)
                touch_rows(a + (size_t)p0 * lda, (size_t)lda, t.kc, m);
            else
                touch_rows(a + p0, (size_t)lda, m, t.kc);
            touch_rows(b + (size_t)p0 * ldb, (size_t)ldb, t.kc, n);
        }
        if (packed) pack_a(trans_a, a, (size_t)lda, m, p0, t.kc, apack);
        for (int jp = 0; jp < panels_n; jp++) {
            int j0 = jp * NR, cols = n - j0 < NR ? n - j0 : NR;
            t.nv = (cols + 15) / 16;
            t.tail = (__mmask16)(0xFFFFu >> (16 * t.nv - cols));
            const float *bp = b + (size_t)p0 * ldb + j0;
            ahead next = {NULL, 0, 0, 0, tiles_m};
            if (packed && panels) { /* packed by the caller: the next panel follows */
                bp = panels + panel_offset(n, p0, t.kc, jp);
                if (jp + 1 < panels_n || kc1 > 0)
                    next = (ahead){bp + (size_t)t.kc * NR, NR, jp + 1 < panels_n ? t.kc : kc1, NR,
                                   tiles_m};
            } else if (packed) {
                pack_b(b, (size_t)ldb, p0, t.kc, j0, t.nv, t.tail, bpack);
                bp = bpack;
                if (jp + 1 < panels_n) /* the rest of this k block's rows, then the next block's */
                    next = (ahead){bp_at(b, ldb, p0, j0 + NR), (size_t)ldb, t.kc,
                                   n - j0 - NR < NR ? n - j0 - NR : NR, tiles_m};
                else if (kc1 > 0)
                    next =
                        (ahead){bp_at(b, ldb, p1, 0), (size_t)ldb, kc1, n < NR ? n : NR, tiles_m};
            }
            /* in place, a whole last vector: the unmasked tiles */
            int pmode = t.tail == 0xFFFF && !packed ? mode + (TILE_A_FULL - TILE_A) : mode;
            panel_tiles(&t, pmode, m, ap, a_tile, bp, c + j0, &next, &block, jp * tiles_m);
        }
    }
}

#else
void rl_gemm_touch(const float *p, size_t floats)
{
    (void)p;
    (void)floats;
}
#endif

/* Whether a product of n columns with `work` takes gemm_avx512's packed path. */
static bool wide(rl_gemm_kernel kernel, int n)
{
    return HAVE_AVX512_KERNEL && kernel == RL_GEMM_AVX512 && n >= PACK_A_MIN_N;
}

size_t rl_gemm_panels_floats(rl_gemm_kernel kernel, int k, int n)
{
    if (!wide(kernel, n) || k <= 0) return 0;
    return (size_t)k * (size_t)((n + NR - 1) / NR) * NR;
}

void rl_gemm_pack_panels(rl_gemm_kernel kernel, int k, int n, const float *b, int ldb,
                         float *panels)
{
    if (!rl_gemm_panels_floats(kernel, k, n)) return;
#if HAVE_AVX512_KERNEL
    for (int p0 = 0; p0 < k; p0 += RL_GEMM_KC) {
        int kc = k - p0 < RL_GEMM_KC ? k - p0 : RL_GEMM_KC;
        for (int j0 = 0, jp = 0; j0 < n; j0 += NR, jp++) {
            int cols = n - j0 < NR ? n - j0 : NR, nv = (cols + 15) / 16;
            pack_b(b, (size_t)ldb, p0, kc, j0, nv, (__mmask16)(0xFFFFu >> (16 * nv - cols)),
                   panels + panel_offset(n, p0, kc, jp));
        }
    }
#else
    (void)b;
    (void)ldb;
    (void)panels;
#endif
}

void rl_gemm_multiply_panels(rl_gemm_kernel kernel, bool trans_a, int m, int n, int k, float alpha,
                             const float *a, int lda, const float *b, int ldb, const float *panels,
                             float beta, float *c, int ldc, float *work)
{
    /* gemm.h's contract (rl_gemm_multiply calls this). */
    assert(m >= 0 && n >= 0 && k >= 0 && ldb >= n && ldc >= n && lda >= (trans_a ? m : k));
    if (m <= 0 || n <= 0) return;
#if HAVE_AVX512_KERNEL
    if (kernel == RL_GEMM_AVX512) {
        gemm_avx512(trans_a, m, n, k, alpha, a, lda, b, ldb, panels, beta, c, ldc, work);
        return;
    }
#endif
    (void)kernel;
    (void)work;
    (void)panels;
    gemm_blas(trans_a, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void rl_gemm_multiply(rl_gemm_kernel kernel, bool trans_a, int m, int n, int k, float alpha,
                      const float *a, int lda, const float *b, int ldb, float beta, float *c,
                      int ldc, float *work)
{
    rl_gemm_multiply_panels(kernel, trans_a, m, n, k, alpha, a, lda, b, ldb, NULL, beta, c, ldc,
                            work);
}
