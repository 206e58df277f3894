/*
** bench_gemm.c: the model's own GEMM (src/model/gemm.c) against cblas_sgemm on
** the shapes rnn.c multiplies, one BLAS thread.
** Why: the choice of kernel per product in rnn.c rests on these per-call times.
** The two sides alternate window by window (best of R windows each) and are timed
** in thread CPU time, so a busy neighbour on the shared machine (which takes the
** core away, not only cache) hits both alike and less; the ratio is the result.
** bench_gemm [--seconds S] [--reps R] [trans m n k]: the default list, or one shape.
** Each line ends "| x<OpenBLAS time / own time>" and "SLOWER" where that is below 1.00
** (run_bench.sh collects those lines).
*/
#include "gemm.h"
#include "richlazy/core.h"

#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct shape {
    int trans, m, n, k;
    const char *what;
} shape;

/* Fixed-seed xorshift, uniform on [-1, 1). */
static float uniform_pm1(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (float)((double)(*s >> 11) * 0x1.0p-52 - 1.0);
}

/* CPU seconds of this thread (descheduled time excluded). */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Seconds per call of one kernel: best of `reps` windows of >= `seconds`. */
static double time_calls(rl_gemm_kernel kern, const shape *s, const float *a, const float *b,
                         float *c, float *work, double seconds)
{
    int lda = s->trans ? s->m : s->k;
    double t0 = cpu_now(), el = 0.0;
    long calls = 0;
    while (calls < 2 || el < seconds) {
        rl_gemm_multiply(kern, s->trans, s->m, s->n, s->k, 1.0f, a, lda, b, s->n, 1.0f, c, s->n,
                         work);
        calls++;
        el = cpu_now() - t0;
    }
    return el / calls;
}

static int bench_shape(const shape *s, int reps, double seconds, rl_gemm_kernel best)
{
    rl_status st = RL_STATUS_INIT;
    size_t na = (size_t)s->m * s->k, nb = (size_t)s->k * s->n, nc = (size_t)s->m * s->n;
    float *a = rl_alloc(na, sizeof *a, &st), *b = rl_alloc(nb, sizeof *b, &st),
          *c = rl_alloc(nc, sizeof *c, &st),
          *w = rl_alloc(rl_gemm_work_floats(s->m, s->k), sizeof *w, &st);
    if (!a || !b || !c || !w) {
        fprintf(stderr, "bench_gemm: %s\n", st.msg);
        return 1;
    }
    uint64_t seed = 7;
    for (size_t i = 0; i < na; i++)
        a[i] = uniform_pm1(&seed);
    for (size_t i = 0; i < nb; i++)
        b[i] = uniform_pm1(&seed);
    double t_blas = INFINITY, t_own = INFINITY;
    for (int r = 0; r < reps; r++) { /* alternate, keep each side's best */
        memset(c, 0, nc * sizeof *c);
        t_blas = fmin(t_blas, time_calls(RL_GEMM_BLAS, s, a, b, c, w, seconds));
        memset(c, 0, nc * sizeof *c);
        t_own = fmin(t_own, time_calls(best, s, a, b, c, w, seconds));
    }
    double fl = 2.0 * s->m * s->n * (double)s->k;
    printf("%-28s %c %5d %5d %6d | openblas %9.1f us %6.1f GFLOP/s | %-8s %9.1f us %6.1f GFLOP/s "
           "| x%.2f%s\n",
           s->what, s->trans ? 'T' : 'N', s->m, s->n, s->k, 1e6 * t_blas, fl / t_blas * 1e-9,
           rl_gemm_kernel_name(best), 1e6 * t_own, fl / t_own * 1e-9, t_blas / t_own,
           best != RL_GEMM_BLAS && t_own > t_blas ? " SLOWER" : "");
    rl_free(a);
    rl_free(b);
    rl_free(c);
    rl_free(w);
    return 0;
}

int main(int argc, char **argv)
{
    static const shape shapes[] = {
        {0, 32, 300, 300, "2af step (fwd/bwd)"}, {1, 300, 300, 224, "2af dW_h"},
        {0, 224, 300, 3, "2af readout dL/dr"},   {1, 3, 300, 256, "2af dw"},
        {0, 200, 300, 300, "sMNIST step"},       {1, 300, 300, 5400, "sMNIST dW_h"},
        {0, 256, 1024, 1024, "large step"},      {1, 1024, 1024, 12544, "large dW_h"},
        {0, 1024, 1024, 1024, "peak 1024^3"},
        /* the thin per-step products rnn.c runs since d9b8f18 (K or C n_in or n_out wide) */
        {0, 32, 300, 3, "2af dL/dr, drive (per step)"}, {0, 200, 300, 10, "sMNIST dL/dr (per step)"},
        {0, 200, 300, 28, "sMNIST drive (per step)"},   {1, 28, 300, 5600, "sMNIST dW_x (x^T g)"},
        {0, 256, 1024, 10, "large dL/dr (per step)"},   {0, 256, 1024, 32, "large drive (per step)"},
        {1, 32, 1024, 12800, "large dW_x (x^T g)"},
    };
    double seconds = 0.2;
    int reps = 3;
    int i = 1;
    for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        if (strcmp(argv[i], "--seconds") == 0)
            seconds = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--reps") == 0)
            reps = atoi(argv[i + 1]);
    }
    openblas_set_num_threads(1);
    rl_gemm_kernel best = rl_gemm_best();
    printf("bench_gemm: OpenBLAS core %s vs kernel %s, best of %d alternating windows of %.2f s\n",
           openblas_get_corename(), rl_gemm_kernel_name(best), reps, seconds);
    if (argc - i == 4) {
        shape one = {atoi(argv[i]), atoi(argv[i + 1]), atoi(argv[i + 2]), atoi(argv[i + 3]),
                     "given"};
        return bench_shape(&one, reps, seconds, best);
    }
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        if (bench_shape(&shapes[s], reps, seconds, best)) return 1;
    return 0;
}
