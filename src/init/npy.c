/*
** npy.c: the NumPy .npy reader behind init.file (module: init).
** Format (numpy.lib.format): magic "\x93NUMPY", major and minor version bytes, the
** header length (uint16 LE in 1.x, uint32 LE in 2.x and 3.x), then a Python dict
** literal such as {'descr': '<f8', 'fortran_order': False, 'shape': (198, 198), }
** padded with blanks and ended by '\n', then the raw array.
** Why this strict: a matrix read wrongly is silent garbage in every later result,
** so everything is validated — magic, version, each key exactly once, descr
** '<f4' or '<f8', a 2-D shape, and a data block of exactly rows * cols * itemsize
** bytes (a truncated or over-long file is refused). Values are assembled from
** their little-endian bytes, so the reader is right on any host byte order.
*/
#include "internal.h"

#include <stdio.h>
#include <string.h>

static const unsigned char magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

typedef struct npy_header {
    int itemsize; /* 4 ('<f4') or 8 ('<f8') */
    bool fortran; /* column-major data */
    int ndim;
    size_t shape[2];
    bool seen_descr, seen_order, seen_shape;
} npy_header;

typedef struct cursor {
    const char *s, *begin, *end;
    const char *path;
} cursor;

/* ---- the header dict ---- */

static rl_code bad(const cursor *c, const char *what, rl_status *st)
{
    RL_FAIL(st, RL_EINPUT,
            "init.file '%s': bad .npy header at character %ld: %s; valid: a header written by "
            "numpy.save, e.g. {'descr': '<f8', 'fortran_order': False, 'shape': (N, N), }",
            c->path, (long)(c->s - c->begin), what);
}

static void skip_ws(cursor *c)
{
    while (c->s < c->end && (*c->s == ' ' || *c->s == '\t' || *c->s == '\n' || *c->s == '\r'))
        c->s++;
}

/* True if the next non-blank character is ch (not consumed). */
static bool peek(cursor *c, char ch)
{
    skip_ws(c);
    return c->s < c->end && *c->s == ch;
}

static bool take(cursor *c, char ch)
{
    skip_ws(c);
    if (c->s < c->end && *c->s == ch) {
        c->s++;
        return true;
    }
    return false;
}

/* A quoted Python string without escapes, into out (cap bytes). */
static rl_code parse_str(cursor *c, char *out, size_t cap, rl_status *st)
{
    skip_ws(c);
    if (c->s >= c->end || (*c->s != '\'' && *c->s != '"')) return bad(c, "expected a string", st);
    char quote = *c->s++;
    size_t k = 0;
    while (c->s < c->end && *c->s != quote) {
        if (*c->s == '\\' || k + 1 >= cap) return bad(c, "unexpected string", st);
        out[k++] = *c->s++;
    }
    if (c->s >= c->end) return bad(c, "unterminated string", st);
    c->s++;
    out[k] = '\0';
    return RL_OK;
}

static rl_code parse_descr(cursor *c, npy_header *h, rl_status *st)
{
    char descr[16];
    RL_TRY(parse_str(c, descr, sizeof descr, st));
    if (strcmp(descr, "<f8") == 0)
        h->itemsize = 8;
    else if (strcmp(descr, "<f4") == 0)
        h->itemsize = 4;
    else
        RL_FAIL(st, RL_EINPUT,
                "init.file '%s': .npy dtype '%s' is not supported; valid: '<f4' or '<f8' "
                "(np.save(path, a.astype('<f8')))",
                c->path, descr);
    return RL_OK;
}

static rl_code parse_bool(cursor *c, bool *out, rl_status *st)
{
    skip_ws(c);
    size_t left = (size_t)(c->end - c->s);
    if (left >= 4 && strncmp(c->s, "True", 4) == 0) {
        c->s += 4;
        *out = true;
    } else if (left >= 5 && strncmp(c->s, "False", 5) == 0) {
        c->s += 5;
        *out = false;
    } else {
        return bad(c, "fortran_order must be True or False", st);
    }
    return RL_OK;
}

/* (a, b) or (a, b,) — any other length is counted in h->ndim and refused by the caller. */
static rl_code parse_shape(cursor *c, npy_header *h, rl_status *st)
{
    if (!take(c, '(')) return bad(c, "shape must be a tuple", st);
    h->ndim = 0;
    while (!take(c, ')')) {
        skip_ws(c);
        size_t v = 0;
        const char *digits = c->s;
        while (c->s < c->end && *c->s >= '0' && *c->s <= '9') {
            if (v > (SIZE_MAX - 9) / 10) return bad(c, "shape entry too large", st);
            v = 10 * v + (size_t)(*c->s++ - '0');
        }
        if (c->s == digits) return bad(c, "shape entries must be non-negative integers", st);
        if (h->ndim < 2) h->shape[h->ndim] = v;
        h->ndim++;
        if (!take(c, ',') && !peek(c, ')')) return bad(c, "expected ',' or ')' in shape", st);
    }
    return RL_OK;
}

static rl_code parse_entry(cursor *c, npy_header *h, rl_status *st)
{
    char key[32];
    RL_TRY(parse_str(c, key, sizeof key, st));
    if (!take(c, ':')) return bad(c, "expected ':' after a key", st);
    bool *seen;
    rl_code rc;
    if (strcmp(key, "descr") == 0) {
        seen = &h->seen_descr;
        rc = parse_descr(c, h, st);
    } else if (strcmp(key, "fortran_order") == 0) {
        seen = &h->seen_order;
        rc = parse_bool(c, &h->fortran, st);
    } else if (strcmp(key, "shape") == 0) {
        seen = &h->seen_shape;
        rc = parse_shape(c, h, st);
    } else {
        return bad(c, "unknown key (valid: 'descr', 'fortran_order', 'shape')", st);
    }
    if (*seen) return bad(c, "a key appears twice", st);
    *seen = true;
    return rc;
}

static rl_code parse_header(const char *path, const char *text, size_t len, npy_header *h,
                            rl_status *st)
{
    cursor c = {text, text, text + len, path};
    *h = (npy_header){0};
    if (!take(&c, '{')) return bad(&c, "expected '{'", st);
    while (!take(&c, '}')) {
        RL_TRY(parse_entry(&c, h, st));
        if (!take(&c, ',') && !peek(&c, '}')) return bad(&c, "expected ',' or '}'", st);
    }
    skip_ws(&c);
    if (c.s != c.end) return bad(&c, "text after the closing '}'", st);
    if (!h->seen_descr || !h->seen_order || !h->seen_shape)
        return bad(&c, "missing one of 'descr', 'fortran_order', 'shape'", st);
    RL_CHECK(h->ndim == 2, st, RL_EINPUT,
             "init.file '%s': the .npy array has %d dimensions; valid: a 2-D matrix", path,
             h->ndim);
    return RL_OK;
}

/* ---- the file ---- */

static uint64_t le_bytes(const unsigned char *b, int count)
{
    uint64_t v = 0;
    for (int k = count - 1; k >= 0; k--)
        v = (v << 8) | b[k];
    return v;
}

static double decode(const unsigned char *b, int itemsize)
{
    if (itemsize == 8) {
        uint64_t bits = le_bytes(b, 8);
        double d;
        memcpy(&d, &bits, sizeof d);
        return d;
    }
    uint32_t bits = (uint32_t)le_bytes(b, 4);
    float f;
    memcpy(&f, &bits, sizeof f);
    return (double)f;
}

/* Where the header text starts and how long it is, from the preamble. */
static rl_code preamble(const char *path, const unsigned char *buf, size_t len, size_t *start,
                        size_t *hlen, rl_status *st)
{
    RL_CHECK(len >= 10 && memcmp(buf, magic, sizeof magic) == 0, st, RL_EINPUT,
             "init.file '%s' is not a .npy file (no \\x93NUMPY magic at its start); valid: a "
             "file written by numpy.save",
             path);
    int major = buf[6], minor = buf[7];
    RL_CHECK(major >= 1 && major <= 3 && minor == 0, st, RL_EINPUT,
             "init.file '%s': .npy format version %d.%d is not known; valid: 1.0, 2.0 or 3.0", path,
             major, minor);
    *start = major == 1 ? 10 : 12;
    RL_CHECK(len >= *start, st, RL_EINPUT, "init.file '%s' is truncated inside the .npy preamble",
             path);
    *hlen = (size_t)le_bytes(buf + 8, major == 1 ? 2 : 4);
    RL_CHECK(*hlen <= len - *start, st, RL_EINPUT,
             "init.file '%s' is truncated: its .npy header claims %zu bytes, %zu remain", path,
             *hlen, len - *start);
    return RL_OK;
}

rl_code rl_init_read_npy(const char *path, int n, double *m, rl_status *st)
{
    unsigned char *buf;
    size_t len, start = 0, hlen = 0;
    npy_header h = {0};
    RL_TRY(rl_init_slurp(path, &buf, &len, st));
    rl_code rc = preamble(path, buf, len, &start, &hlen, st);
    if (rc == RL_OK) rc = parse_header(path, (const char *)buf + start, hlen, &h, st);
    if (rc == RL_OK) rc = rl_init_file_shape(path, h.shape[0], h.shape[1], n, st);
    if (rc == RL_OK) {
        size_t rows = h.shape[0], cols = h.shape[1], have = len - start - hlen;
        size_t want = rows * cols * (size_t)h.itemsize; /* rows = cols = n <= 65536: no overflow */
        if (have != want)
            rc = rl_status_fail(st, RL_EINPUT, __FILE__, __LINE__,
                                "init.file '%s' is %s: a %zu x %zu array of %d-byte floats "
                                "needs %zu data bytes, the file has %zu",
                                path, have < want ? "truncated" : "longer than its header says",
                                rows, cols, h.itemsize, want, have);
    }
    for (size_t i = 0; rc == RL_OK && i < h.shape[0]; i++)
        for (size_t j = 0; j < h.shape[1]; j++) {
            size_t k = h.fortran ? j * h.shape[0] + i : i * h.shape[1] + j;
            m[i * h.shape[1] + j] = decode(buf + start + hlen + k * (size_t)h.itemsize, h.itemsize);
        }
    rl_free(buf);
    return rc;
}
