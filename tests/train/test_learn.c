/*
** test_learn.c: one item end to end learns each task (issue "training core",
** evidence "learning tests with modest budgets"). Budgets and thresholds are
** stated in each check; chance is 1/2 for 2af, dms and cxt (decision step) and
** 1/10 for sMNIST. 2af's ceiling is below 1: coherence-0 trials are coin flips.
*/
#include <stdio.h>
#include <unistd.h>

#include "trainutil.h"

static void learn(const char *task, long iters, double threshold)
{
    rl_params p;
    small_params(&p, task);
    p.model.hidden = 64;
    p.train.iterations = iters;
    p.train.batch = 32;
    p.train.curve_every = 50;
    p.probe.trials = 320;
    rl_result r;
    rl_status st = RL_STATUS_INIT;
    rl_result_clear(&r, 0);
    rl_code rc = rl_train_item(&p, 1, NULL, &r, &st);
    RL_TEST(rc == RL_OK && r.status == RL_ITEM_DONE, "%s trains to the end (%s)", task,
            rc ? st.msg : "ok");
    RL_TEST(r.measure[RL_MEASURE_final_accuracy] >= threshold,
            "%s: SGD lr 0.003 mu 0.9, N 64, batch 32, %ld iterations: decision accuracy %.3f on 320 "
            "probe trials >= %.2f",
            task, iters, r.measure[RL_MEASURE_final_accuracy], threshold);
    RL_TEST(r.measure[RL_MEASURE_final_loss] < 0.5 * r.measure[RL_MEASURE_initial_loss],
            "%s: probe loss halves at least (%.4f -> %.4f)", task,
            r.measure[RL_MEASURE_initial_loss], r.measure[RL_MEASURE_final_loss]);
}

static void learn_smnist(void)
{
    if (access("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz", R_OK) != 0) {
        printf("SKIP: Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)\n");
        return;
    }
    rl_params p;
    small_params(&p, "smnist");
    p.model.hidden = 64;
    p.train.iterations = 300;
    p.train.batch = 64;
    p.train.curve_every = 50;
    strcpy(p.train.optimizer, "adam");
    p.probe.trials = 500;
    p.probe.kernel_trials = 20;
    rl_result r;
    rl_status st = RL_STATUS_INIT;
    rl_result_clear(&r, 0);
    rl_code rc = rl_train_item(&p, 1, NULL, &r, &st);
    RL_TEST(rc == RL_OK && r.status == RL_ITEM_DONE, "smnist trains to the end (%s)",
            rc ? st.msg : "ok");
    RL_TEST(r.measure[RL_MEASURE_final_accuracy] >= 0.5,
            "smnist (Fashion-MNIST): Adam lr 0.003, N 64, batch 64, 300 iterations: accuracy %.3f on "
            "500 validation images >= 0.5 (chance 0.1)",
            r.measure[RL_MEASURE_final_accuracy]);
}

static void learn_pattern(void)
{
    rl_params p;
    small_params(&p, "pattern");
    p.model.hidden = 64;
    p.model.tau = 30;
    p.task.dt = 10;
    p.train.iterations = 600;
    p.train.batch = 1;
    p.train.curve_every = 50;
    strcpy(p.train.optimizer, "adam");
    p.probe.trials = 1;
    p.probe.kernel_trials = 1;
    rl_result r;
    rl_status st = RL_STATUS_INIT;
    rl_result_clear(&r, 0);
    rl_code rc = rl_train_item(&p, 1, NULL, &r, &st);
    RL_TEST(rc == RL_OK && r.status == RL_ITEM_DONE, "pattern trains to the end (%s)",
            rc ? st.msg : "ok");
    RL_TEST(r.measure[RL_MEASURE_final_loss] * 10 < r.measure[RL_MEASURE_initial_loss],
            "pattern: Adam lr 0.003, tau 30 ms, dt 10 ms, 600 iterations: MSE falls by more than "
            "10x (%.3g -> %.3g)",
            r.measure[RL_MEASURE_initial_loss], r.measure[RL_MEASURE_final_loss]);
}

int main(void)
{
    learn("2af", 1500, 0.75);
    learn("dms", 1500, 0.90);
    learn("cxt", 1500, 0.70);
    learn_smnist();
    learn_pattern();
    return rl_test_done();
}
