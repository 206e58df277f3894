/*
** test_idx.c: the sMNIST task's IDX reader on small crafted files in a temporary
** directory: a sound pair read plain and gzipped (pixels, labels and the splits
** checked value by value), then one broken file per check, each refused with
** RL_EINPUT and a message that names the file, says what is wrong and what is valid.
*/
#include "tasktest.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

enum { N = 3, PIX = 784 };

static char dir[256];

/* dir/name in one of 8 rotating buffers (a caller keeping a path longer copies it). */
static const char *path_in_dir(const char *name)
{
    static char buf[8][512];
    static int next;
    char *p = buf[next++ % 8];
    snprintf(p, 512, "%s/%s", dir, name);
    return p;
}

static void put32(unsigned char *b, uint32_t v)
{
    b[0] = (unsigned char)(v >> 24);
    b[1] = (unsigned char)(v >> 16);
    b[2] = (unsigned char)(v >> 8);
    b[3] = (unsigned char)v;
}

static unsigned char pixel(int img, int i)
{
    return (unsigned char)((img * 31 + i * 7) % 256);
}

/* An image file: magic, count, rows x cols, then count*rows*cols bytes minus `cut`. */
static const char *images_file(const char *name, uint32_t magic, uint32_t count, uint32_t rows,
                               uint32_t cols, size_t cut, int gz)
{
    size_t n = (size_t)count * rows * cols, len = 16 + n - cut;
    unsigned char *b = calloc(16 + n, 1);
    put32(b, magic);
    put32(b + 4, count);
    put32(b + 8, rows);
    put32(b + 12, cols);
    for (size_t i = 0; i < n; i++)
        b[16 + i] = pixel((int)(i / PIX), (int)(i % PIX));
    const char *path = path_in_dir(name);
    if (gz) {
        gzFile f = gzopen(path, "wb");
        gzwrite(f, b, (unsigned)len);
        gzclose(f);
    } else {
        FILE *f = fopen(path, "wb");
        fwrite(b, 1, len, f);
        fclose(f);
    }
    free(b);
    return path;
}

/* An image file whose header promises `count` images but holds one (a hostile header). */
static const char *promising_file(const char *name, uint32_t count)
{
    unsigned char b[16 + PIX] = {0};
    put32(b, 0x803);
    put32(b + 4, count);
    put32(b + 8, 28);
    put32(b + 12, 28);
    const char *path = path_in_dir(name);
    FILE *f = fopen(path, "wb");
    fwrite(b, 1, sizeof b, f);
    fclose(f);
    return path;
}

/* A label file: magic 0x801, count, labels 1, 2, 3, ... (or `bad` at index 1). */
static const char *labels_file(const char *name, uint32_t count, int bad)
{
    unsigned char b[8 + 16];
    put32(b, 0x00000801);
    put32(b + 4, count);
    for (uint32_t i = 0; i < count && i < 16; i++)
        b[8 + i] = (unsigned char)(i == 1 && bad ? bad : (int)(i + 1) % 10);
    const char *path = path_in_dir(name);
    FILE *f = fopen(path, "wb");
    fwrite(b, 1, 8 + (count < 16 ? count : 16), f);
    fclose(f);
    return path;
}

static rl_params smnist(const char *images, const char *labels)
{
    rl_params p = tt_params("smnist");
    tt_set(&p, "task.images", images);
    tt_set(&p, "task.labels", labels);
    tt_set(&p, "task.train_size", "2");
    tt_set(&p, "probe.trials", "1");
    tt_set(&p, "probe.kernel_trials", "1"); /* the table's limit: kernel_trials <= trials */
    return p;
}

static void expect(const rl_params *p, const char *needle, const char *what)
{
    rl_status st = RL_STATUS_INIT;
    rl_task *t = NULL;
    rl_code rc = rl_task_create(p, &t, &st);
    RL_TEST(rc == RL_EINPUT && t == NULL && strstr(st.msg, needle), "%s: \"%s\"", what, st.msg);
    rl_task_destroy(&t);
}

/* Does trial `row` hold crafted image `img` (pixel / 255, its label at t = 27)? */
static long mismatches(const rl_batch *b, int row, int img)
{
    long bad = tt_label(b, 27, row) != (img + 1) % 10;
    for (int t = 0; t < 28; t++)
        for (int i = 0; i < 28; i++)
            bad += tt_x(b, t, row, i) != (float)pixel(img, t * 28 + i) / 255.0f;
    return bad;
}

static void check_sound(void)
{
    const char *lab = labels_file("labels", N, 0);
    rl_params p = smnist(images_file("images", 0x803, N, 28, 28, 0, 0), lab);
    rl_params q = smnist(images_file("images.gz", 0x803, N, 28, 28, 0, 1), lab);
    rl_batch b, c;
    rl_status st = RL_STATUS_INIT;
    rl_task *t = tt_task(&p, 3, &b), *u = tt_task(&q, 3, &c);
    if (t && u && tt_fill(t, 1, &b) && tt_fill(u, 1, &c)) {
        /* train_size 2: iteration 1 of 3 trials takes images 3, 4, 5 mod 2 = 1, 0, 1. */
        long bad = mismatches(&b, 0, 1) + mismatches(&b, 1, 0) + mismatches(&b, 2, 1);
        RL_TEST(bad == 0, "plain IDX: iteration 1 of 3 trials holds images 1, 0, 1 (%ld differ)",
                bad);
        RL_TEST(memcmp(b.x, c.x, (size_t)28 * 3 * 28 * sizeof(float)) == 0 &&
                    memcmp(b.label, c.label, (size_t)28 * 3 * sizeof(int32_t)) == 0,
                "the gzipped copy gives the same batch");
    }
    rl_batch_destroy(&b);
    rl_batch_destroy(&c);
    rl_batch_create(&(rl_task_shape){28, 28, 10, RL_LOSS_CE, 27}, 1, &b, &st);
    if (t && rl_task_fill_probe(t, 7, &b, &st) == RL_OK)
        RL_TEST(mismatches(&b, 0, 2) == 0, "the probe is the one validation image, image 2");
    rl_batch_destroy(&b);
    rl_task_destroy(&t);
    rl_task_destroy(&u);
}

static void check_broken(void)
{
    char good[512], lab[512]; /* kept across the calls below, which reuse path_in_dir's slots */
    snprintf(good, sizeof good, "%s", images_file("good", 0x803, N, 28, 28, 0, 0));
    snprintf(lab, sizeof lab, "%s", labels_file("labels", N, 0));
    char needle[600];
    rl_params p = smnist(path_in_dir("absent.gz"), lab);
    snprintf(needle, sizeof needle, "task.images: cannot open '%s': No such file or directory",
             p.task.images);
    expect(&p, needle, "missing file");
    p = smnist(good, "");
    expect(&p, "task.labels is empty; valid: the path of an IDX file", "empty labels path");
    p = smnist(images_file("magic", 0x802, N, 28, 28, 0, 0), lab);
    expect(&p, "has magic number 0x00000802; valid: 0x00000803", "bad magic");
    p = smnist(lab, lab);
    expect(&p, "(task.images and task.labels swapped?)", "a label file given as images");
    p = smnist(images_file("cut", 0x803, N, 28, 28, 100, 0), lab);
    expect(&p, "is truncated: its header promises 3 records (2352 bytes) but only 2252 bytes",
           "truncated pixel data");
    p = smnist(images_file("cut.gz", 0x803, N, 28, 28, 100, 1), lab);
    expect(&p, "cut.gz' is truncated: its header promises 3 records", "truncated gzipped data");
    p = smnist(images_file("head", 0x803, N, 28, 28, (size_t)N * PIX + 10, 0), lab);
    expect(&p, "is truncated inside its header (6 of 16 bytes)", "truncated header");
    p = smnist(images_file("empty", 0x803, N, 28, 28, (size_t)N * PIX + 16, 0), lab);
    expect(&p, "0 of the 4 bytes of the IDX magic number", "empty file");
    p = smnist(images_file("dims", 0x803, N, 28, 27, 0, 0), lab);
    expect(&p, "holds 3 images of 28x27 pixels; valid: 1 .. 2147483647 images of 28x28",
           "27-pixel rows");
    /* INT_MAX images of 784 bytes: 1.7 TB promised, one image there. Bad input (exit 2), not
       an allocation failure (exit 1): the buffer grows only with the data that arrive. */
    p = smnist(promising_file("huge", 2147483647u), lab);
    expect(&p, "huge' is truncated: its header promises 2147483647 records",
           "a header promising 2^31 - 1 images is refused as truncated (RL_EINPUT)");
    p = smnist(images_file("none", 0x803, 0, 28, 28, 0, 0), lab);
    expect(&p, "holds 0 images", "no images");
    p = smnist(good, labels_file("two", 2, 0));
    expect(&p, "has 2 labels but task.images '", "mismatched counts");
    p = smnist(good, labels_file("ten", N, 10));
    expect(&p, "has label 10 at index 1; valid: 0 .. 9", "a label out of range");
    p = smnist(good, lab);
    tt_set(&p, "task.train_size", "3");
    expect(&p, "task.train_size = 3 leaves no validation images", "no validation split");
    p = smnist(good, lab);
    tt_set(&p, "probe.trials", "2");
    tt_set(&p, "probe.kernel_trials", "1");
    expect(&p, "probe.trials = 2 exceeds the 1 validation images", "probe larger than validation");

    /* A gzip stream damaged in the middle: zlib reports it (or the data come up short). */
    const char *gz = images_file("damaged.gz", 0x803, N, 28, 28, 0, 1);
    FILE *f = fopen(gz, "r+b");
    fseek(f, 40, SEEK_SET);
    fwrite("\xff\xff\xff\xff\xff\xff\xff\xff", 1, 8, f);
    fclose(f);
    p = smnist(gz, lab);
    expect(&p, "damaged.gz'", "a damaged gzip stream is refused, naming the file");
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/rl_idx_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) return rl_test_skip("cannot create a temporary directory");
    check_sound();
    check_broken();
    static const char *const names[] = {"labels", "images", "images.gz", "good",       "magic",
                                        "cut",    "cut.gz", "head",      "empty",      "dims",
                                        "none",   "two",    "ten",       "damaged.gz", "huge"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        unlink(path_in_dir(names[i]));
    rmdir(dir);
    return rl_test_done();
}
