/*
** params.c: the parameter table generated from params_<section>.def, defaults,
** and typed setting/formatting of single values (module: spec).
** Why: one table drives parsing, validation, documentation and canonical form
** (params.h). Values are set from their YAML text so `--set path=value` on the
** command line and the YAML reader share one checker.
*/
#include "richlazy/params.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RL_P(sec, name, type, min, max, def, choices, label, doc)                                  \
    {#sec "." #name, RL_KEY_##type, offsetof(rl_params, sec.name), (min), (max), (def), (choices), \
     (label),        (doc)},

static const rl_key keys[] = {
    {"seed", RL_KEY_INT, offsetof(rl_params, seed), 0, 2147483647.0, "0", NULL, "seed",
     "the item's seed coordinate: keys every random stream of the item"},
#include "richlazy/params_model.def"
#include "richlazy/params_init.def"
#include "richlazy/params_task.def"
#include "richlazy/params_train.def"
#include "richlazy/params_probe.def"
#include "richlazy/params_linear.def"
};
#undef RL_P

/*
** Cross-key limits: the value of `small` <= the value of `big` (both INT). The one
** definition: the spec checks every item of a sweep against it with positions
** (expand.c), rl_params_check one item's parameters (init, task, train call it).
*/
static const rl_params_limit limits[] = {
    {"init.rank", "model.hidden"},           /* a rank-r W_h(0) needs r <= N */
    {"probe.kernel_trials", "probe.trials"}, /* the kernel uses a subset of the probe trials */
};

const rl_params_limit *rl_params_limits(size_t *count)
{
    *count = sizeof limits / sizeof limits[0];
    return limits;
}

const rl_key *rl_params_keys(size_t *count)
{
    *count = sizeof keys / sizeof keys[0];
    return keys;
}

/*
** Parameters added after results files were first published. An item's id and
** its checkpoints' fingerprint hash every parameter (canon.c, checkpoint.c), so a
** new parameter would rename every existing item and make older results files
** impossible to resume or extend. These enter the hash only when set away from
** their default, which keeps the ids of everything that does not use them.
** Every parameter added from now on belongs here.
*/
static const char *const late_keys[] = {"train.stop_loss", "train.stop_accuracy", "train.pairing"};

bool rl_params_identifies(const rl_params *p, const rl_key *key)
{
    for (size_t i = 0; i < sizeof late_keys / sizeof late_keys[0]; i++) {
        if (strcmp(key->path, late_keys[i]) != 0) continue;
        rl_params d = *p;
        rl_status st = RL_STATUS_INIT;
        char value[RL_PATH_MAX + 512], def[RL_PATH_MAX + 512];
        rl_code rc = rl_params_set(&d, key, key->def, &st);
        assert(rc == RL_OK); /* defaults are valid values (the spec tests check every one) */
        (void)rc;
        rl_params_format(p, key, value, sizeof value);
        rl_params_format(&d, key, def, sizeof def);
        return strcmp(value, def) != 0;
    }
    return true;
}

const char *rl_params_stream(const rl_params *p, const char *base, char *buf, size_t cap)
{
    if (strcmp(p->train.pairing, "unpaired") != 0) return base;
    /* FNV-1a over every identifying key but the seed (already a stream coordinate). */
    uint64_t h = RL_FNV_INIT;
    char value[RL_PATH_MAX + 512];
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (strcmp(keys[i].path, "seed") == 0 || !rl_params_identifies(p, &keys[i])) continue;
        rl_params_format(p, &keys[i], value, sizeof value);
        h = rl_fnv1a(h, keys[i].path, strlen(keys[i].path));
        h = rl_fnv1a(h, "=", 1);
        h = rl_fnv1a(h, value, strlen(value));
        h = rl_fnv1a(h, "\n", 1);
    }
    snprintf(buf, cap, "%s#%016llx", base, (unsigned long long)h);
    return buf;
}

const rl_key *rl_params_find(const char *path)
{
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(keys[i].path, path) == 0) return &keys[i];
    return NULL;
}

const char *rl_key_type_name(rl_key_type type)
{
    switch (type) {
    case RL_KEY_INT:
        return "integer";
    case RL_KEY_REAL:
        return "real";
    case RL_KEY_BOOL:
        return "boolean";
    case RL_KEY_NAME:
        return "name";
    case RL_KEY_PATH:
        return "path";
    case RL_KEY_REALS:
        return "list of reals";
    }
    return "?";
}

void rl_params_defaults(rl_params *p)
{
    memset(p, 0, sizeof *p);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        rl_status st = RL_STATUS_INIT;
        rl_code rc = rl_params_set(p, &keys[i], keys[i].def, &st);
        (void)rc; /* defaults are checked by the spec tests */
    }
}

/* ---- parsing single values ---- */

/*
** Shortest decimal that reads back to the same double (canonical and stable):
** plain notation for exponents -5..16 (100, not 1e+02; 0.003), else "1e-8".
** Distinct doubles never share a text, so text equality is value equality.
*/
void rl_params_format_real(double v, char *buf, size_t cap)
{
    char e[40];
    int prec = 1;
    for (; prec < 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, v);
        if (strtod(e, NULL) == v) break;
    }
    snprintf(e, sizeof e, "%.*e", prec - 1, v);
    char *mark = strchr(e, 'e');
    int exp = atoi(mark + 1);
    if (exp >= -5 && exp <= 16) {
        snprintf(buf, cap, "%.*f", prec - 1 - exp > 0 ? prec - 1 - exp : 0, v);
        return;
    }
    *mark = '\0';
    snprintf(buf, cap, "%se%d", e, exp);
}

/* "A to B" for messages, in the same shortest form as values (1e-12, not 1e-12 rounded by %g). */
static void format_range(const rl_key *key, char *buf, size_t cap)
{
    char lo[32], hi[32];
    rl_params_format_real(key->min, lo, sizeof lo);
    rl_params_format_real(key->max, hi, sizeof hi);
    snprintf(buf, cap, "%s to %s", lo, hi);
}

static const char *skip_space(const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    return s;
}

static bool parse_real(const char *text, double *out)
{
    char *end;
    text = skip_space(text);
    if (!*text) return false;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || errno == ERANGE) return false;
    if (*skip_space(end) != '\0') return false;
    if (!isfinite(v)) return false;
    *out = v;
    return true;
}

static bool parse_int(const char *text, long *out)
{
    double v;
    if (!parse_real(text, &v)) return false;
    if (v != floor(v) || fabs(v) > 9007199254740992.0) return false; /* 1e3 and 10000.0 allowed */
    *out = (long)v;
    return true;
}

static bool parse_bool(const char *text, bool *out)
{
    static const char *const yes[] = {"true", "True", "TRUE", "yes", "on", "1"};
    static const char *const no[] = {"false", "False", "FALSE", "no", "off", "0"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcmp(text, yes[i]) == 0) return (*out = true), true;
        if (strcmp(text, no[i]) == 0) return (*out = false), true;
    }
    return false;
}

/* True if name is one of choices "a|b|c" (or choices is NULL and name an identifier). */
static bool name_allowed(const char *choices, const char *name)
{
    size_t n = strlen(name);
    if (n == 0) return false;
    if (!choices) {
        for (const char *c = name; *c; c++)
            if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-' && *c != '.') return false;
        return true;
    }
    for (const char *c = choices; *c;) {
        const char *bar = strchr(c, '|');
        size_t len = bar ? (size_t)(bar - c) : strlen(c);
        if (len == n && strncmp(c, name, n) == 0) return true;
        if (!bar) break;
        c = bar + 1;
    }
    return false;
}

static rl_code out_of_range(const rl_key *key, const char *text, rl_status *st)
{
    char lo[32], hi[32];
    rl_params_format_real(key->min, lo, sizeof lo);
    rl_params_format_real(key->max, hi, sizeof hi);
    RL_FAIL(st, RL_EINPUT, "%s = %s is out of range; valid: %s <= %s <= %s", key->path, text, lo,
            key->path, hi);
}

static rl_code set_reals(rl_params *p, const rl_key *key, const char *text, rl_status *st)
{
    rl_reals *r = (rl_reals *)((char *)p + key->offset);
    rl_reals tmp = {0};
    const char *s = skip_space(text);
    if (*s == '\0') { /* the module's own default */
        *r = tmp;
        return RL_OK;
    }
    bool bracket = (*s == '[');
    if (bracket) s++;
    while (*(s = skip_space(s)) && *s != ']') {
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        RL_CHECK(end != s && errno == 0 && isfinite(v), st, RL_EINPUT,
                 "%s: '%s' is not a list of reals; valid: e.g. [0, 6.4, 12.8]", key->path, text);
        RL_CHECK(tmp.n < RL_REALS_MAX, st, RL_EINPUT, "%s: more than %d values; valid: at most %d",
                 key->path, RL_REALS_MAX, RL_REALS_MAX);
        if (v < key->min || v > key->max) return out_of_range(key, text, st);
        tmp.v[tmp.n++] = v;
        s = skip_space(end);
        if (*s == ',') s++;
    }
    RL_CHECK(!bracket || *s == ']', st, RL_EINPUT, "%s: unterminated list '%s'; valid: [a, b, ...]",
             key->path, text);
    if (bracket) s++;
    RL_CHECK(*skip_space(s) == '\0', st, RL_EINPUT,
             "%s: '%s' has text after the list; valid: e.g. [0, 6.4, 12.8]", key->path, text);
    RL_CHECK(tmp.n > 0, st, RL_EINPUT, "%s: empty list; valid: at least one value", key->path);
    *r = tmp;
    return RL_OK;
}

rl_code rl_params_set(rl_params *p, const rl_key *key, const char *text, rl_status *st)
{
    char *field = (char *)p + key->offset;
    switch (key->type) {
    case RL_KEY_INT: {
        long v;
        char range[80];
        format_range(key, range, sizeof range);
        RL_CHECK(parse_int(text, &v), st, RL_EINPUT,
                 "%s = '%s' is not an integer; valid: an integer from %s (%s)", key->path, text,
                 range, key->doc);
        if ((double)v < key->min || (double)v > key->max) return out_of_range(key, text, st);
        *(long *)field = v;
        return RL_OK;
    }
    case RL_KEY_REAL: {
        double v;
        char range[80];
        format_range(key, range, sizeof range);
        RL_CHECK(parse_real(text, &v), st, RL_EINPUT,
                 "%s = '%s' is not a finite real; valid: a real from %s (%s)", key->path, text,
                 range, key->doc);
        if (v < key->min || v > key->max) return out_of_range(key, text, st);
        *(double *)field = v;
        return RL_OK;
    }
    case RL_KEY_BOOL:
        RL_CHECK(parse_bool(text, (bool *)field), st, RL_EINPUT,
                 "%s = '%s' is not a boolean; valid: true or false", key->path, text);
        return RL_OK;
    case RL_KEY_NAME:
        RL_CHECK(strlen(text) < RL_NAME_MAX && name_allowed(key->choices, text), st, RL_EINPUT,
                 "%s = '%s' is not known; valid: %s", key->path, text,
                 key->choices ? key->choices : "a name of letters, digits, '_', '-', '.'");
        strcpy(field, text);
        return RL_OK;
    case RL_KEY_PATH:
        RL_CHECK(strlen(text) < RL_PATH_MAX, st, RL_EINPUT,
                 "%s: path longer than %d bytes; valid: a shorter path", key->path,
                 RL_PATH_MAX - 1);
        strcpy(field, text);
        return RL_OK;
    case RL_KEY_REALS:
        return set_reals(p, key, text, st);
    }
    RL_FAIL(st, RL_EBUG, "%s: unknown key type", key->path);
}

/* ---- checking a whole rl_params ---- */

/* The value of key in p against its range or choices (the checks of rl_params_set). */
static bool value_allowed(const rl_params *p, const rl_key *key)
{
    const char *field = (const char *)p + key->offset;
    switch (key->type) {
    case RL_KEY_INT: {
        double v = (double)*(const long *)field;
        return v >= key->min && v <= key->max;
    }
    case RL_KEY_REAL: {
        double v = *(const double *)field;
        return isfinite(v) && v >= key->min && v <= key->max;
    }
    case RL_KEY_REALS: {
        const rl_reals *r = (const rl_reals *)field;
        if (r->n < 0 || r->n > RL_REALS_MAX) return false;
        for (int i = 0; i < r->n; i++)
            if (!isfinite(r->v[i]) || r->v[i] < key->min || r->v[i] > key->max) return false;
        return true;
    }
    case RL_KEY_NAME:
        return memchr(field, '\0', RL_NAME_MAX) && name_allowed(key->choices, field);
    case RL_KEY_BOOL:
    case RL_KEY_PATH:
        return true; /* a PATH's file is checked where it is read or when the spec is loaded */
    }
    return false;
}

rl_code rl_params_check(const rl_params *p, rl_status *st)
{
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (value_allowed(p, &keys[i])) continue;
        char text[RL_PATH_MAX + 512];
        rl_params_format(p, &keys[i], text, sizeof text);
        rl_params d = *p;
        rl_params_set(&d, &keys[i], text, st); /* records the table's own message */
        if (st->code == RL_OK)
            rl_status_fail(st, RL_EINPUT, __FILE__, __LINE__, "%s = %s; valid: %s", keys[i].path,
                           text, keys[i].choices ? keys[i].choices : "a value in its range");
        return rl_status_about(st, keys[i].path);
    }
    for (size_t l = 0; l < sizeof limits / sizeof limits[0]; l++) {
        const rl_key *a = rl_params_find(limits[l].small), *b = rl_params_find(limits[l].big);
        assert(a && b && a->type == RL_KEY_INT && b->type == RL_KEY_INT);
        long va = *(const long *)((const char *)p + a->offset);
        long vb = *(const long *)((const char *)p + b->offset);
        char params[RL_STATUS_PARAMS_CAP];
        snprintf(params, sizeof params, "%s %s", a->path, b->path);
        RL_CHECK_PARAM(va <= vb, st, params, "%s = %ld exceeds %s = %ld; valid: %s <= %s", a->path,
                       va, b->path, vb, a->path, b->path);
    }
    return RL_OK;
}

void rl_params_format(const rl_params *p, const rl_key *key, char *buf, size_t cap)
{
    const char *field = (const char *)p + key->offset;
    switch (key->type) {
    case RL_KEY_INT:
        snprintf(buf, cap, "%ld", *(const long *)field);
        return;
    case RL_KEY_REAL:
        rl_params_format_real(*(const double *)field, buf, cap);
        return;
    case RL_KEY_BOOL:
        snprintf(buf, cap, "%s", *(const bool *)field ? "true" : "false");
        return;
    case RL_KEY_NAME:
    case RL_KEY_PATH:
        snprintf(buf, cap, "%s", field);
        return;
    case RL_KEY_REALS: {
        const rl_reals *r = (const rl_reals *)field;
        size_t used = 0;
        buf[0] = '\0';
        if (r->n == 0) return;
        used += (size_t)snprintf(buf, cap, "[");
        for (int i = 0; i < r->n && used + 32 < cap; i++) {
            char one[32];
            rl_params_format_real(r->v[i], one, sizeof one);
            used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", one);
        }
        if (used < cap) snprintf(buf + used, cap - used, "]");
        return;
    }
    }
}
