/*
** checkpoint.c: save and restore one training's state (checkpoint.h).
** File layout (native byte order: a checkpoint lives and dies on one cluster):
**   "RLCKPT02"  8 bytes magic (01: before the kernel curves)
**   u64 fingerprint, i64 iteration, f64 window, i64 in_window, i64 opt_step,
**   i32 n_curve, i32 has_v, u64 n_params
**   f32 curve[RL_NCURVES][n_curve] (curves.def order), f32 theta[n], f32 m[n], f32 v[n] if has_v
**   u64 FNV-1a of every byte above
** Written to PATH.tmp and renamed, so PATH is always a complete checkpoint or absent.
*/
#include "checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char magic[8] = {'R', 'L', 'C', 'K', 'P', 'T', '0', '2'};

typedef struct header {
    uint64_t fingerprint;
    int64_t iteration, in_window, opt_step;
    double window;
    int32_t n_curve, has_v;
    uint64_t n_params;
} header;

uint64_t rl_ckpt_fingerprint(const rl_params *p, uint64_t sweep_seed)
{
    size_t n;
    const rl_key *keys = rl_params_keys(&n);
    uint64_t h = rl_fnv1a(RL_FNV_INIT, &sweep_seed, sizeof sweep_seed);
    for (size_t i = 0; i < n; i++) {
        char line[RL_PATH_MAX + 64];
        if (!rl_params_identifies(p, &keys[i])) continue;
        rl_params_format(p, &keys[i], line, sizeof line);
        h = rl_fnv1a(h, keys[i].path, strlen(keys[i].path) + 1);
        h = rl_fnv1a(h, line, strlen(line) + 1);
    }
    return h;
}

/* One chunk of the body: written and hashed, or read and hashed. */
typedef struct part {
    void *data;
    size_t bytes;
} part;

#define NPARTS (5 + RL_NCURVES)

static int body_parts(const rl_ckpt_state *s, header *h, part parts[NPARTS])
{
    size_t n = s->net->n_params;
    int k = 0;
    parts[k++] = (part){(void *)magic, sizeof magic};
    parts[k++] = (part){h, sizeof *h};
    for (int c = 0; c < RL_NCURVES; c++)
        parts[k++] = (part){s->out->curve[c], (size_t)h->n_curve * sizeof(float)};
    parts[k++] = (part){s->net->theta, n * sizeof(float)};
    parts[k++] = (part){s->opt->m, n * sizeof(float)};
    parts[k++] = (part){s->opt->v, h->has_v ? n * sizeof(float) : 0};
    return k;
}

/* errno of a failed call, never 0 (stdio may fail without setting it). */
static int failure(void)
{
    return errno ? errno : EIO;
}

static rl_code sync_dir_of(const char *path, rl_status *st)
{
    char copy[RL_PATH_MAX + 8];
    snprintf(copy, sizeof copy, "%s", path);
    int fd = open(dirname(copy), O_RDONLY);
    RL_CHECK(fd >= 0, st, RL_EIO, "%s: cannot open its directory: %s", path, strerror(errno));
    int rc = fsync(fd), err = errno;
    close(fd);
    RL_CHECK(rc == 0, st, RL_EIO, "%s: fsync of its directory failed: %s", path, strerror(err));
    return RL_OK;
}

rl_code rl_ckpt_save(const char *path, uint64_t fingerprint, const rl_ckpt_state *s, rl_status *st)
{
    char tmp[RL_PATH_MAX + 8];
    RL_CHECK(rl_snprintf(tmp, sizeof tmp, "%s.tmp", path), st, RL_EINPUT,
             "checkpoint path too long (%s); valid: under %d bytes", path, RL_PATH_MAX);
    header h = {fingerprint, s->iteration,    s->in_window,      s->opt->step,
                s->window,   s->out->n_curve, s->opt->v != NULL, s->net->n_params};
    part parts[NPARTS];
    int np = body_parts(s, &h, parts);
    FILE *f = fopen(tmp, "wb");
    RL_CHECK(f, st, RL_EIO, "%s: cannot write checkpoint: %s", tmp, strerror(errno));
    uint64_t sum = RL_FNV_INIT;
    int err = 0; /* the errno of the first failure: later calls may change errno */
    for (int i = 0; i < np && !err; i++) {
        sum = rl_fnv1a(sum, parts[i].data, parts[i].bytes);
        if (fwrite(parts[i].data, 1, parts[i].bytes, f) != parts[i].bytes) err = failure();
    }
    if (!err && (fwrite(&sum, sizeof sum, 1, f) != 1 || fflush(f) != 0 || fsync(fileno(f)) != 0))
        err = failure();
    if (fclose(f) != 0 && !err) err = failure();
    if (!err && rename(tmp, path) != 0) err = failure();
    if (err) {
        remove(tmp); /* a partial checkpoint never stays where a rerun would look */
        RL_FAIL(st, RL_EIO, "%s: cannot write checkpoint: %s", tmp, strerror(err));
    }
    return sync_dir_of(path, st);
}

static rl_code read_header(FILE *f, const char *path, uint64_t fingerprint, const rl_ckpt_state *s,
                           header *h, rl_status *st)
{
    char m[8];
    RL_CHECK(fread(m, 1, 8, f) == 8 && memcmp(m, magic, 8) == 0 && fread(h, sizeof *h, 1, f) == 1,
             st, RL_EINPUT,
             "%s: not a checkpoint of this richlazy version (bad magic) or truncated; delete "
             "it to restart the item from the beginning",
             path);
    RL_CHECK(h->fingerprint == fingerprint, st, RL_EINPUT,
             "%s: checkpoint of a different item or parameters; delete it to restart the item",
             path);
    RL_CHECK(h->n_params == s->net->n_params && h->n_curve >= 0 && h->n_curve <= RL_CURVE_MAX &&
                 (h->has_v != 0) == (s->opt->v != NULL),
             st, RL_EINPUT, "%s: checkpoint shapes do not match the item; delete it to restart",
             path);
    return RL_OK;
}

rl_code rl_ckpt_load(const char *path, uint64_t fingerprint, rl_ckpt_state *s, bool *found,
                     rl_status *st)
{
    *found = false;
    FILE *f = fopen(path, "rb");
    if (!f && errno == ENOENT) return RL_OK;
    RL_CHECK(f, st, RL_EIO, "%s: cannot read checkpoint: %s", path, strerror(errno));
    header h;
    rl_code rc = read_header(f, path, fingerprint, s, &h, st);
    if (rc != RL_OK) {
        fclose(f);
        return rc;
    }
    s->out->n_curve = h.n_curve;
    part parts[NPARTS];
    int np = body_parts(s, &h, parts);
    uint64_t sum = rl_fnv1a(rl_fnv1a(RL_FNV_INIT, magic, sizeof magic), &h, sizeof h), stored;
    bool ok = true;
    for (int i = 2; i < np; i++) {
        ok = ok && fread(parts[i].data, 1, parts[i].bytes, f) == parts[i].bytes;
        sum = rl_fnv1a(sum, parts[i].data, parts[i].bytes);
    }
    ok = ok && fread(&stored, sizeof stored, 1, f) == 1 && stored == sum && fgetc(f) == EOF;
    fclose(f);
    RL_CHECK(ok, st, RL_EINPUT, "%s: checkpoint damaged (checksum); delete it to restart the item",
             path);
    s->iteration = h.iteration;
    s->window = h.window;
    s->in_window = h.in_window;
    s->opt->step = h.opt_step;
    *found = true;
    return RL_OK;
}
