/*
** yaml.c: libyaml's event stream -> a small document tree, one position per
** node (module: spec).
** Why a tree of our own: the checks need lookups, both positions of a
** duplicate and a second pass, which events do not give; libyaml's loader
** would expand nothing dangerous but also rejects nothing we must. So this
** reader refuses, while reading, what libyaml accepts and the spec must not:
** anchors and aliases (which also defeats alias bombs), tags, nesting deeper
** than SPEC_MAX_DEPTH, a second document, NUL inside a scalar, non-scalar keys
** and repeated keys (libyaml checks none of these; STYLE §10).
** Invariants: a node's `at` is libyaml's start mark + 1 (lines and columns
** count from 1); a MAP's kids alternate scalar key, value; every node built is
** reachable from root, so freeing root frees all on any failure.
*/
#include "spec_int.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct builder {
    const char *file;
    const char *text;
    size_t len;
    node *root;
    node *stack[SPEC_MAX_DEPTH]; /* open lists and mappings, innermost last */
    int depth;
    int ndocs;
} builder;

static sloc mark_loc(yaml_mark_t m)
{
    return (sloc){(int)m.line + 1, (int)m.column + 1}; /* libyaml counts from 0 */
}

/* ---- tree ---- */

void spec_node_free(node *n)
{
    if (!n) return;
    for (size_t i = 0; i < n->n; i++)
        spec_node_free(n->kid[i]);
    rl_free(n->kid);
    rl_free(n->text);
    rl_free(n);
}

bool spec_node_is_null(const node *n)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    if (n->kind != NODE_SCALAR || !n->plain) return false;
    for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
        if (strcmp(n->text, nulls[i]) == 0) return true;
    return false;
}

const char *spec_node_kind_name(const node *n)
{
    switch (n->kind) {
    case NODE_MAP:
        return "a mapping";
    case NODE_SEQ:
        return "a list";
    case NODE_SCALAR:
        break;
    }
    return "a single value";
}

static node *node_new(node_kind kind, sloc at, rl_status *st)
{
    node *n = rl_alloc(1, sizeof *n, st);
    if (n) {
        n->kind = kind;
        n->at = at;
    }
    return n;
}

/* ---- errors libyaml reports ---- */

/* Line and column of a byte offset: columns count characters, as libyaml's do. */
static sloc offset_loc(const char *text, size_t len, size_t offset)
{
    sloc at = {1, 1};
    for (size_t i = 0; i < offset && i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\n') {
            at.line++;
            at.col = 1;
        } else if ((c & 0xC0) != 0x80) {
            at.col++; /* a UTF-8 lead byte or ASCII starts a character */
        }
    }
    return at;
}

static rl_code parser_error(const builder *b, const yaml_parser_t *p, rl_status *st)
{
    if (p->error == YAML_MEMORY_ERROR)
        RL_FAIL(st, RL_ENOMEM, "%s: out of memory while reading the YAML", b->file);
    if (p->error == YAML_READER_ERROR) {
        sloc at = offset_loc(b->text, b->len, p->problem_offset);
        if (p->problem_value >= 0)
            return SPEC_FAIL(st, b->file, at,
                             "cannot read the spec: %s (byte 0x%02x at offset %zu); valid: UTF-8 "
                             "text without control characters",
                             p->problem, (unsigned)p->problem_value, p->problem_offset);
        return SPEC_FAIL(st, b->file, at,
                         "cannot read the spec: %s (at offset %zu); valid: UTF-8 text without "
                         "control characters",
                         p->problem, p->problem_offset);
    }
    sloc at = mark_loc(p->problem_mark);
    if (p->context) {
        sloc ctx = mark_loc(p->context_mark);
        return SPEC_FAIL(
            st, b->file, at,
            "YAML syntax error: %s (%s at line %d, column %d); valid: well-formed YAML",
            p->problem ? p->problem : "unknown problem", p->context, ctx.line, ctx.col);
    }
    return SPEC_FAIL(st, b->file, at, "YAML syntax error: %s; valid: well-formed YAML",
                     p->problem ? p->problem : "unknown problem");
}

/* ---- building ---- */

static int cmp_key(const void *pa, const void *pb)
{
    const node *a = *(const node *const *)pa, *b = *(const node *const *)pb;
    int c = strcmp(a->text, b->text);
    if (c) return c;
    if (a->at.line != b->at.line) return a->at.line < b->at.line ? -1 : 1;
    return (a->at.col > b->at.col) - (a->at.col < b->at.col);
}

static bool before(sloc a, sloc b)
{
    return a.line < b.line || (a.line == b.line && a.col < b.col);
}

/* Sorting keys (O(n log n), a 1 MiB mapping has ~10^5) finds every repeat; report the earliest. */
static rl_code check_duplicates(const builder *b, const node *map, rl_status *st)
{
    size_t pairs = map->n / 2;
    if (pairs < 2) return RL_OK;
    const node **keys = rl_alloc(pairs, sizeof *keys, st);
    if (!keys) return st->code;
    for (size_t i = 0; i < pairs; i++)
        keys[i] = map->kid[2 * i];
    qsort(keys, pairs, sizeof *keys, cmp_key);
    const node *first = NULL, *again = NULL;
    for (size_t i = 1; i < pairs; i++)
        if (strcmp(keys[i - 1]->text, keys[i]->text) == 0 &&
            (!again || before(keys[i]->at, again->at))) {
            first = keys[i - 1];
            again = keys[i];
        }
    rl_code rc = RL_OK;
    if (again) {
        char shown[SPEC_SHOW_CAP];
        rc = SPEC_FAIL(st, b->file, again->at,
                       "duplicate key '%s' (first at line %d, column %d); valid: each key once "
                       "per mapping",
                       spec_show(again->text, shown, sizeof shown), first->at.line, first->at.col);
    }
    rl_free(keys);
    return rc;
}

static rl_code attach(builder *b, node *n, rl_status *st)
{
    if (b->depth == 0) {
        b->root = n;
        return RL_OK;
    }
    node *parent = b->stack[b->depth - 1];
    if (parent->kind == NODE_MAP && parent->n % 2 == 0 && n->kind != NODE_SCALAR) {
        rl_code rc = SPEC_FAIL(st, b->file, n->at,
                               "a key here is %s; valid: a plain key such as 'name' or 'train.lr'",
                               spec_node_kind_name(n));
        spec_node_free(n);
        return rc;
    }
    if (spec_grow((void **)&parent->kid, &parent->cap, parent->n + 1, sizeof *parent->kid, st)) {
        spec_node_free(n);
        return st->code;
    }
    parent->kid[parent->n++] = n;
    return RL_OK;
}

static rl_code check_plain(const builder *b, sloc at, const yaml_char_t *anchor,
                           const yaml_char_t *tag, rl_status *st)
{
    if (anchor)
        return SPEC_FAIL(st, b->file, at,
                         "anchors and aliases are not supported; valid: write the value out");
    if (tag)
        return SPEC_FAIL(st, b->file, at,
                         "YAML tags (such as !!str) are not supported; valid: a plain value, "
                         "quoted if it must be text");
    return RL_OK;
}

static rl_code on_scalar(builder *b, const yaml_event_t *ev, rl_status *st)
{
    sloc at = mark_loc(ev->start_mark);
    const char *value = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    RL_TRY(check_plain(b, at, ev->data.scalar.anchor, ev->data.scalar.tag, st));
    if (memchr(value, '\0', len))
        return SPEC_FAIL(st, b->file, at,
                         "a value contains a NUL character; valid: text without \\0");
    node *n = node_new(NODE_SCALAR, at, st);
    if (!n) return st->code;
    n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    n->text = rl_alloc(len + 1, 1, st);
    if (!n->text) {
        spec_node_free(n);
        return st->code;
    }
    memcpy(n->text, value, len);
    return attach(b, n, st);
}

static rl_code on_open(builder *b, const yaml_event_t *ev, rl_status *st)
{
    sloc at = mark_loc(ev->start_mark);
    bool map = ev->type == YAML_MAPPING_START_EVENT;
    const yaml_char_t *anchor =
        map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
    const yaml_char_t *tag = map ? ev->data.mapping_start.tag : ev->data.sequence_start.tag;
    RL_TRY(check_plain(b, at, anchor, tag, st));
    if (b->depth == SPEC_MAX_DEPTH)
        return SPEC_FAIL(st, b->file, at, "nesting deeper than %d levels; valid: at most %d",
                         SPEC_MAX_DEPTH, SPEC_MAX_DEPTH);
    node *n = node_new(map ? NODE_MAP : NODE_SEQ, at, st);
    if (!n) return st->code;
    RL_TRY(attach(b, n, st));
    b->stack[b->depth++] = n;
    return RL_OK;
}

static rl_code on_event(builder *b, const yaml_event_t *ev, bool *done, rl_status *st)
{
    switch (ev->type) {
    case YAML_STREAM_END_EVENT:
        *done = true;
        return RL_OK;
    case YAML_DOCUMENT_START_EVENT:
        if (b->ndocs++ > 0)
            return SPEC_FAIL(st, b->file, mark_loc(ev->start_mark),
                             "more than one YAML document; valid: one document per spec file");
        return RL_OK;
    case YAML_ALIAS_EVENT:
        return SPEC_FAIL(st, b->file, mark_loc(ev->start_mark),
                         "anchors and aliases are not supported; valid: write the value out");
    case YAML_SCALAR_EVENT:
        return on_scalar(b, ev, st);
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        return on_open(b, ev, st);
    case YAML_MAPPING_END_EVENT:
        RL_TRY(check_duplicates(b, b->stack[b->depth - 1], st));
        b->depth--;
        return RL_OK;
    case YAML_SEQUENCE_END_EVENT:
        b->depth--;
        return RL_OK;
    default:
        return RL_OK; /* stream start, document end, no event */
    }
}

rl_code spec_yaml_read(const char *file, const char *text, size_t len, node **root, rl_status *st)
{
    yaml_parser_t parser;
    builder b = {.file = file, .text = text, .len = len};
    rl_code rc = RL_OK;
    bool done = false;
    *root = NULL;
    if (!yaml_parser_initialize(&parser))
        RL_FAIL(st, RL_ENOMEM, "%s: out of memory starting the YAML reader", file);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING); /* UTF-16 is refused as bad bytes */
    while (!done && rc == RL_OK) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = parser_error(&b, &parser, st);
            break;
        }
        rc = on_event(&b, &ev, &done, st);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    if (rc == RL_OK && (!b.root || spec_node_is_null(b.root)))
        rc = SPEC_FAIL(st, file, ((sloc){1, 1}),
                       "the spec is empty; valid: a mapping with at least 'name: <identifier>'");
    if (rc != RL_OK) {
        spec_node_free(b.root);
        return rc;
    }
    *root = b.root;
    return RL_OK;
}
