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
**             relu' and leak; each weight gradient is ONE GEMM over all steps
**             (K = T*B), dW_x as its transpose x^T g so that the wide g is the
**             kernel's B. Leading steps with dL/dy = 0 (sMNIST scores only the last)
**             skip the readout GEMMs: -5% per sMNIST iteration, same bits.
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
*/
static AVX512 void leak_relu_avx512(float *restrict r, float *restrict a, size_t n, float rho,
                                    int first)
{
    const __m512 zero = _mm512_setzero_ps(), vrho = _mm512_set1_ps(rho);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_loadu_ps(r + i);
        if (rho != 0.0f) {
            if (!first) v = _mm512_add_ps(v, _mm512_mul_ps(vrho, _mm512_loadu_ps(a + i)));
            _mm512_storeu_ps(a + i, v);
        }
        _mm512_storeu_ps(r + i, _mm512_max_ps(zero, v)); /* max(0, NaN) = NaN: second operand */
    }
    if (i < n) leak_relu(r + i, rho != 0.0f ? a + i : a, n - i, rho, first);
}

static AVX512 void relu_leak_back_avx512(float *restrict g, const float *restrict r,
                                         const float *restrict next, size_t n, float rho)
{
    const __m512 zero = _mm512_setzero_ps(), vrho = _mm512_set1_ps(rho);
    const bool leak = rho != 0.0f && next;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __mmask16 on = _mm512_cmp_ps_mask(_mm512_loadu_ps(r + i), zero, _CMP_GT_OQ);
        __m512 v = _mm512_maskz_mov_ps(on, _mm512_loadu_ps(g + i));
        if (leak) v = _mm512_add_ps(v, _mm512_mul_ps(vrho, _mm512_loadu_ps(next + i)));
        _mm512_storeu_ps(g + i, v);
    }
    if (i < n) relu_leak_back(g + i, r + i, next ? next + i : NULL, n - i, rho);
}
#define HAVE_AVX512_SWEEPS 1
#else
#define HAVE_AVX512_SWEEPS 0
#endif

/* The sweeps, 16 lanes wide where the workspace multiplies with the AVX-512 kernel. */
static void step_forward(const rl_rnn_work *w, float *r, float *a, size_t n, float rho, int first)
{
#if HAVE_AVX512_SWEEPS
    if (w->kernel == RL_GEMM_AVX512) {
        leak_relu_avx512(r, a, n, rho, first);
        return;
    }
#endif
    (void)w;
    leak_relu(r, a, n, rho, first);
}

static void step_backward(const rl_rnn_work *w, float *g, const float *r, const float *next,
                          size_t n, float rho)
{
#if HAVE_AVX512_SWEEPS
    if (w->kernel == RL_GEMM_AVX512) {
        relu_leak_back_avx512(g, r, next, n, rho);
        return;
    }
#endif
    (void)w;
    relu_leak_back(g, r, next, n, rho);
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
        step_forward(w, rt, w->a, blk, net->rho, t == 0);
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
        step_backward(w, gt, w->r + (size_t)t * blk, next, blk, net->rho);
    }

    /* dW_h = (1-rho) sum_t g_t^T r_{t-1}: t = 0 drops out (r_{-1} = 0), so K = (T-1) B. */
    if (steps > 1)
        rl_gemm_multiply(w->kernel, true, n, n, rows - b, c, w->g + blk, n, w->r, n, 0.0f, gw_h, n,
                         w->pack);
    else
        memset(gw_h, 0, (size_t)n * n * sizeof *gw_h);
    /* dW_x = (1-rho) sum_t g_t^T x_t (K = T B), computed as its transpose x^T g: then the
    ** wide operand g is the kernel's B (read once, in panels) rather than n_in-column C. */
    rl_gemm_multiply(w->kernel, true, n_in, n, rows, c, x, n_in, w->g, n, 0.0f, w->gxt, n, w->pack);
    rl_gemm_transpose(w->kernel, n_in, n, w->gxt, n, gw_x, n_in);
    /* dw = sum_t dy_t^T r_t over the scored steps (K = scored rows). */
    if (scored > 0)
        rl_gemm_multiply(w->kernel, true, n_out, n, scored, 1.0f, w->dy + t0 * dy_blk, n_out,
                         w->r + t0 * blk, n, 0.0f, gw_out, n, w->pack);
    else
        memset(gw_out, 0, (size_t)n_out * n * sizeof *gw_out);
}
