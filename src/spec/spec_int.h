/*
** spec_int.h: what the files of the spec module share and nobody else sees.
** The pipeline is yaml.c (text -> node tree, every node with its position)
** -> parse.c (tree -> params, axes, overrides as checked values) -> expand.c
** (item count, every item's cross-checks, ids) -> canon.c (canonical form and
** hash); values.c holds one checked parameter value, errors.c the
** "FILE:LINE:COLUMN: what; valid" messages and "did you mean".
** Below them sit the helpers several files need: alloc.c (allocation and
** growable text), paths.c (paths and aliases) and flatten.c (mappings of
** paths, for parse.c and axes.c). No two files call each other, round any
** circle (tests/arch/layers.py): a helper two files need goes in a file
** below both.
** Invariants: (1) every value keeps the position of its YAML node, so a check
** long after parsing still points at the text; (2) the tree is freed once
** rl_spec_load_string returns, so nothing after it may hold a node pointer.
*/
#ifndef RL_SPEC_INT_H
#define RL_SPEC_INT_H

#include "richlazy/spec.h"

#include <stdarg.h>

#define SPEC_MAX_BYTES      (1u << 20) /* largest spec file (1 MiB); bounds all later work */
#define SPEC_MAX_DEPTH      32         /* deepest nesting of lists and mappings */
#define SPEC_MAX_ITEMS      10000000u  /* most items in one sweep */
#define SPEC_ITEMS_PER_PAGE 256        /* items rl_spec_item materialises at a time */
#define SPEC_MAX_LABEL      128        /* longest coordinate label, bytes */

/* ---- positions and the document tree (yaml.c) ---- */

typedef struct sloc {
    int line, col; /* from 1; line 0 = no position (file-level messages) */
} sloc;

typedef enum node_kind { NODE_SCALAR, NODE_SEQ, NODE_MAP } node_kind;

typedef struct node {
    node_kind kind;
    sloc at;           /* start of the node in the text */
    bool plain;        /* scalar written without quotes: only then can it mean null */
    char *text;        /* SCALAR: its text, NUL-terminated, no NUL inside */
    size_t n, cap;     /* SEQ: n items; MAP: n = 2 x pairs, keys at even positions */
    struct node **kid; /* SEQ items; MAP key, value, key, value, ... */
} node;

/* Reads text as one YAML document into a tree (root is a mapping or a scalar/list). */
rl_code spec_yaml_read(const char *file, const char *text, size_t len, node **root, rl_status *st);
void spec_node_free(node *n);
/* True for a plain `~`, `null`, `Null`, `NULL` or nothing at all. */
bool spec_node_is_null(const node *n);
/* "a mapping", "a list" or "a single value", for "got ..." in messages. */
const char *spec_node_kind_name(const node *n);

/* ---- messages (errors.c) ---- */

/*
** Records RL_EINPUT with "file:line:col: <fmt>" (or "file: <fmt>" when at.line
** is 0). Control characters in the message become '?', so a hostile spec can
** not write to the terminal through it. Returns RL_EINPUT.
*/
rl_code spec_failf(rl_status *st, const char *src, int srcline, const char *file, sloc at,
                   const char *fmt, ...) __attribute__((format(printf, 6, 7)));
#define SPEC_FAIL(st, file, at, ...) spec_failf((st), __FILE__, __LINE__, (file), (at), __VA_ARGS__)

/* Writes text for a message: at most 60 bytes, "..." if cut. Returns buf. */
const char *spec_show(const char *text, char *buf, size_t cap);
#define SPEC_SHOW_CAP 72
/* Optimal-string-alignment distance, ignoring ASCII case. */
size_t spec_edit_distance(const char *a, const char *b);
/* The candidate closest to word if it is close enough to be a likely typo, else NULL. */
const char *spec_suggest(const char *word, const char *const *cands, size_t n);
/* "unknown key 'k'; did you mean 'x'? valid keys: a, b" for a fixed small key set. */
rl_code spec_unknown_key(rl_status *st, const char *file, sloc at, const char *where,
                         const char *key, const char *const *valid, size_t n);
/* The same for a parameter path, with the table and aliases as candidates. */
rl_code spec_unknown_param(rl_status *st, const char *file, sloc at, const char *path);
/* The same for a key holding a mapping that names no section ({trian: {lr: 1}}). */
rl_code spec_unknown_section(rl_status *st, const char *file, sloc at, const char *path);

/* ---- growable text (alloc.c) ---- */

typedef struct sbuf {
    char *p;
    size_t len, cap;
    bool failed; /* an allocation failed: p holds what fitted */
} sbuf;
void sbuf_addf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_add_value(sbuf *b, const char *text); /* bare if safe, else quoted with escapes */
void sbuf_free(sbuf *b);

/* ---- parameter paths and aliases (paths.c) ---- */

/* Short names usable wherever a path is: task -> task.name, rank -> init.rank, ... */
typedef struct spec_alias {
    const char *name, *path;
} spec_alias;
const spec_alias *spec_aliases(size_t *count);
/* The key for a dotted path or an alias, or NULL. */
const rl_key *spec_resolve_path(const char *path);
/* True if some key's path starts with "prefix." (a section such as "train"). */
bool spec_is_section(const char *prefix);
/* Position of key in the table (rl_params_keys), for per-key arrays. */
size_t spec_key_index(const rl_key *key);

/* ---- one checked parameter value (values.c) ---- */

typedef struct pval {
    const rl_key *key;
    sloc at;     /* the value's node (or its key, for file-level defaults) */
    char *canon; /* canonical text, rl_params_format's */
    void *field; /* the field's bytes exactly as rl_params_set wrote them */
} pval;

/* Checks v against key's type and range (and the file for PATH) and fills out. */
rl_code spec_value_make(const char *file, const rl_key *key, const node *v, pval *out,
                        rl_status *st);
/* The same from text, for --set and tests; at is used in messages. */
rl_code spec_value_from_text(const char *file, sloc at, const rl_key *key, const char *text,
                             pval *out, rl_status *st);
void spec_value_apply(const pval *v, rl_params *p);
/* True if p holds v's value (same canonical text). */
bool spec_value_matches(const pval *v, const rl_params *p);
void spec_value_clear(pval *v);
/* A non-empty PATH value must name a readable regular file. */
rl_code spec_check_file(const char *file, sloc at, const rl_key *key, const char *path,
                        rl_status *st);

/* ---- the parsed spec ---- */

typedef struct cond {
    const rl_key *key;
    sloc at;    /* its key in `when` */
    int n_alts; /* the item's value must equal one of these */
    pval *alts;
} cond;

typedef struct override {
    sloc at; /* the `- ` entry */
    int n_when, n_set;
    cond *when;
    pval *set; /* sorted by path */
} override;

typedef struct axis {
    char *key;  /* as written */
    sloc at;    /* its key node */
    char *name; /* dimension name */
    bool zip, labelled;
    int n_paths, size;
    const rl_key **keys;
    const char **paths; /* keys[k]->path, the rl_dim view */
    pval *vals;         /* size x n_paths, row-major */
    char **labels;      /* size */
    double *values;     /* size, when numeric */
} axis;

struct rl_spec {
    char *file; /* the name in messages */
    char *text; /* the spec as read, NUL-terminated */
    char *name;
    char *description;
    uint64_t seed;
    int n_params;
    pval *params;   /* sorted by path */
    rl_params base; /* defaults, then params */
    int ndims;
    axis axes[RL_MAX_DIMS];
    rl_dim dims[RL_MAX_DIMS];
    int n_over;
    override *over;
    sloc axes_at; /* the `axes` key, or the document, for item-count messages */
    size_t nitems;
    rl_item **pages; /* lazily filled by rl_spec_item; npages entries */
    size_t npages;
    char *canonical;
    char hash[65];
};

/* One `path: value` of a mapping whose keys are paths, aliases or sections. */
typedef struct entry {
    const rl_key *key;
    const node *k, *v;
} entry;
typedef struct entries {
    entry *e;
    size_t n, cap;
} entries;
/*
** flatten.c: collects the paths of map, descending into sections ({train: {lr: 1}}
** is train.lr); unknown paths and paths given twice are errors. Free out->e.
*/
rl_code spec_flatten(const char *file, const node *map, entries *out, rl_status *st);

/* axes.c: the `axes` mapping into s->axes (values checked, no repeats, distinct dims). */
rl_code spec_parse_axes(rl_spec *s, const node *axes, rl_status *st);
void spec_axis_clear(axis *a);

/* parse.c: the tree into s (name, seed, params, axes, overrides), all checked. */
rl_code spec_parse(rl_spec *s, const node *root, rl_status *st);
/* expand.c: counts items, checks every item, prepares the item pages. */
rl_code spec_expand(rl_spec *s, rl_status *st);
/* expand.c: the item at these coordinates; src (or NULL) gets each key's origin. */
void spec_resolve(const rl_spec *s, const int *coords, rl_params *p, sloc *src);
/* expand.c: "item I (axis=label, ...)" or "the sweep's only item", for messages. */
void spec_describe_item(const rl_spec *s, const int *coords, char *buf, size_t cap);
/* canon.c: the canonical form and its SHA-256. */
rl_code spec_canonicalize(rl_spec *s, rl_status *st);
/* canon.c: the first 16 hex digits of SHA-256 over p's "path=value\n" lines. */
void spec_item_id(const rl_params *p, char id[17]);

/* Allocation helpers shared by the files (alloc.c). */
char *spec_strdup(const char *s, rl_status *st);
rl_code spec_grow(void **arr, size_t *cap, size_t need, size_t elem, rl_status *st);

#endif /* RL_SPEC_INT_H */
