/*
** smnist.c: sequential MNIST, one 28-pixel image row per step (module: task).
** Why: the paper's sMNIST (shared/reference/paper-setup.md "Tasks"): 28 steps x 28
** inputs, pixels / 255, 10 classes, the label at the last step only (mask 1 there
** alone). Data: any IDX pair — Fashion-MNIST by default, real MNIST if task.images
** and task.labels point at it — gzipped or plain (zlib's gzread reads both).
** Splits: images [0, train_size) train, [train_size, count) validation. Training
** batch `iter`, row b, is image (iter*B + b) mod train_size in file order (no
** shuffling, as the reference); the probe set is the first B validation images.
** The random stream is unused. The files are read once, by rl_task_create; pixels
** stay bytes (47 MB for 60,000 images).
** IDX: big-endian u32 magic 0x00000803 (u8, 3 dims) or 0x00000801 (u8, 1 dim), then
** one big-endian u32 per dimension, then the data, row-major.
*/
#include "task_impl.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <zlib.h>

enum { SIDE = 28, PIXELS = SIDE * SIDE, CLASSES = 10 };
#define IDX_IMAGES 0x00000803u       /* unsigned bytes, 3 dimensions */
#define IDX_LABELS 0x00000801u       /* unsigned bytes, 1 dimension */
#define IDX_CHUNK  ((size_t)1 << 20) /* first read buffer; doubled while data keeps coming */

typedef struct smnist {
    int count;             /* images (= labels) in the files */
    int train_size;        /* the first train_size are the training split */
    unsigned char *pixels; /* count x 28 x 28 */
    unsigned char *labels; /* count */
} smnist;

/* ---- the IDX reader ---- */

/* An open IDX file and the names its messages use. */
typedef struct idx {
    gzFile gz;
    const char *key;  /* "task.images" */
    const char *path; /* as given */
} idx;

static uint32_t be32(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

static rl_code idx_open(idx *f, const char *key, const char *path, rl_status *st)
{
    f->key = key;
    f->path = path;
    RL_CHECK(path[0] != '\0', st, RL_EINPUT, "%s is empty; valid: the path of an IDX file", key);
    errno = 0;
    f->gz = gzopen(path, "rb");
    RL_CHECK(f->gz, st, RL_EINPUT, "%s: cannot open '%s': %s; valid: a readable IDX file", key,
             path, errno ? strerror(errno) : "out of memory");
    return RL_OK;
}

/* Reads up to n bytes into buf; *got tells how many came (fewer at end of file). */
static rl_code idx_read(idx *f, void *buf, size_t n, size_t *got, rl_status *st)
{
    *got = 0;
    while (*got < n) {
        size_t want = n - *got < (1u << 30) ? n - *got : (1u << 30); /* gzread takes unsigned */
        int r = gzread(f->gz, (unsigned char *)buf + *got, (unsigned)want);
        if (r < 0) {
            int err;
            const char *why = gzerror(f->gz, &err);
            size_t n_path = strlen(f->path); /* zlib prefixes its message with "path: " */
            if (strncmp(why, f->path, n_path) == 0 && strncmp(why + n_path, ": ", 2) == 0)
                why += n_path + 2;
            RL_FAIL(st, RL_EINPUT, "%s: cannot read '%s': %s; valid: an IDX file, gzipped or plain",
                    f->key, f->path, err == Z_ERRNO ? strerror(errno) : why);
        }
        if (r == 0) break;
        *got += (size_t)r;
    }
    return RL_OK;
}

/* Reads and checks the magic number and the ndims dimensions that follow it. */
static rl_code idx_header(idx *f, uint32_t magic, int ndims, uint32_t *dims, rl_status *st)
{
    unsigned char h[4 * 4];
    size_t need = 4 * (size_t)(1 + ndims), got;
    RL_TRY(idx_read(f, h, 4, &got, st));
    RL_CHECK(got == 4, st, RL_EINPUT,
             "%s: '%s' is truncated: %zu of the 4 bytes of the IDX magic number; valid: a "
             "complete IDX file",
             f->key, f->path, got);
    uint32_t m = be32(h);
    uint32_t swapped = magic == IDX_IMAGES ? IDX_LABELS : IDX_IMAGES;
    RL_CHECK(m == magic, st, RL_EINPUT,
             "%s: '%s' has magic number 0x%08x%s; valid: 0x%08x (IDX %s)", f->key, f->path, m,
             m == swapped ? ", an IDX file of the other kind (task.images and task.labels swapped?)"
                          : "",
             magic,
             magic == IDX_IMAGES ? "images: unsigned bytes, 3 dimensions"
                                 : "labels: unsigned bytes, 1 dimension");
    RL_TRY(idx_read(f, h + 4, need - 4, &got, st));
    RL_CHECK(got == need - 4, st, RL_EINPUT,
             "%s: '%s' is truncated inside its header (%zu of %zu bytes); valid: a complete IDX "
             "file",
             f->key, f->path, 4 + got, need);
    for (int i = 0; i < ndims; i++)
        dims[i] = be32(h + 4 + 4 * i);
    return RL_OK;
}

/*
** Allocates *out and reads exactly `items` records of `size` bytes. The buffer
** grows with the data that actually arrives (doubling from IDX_CHUNK), so a
** header that promises more than the file holds is "truncated" (bad input), never
** a huge allocation: a gzipped file's length says nothing about its content.
*/
static rl_code idx_data(idx *f, uint32_t items, size_t size, unsigned char **out, rl_status *st)
{
    size_t need = (size_t)items * size, have = 0, cap = need < IDX_CHUNK ? need : IDX_CHUNK;
    unsigned char *buf = rl_alloc(cap, 1, st);
    *out = NULL;
    if (!buf) return st->code;
    for (;;) {
        size_t got;
        rl_code rc = idx_read(f, buf + have, cap - have, &got, st);
        have += got;
        if (rc != RL_OK || have < cap || cap == need) {
            if (rc == RL_OK && have < need)
                rc = rl_status_fail(st, RL_EINPUT, __FILE__, __LINE__,
                                    "%s: '%s' is truncated: its header promises %u records (%zu "
                                    "bytes) but only %zu bytes follow; valid: a complete IDX file",
                                    f->key, f->path, items, need, have);
            if (rc != RL_OK) {
                rl_free(buf);
                return rc;
            }
            *out = buf;
            return RL_OK;
        }
        size_t grown = cap > need / 2 ? need : 2 * cap;
        unsigned char *bigger = rl_alloc(grown, 1, st);
        if (!bigger) {
            rl_free(buf);
            return st->code;
        }
        memcpy(bigger, buf, have);
        rl_free(buf);
        buf = bigger;
        cap = grown;
    }
}

static void idx_close(idx *f)
{
    if (f->gz) gzclose(f->gz);
    f->gz = NULL;
}

static rl_code read_images(const char *path, smnist *s, rl_status *st)
{
    idx f = {0};
    uint32_t dims[3] = {0};
    rl_code rc;
    if ((rc = idx_open(&f, "task.images", path, st)) != RL_OK) return rc;
    if ((rc = idx_header(&f, IDX_IMAGES, 3, dims, st)) != RL_OK) goto out;
    if (dims[1] != SIDE || dims[2] != SIDE || dims[0] == 0 || dims[0] > INT_MAX) {
        rc = rl_status_fail(st, RL_EINPUT, __FILE__, __LINE__,
                            "task.images: '%s' holds %u images of %ux%u pixels; valid: 1 .. %d "
                            "images of 28x28",
                            path, dims[0], dims[1], dims[2], INT_MAX);
        goto out;
    }
    s->count = (int)dims[0];
    rc = idx_data(&f, dims[0], PIXELS, &s->pixels, st);
out:
    idx_close(&f);
    return rc;
}

static rl_code read_labels(const char *path, const char *images, smnist *s, rl_status *st)
{
    idx f = {0};
    uint32_t n = 0;
    rl_code rc;
    if ((rc = idx_open(&f, "task.labels", path, st)) != RL_OK) return rc;
    if ((rc = idx_header(&f, IDX_LABELS, 1, &n, st)) != RL_OK) goto out;
    if (n != (uint32_t)s->count) {
        rc = rl_status_fail(st, RL_EINPUT, __FILE__, __LINE__,
                            "task.labels: '%s' has %u labels but task.images '%s' has %d images; "
                            "valid: one label per image",
                            path, n, images, s->count);
        goto out;
    }
    if ((rc = idx_data(&f, n, 1, &s->labels, st)) != RL_OK) goto out;
    for (uint32_t i = 0; i < n; i++) {
        if (s->labels[i] >= CLASSES) {
            rc = rl_status_fail(st, RL_EINPUT, __FILE__, __LINE__,
                                "task.labels: '%s' has label %d at index %u; valid: 0 .. 9", path,
                                s->labels[i], i);
            goto out;
        }
    }
out:
    idx_close(&f);
    return rc;
}

/* ---- the task ---- */

static rl_code shape(const rl_params *p, rl_task_shape *out, rl_status *st)
{
    (void)p;
    (void)st;
    *out = (rl_task_shape){.steps = SIDE,
                           .n_in = SIDE,
                           .n_out = CLASSES,
                           .loss = RL_LOSS_CE,
                           .decision_step = SIDE - 1};
    return RL_OK;
}

static void release(void *state)
{
    smnist *s = state;
    if (!s) return;
    rl_free(s->pixels);
    rl_free(s->labels);
    rl_free(s);
}

static rl_code build(const rl_params *p, void **state, rl_status *st)
{
    rl_code rc;
    smnist *s = rl_alloc(1, sizeof *s, st);
    if (!s) return RL_ENOMEM;
    if ((rc = read_images(p->task.images, s, st)) != RL_OK) goto fail;
    if ((rc = read_labels(p->task.labels, p->task.images, s, st)) != RL_OK) goto fail;
    if (p->task.train_size < 1 || p->task.train_size >= s->count) {
        rc = rl_status_fail(st, RL_EINPUT, __FILE__, __LINE__,
                            "task.train_size = %ld leaves no %s in '%s' (%d images); valid: 1 .. "
                            "%d",
                            p->task.train_size,
                            p->task.train_size < 1 ? "training images" : "validation images",
                            p->task.images, s->count, s->count - 1);
        goto fail;
    }
    s->train_size = (int)p->task.train_size;
    if (p->probe.trials > s->count - s->train_size) {
        rc = rl_status_fail(st, RL_EINPUT, __FILE__, __LINE__,
                            "probe.trials = %ld exceeds the %d validation images of '%s' "
                            "(task.train_size = %d); valid: probe.trials <= %d",
                            p->probe.trials, s->count - s->train_size, p->task.images,
                            s->train_size, s->count - s->train_size);
        goto fail;
    }
    *state = s;
    return RL_OK;
fail:
    release(s);
    return rc;
}

/* Writes image `img` as trial `row`: row r of the image at step r, label at the end. */
static void put_image(const smnist *s, int img, rl_batch *b, int row)
{
    const unsigned char *px = s->pixels + (size_t)img * PIXELS;
    for (int t = 0; t < SIDE; t++) {
        float *x = rl_task_x(b, t, row);
        for (int i = 0; i < SIDE; i++)
            x[i] = (float)px[t * SIDE + i] / 255.0f;
    }
    size_t last = rl_task_tb(b, SIDE - 1, row);
    b->label[last] = s->labels[img];
    b->mask[last] = 1.0f;
}

static rl_code fill(const rl_task *t, rl_task_draw *d, rl_batch *b, rl_status *st)
{
    const smnist *s = t->state;
    if (d->probe) {
        int n_val = s->count - s->train_size;
        RL_CHECK(b->batch <= n_val, st, RL_EINPUT,
                 "a probe set of %d trials exceeds the %d validation images of '%s' "
                 "(task.train_size = %d); valid: at most %d trials",
                 b->batch, n_val, t->p.task.images, s->train_size, n_val);
        for (int row = 0; row < b->batch; row++)
            put_image(s, s->train_size + row, b, row);
        return RL_OK;
    }
    /* (iter*B + row) mod train_size without overflow: reduce each factor first. */
    uint64_t n = (uint64_t)s->train_size;
    uint64_t first = ((uint64_t)d->iter % n) * ((uint64_t)b->batch % n) % n;
    for (int row = 0; row < b->batch; row++)
        put_image(s, (int)((first + (uint64_t)row) % n), b, row);
    return RL_OK;
}

const rl_task_kind rl_task_kind_smnist = {"smnist", shape, build, release, fill};
