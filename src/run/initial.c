/*
** initial.c: an item's initial measures saved once, with its first checkpoint
** (checkpoint.h). Why: they are the costliest part of a restart — the tangent kernel
** K(0) and the representation H(0) on the probe set (sMNIST at N 300: ~30 s, issue
** 17) — and they never change during training, so a continued item reads them
** back instead of recomputing them. Why a file of their own (<id>.init beside
** <id>.ckpt) rather than inside the checkpoint: K(0) is large (32 MB at sMNIST N
** 300, against 1.4 MB of weights and moments) and written once, not every interval;
** and checkpoints stay RLCKPT02, which older and newer builds both read.
** Layout (native byte order, like the checkpoint):
**   "RLINIT01"  8 bytes magic
**   u64 fingerprint (rl_ckpt_fingerprint), f64 initial_loss,
**   f64 kernel_task_alignment_init, f64 kernel_eff_rank_init,
**   i32 rep rows, i32 rep cols, i32 kernel size m, i32 0,
**   f64 H(0)[rows x cols], f64 K(0)[m x m], u64 FNV-1a of every byte above
** Bitwise: the doubles are the ones measure_initial computed, and H(0)'s unit means
** are recomputed by the same code (rl_metrics_rep_from_rows), so a continued item
** ends with the same bits whether its initial measures were read or recomputed.
*/
#include "checkpoint.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char magic[8] = {'R', 'L', 'I', 'N', 'I', 'T', '0', '1'};

typedef struct init_header {
    uint64_t fingerprint;
    double measure[3];
    int32_t rows, cols, m, zero;
} init_header;

bool rl_ckpt_initial_path(const char *ckpt_path, char *buf, size_t cap)
{
    size_t n = strlen(ckpt_path), k = sizeof ".ckpt" - 1;
    if (n >= k && strcmp(ckpt_path + n - k, ".ckpt") == 0) n -= k; /* <id>.ckpt -> <id>.init */
    return rl_snprintf(buf, cap, "%.*s.init", (int)n, ckpt_path);
}

static int failure(void)
{
    return errno ? errno : EIO;
}

rl_code rl_ckpt_save_initial(const char *path, uint64_t fingerprint, const rl_ckpt_initial *in,
                             rl_status *st)
{
    char tmp[RL_PATH_MAX + 8];
    RL_CHECK(rl_snprintf(tmp, sizeof tmp, "%s.tmp", path), st, RL_EINPUT,
             "checkpoint path too long (%s); valid: under %d bytes", path, RL_PATH_MAX);
    init_header h = {fingerprint,
                     {in->measure[0], in->measure[1], in->measure[2]},
                     rl_metrics_rep_rows(in->rep0),
                     rl_metrics_rep_cols(in->rep0),
                     rl_metrics_kernel_size(in->kernel0),
                     0};
    const void *parts[4] = {magic, &h, rl_metrics_rep_data(in->rep0),
                            rl_metrics_kernel_data(in->kernel0)};
    size_t sizes[4] = {sizeof magic, sizeof h, (size_t)h.rows * (size_t)h.cols * sizeof(double),
                       (size_t)h.m * (size_t)h.m * sizeof(double)};
    FILE *f = fopen(tmp, "wb");
    RL_CHECK(f, st, RL_EIO, "%s: cannot write the initial measures: %s", tmp, strerror(errno));
    uint64_t sum = RL_FNV_INIT;
    int err = 0;
    for (int i = 0; i < 4 && !err; i++) {
        sum = rl_fnv1a(sum, parts[i], sizes[i]);
        if (fwrite(parts[i], 1, sizes[i], f) != sizes[i]) err = failure();
    }
    if (!err && (fwrite(&sum, sizeof sum, 1, f) != 1 || fflush(f) != 0 || fsync(fileno(f)) != 0))
        err = failure();
    if (fclose(f) != 0 && !err) err = failure();
    if (!err && rename(tmp, path) != 0) err = failure();
    if (err) {
        remove(tmp);
        RL_FAIL(st, RL_EIO, "%s: cannot write the initial measures: %s", tmp, strerror(err));
    }
    return RL_OK; /* the checkpoint written next syncs the directory */
}

/* Reads n bytes into dst and hashes them; false if the file ends first. */
static bool take(FILE *f, void *dst, size_t n, uint64_t *sum)
{
    if (fread(dst, 1, n, f) != n) return false;
    *sum = rl_fnv1a(*sum, dst, n);
    return true;
}

rl_code rl_ckpt_load_initial(const char *path, uint64_t fingerprint, int rows, int cols, int m,
                             rl_ckpt_initial *out, bool *found, rl_status *st)
{
    *found = false;
    FILE *f = fopen(path, "rb");
    if (!f && errno == ENOENT) return RL_OK;
    RL_CHECK(f, st, RL_EIO, "%s: cannot read the initial measures: %s", path, strerror(errno));
    char mg[8];
    init_header h;
    uint64_t sum = RL_FNV_INIT, stored = 0;
    double *rep = NULL, *ker = NULL;
    bool ok = take(f, mg, sizeof mg, &sum) && memcmp(mg, magic, sizeof mg) == 0 &&
              take(f, &h, sizeof h, &sum);
    if (ok && h.fingerprint != fingerprint) {
        fclose(f);
        RL_FAIL(st, RL_EINPUT,
                "%s: initial measures of a different item or parameters; delete it (the item "
                "then recomputes them)",
                path);
    }
    ok = ok && h.rows == rows && h.cols == cols && h.m == m;
    if (ok && (!(rep = rl_alloc((size_t)rows * (size_t)cols, sizeof *rep, st)) ||
               !(ker = rl_alloc((size_t)m * (size_t)m, sizeof *ker, st)))) {
        fclose(f);
        rl_free(rep);
        return st->code;
    }
    ok = ok && take(f, rep, (size_t)rows * (size_t)cols * sizeof *rep, &sum) &&
         take(f, ker, (size_t)m * (size_t)m * sizeof *ker, &sum) &&
         fread(&stored, sizeof stored, 1, f) == 1 && stored == sum && fgetc(f) == EOF;
    fclose(f);
    rl_code rc = RL_OK;
    if (!ok)
        rc = rl_status_fail(st, RL_EINPUT, __FILE__, __LINE__,
                            "%s: initial measures damaged (size or checksum); delete it (the "
                            "item then recomputes them)",
                            path);
    if (!rc) rc = rl_metrics_rep_from_rows(rep, rows, cols, &out->rep0, st);
    if (!rc) rc = rl_metrics_kernel_from_matrix(ker, m, &out->kernel0, st);
    rl_free(rep);
    rl_free(ker);
    if (rc) {
        rl_metrics_rep_destroy(&out->rep0);
        return rc;
    }
    memcpy(out->measure, h.measure, sizeof out->measure);
    *found = true;
    return RL_OK;
}
