/*
** spec.h: the YAML sweep spec — parse, validate, expand to items, canonical
** form and hash (module: spec).
**
** A spec (README "Sweep spec"):
**   name: fig1-lowrank          # required
**   seed: 1                     # the sweep seed (default 0)
**   axes:                       # ordered: the cube's dimensions, in this order
**     task: [2af, dms, cxt]     # an alias (task -> task.name) or a dotted path
**     init.rank: [1, 30, 100]
**     structure:                # a zip group: parameters that vary together
**       zip: {init.kind: [gaussian, svd], init.rank: [0, 1]}
**       labels: [null, rank1]   # optional coordinate labels (default: the first member's values)
**     seed: [0, 1, 2]
**   params: {model.hidden: 300, train: {lr: 0.003}}   # fixed values, nested or dotted
**   overrides:                  # conditional: applied in order after axes and params
**     - when: {task.name: smnist}
**       set: {train.batch: 200}
** Paths: every key of params.h, or an alias: task -> task.name,
** rank -> init.rank, gain -> init.gain, hidden -> model.hidden, lr -> train.lr.
** A plain axis's dimension is named by its key, or the key's last component
** (init.rank -> rank); a zip group's by its key.
** Items are the Cartesian product of the axes in row-major order (last axis
** fastest); item i has coordinates coords[d] and every parameter resolved:
** defaults -> params -> axes -> overrides in order. A `when` matches if every
** listed path equals the item's value as it stands after the earlier
** overrides (a list means "any of these"); `set` may not touch a swept path.
** Every item is checked at load: init.rank <= model.hidden and
** probe.kernel_trials <= probe.trials; non-empty PATH values written in the
** spec must name readable regular files (relative to the current directory).
** The table's own PATH defaults are not checked here: they matter only to
** items whose task reads them (the Fashion-MNIST files for smnist), and a
** machine without them must still run every other task; smnist reports them.
** Identity: id = first 16 hex digits of SHA-256 over the item's canonical
** "path=value\n" lines for every key of the table in table order, so it
** depends on values, not on position.
** Hash: SHA-256 of rl_spec_canonical: name, seed, axes, params, overrides,
** with values canonical and unordered parts sorted; not the description.
** Limits: 1 MiB of text, nesting 32, RL_MAX_DIMS axes, 10^7 items; anchors,
** aliases, tags and repeated keys are refused.
** Errors: FILE:LINE:COLUMN: what is wrong; what would be valid — RL_EINPUT
** (file-level problems, such as a missing file, have no line: FILE: ...).
*/
#ifndef RICHLAZY_SPEC_H
#define RICHLAZY_SPEC_H

#include "richlazy/core.h"
#include "richlazy/params.h"

#define RL_MAX_DIMS 16 /* most axes in one spec */

typedef struct rl_spec rl_spec;

/* One dimension of the cube. */
typedef struct rl_dim {
    const char *name; /* netCDF dimension name: "task", "rank", "seed", "structure" */
    int size;
    int n_paths;               /* 1 for a plain axis, >= 1 for a zip group */
    const char *const *paths;  /* parameter paths it sets, n_paths of them */
    bool numeric;              /* coordinate is numeric (single INT/REAL path, no labels) */
    const char *const *labels; /* size strings: the coordinate values as text */
    const double *values;      /* size numbers when numeric, else NULL */
} rl_dim;

/* One item: a cell of the cube. */
typedef struct rl_item {
    size_t index; /* row-major position in the cube */
    int coords[RL_MAX_DIMS];
    char id[17];      /* stable identity (hex) */
    rl_params params; /* every parameter resolved */
} rl_item;

/* Reads, validates and expands the file at path. */
rl_code rl_spec_load(const char *path, rl_spec **out, rl_status *st);
/* The same from memory; `name` stands for the file in messages (fuzzing, tests). */
rl_code rl_spec_load_string(const char *text, size_t len, const char *name, rl_spec **out,
                            rl_status *st);
void rl_spec_destroy(rl_spec **s);

const char *rl_spec_name(const rl_spec *s);
const char *rl_spec_description(const rl_spec *s); /* "" if none */
uint64_t rl_spec_seed(const rl_spec *s);
const char *rl_spec_text(const rl_spec *s);      /* the file as read */
const char *rl_spec_canonical(const rl_spec *s); /* normalised form the hash covers */
const char *rl_spec_hash(const rl_spec *s);      /* SHA-256 of the canonical form, 64 hex */

int rl_spec_ndims(const rl_spec *s);
const rl_dim *rl_spec_dim(const rl_spec *s, int d);
size_t rl_spec_nitems(const rl_spec *s);
/*
** Item i (0 <= i < nitems), or NULL if i is out of range or memory ran out.
** Items are resolved on first use, a page at a time, and stay valid until
** rl_spec_destroy; touching all items of a big sweep costs nitems x
** sizeof(rl_item). Not thread-safe (the page cache is filled in place).
*/
const rl_item *rl_spec_item(const rl_spec *s, size_t i);
/* Resolves item i (0 <= i < nitems) into out without keeping it: O(1) memory. */
void rl_spec_fill_item(const rl_spec *s, size_t i, rl_item *out);

/*
** Runs check (e.g. rl_train_check: the rules of other modules, such as a structure's
** or a task's) on every item, O(1) memory. On the first failure records its message
** as "FILE:LINE:COL: item I (axis=label, ...), id ID: <message>", pointing at where
** that item got the first parameter the check's failure is about (rl_status.params,
** set with RL_CHECK_PARAM or rl_status_about; not read from the message): an axis
** value, an override or `params`; "FILE: item ..." when it names none or only
** defaults. RL_EINPUT then, unless the check failed otherwise (RL_ENOMEM, RL_EBUG
** keep their code).
*/
typedef rl_code (*rl_spec_check_fn)(const rl_params *p, rl_status *st);
rl_code rl_spec_check_items(const rl_spec *s, rl_spec_check_fn check, rl_status *st);

/* Applies "path=value" (the --set option) to p with the table's checks. */
rl_code rl_spec_apply_assignment(rl_params *p, const char *assignment, rl_status *st);
/*
** The candidate closest to word (a typo of it: one edit for candidates of up to 3
** characters, two for longer ones, ignoring case), or NULL. The spec's "did you
** mean" for keys; the command line uses it for options, subcommands and measures.
*/
const char *rl_spec_suggest(const char *word, const char *const *cands, size_t n);
/* Writes one line "id path=value path=value ..." listing every non-default parameter. */
void rl_spec_format_item(const rl_item *it, char *buf, size_t cap);

#endif /* RICHLAZY_SPEC_H */
