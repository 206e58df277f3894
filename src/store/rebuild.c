/*
** rebuild.c: a journal rebuilt from the results file alone (module: store).
** Why: OUT.nc is what users copy (cluster scratch to home, a commit without its
** journal), and it holds every finished item's whole result. When OUT.nc exists
** without OUT.nc.journal, its finished items (done, diverged, failed) become
** journal records again — each item's attempts as attempt records, then its
** result — and the run resumes from that journal as from any other. Pending
** cells hold nothing to keep, so those items run.
** What is read, by name: `item_id` and `status` (required), every measure of
** measures.def, every curve of curves.def, `wall_seconds`, `worker`, `attempts`,
** `failure_reason`, and the attributes spec_hash, spec_canonical, created,
** mpi_sizes. A variable the file lacks (written by an older richlazy with fewer
** measures or curves) reads as NaN: a sweep started by an older build continues
** under a newer one. A curve's length is its run of values before the first fill.
** Invariants: (1) a result rebuilt from OUT.nc packs the bits OUT.nc holds, so the
** next snapshot writes them unchanged (the final cube equals an uninterrupted
** run's, bitwise); (2) items map by id, so a spec that only adds axis values is
** accepted as for a journal, and any other change is refused with the same diff.
*/
#define _DEFAULT_SOURCE     /* timegm */
#define _XOPEN_SOURCE   700 /* strptime */
#include "store_int.h"

#include <math.h>
#include <netcdf.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct rl_store_source {
    const char *path;
    size_t n;        /* items in the file */
    size_t n_record; /* length of its `record` dimension (0: none) */
    size_t *to;      /* the layout's index of each of the file's items */
    int8_t *status;  /* rl_item_status */
    int *attempts;   /* NULL: the file has none (1 is assumed) */
    int *worker;     /* NULL: none (-1) */
    double *wall;    /* NULL: none (NaN) */
    double *measure[RL_NMEASURES];
    float *curve[RL_NCURVES]; /* n x n_record each, NULL where the file lacks the curve */
    char **reason;            /* n strings, "" unless failed */
    double created;
    int *sessions, n_sessions;
    bool extended; /* the spec adds axis values to the file's */
};

#define NCR(call, what)                                                                            \
    do {                                                                                           \
        int nc_rc_ = (call);                                                                       \
        if (nc_rc_ != NC_NOERR)                                                                    \
            RL_FAIL(st, RL_EINPUT,                                                                 \
                    "%s has no journal and cannot be read as a richlazy results file (%s: %s); "   \
                    "choose another -o or move it aside",                                          \
                    src->path, what, nc_strerror(nc_rc_));                                         \
    } while (0)

/* ---- reading ---- */

/* A global text attribute into a new string ("" if absent). */
static rl_code text_att(int ncid, const char *name, char **out, rl_status *st)
{
    size_t len = 0;
    if (nc_inq_attlen(ncid, NC_GLOBAL, name, &len) != NC_NOERR) len = 0;
    if (!(*out = rl_alloc(len + 1, 1, st))) return st->code;
    if (len > 0 && nc_get_att_text(ncid, NC_GLOBAL, name, *out) != NC_NOERR) (*out)[0] = '\0';
    return RL_OK;
}

/* Unix time of an ISO 8601 UTC stamp ("2026-11-28T11:32:00Z"); now if it does not parse. */
static double parse_iso(const char *text)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return end && *end == '\0' ? (double)timegm(&tm) : rl_store_unix_now();
}

/*
** The id of variable `name` if the file has it (*var = -1 if not), after checking that
** it holds `n` values: a variable of another shape would overrun the buffer.
*/
static rl_code find_var(rl_store_source *src, int ncid, const char *name, size_t n, int *var,
                        rl_status *st)
{
    int ndims, dims[NC_MAX_VAR_DIMS];
    size_t size = 1;
    *var = -1;
    if (nc_inq_varid(ncid, name, var) != NC_NOERR) {
        *var = -1;
        return RL_OK;
    }
    NCR(nc_inq_varndims(ncid, *var, &ndims), name);
    RL_CHECK(ndims <= NC_MAX_VAR_DIMS, st, RL_EINPUT, "%s: `%s` has %d dimensions", src->path, name,
             ndims);
    NCR(nc_inq_vardimid(ncid, *var, dims), name);
    for (int d = 0; d < ndims; d++) {
        size_t len;
        NCR(nc_inq_dimlen(ncid, dims[d], &len), name);
        size *= len;
    }
    RL_CHECK(size == n, st, RL_EINPUT,
             "%s has no journal, and its `%s` holds %zu values where %zu were expected: not a "
             "results file richlazy can continue; choose another -o or move it aside",
             src->path, name, size, n);
    return RL_OK;
}

/* Variable `name` as n doubles (NULL in *out if the file lacks it). */
static rl_code read_doubles(rl_store_source *src, int ncid, const char *name, size_t n,
                            double **out, rl_status *st)
{
    int var;
    *out = NULL;
    RL_TRY(find_var(src, ncid, name, n, &var, st));
    if (var < 0) return RL_OK;
    if (!(*out = rl_alloc(n, sizeof **out, st))) return st->code;
    NCR(nc_get_var_double(ncid, var, *out), name);
    return RL_OK;
}

static rl_code read_ints(rl_store_source *src, int ncid, const char *name, size_t n, int **out,
                         rl_status *st)
{
    int var;
    *out = NULL;
    RL_TRY(find_var(src, ncid, name, n, &var, st));
    if (var < 0) return RL_OK;
    if (!(*out = rl_alloc(n, sizeof **out, st))) return st->code;
    NCR(nc_get_var_int(ncid, var, *out), name);
    return RL_OK;
}

/* n strings of variable `name` into out (each "" if the file lacks the variable). */
static rl_code read_strings(rl_store_source *src, int ncid, const char *name, char **out,
                            bool required, rl_status *st)
{
    int var;
    nc_type type;
    RL_TRY(find_var(src, ncid, name, src->n, &var, st));
    if (var < 0 && !required) {
        for (size_t i = 0; i < src->n; i++)
            if (!(out[i] = rl_alloc(1, 1, st))) return st->code;
        return RL_OK;
    }
    NCR(nc_inq_varid(ncid, name, &var), name);
    NCR(nc_inq_vartype(ncid, var, &type), name);
    RL_CHECK(type == NC_STRING, st, RL_EINPUT,
             "%s has no journal and its `%s` is not a string variable: not a richlazy results "
             "file; choose another -o or move it aside",
             src->path, name);
    char **raw = rl_alloc(src->n, sizeof *raw, st);
    if (!raw) return st->code;
    int nc_rc = nc_get_var_string(ncid, var, raw);
    rl_code rc = RL_OK;
    for (size_t i = 0; nc_rc == NC_NOERR && i < src->n && !rc; i++) {
        size_t len = raw[i] ? strlen(raw[i]) : 0;
        if (!(out[i] = rl_alloc(len + 1, 1, st))) rc = st->code;
        if (!rc && len) memcpy(out[i], raw[i], len);
    }
    if (nc_rc == NC_NOERR) nc_free_string(src->n, raw);
    rl_free(raw);
    NCR(nc_rc, name);
    return rc;
}

/* The item count from `status` (the axes), and the `record` length. */
static rl_code read_shape(rl_store_source *src, int ncid, rl_status *st)
{
    int var, ndims, dims[RL_MAX_DIMS + 1], rec_dim;
    NCR(nc_inq_varid(ncid, "status", &var), "status");
    NCR(nc_inq_varndims(ncid, var, &ndims), "status");
    RL_CHECK(ndims >= 1 && ndims <= RL_MAX_DIMS, st, RL_EINPUT,
             "%s has no journal and its `status` has %d dimensions: not a richlazy results file",
             src->path, ndims);
    NCR(nc_inq_vardimid(ncid, var, dims), "status");
    src->n = 1;
    for (int d = 0; d < ndims; d++) {
        size_t len;
        NCR(nc_inq_dimlen(ncid, dims[d], &len), "status");
        src->n *= len;
    }
    src->n_record = 0;
    if (nc_inq_dimid(ncid, "record", &rec_dim) == NC_NOERR)
        NCR(nc_inq_dimlen(ncid, rec_dim, &src->n_record), "record");
    if (!(src->status = rl_alloc(src->n, 1, st))) return st->code;
    NCR(nc_get_var_schar(ncid, var, (signed char *)src->status), "status");
    return RL_OK;
}

static rl_code read_curves(rl_store_source *src, int ncid, rl_status *st)
{
    for (int c = 0; c < RL_NCURVES; c++) {
        int var;
        const char *name = rl_curve_get((rl_curve)c)->name;
        if (src->n_record == 0) continue;
        RL_TRY(find_var(src, ncid, name, src->n * src->n_record, &var, st));
        if (var < 0) continue;
        if (!(src->curve[c] = rl_alloc(src->n * src->n_record, sizeof(float), st))) return st->code;
        NCR(nc_get_var_float(ncid, var, src->curve[c]), name);
    }
    return RL_OK;
}

static rl_code read_sessions(rl_store_source *src, int ncid, rl_status *st)
{
    size_t len = 0;
    char *created = NULL;
    if (nc_inq_attlen(ncid, NC_GLOBAL, "mpi_sizes", &len) == NC_NOERR && len > 0) {
        if (!(src->sessions = rl_alloc(len, sizeof(int), st))) return st->code;
        NCR(nc_get_att_int(ncid, NC_GLOBAL, "mpi_sizes", src->sessions), "mpi_sizes");
        src->n_sessions = (int)len;
    }
    RL_TRY(text_att(ncid, "created", &created, st));
    src->created = parse_iso(created);
    rl_free(created);
    return RL_OK;
}

/* ---- matching the file's items to the layout ---- */

typedef struct id_index {
    char id[RL_ID_LEN];
    size_t index;
} id_index;

static int cmp_id(const void *a, const void *b)
{
    return strcmp(((const id_index *)a)->id, ((const id_index *)b)->id);
}

/*
** The file's item `id` is not in this spec. Either the spec changed (the diff says how), or
** the file was written by a build whose parameters named the same items otherwise (ids hash
** every parameter, canon.c): then the diff is empty or shows only values equal to their
** defaults, and a build of the file's commit can still resume it.
*/
static rl_code refuse_ids(const rl_store_source *src, int ncid, const char *hash,
                          const char *canonical, const rl_store_layout *lay, const char *id,
                          rl_status *st)
{
    char diff[640], *commit = NULL;
    if (text_att(ncid, "richlazy_git_commit", &commit, st)) rl_status_clear(st);
    rl_store_diff_lines(canonical, lay->canonical, diff, sizeof diff);
    char why[160];
    if (strcmp(hash, lay->hash) != 0)
        rl_snprintf(why, sizeof why,
                    "it belongs to a different spec (hash %.12s, now %.12s; its "
                    "item %s is not in this spec)",
                    hash, lay->hash, id);
    else
        rl_snprintf(why, sizeof why,
                    "its item ids are not this build's (the same spec, hash "
                    "%.12s; its item %s is not one of them)",
                    hash, id);
    rl_code rc = rl_status_fail(
        st, RL_EINPUT, __FILE__, __LINE__,
        "%s has no journal, and %s; refusing to mix results. What changed (- file, + now):\n%s"
        "Adding values to an axis is allowed (finished items are kept); anything else needs a "
        "new -o file. The file was written by commit %s: if nothing of substance changed, its "
        "ids are that build's, and a build of that commit resumes it",
        src->path, why, diff, commit ? commit : "(not recorded)");
    rl_free(commit);
    return rc;
}

/* src->to[i] = the layout's index of the file's item i; RL_EINPUT with a diff if one is absent. */
static rl_code map_items(rl_store_source *src, int ncid, const rl_store_layout *lay, rl_status *st)
{
    char *hash = NULL, *canonical = NULL, **ids = rl_alloc(src->n, sizeof(char *), st);
    id_index *sorted = ids ? rl_alloc(lay->nitems, sizeof *sorted, st) : NULL;
    rl_code rc = sorted ? RL_OK : st->code;
    if (!rc) rc = read_strings(src, ncid, "item_id", ids, true, st);
    if (!rc) rc = text_att(ncid, "spec_hash", &hash, st);
    if (!rc) rc = text_att(ncid, "spec_canonical", &canonical, st);
    if (!rc && !(src->to = rl_alloc(src->n, sizeof *src->to, st))) rc = st->code;
    for (size_t i = 0; !rc && i < lay->nitems; i++) {
        memcpy(sorted[i].id, lay->ids[i], RL_ID_LEN);
        sorted[i].index = i;
    }
    if (!rc) qsort(sorted, lay->nitems, sizeof *sorted, cmp_id);
    size_t missing = src->n;
    for (size_t i = 0; !rc && i < src->n && missing == src->n; i++) {
        id_index key;
        rl_snprintf(key.id, sizeof key.id, "%s", ids[i] ? ids[i] : "");
        const id_index *hit = bsearch(&key, sorted, lay->nitems, sizeof *sorted, cmp_id);
        if (hit)
            src->to[i] = hit->index;
        else
            missing = i;
    }
    src->extended = !rc && strcmp(hash, lay->hash) != 0;
    if (!rc && missing < src->n) rc = refuse_ids(src, ncid, hash, canonical, lay, ids[missing], st);
    for (size_t i = 0; ids && i < src->n; i++)
        rl_free(ids[i]);
    rl_free(ids);
    rl_free(sorted);
    rl_free(hash);
    rl_free(canonical);
    return rc;
}

/* ---- public ---- */

rl_code rl_store_source_open(const char *nc_path, const rl_store_layout *lay, rl_store_source **out,
                             rl_status *st)
{
    int ncid;
    *out = NULL;
    rl_store_source *src = rl_alloc(1, sizeof *src, st);
    if (!src) return st->code;
    src->path = nc_path;
    int nc_rc = nc_open(nc_path, NC_NOWRITE, &ncid);
    if (nc_rc != NC_NOERR) {
        rl_free(src);
        RL_FAIL(st, RL_EINPUT,
                "%s exists but has no journal and cannot be read as netCDF (%s); choose "
                "another -o or move it aside",
                nc_path, nc_strerror(nc_rc));
    }
    rl_code rc = read_shape(src, ncid, st);
    if (!rc) rc = map_items(src, ncid, lay, st);
    for (int m = 0; m < RL_NMEASURES && !rc; m++)
        rc = read_doubles(src, ncid, rl_measure_get((rl_measure)m)->name, src->n, &src->measure[m],
                          st);
    if (!rc) rc = read_doubles(src, ncid, "wall_seconds", src->n, &src->wall, st);
    if (!rc) rc = read_ints(src, ncid, "worker", src->n, &src->worker, st);
    if (!rc) rc = read_ints(src, ncid, "attempts", src->n, &src->attempts, st);
    if (!rc && !(src->reason = rl_alloc(src->n, sizeof(char *), st))) rc = st->code;
    if (!rc) rc = read_strings(src, ncid, "failure_reason", src->reason, false, st);
    if (!rc) rc = read_curves(src, ncid, st);
    if (!rc) rc = read_sessions(src, ncid, st);
    nc_close(ncid); /* read-only: nothing can be left half-done */
    if (rc) {
        rl_store_source_close(&src);
        return rc;
    }
    *out = src;
    return RL_OK;
}

double rl_store_source_created(const rl_store_source *src)
{
    return src->created;
}

bool rl_store_source_extended(const rl_store_source *src)
{
    return src->extended;
}

size_t rl_store_source_finished(const rl_store_source *src)
{
    size_t k = 0;
    for (size_t i = 0; i < src->n; i++)
        k += src->status[i] != RL_ITEM_PENDING;
    return k;
}

/* Item i of the file as a result record for the layout's item src->to[i]. */
static void to_result(const rl_store_source *src, const rl_store_layout *lay, size_t i,
                      jrec_result *rec)
{
    rl_result *r = &rec->r;
    size_t j = src->to[i];
    rl_result_clear(r, j);
    rec->kind = JREC_RESULT;
    rec->item = j;
    memcpy(rec->id, lay->ids[j], RL_ID_LEN);
    r->status = src->status[i];
    r->worker = src->worker ? src->worker[i] : -1;
    r->wall_seconds = src->wall ? src->wall[i] : NAN;
    for (int m = 0; m < RL_NMEASURES; m++)
        r->measure[m] = src->measure[m] ? src->measure[m][i] : NAN;
    const float *loss = src->curve[RL_CURVE_loss_curve];
    size_t n = 0, max = src->n_record < RL_CURVE_MAX ? src->n_record : RL_CURVE_MAX;
    while (loss && n < max && loss[i * src->n_record + n] != NC_FILL_FLOAT)
        n++; /* a curve runs until its first fill value (cube.c pads with it) */
    r->n_curve = (int32_t)n;
    for (int c = 0; c < RL_NCURVES; c++)
        for (size_t k = 0; src->curve[c] && k < n; k++)
            r->curve[c][k] = src->curve[c][i * src->n_record + k];
    rl_snprintf(r->reason, sizeof r->reason, "%s", src->reason[i]);
}

rl_code rl_store_source_write(const rl_store_source *src, const rl_store_layout *lay, int fd,
                              const char *path, rl_status *st)
{
    jrec_small small;
    for (int k = 0; k < src->n_sessions; k++) {
        memset(&small, 0, sizeof small);
        small.kind = JREC_SESSION;
        small.a = src->sessions[k];
        small.time = src->created;
        RL_TRY(rl_store_journal_write_small(fd, &small, path, st));
    }
    jrec_result *rec = rl_alloc(1, sizeof *rec, st);
    if (!rec) return st->code;
    rl_code rc = RL_OK;
    for (size_t i = 0; i < src->n && !rc; i++) {
        int8_t s = src->status[i];
        if (s != RL_ITEM_DONE && s != RL_ITEM_DIVERGED && s != RL_ITEM_FAILED) continue;
        int attempts = src->attempts && src->attempts[i] > 0 ? src->attempts[i] : 1;
        for (int a = 1; a <= attempts && !rc; a++) { /* the cell counts attempt records */
            memset(&small, 0, sizeof small);
            small.kind = JREC_ATTEMPT;
            small.item = src->to[i];
            memcpy(small.id, lay->ids[src->to[i]], RL_ID_LEN);
            small.a = a;
            small.b = src->worker ? src->worker[i] : -1;
            small.time = src->created;
            rc = rl_store_journal_write_small(fd, &small, path, st);
        }
        if (rc) break;
        to_result(src, lay, i, rec);
        rec->r.attempts = attempts;
        rc = rl_store_journal_write_result(fd, rec, path, st);
    }
    rl_free(rec);
    return rc;
}

void rl_store_source_close(rl_store_source **psrc)
{
    if (!psrc || !*psrc) return;
    rl_store_source *src = *psrc;
    for (size_t i = 0; src->reason && i < src->n; i++)
        rl_free(src->reason[i]);
    rl_free(src->reason);
    for (int m = 0; m < RL_NMEASURES; m++)
        rl_free(src->measure[m]);
    for (int c = 0; c < RL_NCURVES; c++)
        rl_free(src->curve[c]);
    rl_free(src->to);
    rl_free(src->status);
    rl_free(src->attempts);
    rl_free(src->worker);
    rl_free(src->wall);
    rl_free(src->sessions);
    rl_free(src);
    *psrc = NULL;
}
