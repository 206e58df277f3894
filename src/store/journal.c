/*
** journal.c: the journal's bytes — header serialisation, checksummed records,
** the scanner that tells a torn tail from corruption, and the few POSIX calls
** durability rests on (write-all, fsync of a directory, an advisory lock).
** Why: the journal is the only thing that must survive a kill -9 or a power
** cut; the format is in store_int.h. Everything here is rank-0 or reader code
** and performs no MPI.
*/
#define _DEFAULT_SOURCE /* flock */
#include "store_int.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

_Static_assert(sizeof(jrec_small) == 64, "jrec_small is one 64-byte record");
_Static_assert(sizeof(jrec_rhead) == 48, "a result record's head is 48 bytes");
_Static_assert(sizeof(jfixed) % 8 == 0, "the header's fixed part keeps 8-byte alignment");

#define HEAD_MAX ((uint64_t)1 << 34) /* 16 GiB: more is a corrupt length, not a sweep */

static uint32_t crc_of(const void *p, size_t n)
{
    return (uint32_t)crc32_z(0L, (const Bytef *)p, n);
}

double rl_store_unix_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- a growable byte buffer for the header ---- */

typedef struct bytes {
    unsigned char *p;
    size_t len, cap;
    bool oom;
} bytes;

static void put(bytes *b, const void *src, size_t n)
{
    if (b->oom) return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        unsigned char *q = realloc(b->p, cap);
        if (!q) {
            b->oom = true;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, src, n);
    b->len += n;
}

static void put_str(bytes *b, const char *s)
{
    put(b, s ? s : "", strlen(s ? s : "") + 1);
}

static void put_u32(bytes *b, uint32_t v)
{
    put(b, &v, sizeof v);
}

rl_code rl_store_journal_header(const rl_store_layout *lay, double created, unsigned char **buf,
                                size_t *len, rl_status *st)
{
    jfixed f;
    bytes b = {0};
    memset(&f, 0, sizeof f);
    memcpy(f.magic, JOURNAL_MAGIC, 8);
    f.byte_order = JOURNAL_BYTE_ORDER;
    f.version = JOURNAL_VERSION;
    f.small_bytes = sizeof(jrec_small);
    f.result_bytes = RL_RESULT_PACKED_MAX;
    f.n_measures = RL_NMEASURES;
    f.curve_max = RL_CURVE_MAX;
    f.n_curves = RL_NCURVES;
    f.nitems = lay->nitems;
    f.seed = lay->seed;
    f.created = created;
    f.ndims = (uint32_t)lay->ndims;
    rl_snprintf(f.hash, sizeof f.hash, "%s", lay->hash);
    put(&b, &f, sizeof f);
    put_str(&b, lay->name);
    put_str(&b, lay->canonical);
    for (int d = 0; d < lay->ndims; d++) {
        const rl_dim *dim = &lay->dims[d];
        unsigned char numeric = dim->numeric;
        put_str(&b, dim->name);
        put_u32(&b, (uint32_t)dim->size);
        put(&b, &numeric, 1);
        for (int k = 0; k < dim->size; k++)
            put_str(&b, dim->labels[k]);
    }
    put(&b, lay->ids, lay->nitems * RL_ID_LEN);
    static const unsigned char zeros[8] = {0};
    put(&b, zeros, (8 - b.len % 8) % 8);
    if (b.oom) {
        free(b.p);
        RL_FAIL(st, RL_ENOMEM, "out of memory building the journal header");
    }
    uint64_t head_bytes = b.len + 8;
    memcpy(b.p + offsetof(jfixed, head_bytes), &head_bytes, sizeof head_bytes);
    put_u32(&b, crc_of(b.p, b.len));
    put_u32(&b, 0);
    if (b.oom) {
        free(b.p);
        RL_FAIL(st, RL_ENOMEM, "out of memory building the journal header");
    }
    *buf = rl_alloc(b.len, 1, st);
    if (!*buf) {
        free(b.p);
        return st->code;
    }
    memcpy(*buf, b.p, b.len);
    *len = b.len;
    free(b.p);
    return RL_OK;
}

/* ---- reading the header ---- */

typedef struct cursor {
    const unsigned char *p, *end;
    bool bad;
} cursor;

static const char *get_str(cursor *c)
{
    const unsigned char *nul = c->bad ? NULL : memchr(c->p, 0, (size_t)(c->end - c->p));
    if (!nul) {
        c->bad = true;
        return "";
    }
    const char *s = (const char *)c->p;
    c->p = nul + 1;
    return s;
}

static void get(cursor *c, void *dst, size_t n)
{
    if (c->bad || (size_t)(c->end - c->p) < n) {
        c->bad = true;
        memset(dst, 0, n);
        return;
    }
    memcpy(dst, c->p, n);
    c->p += n;
}

static rl_code check_fixed(const jfixed *f, const char *path, rl_status *st)
{
    RL_CHECK(memcmp(f->magic, JOURNAL_MAGIC, 8) == 0, st, RL_EINPUT,
             "%s is not a richlazy journal (bad magic); move it aside or choose another -o", path);
    RL_CHECK(f->byte_order == JOURNAL_BYTE_ORDER, st, RL_EINPUT,
             "%s was written on a machine of another byte order; resume it there", path);
    RL_CHECK(f->version == JOURNAL_VERSION, st, RL_EINPUT,
             "%s has journal format %u; this richlazy reads format %u", path, f->version,
             JOURNAL_VERSION);
    RL_CHECK(f->small_bytes == sizeof(jrec_small) && f->result_bytes == RL_RESULT_PACKED_MAX &&
                 f->n_measures == RL_NMEASURES && f->curve_max == RL_CURVE_MAX &&
                 f->n_curves == RL_NCURVES,
             st, RL_EINPUT,
             "%s was written by a richlazy with a different result record (%u measures, %u "
             "curves of %u); this build has %d, %d and %d: finish the sweep with the build that "
             "started it",
             path, f->n_measures, f->n_curves, f->curve_max, RL_NMEASURES, RL_NCURVES,
             RL_CURVE_MAX);
    RL_CHECK(f->ndims <= RL_MAX_DIMS && f->head_bytes >= sizeof *f + 8 &&
                 f->head_bytes <= HEAD_MAX && f->head_bytes % 8 == 0 &&
                 memchr(f->hash, 0, sizeof f->hash),
             st, RL_EIO, "%s: journal header is corrupt (impossible sizes)", path);
    return RL_OK;
}

static rl_code parse_dims(cursor *c, jheader *h, const char *path, rl_status *st)
{
    size_t product = 1;
    for (int d = 0; d < h->ndims; d++) {
        uint32_t size = 0;
        unsigned char numeric = 0;
        h->dim_names[d] = get_str(c);
        get(c, &size, sizeof size);
        get(c, &numeric, 1);
        RL_CHECK(!c->bad && size >= 1 && size <= (uint32_t)(c->end - c->p), st, RL_EIO,
                 "%s: journal header is corrupt (dimension %d)", path, d);
        h->dim_sizes[d] = (int)size;
        h->dim_numeric[d] = numeric != 0;
        h->labels[d] = rl_alloc(size, sizeof(char *), st);
        if (!h->labels[d]) return st->code;
        for (uint32_t k = 0; k < size; k++)
            h->labels[d][k] = get_str(c);
        RL_CHECK(product <= h->nitems / size, st, RL_EIO,
                 "%s: journal header is corrupt (dimensions exceed %zu items)", path, h->nitems);
        product *= size;
    }
    RL_CHECK(!c->bad && product == h->nitems, st, RL_EIO,
             "%s: journal header is corrupt (dimensions do not multiply to %zu items)", path,
             h->nitems);
    return RL_OK;
}

static rl_code parse_header(jheader *h, size_t len, const char *path, rl_status *st)
{
    cursor c = {h->blob + sizeof(jfixed), h->blob + len - 8, false};
    uint32_t crc;
    memcpy(&crc, h->blob + len - 8, sizeof crc);
    RL_CHECK(crc == crc_of(h->blob, len - 8), st, RL_EIO,
             "%s: journal header checksum mismatch (the file is damaged); move it aside to start "
             "over",
             path);
    h->ndims = (int)h->fixed.ndims;
    h->nitems = (size_t)h->fixed.nitems;
    h->name = get_str(&c);
    h->canonical = get_str(&c);
    RL_TRY(parse_dims(&c, h, path, st));
    RL_CHECK((size_t)(c.end - c.p) / RL_ID_LEN >= h->nitems, st, RL_EIO,
             "%s: journal header is corrupt (item ids cut short)", path);
    h->ids = (const char(*)[RL_ID_LEN])c.p;
    for (size_t i = 0; i < h->nitems; i++)
        RL_CHECK(h->ids[i][RL_ID_LEN - 1] == '\0', st, RL_EIO,
                 "%s: journal header is corrupt (item id %zu)", path, i);
    return RL_OK;
}

rl_code rl_store_journal_read_header(FILE *fp, const char *path, jheader *h, rl_status *st)
{
    memset(h, 0, sizeof *h);
    RL_CHECK(fread(&h->fixed, sizeof h->fixed, 1, fp) == 1, st, RL_EIO,
             "%s: journal header cut short (the file was damaged before the sweep started); "
             "move it aside to start over",
             path);
    RL_TRY(check_fixed(&h->fixed, path, st));
    struct stat sb; /* a length read from the file never allocates more than the file holds */
    RL_CHECK(fstat(fileno(fp), &sb) == 0, st, RL_EIO, "%s: %s", path, strerror(errno));
    RL_CHECK(h->fixed.head_bytes <= (uint64_t)sb.st_size, st, RL_EIO,
             "%s: journal header cut short (it claims %llu bytes, the file has %lld); move it "
             "aside to start over",
             path, (unsigned long long)h->fixed.head_bytes, (long long)sb.st_size);
    size_t len = (size_t)h->fixed.head_bytes;
    h->blob = rl_alloc(len, 1, st);
    if (!h->blob) return st->code;
    memcpy(h->blob, &h->fixed, sizeof h->fixed);
    RL_CHECK(fread(h->blob + sizeof h->fixed, len - sizeof h->fixed, 1, fp) == 1, st, RL_EIO,
             "%s: journal header cut short", path);
    return parse_header(h, len, path, st);
}

void rl_store_journal_header_free(jheader *h)
{
    if (!h) return;
    for (int d = 0; d < RL_MAX_DIMS; d++)
        rl_free((void *)h->labels[d]);
    rl_free(h->blob);
    memset(h, 0, sizeof *h);
}

/* ---- records ---- */

static bool is_small_kind(uint32_t kind)
{
    return kind == JREC_SESSION || kind == JREC_ATTEMPT || kind == JREC_ABANDON;
}

/* Bytes on disk of a result record whose packed result is `bytes` long. */
static size_t result_record_size(size_t bytes)
{
    size_t body = bytes + 4; /* the packed result and the crc */
    return sizeof(jrec_rhead) + body + (8 - body % 8) % 8;
}

static bool crc_ok(const unsigned char *raw, size_t size)
{
    uint32_t crc;
    memcpy(&crc, raw + size - 4, sizeof crc);
    return crc == crc_of(raw, size - 4);
}

/*
** Reads `want` more bytes of the record into raw + *n_read; false if the file ends
** first (a torn record).
*/
static bool read_more(FILE *fp, unsigned char *raw, size_t want, size_t *n_read)
{
    size_t got = fread(raw + *n_read, 1, want, fp);
    *n_read += got;
    return got == want;
}

/*
** One record as raw bytes into raw (JREC_RESULT_MAX), decoded into rec. Returns true if
** it is whole and valid. Otherwise *n_read tells how far it got and *size is its length
** on disk when the head was readable (0 if not), so the caller can tell a torn tail.
*/
static bool read_record(FILE *fp, unsigned char *raw, jrec *rec, size_t *n_read, size_t *size)
{
    uint32_t magic, kind;
    *n_read = *size = 0;
    if (!read_more(fp, raw, 8, n_read)) return false;
    memcpy(&magic, raw, 4);
    memcpy(&kind, raw + 4, 4);
    if (magic != JREC_MAGIC) return false;
    if (is_small_kind(kind)) {
        *size = sizeof(jrec_small);
        if (!read_more(fp, raw, *size - 8, n_read) || !crc_ok(raw, *size)) return false;
        memcpy(&rec->small, raw, sizeof rec->small);
        return rec->small.id[sizeof rec->small.id - 1] == '\0';
    }
    jrec_rhead h;
    if (kind != JREC_RESULT || !read_more(fp, raw, sizeof h - 8, n_read)) return false;
    memcpy(&h, raw, sizeof h);
    if (h.bytes > RL_RESULT_PACKED_MAX) return false;
    *size = result_record_size(h.bytes);
    if (!read_more(fp, raw, *size - sizeof h, n_read) || !crc_ok(raw, *size)) return false;
    rec->result.magic = h.magic;
    rec->result.kind = h.kind;
    rec->result.item = h.item;
    memcpy(rec->result.id, h.id, sizeof h.id);
    return h.id[sizeof h.id - 1] == '\0' &&
           rl_result_unpack(raw + sizeof h, h.bytes, &rec->result.r);
}

/* A bad record at pos is a torn tail if it reaches the end of the file (see store_int.h). */
static bool is_torn(off_t pos, off_t file_size, size_t size)
{
    off_t left = file_size - pos;
    return size > 0 ? (off_t)size >= left : left <= (off_t)JREC_RESULT_MAX;
}

rl_code rl_store_journal_scan(FILE *fp, const char *path, jrec_fn fn, void *ctx, off_t *valid_end,
                              bool *torn, rl_status *st)
{
    struct stat sb;
    RL_CHECK(fstat(fileno(fp), &sb) == 0, st, RL_EIO, "%s: %s", path, strerror(errno));
    jrec *rec = rl_alloc(1, sizeof *rec, st);
    unsigned char *raw = rec ? rl_alloc(1, JREC_RESULT_MAX, st) : NULL;
    if (!raw) {
        rl_free(rec);
        return st->code;
    }
    rl_code rc = RL_OK;
    off_t pos = ftello(fp);
    *torn = false;
    for (;;) {
        size_t n_read, size;
        if (read_record(fp, raw, rec, &n_read, &size)) {
            pos += (off_t)size;
            if ((rc = fn(ctx, rec, st)) != RL_OK) break;
            continue;
        }
        if (n_read == 0 && pos == sb.st_size) break; /* clean end */
        if (is_torn(pos, sb.st_size, size)) {
            *torn = true; /* a kill mid-append: the record was never complete */
            break;
        }
        rc = rl_status_fail(st, RL_EIO, __FILE__, __LINE__,
                            "%s: record at byte %lld is damaged and %lld bytes follow it, so this "
                            "is not a torn last write; copy the file aside and report it (results "
                            "before that byte are intact)",
                            path, (long long)pos, (long long)(sb.st_size - pos));
        break;
    }
    rl_free(raw);
    rl_free(rec);
    *valid_end = pos;
    return rc;
}

static void seal(void *rec, size_t size, uint32_t kind)
{
    uint32_t magic = JREC_MAGIC, crc;
    memcpy(rec, &magic, 4);
    memcpy((unsigned char *)rec + 4, &kind, 4);
    crc = crc_of(rec, size - 4);
    memcpy((unsigned char *)rec + size - 4, &crc, 4);
}

rl_code rl_store_journal_write_small(int fd, jrec_small *rec, const char *path, rl_status *st)
{
    assert(is_small_kind(rec->kind));
    seal(rec, sizeof *rec, rec->kind);
    return rl_store_write_all(fd, rec, sizeof *rec, path, st);
}

rl_code rl_store_journal_write_result(int fd, jrec_result *rec, const char *path, rl_status *st)
{
    unsigned char *raw = rl_alloc(1, JREC_RESULT_MAX, st); /* zeroed: the padding */
    if (!raw) return st->code;
    jrec_rhead h = {.item = rec->item};
    memcpy(h.id, rec->id, sizeof h.id);
    h.bytes = (uint32_t)rl_result_pack(&rec->r, raw + sizeof h);
    memcpy(raw, &h, sizeof h);
    size_t size = result_record_size(h.bytes);
    seal(raw, size, JREC_RESULT);
    rl_code rc = rl_store_write_all(fd, raw, size, path, st);
    rl_free(raw);
    return rc;
}

/* ---- POSIX durability helpers ---- */

rl_code rl_store_write_all(int fd, const void *buf, size_t len, const char *path, rl_status *st)
{
    const unsigned char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        RL_CHECK(n > 0, st, RL_EIO, "writing %s: %s", path,
                 n < 0 ? strerror(errno) : "no progress");
        p += n;
        len -= (size_t)n;
    }
    return RL_OK;
}

rl_code rl_store_fsync_dir(const char *path, rl_status *st)
{
    char copy[RL_PATH_MAX];
    RL_CHECK(rl_snprintf(copy, sizeof copy, "%s", path), st, RL_EINPUT, "path too long: %s", path);
    const char *dir = dirname(copy);
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    RL_CHECK(fd >= 0, st, RL_EIO, "opening directory %s: %s", dir, strerror(errno));
    int rc = fsync(fd);
    int err = errno;
    close(fd);
    /* Some file systems (and NFS) refuse fsync on directories; the rename is then as durable
       as that file system makes it. */
    RL_CHECK(rc == 0 || err == EINVAL || err == EBADF, st, RL_EIO, "fsync of directory %s: %s", dir,
             strerror(err));
    return RL_OK;
}

#define LOCK_TRIES    10       /* attempts at the journal's lock ... */
#define LOCK_PAUSE_NS 20000000 /* ... 20 ms apart: 0.2 s in all */

rl_code rl_store_lock(int fd, const char *path, rl_status *st)
{
    /* flock, not fcntl: an fcntl lock dies when the process closes ANY descriptor of the file,
       and the reader below opens and closes its own. `richlazy status` takes a shared lock for
       an instant to see whether a run is active (rl_store_active): retry for a while before
       calling the lock another run's. */
    for (int tries = 0; tries < LOCK_TRIES; tries++) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) return RL_OK;
        if (errno != EWOULDBLOCK) break;
        struct timespec pause = {0, LOCK_PAUSE_NS};
        nanosleep(&pause, NULL);
    }
    /* File systems without lock support (ENOLCK, e.g. NFS without lockd): run unlocked. */
    if (errno == ENOLCK || errno == EINVAL) return RL_OK;
    RL_CHECK(errno != EWOULDBLOCK, st, RL_EINPUT,
             "%s is locked by another richlazy run; only one run may write a results file at a "
             "time (wait for it, or choose another -o)",
             path);
    RL_FAIL(st, RL_EIO, "locking %s: %s", path, strerror(errno));
}

/*
** A run writes the journal through the descriptor it locked. If the path stops naming
** that file while the run holds it (git checkout or stash, rsync, cp over it, rm), every
** later record would go to a file no one can open again, and the next run would resume
** from the stale copy. So before each commit the run compares the two and, if they
** differ, writes everything the descriptor holds back to the path (tmp file, fsync,
** rename) and continues on it: the run's own journal is the truth for its results file.
** Another run holding the new file's lock is refused (RL_EINPUT), not overwritten.
*/
rl_code rl_store_journal_keep(int *fd, const char *path, const char *tmp, bool *restored,
                              rl_status *st)
{
    struct stat held, named;
    *restored = false;
    RL_CHECK(fstat(*fd, &held) == 0, st, RL_EIO, "stat %s: %s", path, strerror(errno));
    if (stat(path, &named) == 0 && named.st_dev == held.st_dev && named.st_ino == held.st_ino)
        return RL_OK;
    int other = open(path, O_RDONLY | O_CLOEXEC);
    if (other >= 0) { /* the replacement: refuse if a run of its own holds it */
        rl_code rc = rl_store_lock(other, path, st);
        close(other);
        RL_TRY(rc);
    }
    int out = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    RL_CHECK(out >= 0, st, RL_EIO, "creating %s: %s", tmp, strerror(errno));
    rl_code rc = rl_store_lock(out, tmp, st);
    unsigned char buf[1 << 16];
    off_t at = 0;
    ssize_t n = 0;
    while (!rc && (n = pread(*fd, buf, sizeof buf, at)) > 0) {
        rc = rl_store_write_all(out, buf, (size_t)n, tmp, st);
        at += n;
    }
    if (!rc && n < 0)
        rc =
            rl_status_fail(st, RL_EIO, __FILE__, __LINE__, "reading %s: %s", path, strerror(errno));
    if (!rc && fsync(out) != 0)
        rc = rl_status_fail(st, RL_EIO, __FILE__, __LINE__, "fsync %s: %s", tmp, strerror(errno));
    if (!rc && rename(tmp, path) != 0)
        rc = rl_status_fail(st, RL_EIO, __FILE__, __LINE__, "renaming %s to %s: %s", tmp, path,
                            strerror(errno));
    if (!rc) rc = rl_store_fsync_dir(path, st);
    if (rc) {
        close(out);
        unlink(tmp);
        return rc;
    }
    close(*fd); /* its lock goes with it; out holds the same lock on the restored file */
    *fd = out;  /* positioned at the end: the copy wrote every byte sequentially */
    *restored = true;
    return RL_OK;
}
