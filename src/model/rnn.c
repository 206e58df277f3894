/*
** rnn.c: the RNN of Eq. 1–2 — forward pass and backpropagation through time
** (module: model; the equations and symbol map are in model.h).
** Why this shape: nearly all the work is GEMM, so each step is a few GEMM calls
** and one fused element-wise sweep, with everything a step touches still in cache:
**   forward   per step: r_t = (1-rho) x_t W_x^T, += (1-rho) r_{t-1} W_h^T, fused
**             leak + relu, y_t = r_t w^T. gemm.c's kernel wants B NoTrans, so each
**             forward copies W_h^T, W_x^T and w^T (8 x 8 register transposes: W_h^T
**             ~10 us at N = 300, against ~70 for OpenBLAS's SSE somatcopy);
**   backward  per step: g_t = dy_t w (scored steps), += (1-rho) g_{t+1} W_h, fused
**             relu' (from a bit mask the forward keeps) and leak; then each weight
**             gradient is a GEMM over all steps (K = T*B), dW_x as its transpose x^T g
**             so that the wide g is the kernel's B, the three interleaved k block by
**             k block so that g and r are read from memory once (weight_grads).
**             Leading steps with dL/dy = 0 (sMNIST scores only the last) skip the
**             readout GEMMs: -5% per sMNIST iteration, same bits.
** The thin products (K or C n_in or n_out wide) once ran over all steps at once and
** on OpenBLAS: at N = 1024 they wrote and reread 52 MB arrays and took 9% of an
** iteration; per step they find r_t and g_t in L2 (large iteration +16%, 2af and
** sMNIST +13%). For wide N the B operands every step multiplies (W_h or W_h^T, W_x^T,
** w) are copied into the kernel's panels once per pass instead of once per step.
** Kernel: gemm.c's AVX-512 one where the CPU has it (2af step 45 us against 60
** for OpenBLAS's SkylakeX kernels and 320 for the SSE ones it picks by default),
** fixed per workspace so an item's bits never depend on timing.
** Invariants: r holds r_t for t = 0..T-1 (T*B x N, step t in rows tB..tB+B-1,
** like the time-major batch); g holds g_t = dL/da_t after backward. No
** allocation after rl_rnn_work_create; single precision state, one thread.
*/
#include "richlazy/model.h"

#include "gemm.h"

#include <assert.h>
#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct rl_rnn_work {
    int steps, batch;          /* T, B */
    int n_in, n_hidden, n_out; /* the network shape it was made for */
    float *r;                  /* T*B*N: r_t = relu(a_t) */
    float *a;                  /* B*N: a_{t-1} while the forward runs (rho > 0 only) */
    float *wt;                 /* N*N: W_h^T, refreshed by every forward */
    float *wxt;                /* n_in*N: W_x^T, refreshed by every forward */
    float *gxt;                /* n_in*N: dW_x^T, as the kernel computes it */
    float *pack;               /* gemm.c's workspace (packed op(A) blocks) */
    float *pw, *px, *po;       /* B panels of W_h^T or W_h, W_x^T, w (wide N only) */
    rl_gemm_kernel kernel;     /* chosen once, at creation */
    float *g;                  /* T*B*N: g_t = dL/da_t (BPTT) */
    uint16_t *on;              /* T*ceil(B*N/16): [r_t > 0], 16 per word (AVX-512 sweeps) */
    float *y;                  /* T*B*n_out: y_t */
    float *dy;                 /* T*B*n_out: dL/dy_t */
};

/* ---- lifecycle ---- */

rl_code rl_rnn_create(int n_in, int n_hidden, int n_out, float rho, rl_rnn **out, rl_status *st)
{
    *out = NULL;
    RL_CHECK(n_in >= 1 && n_hidden >= 1 && n_out >= 1, st, RL_EINPUT,
             "rnn: n_in, hidden and n_out must be positive integers (got %d, %d, %d)", n_in,
             n_hidden, n_out);
    RL_CHECK(rho >= 0.0f && rho < 1.0f, st, RL_EINPUT,
             "rnn: the leak rho must lie in [0, 1) (got %g); rho = exp(-dt/tau), so tau must be "
             "0 (no leak) or positive",
             (double)rho);
    size_t n = (size_t)n_hidden;
    size_t n_params = n * n + n * (size_t)n_in + (size_t)n_out * n;
    rl_rnn *net = rl_alloc(1, sizeof *net, st);
    if (!net) return st->code;
    net->theta = rl_alloc(n_params, sizeof(float), st);
    if (!net->theta) {
        rl_rnn_destroy(&net);
        return st->code;
    }
    net->n_in = n_in;
    net->n_hidden = n_hidden;
    net->n_out = n_out;
    net->rho = rho;
    net->n_params = n_params;
    net->w_h = net->theta;
    net->w_x = net->w_h + n * n;
    net->w_out = net->w_x + n * (size_t)n_in;
    *out = net;
    return RL_OK;
}

void rl_rnn_destroy(rl_rnn **net)
{
    if (!net || !*net) return;
    rl_free((*net)->theta);
    rl_free(*net);
    *net = NULL;
}

double rl_rnn_rho(const rl_params *p)
{
    /* Eq. 1: rho = exp(-dt / tau_m); tau = 0 selects the reference script's leak-free form. */
    if (p->model.tau <= 0.0) return 0.0;
    return exp(-p->task.dt / p->model.tau);
}

/* gemm.c's workspace for the largest op(A) any call below passes (m x k). */
static size_t pack_floats(const rl_rnn *net, int steps, int batch)
{
    int n = net->n_hidden, rows = steps * batch;
    size_t need[] = {rl_gemm_work_floats(batch, net->n_in),  rl_gemm_work_floats(batch, n),
                     rl_gemm_work_floats(batch, net->n_out), rl_gemm_work_floats(n, rows),
                     rl_gemm_work_floats(net->n_out, rows),  rl_gemm_work_floats(net->n_in, rows)};
    size_t most = 0;
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
        most = need[i] > most ? need[i] : most;
    return most;
}

/* Words of rl_rnn_work.on per step: one bit per element of r_t (B x N of them). */
static size_t on_words(const rl_rnn_work *w)
{
    return ((size_t)w->batch * (size_t)w->n_hidden + 15) / 16;
}

rl_code rl_rnn_work_create(const rl_rnn *net, int steps, int batch, rl_rnn_work **out,
                           rl_status *st)
{
    *out = NULL;
    RL_CHECK(steps >= 1 && batch >= 1, st, RL_EINPUT,
             "rnn: steps and batch must be positive integers (got %d, %d)", steps, batch);
    /* sgemm takes int dimensions and T*B is one of them. */
    RL_CHECK((long long)steps * batch <= INT_MAX, st, RL_EINPUT,
             "rnn: steps x batch must be at most %d (got %d x %d)", INT_MAX, steps, batch);
    size_t rows = (size_t)steps * (size_t)batch;
    size_t n = (size_t)net->n_hidden;
    rl_rnn_work *w = rl_alloc(1, sizeof *w, st);
    if (!w) return st->code;
    w->steps = steps;
    w->batch = batch;
    w->n_in = net->n_in;
    w->n_hidden = net->n_hidden;
    w->n_out = net->n_out;
    w->kernel = rl_gemm_select();
    if (!(w->r = rl_alloc(rows, n * sizeof(float), st)) ||
        !(w->a = rl_alloc((size_t)batch, n * sizeof(float), st)) ||
        !(w->wt = rl_alloc(n, n * sizeof(float), st)) ||
        !(w->wxt = rl_alloc((size_t)net->n_in, n * sizeof(float), st)) ||
        !(w->gxt = rl_alloc((size_t)net->n_in, n * sizeof(float), st)) ||
        !(w->pack = rl_alloc(pack_floats(net, steps, batch), sizeof(float), st)) ||
        !(w->pw = rl_alloc(rl_gemm_panels_floats(w->kernel, net->n_hidden, net->n_hidden),
                           sizeof(float), st)) ||
        !(w->px = rl_alloc(rl_gemm_panels_floats(w->kernel, net->n_in, net->n_hidden),
                           sizeof(float), st)) ||
        !(w->po = rl_alloc(rl_gemm_panels_floats(w->kernel, net->n_out, net->n_hidden),
                           sizeof(float), st)) ||
        !(w->g = rl_alloc(rows, n * sizeof(float), st)) ||
        !(w->on = rl_alloc((size_t)steps, on_words(w) * sizeof(uint16_t), st)) ||
        !(w->y = rl_alloc(rows, (size_t)net->n_out * sizeof(float), st)) ||
        !(w->dy = rl_alloc(rows, (size_t)net->n_out * sizeof(float), st))) {
        rl_rnn_work_destroy(&w);
        return st->code;
    }
    *out = w;
    return RL_OK;
}

void rl_rnn_numerics(char *buf, size_t cap)
{
    snprintf(buf, cap, "gemm %s, openblas %s", rl_gemm_kernel_name(rl_gemm_select()),
             openblas_get_corename());
}

void rl_rnn_work_destroy(rl_rnn_work **w)
{
    if (!w || !*w) return;
    rl_free((*w)->r);
    rl_free((*w)->a);
    rl_free((*w)->wt);
    rl_free((*w)->wxt);
    rl_free((*w)->gxt);
    rl_free((*w)->pack);
    rl_free((*w)->pw);
    rl_free((*w)->px);
    rl_free((*w)->po);
    rl_free((*w)->g);
    rl_free((*w)->on);
    rl_free((*w)->y);
    rl_free((*w)->dy);
    rl_free(*w);
    *w = NULL;
}

int rl_rnn_work_steps(const rl_rnn_work *w)
{
    return w->steps;
}

int rl_rnn_work_batch(const rl_rnn_work *w)
{
    return w->batch;
}

const float *rl_rnn_outputs(const rl_rnn_work *w)
{
    return w->y;
}

const float *rl_rnn_hidden(const rl_rnn_work *w, int t)
{
    assert(t >= 0 && t < w->steps);
    return w->r + (size_t)t * (size_t)w->batch * (size_t)w->n_hidden;
}

float *rl_rnn_output_grad(rl_rnn_work *w)
{
    return w->dy;
}

/* ---- fused element-wise sweeps ---- */

/*
** relu that keeps NaN (as torch.relu does), so a diverged state stays visible
** in the loss instead of being clamped to 0. Compiles to maxps(0, v).
*/
static inline float relu(float v)
{
    return v < 0.0f ? 0.0f : v;
}

/*
** Eq. 1, one step: on entry r holds (1-rho)(W_h r_{t-1} + W_x x_t); on exit
** r = relu(a_t) with a_t = rho a_{t-1} + r, and a = a_t. first: a_{-1} = 0.
*/
static void leak_relu(float *restrict r, float *restrict a, size_t n, float rho, int first)
{
    if (rho == 0.0f) {
        for (size_t i = 0; i < n; i++)
            r[i] = relu(r[i]);
    } else if (first) {
        for (size_t i = 0; i < n; i++) {
            a[i] = r[i];
            r[i] = relu(r[i]);
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            float v = r[i] + rho * a[i];
            a[i] = v;
            r[i] = relu(v);
        }
    }
}

/*
** BPTT, one step: on entry g holds dL/dr_t (readout plus recurrent term); on
** exit g = g_t = relu'(a_t) dL/dr_t + rho g_{t+1}. relu'(a_t) = [r_t > 0]
** (0 at the kink, as PyTorch). next = g_{t+1}, or NULL at the last step.
*/
static void relu_leak_back(float *restrict g, const float *restrict r, const float *restrict next,
                           size_t n, float rho)
{
    if (rho == 0.0f || !next) {
        for (size_t i = 0; i < n; i++)
            g[i] = r[i] > 0.0f ? g[i] : 0.0f;
    } else {
        for (size_t i = 0; i < n; i++)
            g[i] = (r[i] > 0.0f ? g[i] : 0.0f) + rho * next[i];
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define AVX512 __attribute__((target("avx512f")))
/*
** The two sweeps above 16 lanes wide, for the AVX-512 kernel's workspaces (the library is
** compiled for baseline x86-64, where they ran 4 lanes wide: ~1.5% of a 2af iteration). The
** same bits: relu as max(0, v), which keeps NaN and -0 as v < 0 ? 0 : v does; rho a and its
** sum as separate rounded operations, as the C above (ISO C: no contraction into an FMA).
** The forward keeps relu'(a_t) = [r_t > 0] as one bit per element (`on`, 16 per word), so
** that BPTT reads 1/32 of r_t: rereading r_t came from memory (T B N floats written a whole
** forward earlier) and took ~1.3% of an sMNIST iteration. The last vector of n % 16 lanes
** is masked (its `on` bits past n are 0).
*/
/* One vector of leak_relu_avx512 at r + i (k: its lanes; unmasked loads and stores for whole
** vectors, which GCC keeps as such when k is a constant 0xFFFF). */
static inline __attribute__((always_inline)) AVX512 void
leak_relu_vec(float *restrict r, float *restrict a, uint16_t *restrict on, size_t i, __mmask16 k,
              float rho, int first)
{
    const __m512 zero = _mm512_setzero_ps();
    __m512 v = k == 0xFFFF ? _mm512_loadu_ps(r + i) : _mm512_maskz_loadu_ps(k, r + i);
    if (rho != 0.0f) {
        if (!first) {
            __m512 old = k == 0xFFFF ? _mm512_loadu_ps(a + i) : _mm512_maskz_loadu_ps(k, a + i);
            v = _mm512_add_ps(v, _mm512_mul_ps(_mm512_set1_ps(rho), old));
        }
        _mm512_mask_storeu_ps(a + i, k, v);
    }
    v = _mm512_max_ps(zero, v); /* max(0, NaN) = NaN: the second operand */
    _mm512_mask_storeu_ps(r + i, k, v);
    on[i / 16] = (uint16_t)_mm512_mask_cmp_ps_mask(k, v, zero, _CMP_GT_OQ);
}

static AVX512 void leak_relu_avx512(float *restrict r, float *restrict a, uint16_t *restrict on,
                                    size_t n, float rho, int first)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        leak_relu_vec(r, a, on, i, 0xFFFF, rho, first);
    if (i < n) leak_relu_vec(r, a, on, i, (__mmask16)(0xFFFFu >> (16 - (n - i))), rho, first);
}

/* One vector of relu_leak_back_avx512 at g + i (k: its lanes, as in leak_relu_vec). */
static inline __attribute__((always_inline)) AVX512 void
relu_leak_back_vec(float *restrict g, const uint16_t *restrict on, const float *restrict next,
                   size_t i, __mmask16 k, float rho, bool leak)
{
    __m512 v = _mm512_maskz_loadu_ps(on[i / 16], g + i);
    if (leak) {
        __m512 nx = k == 0xFFFF ? _mm512_loadu_ps(next + i) : _mm512_maskz_loadu_ps(k, next + i);
        v = _mm512_add_ps(v, _mm512_mul_ps(_mm512_set1_ps(rho), nx));
    }
    _mm512_mask_storeu_ps(g + i, k, v);
}

static AVX512 void relu_leak_back_avx512(float *restrict g, const uint16_t *restrict on,
                                         const float *restrict next, size_t n, float rho)
{
    const bool leak = rho != 0.0f && next;
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        relu_leak_back_vec(g, on, next, i, 0xFFFF, rho, leak);
    if (i < n)
        relu_leak_back_vec(g, on, next, i, (__mmask16)(0xFFFFu >> (16 - (n - i))), rho, leak);
}
#define HAVE_AVX512_SWEEPS 1
#else
#define HAVE_AVX512_SWEEPS 0
#endif

/* The sweeps of step t, 16 lanes wide where the workspace multiplies with the AVX-512 kernel. */
static void step_forward(rl_rnn_work *w, int t, float rho)
{
    const size_t n = (size_t)w->batch * (size_t)w->n_hidden;
    float *r = w->r + (size_t)t * n;
#if HAVE_AVX512_SWEEPS
    if (w->kernel == RL_GEMM_AVX512) {
        leak_relu_avx512(r, w->a, w->on + (size_t)t * on_words(w), n, rho, t == 0);
        return;
    }
#endif
    leak_relu(r, w->a, n, rho, t == 0);
}

/* g = g_t, next = g_{t+1} (NULL at the last step). */
static void step_backward(const rl_rnn_work *w, int t, float *g, const float *next, float rho)
{
    const size_t n = (size_t)w->batch * (size_t)w->n_hidden;
#if HAVE_AVX512_SWEEPS
    if (w->kernel == RL_GEMM_AVX512) {
        relu_leak_back_avx512(g, w->on + (size_t)t * on_words(w), next, n, rho);
        return;
    }
#endif
    relu_leak_back(g, w->r + (size_t)t * n, next, n, rho);
}

/* ---- forward ---- */

void rl_rnn_forward(const rl_rnn *net, const float *x, rl_rnn_work *w)
{
    assert(w->n_in == net->n_in && w->n_hidden == net->n_hidden && w->n_out == net->n_out);
    const int n = net->n_hidden, n_in = net->n_in, n_out = net->n_out, b = w->batch;
    const size_t blk = (size_t)b * (size_t)n;
    const float c = 1.0f - net->rho;

    /* The kernel wants B NoTrans. */
    rl_gemm_transpose(w->kernel, n, n_in, net->w_x, n_in, w->wxt, n);
    if (w->steps > 1) rl_gemm_transpose(w->kernel, n, n, net->w_h, n, w->wt, n);
    /* Wide N: the per-step B operands as the kernel's panels, once per pass, not per step. */
    rl_gemm_pack_panels(w->kernel, n_in, n, w->wxt, n, w->px);
    if (w->steps > 1) rl_gemm_pack_panels(w->kernel, n, n, w->wt, n, w->pw);
    for (int t = 0; t < w->steps; t++) {
        float *rt = w->r + (size_t)t * blk;
        /* Eq. 1, step by step so that r_t stays in cache from its first write to y_t:
        ** input drive r_t = (1-rho) x_t W_x^T (K = n_in), then the recurrent drive
        ** r_t += (1-rho) r_{t-1} W_h^T (r_{-1} = 0 needs no GEMM). */
        rl_gemm_multiply_panels(w->kernel, false, b, n, n_in, c, x + (size_t)t * b * n_in, n_in,
                                w->wxt, n, w->px, 0.0f, rt, n, w->pack);
        if (t > 0)
            rl_gemm_multiply_panels(w->kernel, false, b, n, n, c, rt - blk, n, w->wt, n, w->pw,
                                    1.0f, rt, n, w->pack);
        step_forward(w, t, net->rho);
        /* Eq. 2: y_t = r_t w^T. */
        rl_gemm_multiply_abt(w->kernel, b, n_out, n, 1.0f, rt, n, net->w_out, n, 0.0f,
                             w->y + (size_t)t * b * n_out, n_out);
    }
}

/* ---- backward (BPTT) ---- */

/*
** First step whose dL/dy is not all zero (T if none). Earlier steps get no
** readout gradient (sMNIST scores only its last step), so the readout GEMMs
** start there. NaN counts as nonzero, so a diverged output still reaches grad.
*/
static int first_scored_step(const float *dy, int steps, size_t per_step)
{
    for (int t = 0; t < steps; t++)
        for (size_t i = 0; i < per_step; i++)
            if (dy[(size_t)t * per_step + i] != 0.0f) return t;
    return steps;
}

/* ---- weight gradients ---- */

/* One weight gradient C[m x n] = alpha A^T B (A: k x m, ld lda; B: k x n, ld ldb; ldc = n),
** a product over rows of the stored steps (term q reads g's or r's row at + q). */
typedef struct grad_product {
    int m, n, k;
    float alpha;
    const float *a;
    int lda;
    const float *b;
    int ldb;
    float *c;
    int at;     /* the row of g (of r, for the products that read only r: plus B) of term 0 */
    bool touch; /* read each block's rows of A and B in order before multiplying (see below) */
    int done;   /* terms computed so far */
} grad_product;

/*
** The weight gradients in one pass over g and r, k block by k block (rl_gemm_k_split terms per
** call), always the block that starts at the lowest row next. Each product alone read all of
** g or r (6.7 MB each for sMNIST) from memory, the thin ones (dW_x: 28 rows of C, dw: 10) at
** 25-50 GFLOP/s; interleaved, a block of g and r is fetched once and serves all three while in
** L2. dW_h pairs g_{t+1} with r_t: its `at` is its g row, dw's is its r row + B, so that at a
** given row all three read the same rows of g and r. The bits: those of one call per product
** (rl_gemm_k_split), in any interleaving, since each C element's sum is the kernel's own.
** The first product to reach a row fetches it from memory, in its tiles' order (8 or 48 floats
** of each of 128 rows 1.2 KB apart), which left the hardware prefetchers behind: dW_h (`touch`)
** reads its block's rows once in order first (rl_gemm_touch), +2-3% per sMNIST iteration.
** Software prefetches of the next block, spread over the tiles, gained nothing: dW_h's C (360
** KB) and two blocks of g and r (300 KB each) overfill Zen 4's 1 MiB L2.
*/
static void weight_grads(rl_gemm_kernel kernel, grad_product *prods, size_t count, float *work)
{
    const int split = rl_gemm_k_split(kernel);
    for (size_t i = 0; i < count; i++)
        if (prods[i].k <= 0) memset(prods[i].c, 0, (size_t)prods[i].m * prods[i].n * sizeof(float));
    for (;;) {
        grad_product *p = NULL;
        for (size_t i = 0; i < count; i++)
            if (prods[i].done < prods[i].k && (!p || prods[i].at + prods[i].done < p->at + p->done))
                p = &prods[i];
        if (!p) return;
        int kc = p->k - p->done < split ? p->k - p->done : split;
        if (p->touch) {
            rl_gemm_touch(p->a + (size_t)p->done * p->lda, (size_t)kc * p->lda);
            rl_gemm_touch(p->b + (size_t)p->done * p->ldb, (size_t)kc * p->ldb);
        }
        rl_gemm_multiply(kernel, true, p->m, p->n, kc, p->alpha, p->a + (size_t)p->done * p->lda,
                         p->lda, p->b + (size_t)p->done * p->ldb, p->ldb,
                         p->done == 0 ? 0.0f : 1.0f, p->c, p->n, work);
        p->done += kc;
    }
}

void rl_rnn_backward(const rl_rnn *net, const float *x, rl_rnn_work *w, float *grad)
{
    assert(w->n_in == net->n_in && w->n_hidden == net->n_hidden && w->n_out == net->n_out);
    const int n = net->n_hidden, n_in = net->n_in, n_out = net->n_out, b = w->batch;
    const int steps = w->steps, rows = steps * b;
    const size_t blk = (size_t)b * (size_t)n, dy_blk = (size_t)b * (size_t)n_out;
    const float c = 1.0f - net->rho;
    float *gw_h = grad, *gw_x = grad + (size_t)n * n, *gw_out = gw_x + (size_t)n * n_in;
    const int t0 = first_scored_step(w->dy, steps, dy_blk), scored = rows - t0 * b;

    rl_gemm_pack_panels(w->kernel, n_out, n, net->w_out, n, w->po);
    if (steps > 1) rl_gemm_pack_panels(w->kernel, n, n, net->w_h, n, w->pw);
    for (int t = steps - 1; t >= 0; t--) {
        float *gt = w->g + (size_t)t * blk;
        const float *next = t + 1 < steps ? gt + blk : NULL;
        /* dL/dr_t: the readout part dy_t w (K = n_out) from scored steps, then the recurrent
        ** part += (1-rho) g_{t+1} W_h, since a_{t+1} sees (1-rho) W_h r_t. Per step, so g_t
        ** stays in cache through both products and relu'. */
        if (t >= t0)
            rl_gemm_multiply_panels(w->kernel, false, b, n, n_out, 1.0f, w->dy + t * dy_blk, n_out,
                                    net->w_out, n, w->po, 0.0f, gt, n, w->pack);
        if (next)
            rl_gemm_multiply_panels(w->kernel, false, b, n, n, c, next, n, net->w_h, n, w->pw,
                                    t >= t0 ? 1.0f : 0.0f, gt, n, w->pack);
        else if (t < t0)
            memset(gt, 0, blk * sizeof *gt);
        step_backward(w, t, gt, next, net->rho);
    }

    /* dW_h = (1-rho) sum_t g_t^T r_{t-1}: t = 0 drops out (r_{-1} = 0), so K = (T-1) B.
    ** dW_x = (1-rho) sum_t g_t^T x_t (K = T B), computed as its transpose x^T g: then the
    ** wide operand g is the kernel's B (read once, in panels) rather than n_in-column C.
    ** dw = sum_t dy_t^T r_t over the scored steps (K = scored rows). */
    const bool beyond_l2 = 2 * (size_t)rows * blk / b * sizeof(float) > RL_GEMM_TOUCH_MIN_BYTES;
    grad_product prods[] = {
        {n, n, rows - b, c, w->g + blk, n, w->r, n, gw_h, b, beyond_l2, 0},
        {n_in, n, rows, c, x, n_in, w->g, n, w->gxt, 0, false, 0},
        {n_out, n, scored, 1.0f, w->dy + t0 * dy_blk, n_out, w->r + t0 * blk, n, gw_out,
         (t0 + 1) * b, false, 0},
    };
    weight_grads(w->kernel, prods, sizeof prods / sizeof prods[0], w->pack);
    rl_gemm_transpose(w->kernel, n_in, n, w->gxt, n, gw_x, n_in);
}
