/*
** test_smnist.c: sequential MNIST on the real Fashion-MNIST training files
** (skipped if /usr/share/datasets/fashion-mnist is absent).
** How: the test reads the two files itself (whole-file gzread, fixed offsets 16
** and 8) and compares every batch with the image and label it should hold:
** training row b of iteration i is image (i*B + b) mod train_size, the probe is
** the validation split [train_size, ...) in file order.
*/
#include "tasktest.h"

#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#define DIR "/usr/share/datasets/fashion-mnist/"
enum { COUNT = 60000, PIX = 784, TRAIN = 55000 };

static unsigned char *images, *labels; /* the files, headers included */

static unsigned char *slurp(const char *path, size_t size)
{
    gzFile f = gzopen(path, "rb");
    unsigned char *buf = malloc(size);
    int ok = f && buf && gzread(f, buf, (unsigned)size) == (int)size;
    if (f) gzclose(f);
    if (!ok) free(buf);
    return ok ? buf : NULL;
}

/* Does trial `row` of b hold image `img`: pixels / 255, label and mask at t = 27 only? */
static long mismatches(const rl_batch *b, int row, long img)
{
    const unsigned char *px = images + 16 + img * PIX;
    long bad = 0;
    for (int t = 0; t < 28; t++) {
        for (int i = 0; i < 28; i++)
            bad += tt_x(b, t, row, i) != (float)px[t * 28 + i] / 255.0f;
        bad += tt_mask(b, t, row) != (t == 27 ? 1.0f : 0.0f);
        bad += tt_label(b, t, row) != (t == 27 ? labels[8 + img] : 0);
    }
    return bad;
}

/* Training batch `iter` of B trials from t, whose training split has train_size images. */
static void check_batch(rl_task *t, long train_size, int B, long iter, const char *what)
{
    rl_batch b;
    rl_status st = RL_STATUS_INIT;
    rl_task_shape s = rl_task_get_shape(t);
    if (rl_batch_create(&s, B, &b, &st) == RL_OK && tt_fill(t, iter, &b)) {
        long bad = 0;
        for (int r = 0; r < B; r++)
            bad += mismatches(&b, r, (long)(((unsigned long long)iter * B + r) % train_size));
        RL_TEST(bad == 0,
                "%s: rows of iteration %ld hold images (%ld*%d + b) mod %ld (%ld mismatches)", what,
                iter, iter, B, train_size, bad);
    }
    rl_batch_destroy(&b);
}

static void check_first_batch(rl_task *t, rl_batch *b)
{
    rl_task_shape s = rl_task_get_shape(t);
    RL_TEST(s.steps == 28 && s.n_in == 28 && s.n_out == 10 && s.loss == RL_LOSS_CE &&
                s.decision_step == 27,
            "smnist shape: 28 steps of 28 pixels, 10 classes, CE, decision step 27");
    if (!tt_fill(t, 0, b)) return;
    float lo = 1, hi = 0;
    long bad = 0, mask = 0;
    for (size_t i = 0; i < (size_t)28 * b->batch * 28; i++) {
        lo = fminf(lo, b->x[i]);
        hi = fmaxf(hi, b->x[i]);
    }
    for (int r = 0; r < b->batch; r++) {
        bad += mismatches(b, r, r);
        int lab = tt_label(b, 27, r);
        bad += lab < 0 || lab > 9;
        for (int t = 0; t < 28; t++)
            mask += tt_mask(b, t, r) != 0;
    }
    RL_TEST(lo == 0.0f && hi == 1.0f, "pixels span [0, 1] exactly (min %g, max %g)", lo, hi);
    RL_TEST(bad == 0,
            "iteration 0 holds images 0..%d row by row, labels 0..9 at t = 27 (%ld "
            "mismatches)",
            b->batch - 1, bad);
    RL_TEST(mask == b->batch, "mask is 1 only at the last step (%ld ones for %d trials)", mask,
            b->batch);
    static const int first[10] = {9, 0, 0, 3, 0, 2, 7, 2, 5, 5};
    int known = 1;
    for (int r = 0; r < 10; r++)
        known &= tt_label(b, 27, r) == first[r];
    RL_TEST(known, "the first ten labels are Fashion-MNIST's 9 0 0 3 0 2 7 2 5 5");
}

/* Class frequencies over the whole training split (275 batches of 200). */
static void check_classes(rl_task *t, rl_batch *b)
{
    long count[10] = {0}, n = 0;
    for (long it = 0; it < TRAIN / 200; it++) {
        if (!tt_fill(t, it, b)) return;
        for (int r = 0; r < b->batch; r++, n++)
            count[tt_label(b, 27, r)]++;
    }
    double worst = 0;
    for (int k = 0; k < 10; k++)
        worst = fmax(worst, fabs((double)count[k] / n - 0.1));
    RL_TEST(worst <= 5 * tt_se_freq(0.1, n),
            "classes uniform over the %ld training images: max |P(k) - 0.1| = %.4f within 5 SE "
            "(%.4f)",
            n, worst, 5 * tt_se_freq(0.1, n));
}

static void check_probe(rl_task *t)
{
    rl_batch b;
    rl_status st = RL_STATUS_INIT;
    rl_task_shape s = rl_task_get_shape(t);
    if (rl_batch_create(&s, 320, &b, &st) != RL_OK) return;
    rl_code rc = rl_task_fill_probe(t, 7, &b, &st);
    long bad = 0;
    for (int r = 0; r < 320; r++)
        bad += mismatches(&b, r, TRAIN + r);
    RL_TEST(rc == RL_OK && bad == 0,
            "probe of 320 = validation images 55000..55319 in file order (%ld mismatches)", bad);
    rl_batch_destroy(&b);
    if (rl_batch_create(&s, 5001, &b, &st) != RL_OK) return;
    rc = rl_task_fill_probe(t, 7, &b, &st);
    RL_TEST(rc == RL_EINPUT && strstr(st.msg, "exceeds the 5000 validation images"),
            "a probe of 5001 > 5000 validation images is refused: \"%s\"", st.msg);
    rl_batch_destroy(&b);
}

int main(void)
{
    if (access(DIR "train-images-idx3-ubyte.gz", R_OK) != 0 ||
        access(DIR "train-labels-idx1-ubyte.gz", R_OK) != 0)
        return rl_test_skip("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");
    images = slurp(DIR "train-images-idx3-ubyte.gz", 16 + (size_t)COUNT * PIX);
    labels = slurp(DIR "train-labels-idx1-ubyte.gz", 8 + COUNT);
    RL_TEST(images && labels, "the test's own reader loaded both files");
    if (!images || !labels) return rl_test_done();

    rl_params p = tt_params("smnist");
    rl_batch b;
    rl_task *t = tt_task(&p, 200, &b); /* defaults: the two training files, train_size 55000 */
    if (t) {
        check_first_batch(t, &b);
        check_classes(t, &b);
        check_probe(t);
        check_batch(t, TRAIN, 200, 275, "wrap-around at 55000");        /* = iteration 0 */
        check_batch(t, TRAIN, 300, 183, "a batch across the boundary"); /* 54900..54999, 0..199 */
        check_batch(t, TRAIN, 200, 40000000000L, "iteration 4e10");     /* iter*B > 2^32 */
    }
    rl_batch_destroy(&b);
    rl_task_destroy(&t);

    tt_set(&p, "task.train_size", "1000");
    t = tt_task(&p, 1, &b);
    if (t) check_batch(t, 1000, 300, 3, "train_size 1000"); /* 900..999, 0..199 */
    rl_batch_destroy(&b);
    rl_task_destroy(&t);
    free(images);
    free(labels);
    return rl_test_done();
}
