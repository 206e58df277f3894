/*
** bench_metrics.c: cost of the kernel alignment (two tangent kernels + Eq. 6)
** relative to the training of the same item, one BLAS thread.
** Why: KA is computed for every item, before and after training; the target is
** <= 10% of the item's training time at the paper's 2af configuration (N = 300,
** T = 8, 32 kernel trials x 3 outputs = 768 rows, 10000 iterations of batch 32).
** Training is timed on the real model and task (forward + CE + BPTT + SGD step)
** over a few hundred iterations and scaled to 10000; both timings are taken in
** the same run, so the ratio does not depend on the machine's speed or load.
** `bench_metrics smnist` adds one sMNIST-shaped kernel (T = 28, last step,
** 200 images x 10 outputs = 2000 rows), by the route rl_metrics_kernel_create
** picks there (J in column blocks), for information.
** A meson benchmark(), not a test: `meson test -C build --benchmark --suite metrics`.
*/
#include "../metrics/mfix.h"

#include "richlazy/core.h"

#define ITERS_PAPER 10000
#define ITERS_TIMED 300

/* Seconds per training iteration of the 2af item (batch 32), real task batches. */
static double time_training(rl_task *task, rl_rnn *net, const rl_params *p)
{
    rl_status st = RL_STATUS_INIT;
    rl_task_shape shape = rl_task_get_shape(task);
    rl_batch b;
    rl_rnn_work *w = NULL;
    rl_opt *opt = NULL;
    float *grad = malloc(sizeof(float) * net->n_params);
    mf_ok(rl_batch_create(&shape, (int)p->train.batch, &b, &st), &st, "batch");
    mf_ok(rl_rnn_work_create(net, shape.steps, b.batch, &w, &st), &st, "work");
    mf_ok(rl_opt_create(p, net->n_params, &opt, &st), &st, "optimiser");
    double t0 = 0.0;
    for (long it = 0; it < ITERS_TIMED + 20; it++) {
        if (it == 20) t0 = rl_now(); /* 20 warm-up iterations */
        mf_ok(rl_task_fill_train(task, 1, it, &b, &st), &st, "train batch");
        rl_rnn_forward(net, b.x, w);
        rl_loss_eval(shape.loss, &b, rl_rnn_outputs(w), rl_rnn_output_grad(w), NULL, NULL);
        rl_rnn_backward(net, b.x, w, grad);
        rl_opt_step(opt, net->theta, grad);
    }
    double per = (rl_now() - t0) / ITERS_TIMED;
    rl_opt_destroy(&opt);
    rl_rnn_work_destroy(&w);
    rl_batch_destroy(&b);
    free(grad);
    return per;
}

/* Best of `reps` timings of KA(K(n0), K(nf)), kernels included. */
static double time_ka(const rl_rnn *n0, const rl_rnn *nf, const rl_batch *probe, int trials,
                      rl_kernel_wrt wrt, int reps, double *ka)
{
    rl_status st = RL_STATUS_INIT;
    double best = 1e300;
    for (int r = 0; r < reps; r++) {
        rl_kernel *k0 = NULL, *kf = NULL;
        double t0 = rl_now();
        mf_ok(rl_metrics_kernel_create(n0, probe, trials, wrt, false, &k0, &st), &st, "K0");
        mf_ok(rl_metrics_kernel_create(nf, probe, trials, wrt, false, &kf, &st), &st, "Kf");
        *ka = rl_metrics_kernel_alignment(k0, kf);
        best = fmin(best, rl_now() - t0);
        rl_metrics_kernel_destroy(&k0);
        rl_metrics_kernel_destroy(&kf);
    }
    return best;
}

static void bench_2af(void)
{
    rl_params p;
    rl_batch probe;
    rl_task_shape shape;
    rl_params_defaults(&p);
    rl_task *task = mf_task_probe((int)p.probe.trials, &probe, &shape);
    rl_rnn *n0 = mf_net(shape.n_in, (int)p.model.hidden, shape.n_out, 0.0f, 1.25, 1.0, 1);
    rl_rnn *nf = mf_copy(n0);
    double per_iter = time_training(task, nf, &p); /* nf is now trained a little */
    int trials = (int)p.probe.kernel_trials;
    double ka = NAN, t_wh = time_ka(n0, nf, &probe, trials, RL_KERNEL_WRT_WH, 5, &ka);
    double ka_all = NAN, t_all = time_ka(n0, nf, &probe, trials, RL_KERNEL_WRT_ALL, 3, &ka_all);
    double train = per_iter * ITERS_PAPER;
    printf("2af N=%ld T=%d kernel rows=%d: training %.1f it/s -> %d iterations = %.2f s\n",
           p.model.hidden, shape.steps, rl_metrics_kernel_rows(n0, shape.steps, trials, false),
           1.0 / per_iter, ITERS_PAPER, train);
    printf(
        "  KA wrt W_h (2 kernels): %.3f s = %5.2f%% of training (target <= 10%%) [%s], KA %.4f\n",
        t_wh, 100.0 * t_wh / train, t_wh <= 0.1 * train ? "met" : "MISSED", ka);
    printf("  KA wrt all parameters:  %.3f s = %5.2f%% of training, KA %.4f\n", t_all,
           100.0 * t_all / train, ka_all);
    rl_rnn_destroy(&n0);
    rl_rnn_destroy(&nf);
    rl_batch_destroy(&probe);
    rl_task_destroy(&task);
}

/* sMNIST shape with random inputs (the data set is not needed for timing). */
static void bench_smnist(void)
{
    rl_batch probe;
    mf_batch(&probe, 28, 200, 28, 10, 2);
    rl_rnn *n0 = mf_net(28, 300, 10, 0.0f, 1.25, 1.0, 3);
    rl_status st = RL_STATUS_INIT;
    rl_kernel *k = NULL;
    double t0 = rl_now();
    mf_ok(rl_metrics_kernel_create(n0, &probe, 200, RL_KERNEL_WRT_WH, true, &k, &st), &st, "K");
    printf("sMNIST shape N=300 T=28 last step, 200 x 10 = %d rows: one kernel %.2f s\n",
           rl_metrics_kernel_size(k), rl_now() - t0);
    rl_metrics_kernel_destroy(&k);
    rl_rnn_destroy(&n0);
    rl_batch_destroy(&probe);
}

int main(int argc, char **argv)
{
    bench_2af();
    if (argc > 1 && strcmp(argv[1], "smnist") == 0) bench_smnist();
    return 0;
}
