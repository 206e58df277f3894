/*
** view.c: reads the bookkeeping of a results file for `richlazy status`, `richlazy
** report` and the tests, and report's measures (module: store). Any process; no
** lock is taken. The only reader of results files: the cli calls no netCDF function.
** Why two sources: OUT.nc is what users copy around, but during a run the
** journal is ahead of it (snapshots come in batches). The journal is read when
** it is at least as new as OUT.nc (or OUT.nc is missing); it alone knows which
** items were lost in flight. A record being appended while we read is a torn
** tail to the scanner and is simply not counted yet.
*/
#include "store_int.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netcdf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static char *dup_str(const char *s, rl_status *st)
{
    size_t n = strlen(s);
    char *d = rl_alloc(n + 1, 1, st);
    if (d) memcpy(d, s, n);
    return d;
}

static rl_code view_alloc(rl_store_view *v, rl_status *st)
{
    size_t n = v->nitems;
    v->status = rl_alloc(n, sizeof *v->status, st);
    v->attempts = rl_alloc(n, sizeof *v->attempts, st);
    v->in_flight = rl_alloc(n, sizeof *v->in_flight, st);
    v->ids = rl_alloc(n, sizeof *v->ids, st);
    v->reasons = rl_alloc(n, sizeof *v->reasons, st);
    v->reached = rl_alloc(n, sizeof *v->reached, st);
    v->started = rl_alloc(n, sizeof *v->started, st);
    v->wall = rl_alloc(n, sizeof *v->wall, st);
    if (!(v->status && v->attempts && v->in_flight && v->ids && v->reasons && v->reached &&
          v->started && v->wall))
        return st->code;
    memset(v->reached, -1, n);
    for (size_t i = 0; i < n; i++)
        v->started[i] = v->wall[i] = NAN;
    return RL_OK;
}

void rl_store_view_destroy(rl_store_view **pv)
{
    if (!pv || !*pv) return;
    rl_store_view *v = *pv;
    for (int d = 0; d < v->ndims; d++) {
        for (int k = 0; v->labels[d] && k < v->dim_sizes[d]; k++)
            rl_free(v->labels[d][k]);
        rl_free(v->labels[d]);
        rl_free(v->dim_params[d]);
    }
    for (size_t i = 0; v->reasons && i < v->nitems; i++)
        rl_free(v->reasons[i]);
    rl_free(v->reasons);
    rl_free(v->reached);
    rl_free(v->started);
    rl_free(v->wall);
    rl_free(v->spec_text);
    rl_free(v->status);
    rl_free(v->attempts);
    rl_free(v->in_flight);
    rl_free(v->ids);
    rl_free(v);
    *pv = NULL;
}

/* Records criterion_reached (NaN: no criterion) of item i. */
static void set_reached(rl_store_view *v, size_t i, double reached)
{
    v->reached[i] = reached == 1 ? 1 : reached == 0 ? 0 : -1;
    v->any_criterion |= v->reached[i] >= 0;
}

/* ---- from the journal ---- */

/* The times of a record (any source: they exist only in the journal). */
static void record_times(rl_store_view *v, const jrec *rec)
{
    size_t i = (size_t)rec->head.item;
    if (rec->head.kind == JREC_SESSION) {
        v->sessions++;
        v->session_start = rec->small.time;
        v->session_ranks = rec->small.a;
    } else if (i < v->nitems && rec->head.kind == JREC_ATTEMPT) {
        v->started[i] = rec->small.time;
    } else if (i < v->nitems && rec->head.kind == JREC_RESULT) {
        v->wall[i] = rec->result.r.wall_seconds;
    }
}

static rl_code view_record(void *ctx, const jrec *rec, rl_status *st)
{
    rl_store_view *v = ctx;
    size_t i = (size_t)rec->head.item;
    record_times(v, rec);
    if (rec->head.kind == JREC_SESSION) return RL_OK;
    RL_CHECK(i < v->nitems, st, RL_EIO, "%s: record for item %zu of %zu", v->source, i, v->nitems);
    if (rec->head.kind == JREC_ATTEMPT) {
        v->attempts[i]++;
        v->in_flight[i] = true;
    } else if (rec->head.kind == JREC_ABANDON) {
        v->attempts[i] -= v->in_flight[i];
        v->in_flight[i] = false;
    } else {
        v->status[i] = (int8_t)rec->result.r.status;
        v->in_flight[i] = false;
        set_reached(v, i, rec->result.r.measure[RL_MEASURE_criterion_reached]);
        rl_free(v->reasons[i]);
        char reason[RL_REASON_MAX];
        rl_snprintf(reason, sizeof reason, "%.*s", RL_REASON_MAX - 1, rec->result.r.reason);
        if (!(v->reasons[i] = dup_str(reason, st))) return st->code;
    }
    return RL_OK;
}

static rl_code view_header(rl_store_view *v, const jheader *h, rl_status *st)
{
    rl_snprintf(v->name, sizeof v->name, "%s", h->name);
    rl_snprintf(v->hash, sizeof v->hash, "%s", h->fixed.hash);
    v->ndims = h->ndims;
    v->nitems = h->nitems;
    for (int d = 0; d < h->ndims; d++) {
        rl_snprintf(v->dim_names[d], sizeof v->dim_names[d], "%s", h->dim_names[d]);
        v->dim_sizes[d] = h->dim_sizes[d];
        if (!(v->labels[d] = rl_alloc((size_t)h->dim_sizes[d], sizeof(char *), st)))
            return st->code;
        for (int k = 0; k < h->dim_sizes[d]; k++)
            if (!(v->labels[d][k] = dup_str(h->labels[d][k], st))) return st->code;
    }
    RL_TRY(view_alloc(v, st));
    memcpy(v->ids, h->ids, v->nitems * RL_ID_LEN);
    return RL_OK;
}

static rl_code times_record(void *ctx, const jrec *rec, rl_status *st)
{
    (void)st;
    record_times(ctx, rec);
    return RL_OK;
}

/*
** Reads the journal at path: everything (from_journal) or, when OUT.nc was read
** (times_only), its times, if it describes the same items.
*/
static rl_code read_journal(rl_store_view *v, const char *path, bool times_only, rl_status *st)
{
    jheader h;
    off_t end;
    bool torn;
    FILE *fp = fopen(path, "rb");
    RL_CHECK(fp, st, RL_EIO, "cannot read %s", path);
    rl_code rc = rl_store_journal_read_header(fp, path, &h, st);
    bool same = !rc && (!times_only || (h.nitems == v->nitems &&
                                        memcmp(h.ids, v->ids, v->nitems * RL_ID_LEN) == 0));
    if (!rc && !times_only) rc = view_header(v, &h, st);
    if (!rc && same) v->created = h.fixed.created;
    if (!rc && same)
        rc = rl_store_journal_scan(fp, path, times_only ? times_record : view_record, v, &end,
                                   &torn, st);
    rl_store_journal_header_free(&h);
    fclose(fp);
    return rc;
}

/* ---- from OUT.nc ---- */

/* A failed netCDF call on OUT.nc (every file this reads with netCDF) of view v. */
#define NCR(st, call)                                                                              \
    do {                                                                                           \
        int nc_rc_ = (call);                                                                       \
        if (nc_rc_ != NC_NOERR)                                                                    \
            RL_FAIL((st), RL_EIO, "reading %s: %s (%s)", v->nc_path, nc_strerror(nc_rc_), #call);  \
    } while (0)

static rl_code nc_strings(rl_store_view *v, int ncid, int var, size_t n, char **out, rl_status *st)
{
    char **raw = rl_alloc(n, sizeof *raw, st);
    if (!raw) return st->code;
    int nc_rc = nc_get_var_string(ncid, var, raw);
    rl_code rc = RL_OK;
    if (nc_rc != NC_NOERR)
        rc = rl_status_fail(st, RL_EIO, __FILE__, __LINE__, "reading %s: %s", v->source,
                            nc_strerror(nc_rc));
    for (size_t i = 0; !rc && i < n; i++)
        if (!(out[i] = dup_str(raw[i] ? raw[i] : "", st))) rc = st->code;
    if (nc_rc == NC_NOERR) nc_free_string(n, raw);
    rl_free(raw);
    return rc;
}

static rl_code nc_labels(rl_store_view *v, int ncid, int d, rl_status *st)
{
    int var;
    nc_type type;
    size_t n = (size_t)v->dim_sizes[d];
    NCR(st, nc_inq_varid(ncid, v->dim_names[d], &var));
    NCR(st, nc_inq_vartype(ncid, var, &type));
    if (!(v->labels[d] = rl_alloc(n, sizeof(char *), st))) return st->code;
    if (type == NC_STRING) return nc_strings(v, ncid, var, n, v->labels[d], st);
    double *vals = rl_alloc(n, sizeof *vals, st);
    if (!vals) return st->code;
    int nc_rc = nc_get_var_double(ncid, var, vals);
    rl_code rc = RL_OK;
    if (nc_rc != NC_NOERR)
        rc = rl_status_fail(st, RL_EIO, __FILE__, __LINE__, "reading %s: %s", v->source,
                            nc_strerror(nc_rc));
    for (size_t k = 0; !rc && k < n; k++) {
        char text[40]; /* as the spec wrote it: 0.003, not 0.0030000000000000001 */
        rl_params_format_real(vals[k], text, sizeof text);
        if (!(v->labels[d][k] = dup_str(text, st))) rc = st->code;
    }
    rl_free(vals);
    return rc;
}

static rl_code nc_text_att(rl_store_view *v, int ncid, const char *name, char *buf, size_t cap,
                           rl_status *st)
{
    size_t len;
    buf[0] = '\0';
    if (nc_inq_attlen(ncid, NC_GLOBAL, name, &len) != NC_NOERR) return RL_OK;
    char *tmp = rl_alloc(len + 1, 1, st);
    if (!tmp) return st->code;
    NCR(st, nc_get_att_text(ncid, NC_GLOBAL, name, tmp));
    rl_snprintf(buf, cap, "%s", tmp);
    rl_free(tmp);
    return RL_OK;
}

/* criterion_reached, where the file has it (files older than the stop criterion do not). */
static rl_code nc_reached(rl_store_view *v, int ncid, rl_status *st)
{
    int var;
    if (nc_inq_varid(ncid, "criterion_reached", &var) != NC_NOERR) return RL_OK;
    double *r = rl_alloc(v->nitems, sizeof *r, st);
    if (!r) return st->code;
    int nc_rc = nc_get_var_double(ncid, var, r);
    for (size_t i = 0; nc_rc == NC_NOERR && i < v->nitems; i++)
        set_reached(v, i, r[i]);
    rl_free(r);
    RL_CHECK(nc_rc == NC_NOERR, st, RL_EIO, "reading %s: %s (criterion_reached)", v->source,
             nc_strerror(nc_rc));
    return RL_OK;
}

static rl_code nc_read(rl_store_view *v, int ncid, rl_status *st)
{
    int status, attempts, ids, reasons, dimids[RL_MAX_DIMS + 1];
    char **idtext = NULL;
    RL_TRY(nc_text_att(v, ncid, "title", v->name, sizeof v->name, st));
    RL_TRY(nc_text_att(v, ncid, "spec_hash", v->hash, sizeof v->hash, st));
    NCR(st, nc_inq_varid(ncid, "status", &status));
    NCR(st, nc_inq_varndims(ncid, status, &v->ndims));
    RL_CHECK(v->ndims <= RL_MAX_DIMS, st, RL_EIO, "%s: `status` has %d dimensions", v->source,
             v->ndims);
    NCR(st, nc_inq_vardimid(ncid, status, dimids));
    v->nitems = 1;
    for (int d = 0; d < v->ndims; d++) {
        size_t len;
        NCR(st, nc_inq_dim(ncid, dimids[d], v->dim_names[d], &len));
        v->dim_sizes[d] = (int)len;
        v->nitems *= len;
        RL_TRY(nc_labels(v, ncid, d, st));
    }
    RL_TRY(view_alloc(v, st));
    NCR(st, nc_get_var_schar(ncid, status, (signed char *)v->status));
    NCR(st, nc_inq_varid(ncid, "attempts", &attempts));
    NCR(st, nc_get_var_int(ncid, attempts, v->attempts));
    NCR(st, nc_inq_varid(ncid, "failure_reason", &reasons));
    RL_TRY(nc_strings(v, ncid, reasons, v->nitems, v->reasons, st));
    RL_TRY(nc_reached(v, ncid, st));
    NCR(st, nc_inq_varid(ncid, "item_id", &ids));
    if (!(idtext = rl_alloc(v->nitems, sizeof *idtext, st))) return st->code;
    rl_code rc = nc_strings(v, ncid, ids, v->nitems, idtext, st);
    for (size_t i = 0; i < v->nitems; i++) {
        if (!rc) rl_snprintf(v->ids[i], RL_ID_LEN, "%s", idtext[i]);
        rl_free(idtext[i]);
    }
    rl_free(idtext);
    return rc;
}

static rl_code open_results(const char *nc_path, int *ncid, rl_status *st);

static rl_code from_nc(rl_store_view *v, rl_status *st)
{
    int ncid;
    RL_TRY(open_results(v->source, &ncid, st));
    rl_code rc = nc_read(v, ncid, st);
    nc_close(ncid);
    return rc;
}

/* The `parameters` attribute of OUT.nc's coordinate variable `dim`, or "" (optional). */
static char *nc_axis_params(int ncid, const char *dim, rl_status *st)
{
    int var;
    size_t len = 0;
    bool have = nc_inq_varid(ncid, dim, &var) == NC_NOERR &&
                nc_inq_attlen(ncid, var, "parameters", &len) == NC_NOERR;
    char *text = rl_alloc(have ? len + 1 : 1, 1, st); /* zeroed: text[len] ends it */
    if (text && have && nc_get_att_text(ncid, var, "parameters", text) != NC_NOERR)
        memset(text, 0, len + 1);
    return text;
}

/*
** What only OUT.nc holds, whichever file the bookkeeping came from: the `spec`
** attribute (the YAML the run read; NULL if absent) and each axis's `parameters`
** ("" if absent, or without OUT.nc). Missing pieces are no error; memory is.
*/
static rl_code nc_extras(rl_store_view *v, bool have_nc, rl_status *st)
{
    int ncid;
    size_t len;
    rl_status quiet = RL_STATUS_INIT;
    bool open = have_nc && nc_open(v->nc_path, NC_NOWRITE, &ncid) == NC_NOERR;
    if (open && nc_inq_attlen(ncid, NC_GLOBAL, "spec", &len) == NC_NOERR &&
        (v->spec_text = rl_alloc(len + 1, 1, &quiet)) &&
        nc_get_att_text(ncid, NC_GLOBAL, "spec", v->spec_text) != NC_NOERR) {
        rl_free(v->spec_text);
        v->spec_text = NULL;
    }
    rl_code rc = RL_OK;
    for (int d = 0; !rc && d < v->ndims; d++) {
        v->dim_params[d] = open ? nc_axis_params(ncid, v->dim_names[d], st) : dup_str("", st);
        if (!v->dim_params[d]) rc = st->code;
    }
    if (open) nc_close(ncid);
    return rc;
}

/* ---- public ---- */

static rl_code view_open(const char *nc_path, bool prefer_journal, rl_store_view **out,
                         rl_status *st)
{
    char journal[RL_PATH_MAX + 16];
    struct stat nc_sb, j_sb;
    assert(nc_path && out && st);
    *out = NULL;
    RL_CHECK(strlen(nc_path) < RL_PATH_MAX &&
                 rl_snprintf(journal, sizeof journal, "%s.journal", nc_path),
             st, RL_EINPUT, "path too long: %s", nc_path);
    bool have_nc = stat(nc_path, &nc_sb) == 0, have_j = stat(journal, &j_sb) == 0;
    RL_CHECK(have_nc || have_j, st, RL_EINPUT, "no results at %s (neither it nor %s exists)",
             nc_path, journal);
    bool use_j =
        have_j && (prefer_journal || !have_nc || j_sb.st_mtim.tv_sec > nc_sb.st_mtim.tv_sec ||
                   (j_sb.st_mtim.tv_sec == nc_sb.st_mtim.tv_sec &&
                    j_sb.st_mtim.tv_nsec >= nc_sb.st_mtim.tv_nsec));
    rl_store_view *v = rl_alloc(1, sizeof *v, st);
    if (!v) return st->code;
    rl_snprintf(v->source, sizeof v->source, "%s", use_j ? journal : nc_path);
    rl_snprintf(v->nc_path, sizeof v->nc_path, "%s", nc_path);
    v->created = v->session_start = v->updated = NAN;
    rl_code rc = use_j ? read_journal(v, journal, false, st) : from_nc(v, st);
    if (!rc && !use_j && have_j) { /* times only; a journal that will not read is no error */
        rl_status quiet = RL_STATUS_INIT;
        read_journal(v, journal, true, &quiet);
    }
    if (have_j) v->updated = (double)j_sb.st_mtim.tv_sec + 1e-9 * (double)j_sb.st_mtim.tv_nsec;
    if (!rc) rc = nc_extras(v, have_nc, st);
    for (size_t i = 0; !rc && i < v->nitems; i++)
        if (!v->reasons[i] && !(v->reasons[i] = dup_str("", st))) rc = st->code;
    if (rc) {
        rl_store_view_destroy(&v);
        return rc;
    }
    *out = v;
    return RL_OK;
}

rl_code rl_store_view_open(const char *nc_path, rl_store_view **out, rl_status *st)
{
    return view_open(nc_path, false, out, st);
}

rl_code rl_store_view_open_journal(const char *nc_path, rl_store_view **out, rl_status *st)
{
    return view_open(nc_path, true, out, st);
}

int rl_store_active(const char *nc_path)
{
    char journal[RL_PATH_MAX + 16];
    if (!rl_snprintf(journal, sizeof journal, "%s.journal", nc_path)) return -1;
    int fd = open(journal, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    int active = 0;
    if (flock(fd, LOCK_SH | LOCK_NB) != 0) /* a run holds LOCK_EX (journal.c: rl_store_lock) */
        active = errno == EWOULDBLOCK ? 1 : -1;
    close(fd); /* releases the shared lock, if taken */
    return active;
}

/* ---- measures, from OUT.nc ---- */

/* Opens nc_path if it is a results file (RL_EINPUT saying why not, as rl_store_check_results). */
static rl_code open_results(const char *nc_path, int *ncid, rl_status *st)
{
    int var, nc_rc = nc_open(nc_path, NC_NOWRITE, ncid);
    RL_CHECK(nc_rc == NC_NOERR, st, RL_EINPUT,
             "cannot open %s: %s; valid: an OUT.nc written by `richlazy run`", nc_path,
             nc_strerror(nc_rc));
    if (nc_inq_varid(*ncid, "status", &var) == NC_NOERR) return RL_OK;
    nc_close(*ncid);
    RL_FAIL(st, RL_EINPUT, "%s is netCDF but not a richlazy results file (no `status` variable)",
            nc_path);
}

rl_code rl_store_check_results(const char *nc_path, rl_status *st)
{
    int ncid;
    assert(nc_path && st);
    RL_TRY(open_results(nc_path, &ncid, st));
    nc_close(ncid);
    return RL_OK;
}

/* Variable `name` of the open OUT.nc into *out (left NULL if absent), fill as NaN. */
static rl_code read_measure(const rl_store_view *v, int ncid, const char *name, double **out,
                            rl_status *st)
{
    int var, ndims, dimids[RL_MAX_DIMS], no_fill = 0;
    nc_type type;
    double fill = NC_FILL_DOUBLE;
    if (nc_inq_varid(ncid, name, &var) != NC_NOERR) return RL_OK; /* an older build's file */
    NCR(st, nc_inq_varndims(ncid, var, &ndims));
    bool same = ndims == v->ndims; /* then ndims <= RL_MAX_DIMS: dimids holds them */
    if (same) NCR(st, nc_inq_vardimid(ncid, var, dimids));
    for (int d = 0; same && d < ndims; d++) {
        size_t len;
        NCR(st, nc_inq_dimlen(ncid, dimids[d], &len));
        same = len == (size_t)v->dim_sizes[d];
    }
    RL_CHECK(same, st, RL_EINPUT,
             "%s and %s describe different cubes (a spec extended during a run?); try again "
             "once the run has written its next snapshot",
             v->nc_path, v->source);
    NCR(st, nc_inq_vartype(ncid, var, &type));
    /* cube.c writes every measure as NC_DOUBLE */
    RL_CHECK(type == NC_DOUBLE, st, RL_EIO, "%s: measure `%s` is not a double variable", v->nc_path,
             name);
    NCR(st, nc_inq_var_fill(ncid, var, &no_fill, &fill));
    double *x = rl_alloc(v->nitems ? v->nitems : 1, sizeof *x, st);
    if (!x) return st->code;
    int nc_rc = nc_get_var_double(ncid, var, x);
    if (nc_rc != NC_NOERR) {
        rl_free(x);
        RL_FAIL(st, RL_EIO, "reading %s: %s (variable %s)", v->nc_path, nc_strerror(nc_rc), name);
    }
    for (size_t i = 0; !no_fill && i < v->nitems; i++)
        if (x[i] == fill) x[i] = NAN;
    *out = x;
    return RL_OK;
}

rl_code rl_store_view_measure(const rl_store_view *v, rl_measure m, double **values, rl_status *st)
{
    int ncid;
    assert(v && values && st);
    assert((int)m >= 0 && m < RL_NMEASURES);
    *values = NULL;
    RL_TRY(open_results(v->nc_path, &ncid, st));
    rl_code rc = read_measure(v, ncid, rl_measure_get(m)->name, values, st);
    nc_close(ncid);
    return rc;
}
