/*
** test_task.c: the registry, batches and determinism shared by every task.
** Determinism is what resume relies on (DESIGN "Determinism"): a batch is a pure
** function of (sweep seed, item seed, iteration) — same coordinates, same bytes;
** any coordinate changed, other trials. Also: errors name the key and what is valid.
*/
#include "tasktest.h"

static const char *const cognitive[] = {"2af", "dms", "cxt"};

static long differing(const rl_batch *a, const rl_batch *b)
{
    size_t tb = (size_t)a->steps * (size_t)a->batch, n = 0;
    for (size_t i = 0; i < tb * (size_t)a->n_in; i++)
        n += a->x[i] != b->x[i];
    for (size_t i = 0; i < tb; i++)
        n += a->label[i] != b->label[i] || a->mask[i] != b->mask[i];
    return (long)n;
}

static void check_determinism(const char *name)
{
    enum { N = 64 };
    rl_params p = tt_params(name);
    rl_batch a, b, small = {0};
    rl_task *ta = tt_task(&p, N, &a), *tb = tt_task(&p, N, &b);
    rl_status st = RL_STATUS_INIT;
    if (!ta || !tb) goto out;
    tt_fill(ta, 17, &a);
    tt_fill(tb, 3, &b); /* b's arrays now hold other data: the refill must overwrite all */
    tt_fill(tb, 17, &b);
    RL_TEST(differing(&a, &b) == 0,
            "%s: iteration 17 from two task objects is bitwise identical (%d trials)", name, N);
    tt_fill(tb, 18, &b);
    long d = differing(&a, &b);
    RL_TEST(d > 0, "%s: iteration 18 differs from 17 (%ld entries differ)", name, d);
    rl_task_fill_train(tb, 8, 17, &b, &st);
    RL_TEST(differing(&a, &b) > 0, "%s: sweep seed 8 differs from 7 at the same iteration", name);

    rl_task_fill_probe(ta, 7, &a, &st);
    rl_task_fill_probe(tb, 7, &b, &st);
    RL_TEST(st.code == RL_OK && differing(&a, &b) == 0, "%s: the probe set is the same every time",
            name);
    tt_fill(tb, 0, &b);
    RL_TEST(differing(&a, &b) > 0, "%s: the probe set differs from training batch 0", name);

    /* Trials are drawn in row order from one stream: a smaller batch is a prefix. */
    rl_task_shape s = rl_task_get_shape(ta);
    if (rl_batch_create(&s, N / 2, &small, &st) == RL_OK) {
        tt_fill(ta, 17, &a);
        tt_fill(ta, 17, &small);
        long bad = 0;
        for (int t = 0; t < s.steps; t++)
            for (int r = 0; r < N / 2; r++) {
                bad += tt_label(&a, t, r) != tt_label(&small, t, r);
                for (int c = 0; c < s.n_in; c++)
                    bad += tt_x(&a, t, r, c) != tt_x(&small, t, r, c);
            }
        RL_TEST(bad == 0,
                "%s: a %d-trial batch is the first %d trials of a %d-trial one (%ld "
                "differ)",
                name, N / 2, N / 2, N, bad);
    }
    rl_task_destroy(&tb);
    rl_batch_destroy(&b);
    p.seed = 4;
    tb = tt_task(&p, N, &b);
    if (tb && tt_fill(tb, 17, &b))
        RL_TEST(differing(&a, &b) > 0, "%s: item seed 4 differs from item seed 3", name);
out:
    rl_batch_destroy(&a);
    rl_batch_destroy(&b);
    rl_batch_destroy(&small);
    rl_task_destroy(&ta);
    rl_task_destroy(&tb);
}

static void check_registry(void)
{
    static const char *const all[] = {"2af", "dms", "cxt", "smnist", "pattern"};
    rl_status st = RL_STATUS_INIT;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        rl_params p = tt_params(all[i]);
        rl_task_shape s = {0}, g = {0};
        rl_task *t = NULL;
        rl_code rc = rl_task_shape_of(&p, &s, &st);
        if (i == 3) { /* smnist would read files: shape_of must not */
            strcpy(p.task.images, "/nonexistent/images.gz");
            rc = rl_task_shape_of(&p, &s, &st);
            RL_TEST(rc == RL_OK && s.steps == 28,
                    "smnist: shape_of needs no files (T = %d with a missing images path)", s.steps);
            continue;
        }
        if (rc == RL_OK && rl_task_create(&p, &t, &st) == RL_OK) g = rl_task_get_shape(t);
        RL_TEST(t && memcmp(&s, &g, sizeof s) == 0, "%s: shape_of agrees with the built task",
                all[i]);
        rl_task_destroy(&t);
    }
    rl_params p = tt_params("2af");
    strcpy(p.task.name, "3af");
    static char sentinel;
    rl_task *t = (rl_task *)&sentinel; /* create must reset *out to NULL on failure */
    rl_code rc = rl_task_create(&p, &t, &st);
    RL_TEST(
        rc == RL_EINPUT && t == NULL &&
            strstr(st.msg, "task.name = '3af' is not known; valid: 2af|dms|cxt|smnist|pattern") &&
            strcmp(st.params, "task.name") == 0,
        "unknown task refused with the table's valid names, about task.name: \"%s\"", st.msg);
    rl_status_clear(&st);
    p = tt_params("dms");
    rc = rl_task_create(&p, &t, &st);
    rl_task_destroy(&t);
    RL_TEST(rc == RL_OK && t == NULL, "rl_task_destroy frees a task and sets the pointer to NULL");
    rl_task_destroy(&t); /* a second destroy, and one on NULL, must be no-ops (ASan would see) */
    rl_task_destroy(NULL);
}

static void expect_error(rl_params *p, rl_code code, const char *needle, const char *what)
{
    rl_status st = RL_STATUS_INIT;
    rl_task *t = NULL;
    rl_code rc = rl_task_create(p, &t, &st);
    RL_TEST(rc == code && t == NULL && strstr(st.msg, needle), "%s: \"%s\"", what, st.msg);
    rl_task_destroy(&t);
}

static void check_period_errors(void)
{
    rl_params p = tt_params("2af");
    tt_set(&p, "task.decision", "50");
    expect_error(&p, RL_EINPUT, "task.decision = 50 ms is shorter than one step",
                 "2af decision of 50 ms at dt 100 refused");
    p = tt_params("dms");
    tt_set(&p, "task.sample", "-0.5");
    expect_error(&p, RL_EINPUT, "task.sample = -0.5 ms is not a period length; valid: -1",
                 "dms negative sample period refused");
    p = tt_params("cxt");
    tt_set(&p, "task.dt", "0.001");
    tt_set(&p, "task.delay", "1e6");
    expect_error(&p, RL_EINPUT, "longer than 100000 steps",
                 "cxt trial of more than 100000 steps (dt 0.001 ms) refused");
    for (size_t i = 0; i < 3; i++) {
        p = tt_params(cognitive[i]);
        tt_set(&p, "task.stimulus", "0");
        tt_set(&p, "task.sample", "0");
        rl_task_shape s = {0};
        rl_status st = RL_STATUS_INIT;
        rl_code rc = rl_task_shape_of(&p, &s, &st);
        RL_TEST(rc == RL_OK && s.steps == (i == 1   ? 7
                                           : i == 0 ? 1
                                                    : 6),
                "%s: a 0 ms period takes no step (T = %d)", cognitive[i], s.steps);
    }
}

static void check_batches(void)
{
    rl_status st = RL_STATUS_INIT;
    rl_task_shape ce = {8, 3, 3, RL_LOSS_CE, 7}, mse = {100, 100, 1, RL_LOSS_MSE, 99};
    rl_batch b;
    rl_code rc = rl_batch_create(&ce, 0, &b, &st);
    RL_TEST(rc == RL_EINPUT && strstr(st.msg, "batch of 0 trials; valid: at least 1"),
            "a batch of 0 trials is refused: \"%s\"", st.msg);
    rl_status_clear(&st);
    rc = rl_batch_create(&ce, 5, &b, &st);
    RL_TEST(rc == RL_OK && b.label && !b.target && b.x && b.mask,
            "a CE batch has labels and no targets");
    rl_batch_destroy(&b);
    rl_batch_destroy(&b);
    rl_batch_destroy(NULL);
    RL_TEST(b.x == NULL && b.label == NULL, "destroy zeroes the batch; twice and NULL are safe");
    rc = rl_batch_create(&mse, 5, &b, &st);
    RL_TEST(rc == RL_OK && !b.label && b.target, "an MSE batch has targets and no labels");
    rl_batch_destroy(&b);

    /* A batch of another shape, or a negative iteration, is our bug: RL_EBUG. */
    rl_params p = tt_params("2af"), q = tt_params("cxt");
    rl_batch other;
    rl_task *t2 = tt_task(&p, 4, &b), *tc = tt_task(&q, 4, &other);
    if (t2 && tc) {
        rc = rl_task_fill_train(t2, 7, 0, &other, &st);
        RL_TEST(rc == RL_EBUG && strstr(st.msg, "does not match"),
                "filling a cxt batch from 2af is refused: \"%s\"", st.msg);
        rl_status_clear(&st);
        rc = rl_task_fill_train(t2, 7, -1, &b, &st);
        RL_TEST(rc == RL_EBUG && strstr(st.msg, "iteration -1"),
                "a negative iteration is refused: \"%s\"", st.msg);
    }
    rl_batch_destroy(&b);
    rl_batch_destroy(&other);
    rl_task_destroy(&t2);
    rl_task_destroy(&tc);
}

int main(void)
{
    for (size_t i = 0; i < 3; i++)
        check_determinism(cognitive[i]);
    check_registry();
    check_period_errors();
    check_batches();
    return rl_test_done();
}
