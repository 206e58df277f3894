/*
** cost.c: what an item costs — a work model, probes that measure this
** machine's speed on that work, and the dispatch order (module: run).
**
** The work of an RNN item (N hidden units, T steps, B trials per batch, the
** task's n_in inputs and n_out outputs; a multiply-add counts 2 flops):
**   training   iterations x 3 T B 2 (N^2 + N n_in + N n_out) float flops
**              (forward, and twice that for BPTT: dW and the state)
**   forward    4 probe-set forward passes (losses and Eq. 5's states before
**              and after), one more per loss-curve record with a stop criterion
**   double     each tangent kernel (2, plus one per probe.kernel_every) by the
**              cheaper of kernel.c's routes: Gram 2 N^2 S + S^2 N, S the row-steps
**              (rows x the steps each backpropagates through), or explicit
**              2 N^2 S + M^2 N^2, M rows; Eq. 5's Gram matrices 4 R^2 N
**   LAPACK     per kernel the eigenvalues of an M x M symmetric matrix; W_h(0)'s
**              eigenvalues and singular values (init.c), and its truncated SVD for
**              the low-rank kinds
** Why probes and not an assumed GFLOP/s: these products are small (300 x 32 x
** 300), so the speed depends on the shape and the CPU — a fixed 40 GFLOP/s was
** 2.6x off on a 10,000-iteration Fig. 1 sweep — and the measures run in double
** precision through OpenBLAS at a different speed again (28 against 110 GFLOP/s
** for training, measured on this project's test machine). So the probes time the
** real training step (task batch, Eq. 1 forward, loss, BPTT, optimiser) of each
** distinct shape for ~PROBE_SECONDS, a double GEMM, and each LAPACK call at
** LAPACK_N; items are charged at those speeds (LAPACK times scale as n^3). They
** count the calling thread's CPU time, so a probe on a busy machine still
** measures what a free core will do. linear2 items (milliseconds) are charged
** LINEAR2_RATE.
**
** Why longest first: with dynamic dispatch the sweep ends when its last item
** does, so long items started last leave ranks idle at the end (LPT scheduling:
** within 4/3 of optimal). Order never affects results (run.h).
*/
#include "run_int.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "richlazy/model.h"
#include "richlazy/task.h"

#define PROBE_SECONDS 0.05 /* CPU time spent timing one training shape */
#define PROBE_MAX_IT  400  /* iterations at most (tiny shapes take microseconds each) */
#define PROBE_BLOCKS  3    /* timings per shape, the least counts */
#define MAX_SHAPES    256  /* distinct training shapes probed; others scale from the nearest */
#define LAPACK_N      256  /* order of the matrices the LAPACK probes time */
#define LINEAR2_RATE  1e10 /* flop/s charged to linear2 items (fig3_quick: 120 items in ~1 s) */

/* ---- the work model ---- */

/* What one item does, by the speed it runs at. */
typedef struct work {
    double train, forward; /* float flops: training iterations; probe-set forward passes */
    double dgemm;          /* double flops: kernel and Eq. 5 Gram matrices */
    double syev_n3;        /* sum of n^3 over the symmetric eigenproblems (kernels) */
    double geev_n3, gesdd_n3, svd_n3; /* W_h(0): eigenvalues, singular values, truncated SVD */
    double per_iteration;             /* float flops of one training iteration */
} work;

/* One forward pass of `trials` trials. */
static double forward_flops(const rl_params *p, const rl_task_shape *sh, double trials)
{
    double n = (double)p->model.hidden;
    return 2.0 * sh->steps * trials * (n * n + n * sh->n_in + n * sh->n_out);
}

/* One tangent kernel, by the cheaper route (kernel.c's choice); *rows = M. */
static double kernel_flops(const rl_params *p, const rl_task_shape *sh, double *rows)
{
    double n = (double)p->model.hidden, t = sh->steps;
    bool last_only = strcmp(p->task.name, "smnist") == 0; /* train.c: kernel_last_only */
    double per_step = (double)p->probe.kernel_trials * sh->n_out;
    double m = last_only ? per_step : per_step * t;                   /* rows of J */
    double s = last_only ? per_step * t : per_step * t * (t + 1) / 2; /* row-steps */
    double backward = 2.0 * n * n * s;
    double gram = backward + s * s * n, expl = backward + m * m * n * n;
    *rows = m;
    return gram < expl ? gram : expl;
}

static bool is_linear2(const rl_params *p)
{
    return strcmp(p->model.kind, "linear2") == 0;
}

static work work_of(const rl_params *p)
{
    work w;
    rl_task_shape sh;
    rl_status st = RL_STATUS_INIT;
    double iters = (double)p->train.iterations, n = (double)p->model.hidden, m;
    memset(&w, 0, sizeof w);
    if (is_linear2(p)) { /* one GD step: O(N d + d m) each (linear2.c), as float work */
        double d = (double)p->linear.d, samples = (double)p->linear.m;
        w.per_iteration = 6.0 * (n * d + d * samples);
        w.train = w.per_iteration * (double)p->linear.steps;
        w.forward = 4.0 * d * d * samples;
        return w;
    }
    if (rl_task_shape_of(p, &sh, &st) != RL_OK) return w; /* plan reports the error */
    double trials = (double)p->probe.trials;
    double records = ceil(iters / (double)(p->train.curve_every > 0 ? p->train.curve_every : 1));
    bool criterion = p->train.stop_loss > 0 || p->train.stop_accuracy > 0;
    double kernels = 2 + (p->probe.kernel_every > 0 ? floor(iters / p->probe.kernel_every) : 0);
    double rep_rows = trials * (strcmp(p->probe.rep_samples, "steps") == 0 ? sh.steps : 1);
    w.per_iteration = 3.0 * forward_flops(p, &sh, (double)p->train.batch);
    w.train = w.per_iteration * iters;
    w.forward = (4.0 + (criterion ? records : 0)) * forward_flops(p, &sh, trials);
    w.dgemm = kernels * kernel_flops(p, &sh, &m) + 4.0 * rep_rows * rep_rows * n;
    w.syev_n3 = kernels * m * m * m;
    w.geev_n3 = n * n * n * (strcmp(p->init.norm, "spectral") == 0 ? 3 : 1);
    w.gesdd_n3 = n * n * n;
    bool truncated = !strcmp(p->init.kind, "svd") || !strcmp(p->init.kind, "softrank") ||
                     !strcmp(p->init.kind, "file");
    w.svd_n3 = truncated ? n * n * n : 0;
    return w;
}

rl_run_flops rl_run_item_flops(const rl_params *p)
{
    work w = work_of(p);
    /* LAPACK in flop equivalents (dsyevr values 4/3 n^3, dgeev ~10 n^3, dgesdd 4 or 22 n^3) */
    double lapack = 4.0 / 3.0 * w.syev_n3 + 10 * w.geev_n3 + 4 * w.gesdd_n3 + 22 * w.svd_n3;
    return (rl_run_flops){w.train, w.forward + w.dgemm + lapack, w.per_iteration};
}

double rl_run_item_cost(const rl_params *p)
{
    rl_run_flops f = rl_run_item_flops(p);
    return f.train + f.measure;
}

/* ---- the probes ---- */

/* A training shape: what the speed of one iteration depends on. */
typedef struct shape_key {
    char task[RL_NAME_MAX], optimizer[RL_NAME_MAX];
    long hidden, batch;
    int steps, n_in, n_out;
} shape_key;

typedef struct probed {
    shape_key key;
    double seconds_per_flop; /* CPU seconds of one core per training flop */
} probed;

struct rl_run_rates {
    probed shapes[MAX_SHAPES];
    int n;
    double dgemm;                  /* seconds per double flop */
    double syev, geev, gesdd, svd; /* seconds per n^3 of each LAPACK call */
    double probe_seconds;          /* CPU time the probes took */
};

static bool key_of(const rl_params *p, shape_key *k)
{
    rl_task_shape sh;
    rl_status st = RL_STATUS_INIT;
    memset(k, 0, sizeof *k);
    if (is_linear2(p) || rl_task_shape_of(p, &sh, &st) != RL_OK) return false;
    memcpy(k->task, p->task.name, sizeof k->task);
    memcpy(k->optimizer, p->train.optimizer, sizeof k->optimizer);
    k->hidden = p->model.hidden;
    k->batch = p->train.batch;
    k->steps = sh.steps;
    k->n_in = sh.n_in;
    k->n_out = sh.n_out;
    return true;
}

static double thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Deterministic values in [-scale, scale): the probes' speed does not depend on them. */
static void fill(float *x, size_t n, float scale, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        x[i] = scale * ((float)(seed >> 8) / 8388608.0f - 1.0f);
    }
}

/* Objects of one training probe, released together. */
typedef struct probe_run {
    rl_task *task; /* NULL for sMNIST: random inputs instead of 55,000 images read */
    rl_rnn *net;
    rl_rnn_work *work;
    rl_opt *opt;
    float *grad;
    rl_batch batch;
} probe_run;

static void probe_free(probe_run *r)
{
    rl_free(r->grad);
    rl_opt_destroy(&r->opt);
    rl_rnn_work_destroy(&r->work);
    rl_batch_destroy(&r->batch);
    rl_rnn_destroy(&r->net);
    rl_task_destroy(&r->task);
}

static rl_code probe_setup(const rl_params *p, probe_run *r, rl_status *st)
{
    rl_task_shape sh;
    RL_TRY(rl_task_shape_of(p, &sh, st));
    int n = (int)p->model.hidden;
    if (strcmp(p->task.name, "smnist") != 0) RL_TRY(rl_task_create(p, &r->task, st));
    RL_TRY(rl_rnn_create(sh.n_in, n, sh.n_out, (float)rl_rnn_rho(p), &r->net, st));
    fill(r->net->theta, r->net->n_params, 1.0f / sqrtf((float)n), 12345u);
    RL_TRY(rl_batch_create(&sh, (int)p->train.batch, &r->batch, st));
    fill(r->batch.x, (size_t)sh.steps * p->train.batch * sh.n_in, 1.0f, 777u);
    RL_TRY(rl_rnn_work_create(r->net, sh.steps, (int)p->train.batch, &r->work, st));
    RL_TRY(rl_opt_create(p, r->net->n_params, &r->opt, st));
    r->grad = rl_alloc(r->net->n_params, sizeof(float), st);
    return r->grad ? RL_OK : st->code;
}

/* train.c's training step: batch, forward, loss, BPTT, optimiser. */
static rl_code probe_step(probe_run *r, long it, rl_status *st)
{
    if (r->task) RL_TRY(rl_task_fill_train(r->task, 0, it, &r->batch, st));
    rl_rnn_forward(r->net, r->batch.x, r->work);
    if (r->task)
        rl_loss_eval(rl_task_get_shape(r->task).loss, &r->batch, rl_rnn_outputs(r->work),
                     rl_rnn_output_grad(r->work), NULL, NULL);
    else /* a small gradient in place of the loss's */
        fill(rl_rnn_output_grad(r->work), (size_t)r->batch.steps * r->batch.batch * r->net->n_out,
             1e-3f, (uint32_t)it);
    rl_rnn_backward(r->net, r->batch.x, r->work, r->grad);
    rl_opt_step(r->opt, r->net->theta, r->grad);
    return RL_OK;
}

/*
** CPU seconds per training flop of p's shape: the least of PROBE_BLOCKS timings of a few
** iterations each, as other work on the machine (caches, memory bandwidth, a busy host)
** only ever slows a probe down.
*/
static rl_code probe_shape(const rl_params *p, double *seconds_per_flop, rl_status *st)
{
    probe_run r;
    memset(&r, 0, sizeof r);
    rl_code rc = probe_setup(p, &r, st);
    long it = 0;
    double best = INFINITY;
    if (!rc) rc = probe_step(&r, it++, st); /* warm-up: first touches, packing */
    for (int b = 0; !rc && b < PROBE_BLOCKS; b++) {
        long first = it;
        double t0 = thread_cpu(), t = 0;
        while (!rc && (t = thread_cpu() - t0) < PROBE_SECONDS / PROBE_BLOCKS &&
               it - first < PROBE_MAX_IT / PROBE_BLOCKS)
            rc = probe_step(&r, it++, st);
        if (it > first) best = fmin(best, t / (double)(it - first));
    }
    probe_free(&r);
    if (rc) return rc;
    *seconds_per_flop = best / work_of(p).per_iteration;
    return RL_OK;
}

/* The double-precision side of the measures: a GEMM and each LAPACK call, at LAPACK_N. */
static rl_code probe_double(rl_run_rates *r, rl_status *st)
{
    const int n = LAPACK_N;
    const double n3 = (double)n * n * n;
    double *a = rl_alloc((size_t)n * n, 5 * sizeof(double), st); /* a, b, c, u, vt */
    double *v = rl_alloc((size_t)n, 2 * sizeof(double), st);
    lapack_int *support = rl_alloc((size_t)n, 2 * sizeof(lapack_int), st);
    if (!a || !v || !support) {
        rl_free(a);
        rl_free(v);
        rl_free(support);
        return st->code;
    }
    double *b = a + (size_t)n * n, *c = b + (size_t)n * n, *u = c + (size_t)n * n;
    double *vt = u + (size_t)n * n, t, times[5];
    lapack_int found, info = 0;
    fill((float *)c, (size_t)n * n, 1.0f, 99u); /* random bits as floats, widened below */
    for (size_t i = 0; i < (size_t)n * n; i++)
        a[i] = ((const float *)c)[i];
    for (int i = 0; i < n; i++) /* b = a + a^T: symmetric, as a kernel */
        for (int j = 0; j < n; j++)
            b[(size_t)i * n + j] = a[(size_t)i * n + j] + a[(size_t)j * n + i];
    for (int k = 0; k < 5; k++)
        times[k] = INFINITY;
    for (int round = 0; round < 2; round++) { /* the lesser of two, as for the shapes */
        t = thread_cpu();
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, n, 1.0, a, n, a, n, 0.0, c, n);
        times[0] = fmin(times[0], thread_cpu() - t);
        memcpy(c, b, (size_t)n * n * sizeof *c);
        t = thread_cpu();
        info |= LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'N', 'I', 'U', n, c, n, 0.0, 0.0, n, n, 0.0,
                               &found, v, NULL, 1, support);
        times[1] = fmin(times[1], thread_cpu() - t);
        memcpy(c, a, (size_t)n * n * sizeof *c);
        t = thread_cpu();
        info |= LAPACKE_dgeev(LAPACK_COL_MAJOR, 'N', 'N', n, c, n, v, v + n, NULL, 1, NULL, 1);
        times[2] = fmin(times[2], thread_cpu() - t);
        memcpy(c, a, (size_t)n * n * sizeof *c);
        t = thread_cpu();
        info |= LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'N', n, n, c, n, v, NULL, 1, NULL, 1);
        times[3] = fmin(times[3], thread_cpu() - t);
        memcpy(c, a, (size_t)n * n * sizeof *c);
        t = thread_cpu();
        info |= LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', n, n, c, n, v, u, n, vt, n);
        times[4] = fmin(times[4], thread_cpu() - t);
    }
    rl_free(a);
    rl_free(v);
    rl_free(support);
    RL_CHECK(info == 0, st, RL_EBUG, "cost probe: LAPACK failed on a random %d x %d matrix", n, n);
    r->dgemm = times[0] / (2.0 * n3);
    r->syev = times[1] / n3;
    r->geev = times[2] / n3;
    r->gesdd = times[3] / n3;
    r->svd = times[4] / n3;
    return RL_OK;
}

static const probed *find_shape(const rl_run_rates *r, const shape_key *k)
{
    for (int i = 0; i < r->n; i++)
        if (memcmp(&r->shapes[i].key, k, sizeof *k) == 0) return &r->shapes[i];
    return NULL;
}

rl_code rl_run_rates_measure(const rl_spec *spec, const size_t *items, size_t n, rl_run_rates **out,
                             rl_status *st)
{
    rl_run_rates *r = rl_alloc(1, sizeof *r, st);
    rl_item *it = rl_alloc(1, sizeof *it, st);
    rl_code rc = r && it ? RL_OK : st->code;
    double t0 = thread_cpu();
    if (!items) n = rl_spec_nitems(spec);
    for (size_t i = 0; !rc && i < n && r->n < MAX_SHAPES; i++) {
        shape_key k;
        rl_spec_fill_item(spec, items ? items[i] : i, it);
        if (!key_of(&it->params, &k) || find_shape(r, &k)) continue;
        r->shapes[r->n].key = k;
        rc = probe_shape(&it->params, &r->shapes[r->n].seconds_per_flop, st);
        r->n++;
    }
    if (!rc && r->n > 0) rc = probe_double(r, st);
    rl_free(it);
    if (r) r->probe_seconds = thread_cpu() - t0;
    if (rc) rl_free(r);
    *out = rc ? NULL : r;
    return rc;
}

void rl_run_rates_destroy(rl_run_rates **r)
{
    if (!r || !*r) return;
    rl_free(*r);
    *r = NULL;
}

double rl_run_rates_probe_seconds(const rl_run_rates *r)
{
    return r->probe_seconds;
}

int rl_run_rates_shapes(const rl_run_rates *r)
{
    return r->n;
}

/* Seconds per training flop for p: its shape's probe, else the probed shape nearest in size. */
static double train_rate(const rl_run_rates *r, const rl_params *p)
{
    shape_key k;
    if (!key_of(p, &k)) return 1.0 / LINEAR2_RATE;
    const probed *hit = find_shape(r, &k);
    if (hit) return hit->seconds_per_flop;
    double best = INFINITY, rate = 1.0 / LINEAR2_RATE;
    for (int i = 0; i < r->n; i++) { /* more shapes than MAX_SHAPES: the closest one */
        double d = fabs(log((double)r->shapes[i].key.hidden / (double)k.hidden));
        if (d < best) best = d, rate = r->shapes[i].seconds_per_flop;
    }
    return rate;
}

double rl_run_rates_item_seconds(const rl_run_rates *r, const rl_params *p)
{
    work w = work_of(p);
    return (w.train + w.forward) * train_rate(r, p) + w.dgemm * r->dgemm + w.syev_n3 * r->syev +
           w.geev_n3 * r->geev + w.gesdd_n3 * r->gesdd + w.svd_n3 * r->svd;
}

double rl_run_rates_train_seconds(const rl_run_rates *r, const rl_params *p)
{
    return work_of(p).train * train_rate(r, p);
}

/* ---- dispatch order ---- */

typedef struct ranked {
    double cost;
    size_t item;
} ranked;

static int longest_first(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->cost != y->cost) return x->cost > y->cost ? -1 : 1;
    return x->item < y->item ? -1 : x->item > y->item;
}

rl_code rl_run_order(const rl_spec *spec, size_t *items, size_t n, rl_status *st)
{
    ranked *r = rl_alloc(n, sizeof *r, st);
    rl_item *it = rl_alloc(1, sizeof *it, st);
    if (!r || !it) {
        rl_free(r);
        rl_free(it);
        return st->code;
    }
    for (size_t i = 0; i < n; i++) {
        rl_spec_fill_item(spec, items[i], it); /* O(1) memory for big sweeps */
        r[i] = (ranked){rl_run_item_cost(&it->params), items[i]};
    }
    rl_free(it);
    qsort(r, n, sizeof *r, longest_first);
    for (size_t i = 0; i < n; i++)
        items[i] = r[i].item;
    rl_free(r);
    return RL_OK;
}
