/*
** bench_model.c: training-iteration throughput of the model module
** (forward + CE loss + BPTT + SGD step), one BLAS thread.
** Why: the sweeps' cost is this loop; the targets are >= 4.5x PyTorch's
** iterations/s at (N, B, T) = (300, 32, 8) and >= 80% of the single-thread sgemm
** peak at (1024, 256, 50). The peak is measured in the same run (best of several
** 1024^3 products), so the fraction does not depend on the machine's clock; it is
** measured for OpenBLAS and for the model's own kernel (gemm.c), and the fraction
** is stated against the larger of the two (the best this run measured).
** GFLOP/s counts 2 m n k for every GEMM one iteration performs (list in
** iter_flops); the element-wise work, the loss and the optimiser are not counted
** but are timed, so overhead outside GEMM lowers the fraction as it should.
** A meson benchmark(), not a test: `meson test -C build --benchmark`, or run directly.
*/
#include "gemm.h"
#include "richlazy/model.h"

#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct bench_cfg {
    int n, batch, steps, n_in, n_out;
} bench_cfg;

/* Fixed-seed xorshift: reproducible inputs without the rng module. */
static uint64_t next_u64(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Uniform on [-1, 1). */
static float uniform_pm1(uint64_t *s)
{
    return (float)((double)(next_u64(s) >> 11) * 0x1.0p-52 - 1.0);
}

/* Best of `reps` timings of an m = n = k = size product with `kern`, in GFLOP/s. */
static double sgemm_peak(rl_gemm_kernel kern, int size, int reps, rl_status *st)
{
    size_t nn = (size_t)size * size;
    float *a = rl_alloc(nn, sizeof *a, st), *b = rl_alloc(nn, sizeof *b, st),
          *c = rl_alloc(nn, sizeof *c, st),
          *w = rl_alloc(rl_gemm_work_floats(size, size), sizeof *w, st);
    double best = INFINITY;
    if (a && b && c && w) {
        uint64_t s = 99;
        for (size_t i = 0; i < nn; i++) {
            a[i] = uniform_pm1(&s);
            b[i] = uniform_pm1(&s);
        }
        for (int r = 0; r < reps + 1; r++) { /* the first call warms caches and pages up */
            double t0 = rl_now();
            rl_gemm_multiply(kern, false, size, size, size, 1.0f, a, size, b, size, 0.0f, c, size,
                             w);
            double dt = rl_now() - t0;
            if (r > 0 && dt < best) best = dt;
        }
    }
    rl_free(a);
    rl_free(b);
    rl_free(c);
    rl_free(w);
    return 2.0 * size * (double)size * size / best * 1e-9;
}

/* Floating-point operations of the GEMMs in one iteration (rnn.c's calls, 2 m n k each). */
static double iter_flops(const bench_cfg *c)
{
    double n = c->n, b = c->batch, t = c->steps, rows = t * b;
    double fwd = 2 * rows * n * c->n_in     /* input drive, all steps */
                 + (t - 1) * 2 * b * n * n  /* recurrent drive, steps 1..T-1 */
                 + 2 * rows * c->n_out * n; /* readout, all steps */
    double bwd = 2 * rows * n * c->n_out    /* dL/dr from the readout */
                 + (t - 1) * 2 * b * n * n  /* recurrent term, steps T-2..0 */
                 + 2 * n * n * (t - 1) * b  /* dW_h, K = (T-1) B */
                 + 2 * n * c->n_in * rows   /* dW_x */
                 + 2 * c->n_out * n * rows; /* dw */
    return fwd + bwd;
}

typedef struct bench_state {
    rl_rnn *net;
    rl_rnn_work *work;
    rl_opt *opt;
    rl_batch batch;
    float *grad;
} bench_state;

static void state_free(bench_state *s)
{
    rl_free(s->grad);
    rl_free(s->batch.x);
    rl_free(s->batch.label);
    rl_free(s->batch.mask);
    rl_opt_destroy(&s->opt);
    rl_rnn_work_destroy(&s->work);
    rl_rnn_destroy(&s->net);
}

/* Network at the paper's scales (W_h gain 1.25 / sqrt(N), uniform W_x, w), random CE batch. */
static rl_code state_init(const bench_cfg *c, bench_state *s, rl_status *st)
{
    rl_params p;
    rl_params_defaults(&p); /* train.*: SGD, lr 0.003, momentum 0.9 as the reference script */
    memset(s, 0, sizeof *s);
    size_t rows = (size_t)c->steps * c->batch;
    RL_TRY(rl_rnn_create(c->n_in, c->n, c->n_out, 0.0f, &s->net, st));
    RL_TRY(rl_rnn_work_create(s->net, c->steps, c->batch, &s->work, st));
    RL_TRY(rl_opt_create(&p, s->net->n_params, &s->opt, st));
    s->batch = (rl_batch){c->steps, c->batch, c->n_in, c->n_out, NULL, NULL, NULL, NULL};
    if (!(s->grad = rl_alloc(s->net->n_params, sizeof(float), st)) ||
        !(s->batch.x = rl_alloc(rows * c->n_in, sizeof(float), st)) ||
        !(s->batch.label = rl_alloc(rows, sizeof(int32_t), st)) ||
        !(s->batch.mask = rl_alloc(rows, sizeof(float), st)))
        return st->code;
    uint64_t seed = 12345;
    /* Uniform on +-sqrt(3) has unit variance: the Gaussian's scale without Box–Muller. */
    for (int i = 0; i < c->n * c->n; i++)
        s->net->w_h[i] = 1.25f * 1.7320508f * uniform_pm1(&seed) / sqrtf((float)c->n);
    for (int i = 0; i < c->n * c->n_in; i++)
        s->net->w_x[i] = uniform_pm1(&seed) / sqrtf((float)c->n_in);
    for (int i = 0; i < c->n_out * c->n; i++)
        s->net->w_out[i] = uniform_pm1(&seed) / sqrtf((float)c->n);
    for (size_t i = 0; i < rows * c->n_in; i++)
        s->batch.x[i] = uniform_pm1(&seed);
    for (size_t i = 0; i < rows; i++) {
        s->batch.label[i] = (int32_t)(next_u64(&seed) % (uint64_t)c->n_out);
        s->batch.mask[i] = 1.0f;
    }
    return RL_OK;
}

/* One training iteration; phase times are added to t[0..3] (forward, loss, backward, step). */
static double iterate(bench_state *s, double t[4])
{
    double t0 = rl_now();
    rl_rnn_forward(s->net, s->batch.x, s->work);
    double t1 = rl_now();
    double loss = rl_loss_eval(RL_LOSS_CE, &s->batch, rl_rnn_outputs(s->work),
                               rl_rnn_output_grad(s->work), NULL, NULL);
    double t2 = rl_now();
    rl_rnn_backward(s->net, s->batch.x, s->work, s->grad);
    double t3 = rl_now();
    rl_opt_step(s->opt, s->net->theta, s->grad);
    double t4 = rl_now();
    t[0] += t1 - t0;
    t[1] += t2 - t1;
    t[2] += t3 - t2;
    t[3] += t4 - t3;
    return loss;
}

typedef struct bench_result {
    double it_per_s, gflops, phase[4], loss; /* phase: fraction of time in fwd, loss, bwd, step */
} bench_result;

/* How a configuration is timed: best of `reps` windows of >= `seconds` (and >= 3
** iterations) each, or, with iters > 0, exactly `iters` iterations once (for
** callgrind and perf, whose counts must not depend on the clock). */
typedef struct bench_opts {
    int reps;
    double seconds;
    long iters;
} bench_opts;

/* One timing window after the warm-up; fills r if it beats r's rate. */
static void time_window(bench_state *s, const bench_cfg *c, const bench_opts *o, bench_result *r)
{
    double phase[4] = {0}, loss = 0.0, t0 = rl_now(), elapsed = 0.0;
    long iters = 0;
    while (o->iters > 0 ? iters < o->iters : iters < 3 || elapsed < o->seconds) {
        loss = iterate(s, phase);
        iters++;
        elapsed = rl_now() - t0;
    }
    if (iters / elapsed <= r->it_per_s) return;
    r->it_per_s = iters / elapsed;
    r->gflops = iter_flops(c) * r->it_per_s * 1e-9;
    for (int k = 0; k < 4; k++)
        r->phase[k] = phase[k] / elapsed;
    r->loss = loss;
}

/* Runs one configuration: one warm-up iteration, then the windows of o. */
static rl_code run_config(const bench_cfg *c, const bench_opts *o, bench_result *out, rl_status *st)
{
    bench_state s;
    rl_code rc = state_init(c, &s, st);
    if (rc == RL_OK) {
        double warm[4] = {0};
        iterate(&s, warm);
        *out = (bench_result){0};
        for (int r = 0; r < (o->iters > 0 ? 1 : o->reps); r++)
            time_window(&s, c, o, out);
    }
    state_free(&s);
    return rc;
}

static void print_result(const bench_cfg *c, const bench_result *r, double peak)
{
    printf("N=%4d B=%3d T=%2d n_in=%2d n_out=%2d | %8.2f it/s | %6.1f GFLOP/s | %5.1f%% of peak | "
           "fwd %4.1f%% loss %4.1f%% bwd %4.1f%% step %4.1f%% | loss %.9g\n",
           c->n, c->batch, c->steps, c->n_in, c->n_out, r->it_per_s, r->gflops,
           100.0 * r->gflops / peak, 100.0 * r->phase[0], 100.0 * r->phase[1], 100.0 * r->phase[2],
           100.0 * r->phase[3], r->loss);
}

/* Reads the options in front of the optional "N B T n_in n_out"; returns the index of
** the first positional argument, or -1 on a malformed option. */
static int parse_opts(int argc, char **argv, bench_opts *o)
{
    int i = 1;
    for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        if (strcmp(argv[i], "--reps") == 0)
            o->reps = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--seconds") == 0)
            o->seconds = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--iters") == 0)
            o->iters = atol(argv[i + 1]);
        else
            return -1;
    }
    return o->reps >= 1 && o->seconds >= 0.0 && o->iters >= 0 ? i : -1;
}

/*
** bench_model [--reps R] [--seconds S] [--iters K] [N B T n_in n_out]
** No configuration: the three standard ones; else that one only. Defaults: best
** of 5 windows of 0.5 s. --iters K times exactly K iterations and skips the
** peak (for callgrind/perf: instruction counts independent of the clock).
*/
int main(int argc, char **argv)
{
    static const bench_cfg cfgs[] = {
        {300, 32, 8, 3, 3},      /* NeuroGym tasks at the paper's N and batch */
        {300, 200, 28, 28, 10},  /* sMNIST */
        {1024, 256, 50, 32, 10}, /* large: GEMM-bound */
    };
    enum { PEAK_SIZE = 1024, PEAK_REPS = 10 };
    rl_status st = RL_STATUS_INIT;
    bench_opts opts = {5, 0.5, 0};
    bench_cfg one;
    const bench_cfg *list = cfgs;
    size_t count = sizeof cfgs / sizeof cfgs[0];
    bench_result res[sizeof cfgs / sizeof cfgs[0]];
    int first = parse_opts(argc, argv, &opts);
    if (first > 0 && argc - first == 5) {
        char **a = argv + first;
        one = (bench_cfg){atoi(a[0]), atoi(a[1]), atoi(a[2]), atoi(a[3]), atoi(a[4])};
        list = &one;
        count = 1;
    } else if (first < 0 || argc != first) {
        fprintf(stderr, "usage: bench_model [--reps R] [--seconds S] [--iters K] "
                        "[N B T n_in n_out]\n");
        return 2;
    }
    openblas_set_num_threads(1); /* one BLAS thread per rank, as the sweeps run */
    const char *core = openblas_get_corename(), *env = getenv("OPENBLAS_CORETYPE");
    printf("OpenBLAS core %s (OPENBLAS_CORETYPE=%s), 1 thread; %s\n", core, env ? env : "unset",
           openblas_get_config());
    if (strcmp(core, "Prescott") == 0)
        printf("note: generic SSE3 kernels: OpenBLAS did not recognise this CPU; set "
               "OPENBLAS_CORETYPE (Haswell, SkylakeX) for 3-6x faster sgemm\n");
    rl_gemm_kernel own = rl_gemm_best(), used = rl_gemm_select();
    printf("richlazy GEMM kernel: %s (best on this CPU: %s; RICHLAZY_GEMM=blas forces openblas)\n",
           rl_gemm_kernel_name(used), rl_gemm_kernel_name(own));
    if (opts.iters > 0)
        printf("timing exactly %ld iterations per configuration; peak not measured\n", opts.iters);
    else
        printf("timing: best of %d windows of >= %.2f s per configuration\n", opts.reps,
               opts.seconds);
    /* The peak is measured before and after the runs and the larger kept, so a
    ** busy neighbour during one measurement does not inflate the fractions. */
    double peak[2][2] = {{NAN, NAN}, {NAN, NAN}}; /* [openblas, own][before, after] */
    bool timed = opts.iters == 0, both = own != RL_GEMM_BLAS;
    for (int k = 0; timed && k < 1 + both; k++)
        peak[k][0] = sgemm_peak(k ? own : RL_GEMM_BLAS, PEAK_SIZE, PEAK_REPS, &st);
    for (size_t i = 0; i < count && st.code == RL_OK; i++)
        run_config(&list[i], &opts, &res[i], &st);
    for (int k = 0; timed && st.code == RL_OK && k < 1 + both; k++)
        peak[k][1] = sgemm_peak(k ? own : RL_GEMM_BLAS, PEAK_SIZE, PEAK_REPS, &st);
    if (st.code != RL_OK) {
        fprintf(stderr, "bench_model: %s\n", st.msg);
        return 1;
    }
    printf("single-thread sgemm peak (%d^3, best of %d, before/after): %.1f / %.1f GFLOP/s\n",
           PEAK_SIZE, PEAK_REPS, peak[0][0], peak[0][1]);
    if (both)
        printf("own kernel %s peak (%d^3, best of %d, before/after): %.1f / %.1f GFLOP/s\n",
               rl_gemm_kernel_name(own), PEAK_SIZE, PEAK_REPS, peak[1][0], peak[1][1]);
    /* fmax ignores the NaN of an unmeasured kernel */
    double best = fmax(fmax(peak[0][0], peak[0][1]), fmax(peak[1][0], peak[1][1]));
    if (timed)
        printf("%% of peak below: against %.1f GFLOP/s, the best single-thread 1024^3 rate "
               "measured in this run\n",
               best);
    for (size_t i = 0; i < count; i++)
        print_result(&list[i], &res[i], best);
    return 0;
}
