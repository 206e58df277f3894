/*
** spec.c: the public face of the spec module — load from a file or memory,
** destroy, accessors, `--set` assignments and the one-line item listing
** (module: spec).
** Why loading is one pipeline: read (size-limited) -> yaml.c tree -> parse.c
** and axes.c -> expand.c -> canon.c, with the tree freed at the end. Nothing
** is returned half-built: on any failure the caller gets NULL and one message.
** The 1 MiB limit is checked before parsing, so the work of every later step
** (tree, checks, canonical form) is bounded by it.
*/
#include "spec_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- loading ---- */

static rl_code too_big(const char *file, rl_status *st)
{
    return SPEC_FAIL(st, file, ((sloc){0, 0}),
                     "the spec is larger than 1 MiB; valid: at most %u bytes", SPEC_MAX_BYTES);
}

/* Reads at most SPEC_MAX_BYTES + 1 bytes: enough to tell "too big" without reading it all. */
static rl_code read_all(const char *path, int fd, char *buf, size_t *len, rl_status *st)
{
    *len = 0;
    while (*len <= SPEC_MAX_BYTES) {
        ssize_t got = read(fd, buf + *len, SPEC_MAX_BYTES + 1 - *len);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0)
            return SPEC_FAIL(st, path, ((sloc){0, 0}),
                             "cannot read the spec: %s; valid: a readable YAML file",
                             strerror(errno));
        if (got == 0) break;
        *len += (size_t)got;
    }
    return *len > SPEC_MAX_BYTES ? too_big(path, st) : RL_OK;
}

rl_code rl_spec_load(const char *path, rl_spec **out, rl_status *st)
{
    struct stat sb;
    size_t len = 0;
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return SPEC_FAIL(
            st, path, ((sloc){0, 0}),
            "cannot open the spec: %s%s; valid: the path of a readable YAML file", strerror(errno),
            path[0] == '/' ? "" : " (relative paths resolve against the current directory)");
    rl_code rc = RL_OK;
    if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode))
        rc = SPEC_FAIL(st, path, ((sloc){0, 0}),
                       "is a directory; valid: a YAML spec file such as sweeps/quick.yaml");
    char *buf = rc == RL_OK ? rl_alloc(SPEC_MAX_BYTES + 1, 1, st) : NULL;
    if (rc == RL_OK && !buf) rc = st->code;
    if (rc == RL_OK) rc = read_all(path, fd, buf, &len, st);
    close(fd);
    if (rc == RL_OK) rc = rl_spec_load_string(buf, len, path, out, st);
    rl_free(buf);
    return rc;
}

static rl_code load_pipeline(rl_spec *s, size_t len, rl_status *st)
{
    node *root = NULL;
    RL_TRY(spec_yaml_read(s->file, s->text, len, &root, st));
    rl_code rc = spec_parse(s, root, st);
    spec_node_free(root); /* invariant (2) of spec_int.h: nothing below holds a node */
    if (rc == RL_OK) rc = spec_expand(s, st);
    if (rc == RL_OK) rc = spec_canonicalize(s, st);
    return rc;
}

rl_code rl_spec_load_string(const char *text, size_t len, const char *name, rl_spec **out,
                            rl_status *st)
{
    *out = NULL;
    if (!name) name = "<spec>";
    if (len > SPEC_MAX_BYTES) return too_big(name, st);
    rl_spec *s = rl_alloc(1, sizeof *s, st);
    if (!s) return st->code;
    s->file = spec_strdup(name, st);
    s->text = rl_alloc(len + 1, 1, st);
    rl_code rc = s->file && s->text ? RL_OK : st->code;
    if (rc == RL_OK) {
        if (len) memcpy(s->text, text, len);
        rc = load_pipeline(s, len, st);
    }
    if (rc != RL_OK) {
        rl_spec_destroy(&s);
        return rc;
    }
    *out = s;
    return RL_OK;
}

void rl_spec_destroy(rl_spec **ps)
{
    if (!ps || !*ps) return;
    rl_spec *s = *ps;
    for (int i = 0; i < s->n_params; i++)
        spec_value_clear(&s->params[i]);
    rl_free(s->params);
    for (int d = 0; d < s->ndims; d++)
        spec_axis_clear(&s->axes[d]);
    for (int o = 0; s->over && o < s->n_over; o++) {
        for (int c = 0; c < s->over[o].n_when; c++) {
            for (int a = 0; a < s->over[o].when[c].n_alts; a++)
                spec_value_clear(&s->over[o].when[c].alts[a]);
            rl_free(s->over[o].when[c].alts);
        }
        rl_free(s->over[o].when);
        for (int i = 0; i < s->over[o].n_set; i++)
            spec_value_clear(&s->over[o].set[i]);
        rl_free(s->over[o].set);
    }
    rl_free(s->over);
    for (size_t p = 0; s->pages && p < s->npages; p++)
        rl_free(s->pages[p]);
    rl_free(s->pages);
    rl_free(s->canonical);
    rl_free(s->description);
    rl_free(s->name);
    rl_free(s->text);
    rl_free(s->file);
    rl_free(s);
    *ps = NULL;
}

/* ---- accessors ---- */

const char *rl_spec_name(const rl_spec *s)
{
    return s->name;
}

const char *rl_spec_description(const rl_spec *s)
{
    return s->description ? s->description : "";
}

uint64_t rl_spec_seed(const rl_spec *s)
{
    return s->seed;
}

const char *rl_spec_text(const rl_spec *s)
{
    return s->text;
}

const char *rl_spec_canonical(const rl_spec *s)
{
    return s->canonical;
}

const char *rl_spec_hash(const rl_spec *s)
{
    return s->hash;
}

int rl_spec_ndims(const rl_spec *s)
{
    return s->ndims;
}

const rl_dim *rl_spec_dim(const rl_spec *s, int d)
{
    return d >= 0 && d < s->ndims ? &s->dims[d] : NULL;
}

size_t rl_spec_nitems(const rl_spec *s)
{
    return s->nitems;
}

/* ---- --set and listing ---- */

static void trim(char *s)
{
    size_t n = strlen(s), i = 0;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    while (s[i] == ' ' || s[i] == '\t')
        i++;
    memmove(s, s + i, n - i + 1);
}

rl_code rl_spec_apply_assignment(rl_params *p, const char *assignment, rl_status *st)
{
    char shown[SPEC_SHOW_CAP], path[128], value[RL_PATH_MAX + 512];
    const char *eq = strchr(assignment, '=');
    const char *who = spec_show(assignment, shown, sizeof shown);
    if (!eq)
        return SPEC_FAIL(st, who, ((sloc){0, 0}),
                         "not an assignment; valid: path=value, e.g. train.lr=0.01");
    size_t plen = (size_t)(eq - assignment);
    if (plen >= sizeof path || strlen(eq + 1) >= sizeof value)
        return SPEC_FAIL(st, who, ((sloc){0, 0}),
                         "too long; valid: path=value, e.g. train.lr=0.01");
    memcpy(path, assignment, plen);
    path[plen] = '\0';
    strcpy(value, eq + 1);
    trim(path);
    trim(value);
    const rl_key *key = spec_resolve_path(path);
    if (!key) return spec_unknown_param(st, who, (sloc){0, 0}, path);
    pval v;
    RL_TRY(spec_value_from_text(who, (sloc){0, 0}, key, value, &v, st));
    spec_value_apply(&v, p);
    spec_value_clear(&v);
    return RL_OK;
}

void rl_spec_format_item(const rl_item *it, char *buf, size_t cap)
{
    size_t nkeys, used;
    const rl_key *keys = rl_params_keys(&nkeys);
    rl_params def;
    char mine[RL_PATH_MAX + 512], theirs[RL_PATH_MAX + 512];
    if (cap == 0) return;
    rl_params_defaults(&def);
    used = (size_t)snprintf(buf, cap, "%s", it->id);
    for (size_t i = 0; i < nkeys && used < cap; i++) {
        rl_params_format(&it->params, &keys[i], mine, sizeof mine);
        rl_params_format(&def, &keys[i], theirs, sizeof theirs);
        if (strcmp(mine, theirs) != 0)
            used += (size_t)snprintf(buf + used, cap - used, " %s=%s", keys[i].path, mine);
    }
}
