/*
** errors.c: the spec module's messages — "FILE:LINE:COLUMN: what is wrong;
** what would be valid" — and "did you mean" for unknown keys (module: spec).
** Why one place: every check in parse.c and expand.c phrases its failure the
** same way (STYLE §10), and user text shown in a message is cut and cleaned
** here, so a 1 MiB key or a terminal escape in a spec cannot garble it.
** Suggestions use the optimal-string-alignment distance (Levenshtein plus
** adjacent transpositions, ignoring case): one edit for keys of up to 3
** characters, two for longer ones, and never as many edits as the word has
** characters.
*/
#include "spec_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define SHOW_MAX    60 /* most bytes of user text quoted in a message */
#define SUGGEST_MAX 64 /* words longer than this get no suggestion (bounds the work) */
#define LIST_MAX    12 /* list the valid keys only when there are at most this many */

rl_code spec_failf(rl_status *st, const char *src, int srcline, const char *file, sloc at,
                   const char *fmt, ...)
{
    char body[sizeof st->msg];
    char msg[sizeof body + 128]; /* the prefix; rl_status_fail cuts to its own size */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    if (at.line > 0)
        snprintf(msg, sizeof msg, "%s:%d:%d: %s", file, at.line, at.col, body);
    else
        snprintf(msg, sizeof msg, "%s: %s", file, body);
    for (char *c = msg; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f) *c = '?';
    return rl_status_fail(st, RL_EINPUT, src, srcline, "%s", msg);
}

const char *spec_show(const char *text, char *buf, size_t cap)
{
    size_t n = strlen(text), keep = n;
    if (keep > SHOW_MAX) {
        keep = SHOW_MAX;
        while (keep > 0 && ((unsigned char)text[keep] & 0xC0) == 0x80)
            keep--; /* do not cut a UTF-8 character in half */
    }
    if (keep + 4 > cap) keep = cap > 4 ? cap - 4 : 0;
    size_t i;
    for (i = 0; i < keep; i++) {
        unsigned char c = (unsigned char)text[i];
        buf[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (keep < n && i + 3 < cap) {
        memcpy(buf + i, "...", 3);
        i += 3;
    }
    buf[i] = '\0';
    return buf;
}

/* ---- distance and suggestions ---- */

size_t spec_edit_distance(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (na > SUGGEST_MAX || nb > SUGGEST_MAX) return (size_t)-1;
    /* Three rows of the dynamic programme suffice: OSA looks back two rows. */
    size_t rows[3][SUGGEST_MAX + 1];
    for (size_t j = 0; j <= nb; j++)
        rows[0][j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t *cur = rows[i % 3], *up = rows[(i - 1) % 3], *up2 = rows[(i + 1) % 3];
        cur[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
            size_t best = up[j - 1] + (ca != cb);
            if (up[j] + 1 < best) best = up[j] + 1;
            if (cur[j - 1] + 1 < best) best = cur[j - 1] + 1;
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && up2[j - 2] + 1 < best)
                best = up2[j - 2] + 1;
            cur[j] = best;
        }
    }
    return rows[na % 3][nb];
}

/* Edits a typo of cand may have; never all of word ('m' is no typo of 'd'). */
static bool close_enough(const char *word, const char *cand, size_t d)
{
    return d <= (strlen(cand) <= 3 ? 1u : 2u) && d < strlen(word);
}

const char *rl_spec_suggest(const char *word, const char *const *cands, size_t n)
{
    return spec_suggest(word, cands, n);
}

const char *spec_suggest(const char *word, const char *const *cands, size_t n)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        size_t d = spec_edit_distance(word, cands[i]);
        if (close_enough(word, cands[i], d) && d < best_d) {
            best = cands[i];
            best_d = d;
        }
    }
    return best;
}

static const char *last_part(const char *path)
{
    const char *dot = strrchr(path, '.');
    return dot ? dot + 1 : path;
}

/* Closest table path or alias: by the whole path, else by its last component ("model.lr"). */
static const char *suggest_param(const char *path)
{
    size_t nkeys, nal;
    const rl_key *keys = rl_params_keys(&nkeys);
    const spec_alias *al = spec_aliases(&nal);
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (int pass = 0; pass < 2 && !best; pass++) {
        const char *word = pass ? last_part(path) : path;
        for (size_t i = 0; i < nkeys + nal; i++) {
            const char *cand = i < nkeys ? keys[i].path : al[i - nkeys].name;
            const char *target = pass ? last_part(cand) : cand;
            size_t d = spec_edit_distance(word, target);
            if (close_enough(word, target, d) && d < best_d && strcmp(cand, path) != 0) {
                best = cand;
                best_d = d;
            }
        }
    }
    return best;
}

/* ---- unknown keys ---- */

static void add_list(sbuf *b, const char *const *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sbuf_addf(b, "%s%s", i ? ", " : "", items[i]);
}

static rl_code finish(sbuf *b, rl_status *st, const char *file, sloc at)
{
    rl_code rc;
    if (b->failed)
        rc = rl_status_fail(st, RL_ENOMEM, __FILE__, __LINE__, "out of memory");
    else
        rc = SPEC_FAIL(st, file, at, "%s", b->p);
    sbuf_free(b);
    return rc;
}

rl_code spec_unknown_key(rl_status *st, const char *file, sloc at, const char *where,
                         const char *key, const char *const *valid, size_t n)
{
    char shown[SPEC_SHOW_CAP];
    const char *near = spec_suggest(key, valid, n);
    sbuf b = {0};
    sbuf_addf(&b, "unknown %s key '%s'; ", where, spec_show(key, shown, sizeof shown));
    if (near) sbuf_addf(&b, "did you mean '%s'? ", near);
    sbuf_addf(&b, "valid: ");
    add_list(&b, valid, n);
    return finish(&b, st, file, at);
}

/* The keys of one section ("train" -> optimizer, lr, ...) if there are few, for the message. */
static bool add_section_keys(sbuf *b, const char *path)
{
    const char *dot = strchr(path, '.');
    if (!dot) return false;
    size_t nkeys, count = 0, plen = (size_t)(dot - path) + 1;
    const rl_key *keys = rl_params_keys(&nkeys);
    for (size_t i = 0; i < nkeys; i++)
        count += strncmp(keys[i].path, path, plen) == 0;
    if (count == 0 || count > LIST_MAX) return false;
    sbuf_addf(b, "valid %.*s keys: ", (int)(plen - 1), path);
    count = 0;
    for (size_t i = 0; i < nkeys; i++)
        if (strncmp(keys[i].path, path, plen) == 0)
            sbuf_addf(b, "%s%s", count++ ? ", " : "", keys[i].path + plen);
    return true;
}

/* The sections of the table in order ("model", "init", ...); n <= cap. */
static size_t sections(const char **out, int *lens, size_t cap)
{
    size_t nkeys, n = 0;
    const rl_key *keys = rl_params_keys(&nkeys);
    for (size_t i = 0; i < nkeys && n < cap; i++) {
        const char *dot = strchr(keys[i].path, '.');
        if (!dot) continue;
        int len = (int)(dot - keys[i].path);
        bool seen = false;
        for (size_t j = 0; j < n && !seen; j++)
            seen = lens[j] == len && strncmp(out[j], keys[i].path, (size_t)len) == 0;
        if (!seen) {
            out[n] = keys[i].path;
            lens[n++] = len;
        }
    }
    return n;
}

static void add_sections(sbuf *b)
{
    const char *secs[LIST_MAX];
    int lens[LIST_MAX];
    size_t n = sections(secs, lens, LIST_MAX), nal;
    const spec_alias *al = spec_aliases(&nal);
    sbuf_addf(b, "valid: seed, or <section>.<key> for the sections ");
    for (size_t i = 0; i < n; i++)
        sbuf_addf(b, "%s%.*s", i ? ", " : "", lens[i], secs[i]);
    sbuf_addf(b, ", or an alias: ");
    for (size_t i = 0; i < nal; i++)
        sbuf_addf(b, "%s%s", i ? ", " : "", al[i].name);
}

rl_code spec_unknown_section(rl_status *st, const char *file, sloc at, const char *path)
{
    char shown[SPEC_SHOW_CAP], names[LIST_MAX][SUGGEST_MAX + 1];
    const char *secs[LIST_MAX], *cands[LIST_MAX];
    int lens[LIST_MAX];
    size_t n = sections(secs, lens, LIST_MAX);
    for (size_t i = 0; i < n; i++) {
        snprintf(names[i], sizeof names[i], "%.*s", lens[i], secs[i]);
        cands[i] = names[i];
    }
    const char *near = spec_suggest(path, cands, n);
    sbuf b = {0};
    sbuf_addf(&b, "unknown section '%s'; ", spec_show(path, shown, sizeof shown));
    if (near) sbuf_addf(&b, "did you mean '%s'? ", near);
    sbuf_addf(&b, "valid: ");
    add_list(&b, cands, n);
    return finish(&b, st, file, at);
}

rl_code spec_unknown_param(rl_status *st, const char *file, sloc at, const char *path)
{
    char shown[SPEC_SHOW_CAP];
    const char *near = suggest_param(path);
    sbuf b = {0};
    sbuf_addf(&b, "unknown parameter '%s'; ", spec_show(path, shown, sizeof shown));
    if (near) sbuf_addf(&b, "did you mean '%s'? ", near);
    if (!add_section_keys(&b, path)) add_sections(&b);
    return finish(&b, st, file, at);
}
