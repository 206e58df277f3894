/*
** params.h: every parameter of one training item, as a plain struct, and the
** one table that declares each parameter (module: spec).
** Why: STYLE §12 — the dotted YAML path names the field (`model.hidden` fills
** p->model.hidden). The struct and the key table are generated from the same
** X-macro lists (params_<section>.def), so the parser, the error messages'
** "valid keys are …", `plan`, the README table and `--help` cannot disagree.
** A new parameter is one line in its section's .def file.
**
** .def columns: RL_P(section, key, TYPE, min, max, default, choices, label, doc)
**   TYPE   INT (long), REAL (double), BOOL, NAME (identifier; `choices` "a|b|c"
**          or NULL for any), PATH (file path; must exist when not empty),
**          REALS (list of up to RL_REALS_MAX reals; default "" = the module's own)
**   min/max inclusive range for INT, REAL and each REALS element.
**   label  a few words, units in parentheses: what the results file calls an axis
**          that sets this parameter (its coordinate's long_name, read by plots)
*/
#ifndef RICHLAZY_PARAMS_H
#define RICHLAZY_PARAMS_H

#include "richlazy/core.h"

#define RL_NAME_MAX  32  /* longest NAME value + 1 */
#define RL_PATH_MAX  512 /* longest PATH value + 1 */
#define RL_REALS_MAX 16  /* most elements in a REALS value */

typedef struct rl_reals {
    int n; /* 0 = not given: the module uses its own default list */
    double v[RL_REALS_MAX];
} rl_reals;

#define RL_FIELD_INT(name)                                        long name;
#define RL_FIELD_REAL(name)                                       double name;
#define RL_FIELD_BOOL(name)                                       bool name;
#define RL_FIELD_NAME(name)                                       char name[RL_NAME_MAX];
#define RL_FIELD_PATH(name)                                       char name[RL_PATH_MAX];
#define RL_FIELD_REALS(name)                                      rl_reals name;
#define RL_P(sec, name, type, min, max, def, choices, label, doc) RL_FIELD_##type(name)

/* All resolved parameters of one item. A plain value: copy it freely. */
typedef struct rl_params {
    long seed; /* the item's seed coordinate (keys the random streams) */
    struct {
#include "richlazy/params_model.def"
    } model;
    struct {
#include "richlazy/params_init.def"
    } init;
    struct {
#include "richlazy/params_task.def"
    } task;
    struct {
#include "richlazy/params_train.def"
    } train;
    struct {
#include "richlazy/params_probe.def"
    } probe;
    struct {
#include "richlazy/params_linear.def"
    } linear;
} rl_params;

#undef RL_P

typedef enum rl_key_type {
    RL_KEY_INT,
    RL_KEY_REAL,
    RL_KEY_BOOL,
    RL_KEY_NAME,
    RL_KEY_PATH,
    RL_KEY_REALS,
} rl_key_type;

/* One declared parameter. */
typedef struct rl_key {
    const char *path; /* "model.hidden"; "seed" has no section */
    rl_key_type type;
    size_t offset;       /* of the field in rl_params */
    double min, max;     /* inclusive range (INT, REAL, REALS elements) */
    const char *def;     /* default, as YAML text */
    const char *choices; /* NAME: "a|b|c", or NULL for any identifier */
    const char *label;   /* a few words for axis labels: "rank of W_h(0)", "time step dt (ms)" */
    const char *doc;     /* one line for README, plan and --help */
} rl_key;

/* The table: every key in declaration order (seed first). */
const rl_key *rl_params_keys(size_t *count);
/* The key with this exact dotted path, or NULL. */
const rl_key *rl_params_find(const char *path);
/*
** Whether key enters p's identity (item id, checkpoint fingerprint): every key
** but the late ones (params.c) at their default, so adding a parameter keeps
** the ids of results files made before it existed.
*/
bool rl_params_identifies(const rl_params *p, const rl_key *key);
/*
** The name of random stream `base` for p: base itself when train.pairing is paired
** (every item of a seed draws the same numbers), else base#<64-bit hash of p's
** identifying parameters but the seed>, so that each item of a seed draws its own.
** buf (>= 40 bytes more than base) holds the unpaired name.
*/
const char *rl_params_stream(const rl_params *p, const char *base, char *buf, size_t cap);
/* Name of a key type for messages ("integer", "real", ...). */
const char *rl_key_type_name(rl_key_type type);

/* A cross-key limit: the value of `small` <= the value of `big` (INT keys). */
typedef struct rl_params_limit {
    const char *small, *big; /* dotted paths */
} rl_params_limit;
/* The limits (init.rank <= model.hidden, ...): the one list, in params.c. */
const rl_params_limit *rl_params_limits(size_t *count);
/*
** Checks p against the table: every value in its key's range or among its choices,
** and the cross-key limits. The one definition of these checks: other modules call
** it (rl_init_check, rl_task_shape_of, rl_train_check) and then may assert what it
** guarantees. RL_EINPUT with the table's message, about the offending paths
** (rl_status.params). Data-free: a PATH's file is not looked at.
*/
rl_code rl_params_check(const rl_params *p, rl_status *st);

/* Fills p with every key's default. */
void rl_params_defaults(rl_params *p);

/*
** Sets one parameter from text (as it would appear in YAML: "300", "svd",
** "[0, 6.4]", "true"), with the type and range checks of the table. On failure
** records RL_EINPUT with "what is wrong; what would be valid" (no location:
** callers prefix it).
*/
rl_code rl_params_set(rl_params *p, const rl_key *key, const char *text, rl_status *st);
/*
** The shortest decimal that reads back to the same double: plain for exponents
** -5..16 (100, 0.003, 2147483647), else "1e-8". Values, labels and ranges print so.
*/
void rl_params_format_real(double v, char *buf, size_t cap);
/* Writes the canonical text of one value (shortest round-trip form for reals). */
void rl_params_format(const rl_params *p, const rl_key *key, char *buf, size_t cap);

#endif /* RICHLAZY_PARAMS_H */
