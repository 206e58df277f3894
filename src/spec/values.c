/*
** values.c: one checked parameter value of a spec — the table's type and
** range checks, the file check for PATH values, and applying or comparing a
** value against an item (module: spec). Paths and aliases are in paths.c.
** Why values are kept as field bytes: an item is resolved for every cell of
** the cube (up to SPEC_MAX_ITEMS) when the spec is checked, so applying a
** value must be a copy, not a re-parse. The canonical text is kept alongside
** for labels, messages and the hash; equal canonical texts <=> equal fields
** (reals print in their shortest round-trip form, so distinct doubles never
** share a text, and 0 and -0 differ in both).
*/
#include "spec_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static size_t field_size(rl_key_type type)
{
    switch (type) {
    case RL_KEY_INT:
        return sizeof(long);
    case RL_KEY_REAL:
        return sizeof(double);
    case RL_KEY_BOOL:
        return sizeof(bool);
    case RL_KEY_NAME:
        return RL_NAME_MAX;
    case RL_KEY_PATH:
        return RL_PATH_MAX;
    case RL_KEY_REALS:
        return sizeof(rl_reals);
    }
    return 0;
}

/* ---- making values ---- */

rl_code spec_check_file(const char *file, sloc at, const rl_key *key, const char *path,
                        rl_status *st)
{
    char shown[SPEC_SHOW_CAP], cwd[RL_PATH_MAX] = "?", note[RL_PATH_MAX + 80] = "";
    struct stat sb;
    const char *why = NULL;
    int fd;
    if (path[0] != '/') {
        /* Relative to where richlazy runs, not to the spec file: surprising, so say so. */
        if (!getcwd(cwd, sizeof cwd)) snprintf(cwd, sizeof cwd, "?");
        snprintf(note, sizeof note, " (relative paths resolve against the current directory, %s)",
                 cwd);
    }
    if (stat(path, &sb) != 0)
        why = strerror(errno);
    else if (S_ISDIR(sb.st_mode))
        why = "is a directory";
    else if (!S_ISREG(sb.st_mode))
        why = "is not a regular file";
    else if ((fd = open(path, O_RDONLY | O_NONBLOCK)) < 0)
        why = strerror(errno);
    else
        close(fd);
    if (!why) return RL_OK;
    return SPEC_FAIL(st, file, at, "%s = '%s': %s%s; valid: the path of an existing readable file",
                     key->path, spec_show(path, shown, sizeof shown), why, note);
}

rl_code spec_value_from_text(const char *file, sloc at, const rl_key *key, const char *text,
                             pval *out, rl_status *st)
{
    rl_params tmp;
    rl_status one = RL_STATUS_INIT;
    char canon[RL_PATH_MAX + 512];
    memset(&tmp, 0,
           sizeof tmp); /* zero padding after NAME and PATH text: fields compare bytewise */
    memset(out, 0, sizeof *out);
    if (rl_params_set(&tmp, key, text, &one) != RL_OK) {
        if (one.code != RL_EINPUT)
            return rl_status_fail(st, one.code, one.file, one.line, "%s", one.msg);
        return SPEC_FAIL(st, file, at, "%s", one.msg);
    }
    const char *field = (const char *)&tmp + key->offset;
    if (key->type == RL_KEY_PATH && field[0]) RL_TRY(spec_check_file(file, at, key, field, st));
    rl_params_format(&tmp, key, canon, sizeof canon);
    out->key = key;
    out->at = at;
    out->field = rl_alloc(1, field_size(key->type), st);
    out->canon = spec_strdup(canon, st);
    if (!out->field || !out->canon) {
        spec_value_clear(out);
        return st->code;
    }
    memcpy(out->field, field, field_size(key->type));
    return RL_OK;
}

/* A REALS value written as a YAML list: "[a, b, ...]", the text rl_params_set reads. */
static rl_code list_text(const char *file, const rl_key *key, const node *v, sbuf *b, rl_status *st)
{
    sbuf_addf(b, "[");
    for (size_t i = 0; i < v->n; i++) {
        const node *x = v->kid[i];
        if (x->kind != NODE_SCALAR)
            return SPEC_FAIL(st, file, x->at, "%s: an element is %s; valid: a list of numbers",
                             key->path, spec_node_kind_name(x));
        sbuf_addf(b, "%s%s", i ? ", " : "", x->text);
    }
    sbuf_addf(b, "]");
    if (b->failed) RL_FAIL(st, RL_ENOMEM, "out of memory");
    return RL_OK;
}

rl_code spec_value_make(const char *file, const rl_key *key, const node *v, pval *out,
                        rl_status *st)
{
    memset(out, 0, sizeof *out);
    if (v->kind == NODE_MAP || (v->kind == NODE_SEQ && key->type != RL_KEY_REALS))
        return SPEC_FAIL(st, file, v->at, "%s takes one %s value; got %s; valid: e.g. %s: %s",
                         key->path, rl_key_type_name(key->type), spec_node_kind_name(v), key->path,
                         key->def[0] ? key->def : "...");
    if (v->kind == NODE_SCALAR) {
        /* A YAML null means "not given" where the table has such a value (empty). */
        bool empty_ok = key->type == RL_KEY_PATH || key->type == RL_KEY_REALS;
        const char *text = empty_ok && spec_node_is_null(v) ? "" : v->text;
        return spec_value_from_text(file, v->at, key, text, out, st);
    }
    sbuf b = {0};
    rl_code rc = list_text(file, key, v, &b, st);
    if (rc == RL_OK) rc = spec_value_from_text(file, v->at, key, b.p, out, st);
    sbuf_free(&b);
    return rc;
}

void spec_value_clear(pval *v)
{
    if (!v) return;
    rl_free(v->canon);
    rl_free(v->field);
    v->canon = NULL;
    v->field = NULL;
}

/* ---- using values ---- */

void spec_value_apply(const pval *v, rl_params *p)
{
    memcpy((char *)p + v->key->offset, v->field, field_size(v->key->type));
}

bool spec_value_matches(const pval *v, const rl_params *p)
{
    const char *have = (const char *)p + v->key->offset;
    switch (v->key->type) {
    case RL_KEY_NAME:
    case RL_KEY_PATH:
        return strcmp(have, v->field) == 0;
    case RL_KEY_REALS: {
        const rl_reals *a = (const rl_reals *)have, *b = v->field;
        return a->n == b->n && memcmp(a->v, b->v, (size_t)a->n * sizeof a->v[0]) == 0;
    }
    case RL_KEY_INT:
    case RL_KEY_REAL:
    case RL_KEY_BOOL:
        break;
    }
    /* Bitwise: for reals this is canonical-text equality (see the header). */
    return memcmp(have, v->field, field_size(v->key->type)) == 0;
}
