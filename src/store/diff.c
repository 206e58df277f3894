/*
** diff.c: a line diff of two canonical spec forms, for the message that refuses
** to resume a sweep whose spec changed (module: store).
** Why: "the spec hash differs" tells a user nothing; the lines that changed tell
** them what they edited. Canonical forms are short (one line per axis and
** parameter), so the classic O(n*m) longest-common-subsequence table is enough;
** past MAX_LINES lines it falls back to listing both sides.
*/
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINES 400

typedef struct lines {
    int n;
    const char *start[MAX_LINES];
    int len[MAX_LINES];
} lines;

/* Splits s into lines (views, no copy); false if there are more than MAX_LINES. */
static bool split(const char *s, lines *out)
{
    out->n = 0;
    while (s && *s) {
        const char *nl = strchr(s, '\n');
        int len = nl ? (int)(nl - s) : (int)strlen(s);
        if (out->n == MAX_LINES) return false;
        out->start[out->n] = s;
        out->len[out->n++] = len;
        s = nl ? nl + 1 : s + len;
    }
    return true;
}

static bool same(const lines *a, int i, const lines *b, int j)
{
    return a->len[i] == b->len[j] && memcmp(a->start[i], b->start[j], (size_t)a->len[i]) == 0;
}

typedef struct sink {
    char *out;
    size_t cap, used;
    int dropped;
} sink;

static void emit(sink *k, char sign, const char *s, int len)
{
    /* keep room for the "... more" line */
    if (k->dropped || k->used + (size_t)len + 8 + 48 > k->cap) {
        k->dropped++;
        return;
    }
    k->used += (size_t)snprintf(k->out + k->used, k->cap - k->used, "  %c %.*s\n", sign, len, s);
}

/* LCS table over suffixes: t[i][j] = LCS length of a[i..] and b[j..]. */
static void diff_lcs(const lines *a, const lines *b, sink *k)
{
    int w = b->n + 1;
    unsigned short *t = calloc((size_t)(a->n + 1) * (size_t)w, sizeof *t);
    if (!t) {
        static const char oom[] = "(out of memory computing the difference)";
        emit(k, '?', oom, (int)strlen(oom));
        return;
    }
    for (int i = a->n - 1; i >= 0; i--)
        for (int j = b->n - 1; j >= 0; j--)
            t[i * w + j] = same(a, i, b, j) ? (unsigned short)(t[(i + 1) * w + j + 1] + 1)
                           : t[(i + 1) * w + j] >= t[i * w + j + 1] ? t[(i + 1) * w + j]
                                                                    : t[i * w + j + 1];
    int i = 0, j = 0;
    while (i < a->n || j < b->n) {
        if (i < a->n && j < b->n && same(a, i, b, j)) {
            i++, j++;
        } else if (j < b->n && (i == a->n || t[i * w + j + 1] > t[(i + 1) * w + j])) {
            emit(k, '+', b->start[j], b->len[j]);
            j++;
        } else {
            emit(k, '-', a->start[i], a->len[i]);
            i++;
        }
    }
    free(t);
}

void rl_store_diff_lines(const char *a, const char *b, char *out, size_t cap)
{
    lines *la = malloc(sizeof *la), *lb = malloc(sizeof *lb);
    sink k = {out, cap, 0, 0};
    if (cap == 0) goto done;
    out[0] = '\0';
    if (!la || !lb) goto done;
    bool fit_a = split(a, la), fit_b = split(b, lb);
    if (fit_a && fit_b) {
        diff_lcs(la, lb, &k);
    } else {
        for (int i = 0; i < la->n; i++)
            emit(&k, '-', la->start[i], la->len[i]);
        for (int j = 0; j < lb->n; j++)
            emit(&k, '+', lb->start[j], lb->len[j]);
    }
    if (k.dropped && k.used < cap)
        snprintf(out + k.used, cap - k.used, "  ... (%d more changed lines)\n", k.dropped);
done:
    free(la);
    free(lb);
}
