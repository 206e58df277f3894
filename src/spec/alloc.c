/*
** alloc.c: the spec module's allocation helpers — a checked strdup, a
** growable array, and growable text (sbuf) — (module: spec).
** Why a file of its own: every other file of the module allocates through
** these (the YAML reader grows its node lists, messages and the canonical
** form are built as text, values copy their text), so they must sit below
** all of them; kept in one of their users they made the files call each
** other in a circle (tests/arch/layers.py). This file calls nothing else in
** the module.
*/
#include "spec_int.h"

#include <stdio.h>
#include <string.h>

/* ---- allocation helpers ---- */

char *spec_strdup(const char *s, rl_status *st)
{
    size_t n = strlen(s) + 1;
    char *d = rl_alloc(n, 1, st);
    if (d) memcpy(d, s, n);
    return d;
}

rl_code spec_grow(void **arr, size_t *cap, size_t need, size_t elem, rl_status *st)
{
    if (need <= *cap) return RL_OK;
    size_t cap2 = *cap ? *cap : 4;
    while (cap2 < need)
        cap2 = cap2 > SIZE_MAX / 2 ? need : 2 * cap2;
    void *p = rl_alloc(cap2, elem, st);
    if (!p) return st->code;
    if (*arr) memcpy(p, *arr, *cap * elem);
    rl_free(*arr);
    *arr = p;
    *cap = cap2;
    return RL_OK;
}

/* ---- growable text ---- */

void sbuf_addf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    if (b->failed) return;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = true;
            return;
        }
        if (b->p && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        if (spec_grow((void **)&b->p, &b->cap, b->len + (size_t)n + 1, 1, NULL) != RL_OK) {
            b->failed = true;
            return;
        }
    }
}

static bool is_word(const char *s)
{
    if (!*s) return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '.' || *s == '+' || *s == '-'))
            return false;
    return true;
}

/* Quoted with escapes unless a plain word, so no value can forge a line of the canonical form. */
void sbuf_add_value(sbuf *b, const char *text)
{
    if (is_word(text)) {
        sbuf_addf(b, "%s", text);
        return;
    }
    sbuf_addf(b, "\"");
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        if (*c == '"' || *c == '\\')
            sbuf_addf(b, "\\%c", *c);
        else if (*c < 0x20 || *c == 0x7f)
            sbuf_addf(b, "\\x%02x", *c);
        else
            sbuf_addf(b, "%c", *c);
    }
    sbuf_addf(b, "\"");
}

void sbuf_free(sbuf *b)
{
    rl_free(b->p);
    memset(b, 0, sizeof *b);
}
