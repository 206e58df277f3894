/*
** cube.c: writes the labelled results cube OUT.nc from the in-memory cells
** (module: store). Layout (README "Results file"):
**   dims      the sweep axes in spec order, then `record` (loss-curve samples)
**   coords    one variable per axis: strings for categorical axes, int64 or
**             double for numeric ones, long_name from the parameters' labels
**             (params.h); `iteration(record)` when every item records its
**             curves at the same iterations (the curves name it in
**             `coordinates`); `loss_curve_iteration(record)`, the same values
**             as a data variable (read by older analysis code)
**   data      one double per measure in measures.def (axes), one float per
**             curve in curves.def (axes, record) — `loss_curve` always, the
**             kernel curves when recorded (layout.c); bookkeeping `status` (CF flags: pending done
**             diverged failed), `attempts`, `wall_seconds`, `worker`, `item_id`,
**             `failure_reason`; measures and curves have a short long_name and
**             their formula in `comment` (result.h)
**   globals   CF-1.8 and ACDD-1.3: title, summary, history (one line per run),
**             date_created/date_modified, references; the spec and its hash
** Unfinished cells hold each variable's _FillValue (read as missing by xarray);
** `status` tells a diverged NaN from a missing value.
** Why a whole new file each time: netCDF-4 (HDF5) files are corrupted by kills
** mid-write, so the file is built in memory, written to OUT.nc.tmp and renamed
** over OUT.nc only once it is complete and fsynced (store.h invariant 2; ncfile.c
** says why in memory: HDF5 does not survive a full disk).
*/
#include "store_int.h"

#include <math.h>
#include <netcdf.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SLAB_BYTES ((size_t)64 << 20) /* largest loss-curve block written at once */

/* The variable ids of one file. */
typedef struct vars {
    int dim[RL_MAX_DIMS + 1]; /* axes, then record */
    int coord[RL_MAX_DIMS];
    int measure[RL_NMEASURES];
    int curve[RL_NCURVES]; /* -1: not in this file */
    int curve_iter, iteration, status, attempts, wall, worker, item_id, reason;
} vars;

#define NC(st, call)                                                                               \
    do {                                                                                           \
        int nc_rc_ = (call);                                                                       \
        if (nc_rc_ != NC_NOERR)                                                                    \
            RL_FAIL((st), RL_EIO, "netCDF: %s (%s)", nc_strerror(nc_rc_), #call);                  \
    } while (0)

static const char *const reserved[] = {
    "record",  "loss_curve_iteration", "iteration", "status", "attempts", "wall_seconds", "worker",
    "item_id", "failure_reason"};

rl_code rl_store_cube_check_names(const rl_store_layout *lay, rl_status *st)
{
    for (int d = 0; d < lay->ndims; d++) {
        const char *name = lay->dims[d].name;
        for (size_t k = 0; k < sizeof reserved / sizeof reserved[0]; k++)
            RL_CHECK(strcmp(name, reserved[k]) != 0, st, RL_EINPUT,
                     "axis '%s' has the name of a variable of the results file; rename the axis "
                     "(reserved: record, loss_curve_iteration, iteration, status, attempts, "
                     "wall_seconds, worker, item_id, failure_reason and the measure and curve "
                     "names)",
                     name);
        for (int m = 0; m < RL_NMEASURES; m++)
            RL_CHECK(strcmp(name, rl_measure_get((rl_measure)m)->name) != 0, st, RL_EINPUT,
                     "axis '%s' has the name of a measure; rename the axis", name);
        for (int c = 0; c < RL_NCURVES; c++)
            RL_CHECK(strcmp(name, rl_curve_get((rl_curve)c)->name) != 0, st, RL_EINPUT,
                     "axis '%s' has the name of a curve; rename the axis", name);
    }
    return RL_OK;
}

void rl_store_iso_time(double unix_time, char *buf, size_t cap)
{
    time_t t = (time_t)unix_time;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- define mode ---- */

static bool all_integral(const rl_dim *d)
{
    for (int k = 0; k < d->size; k++)
        if (d->values[k] != floor(d->values[k]) || fabs(d->values[k]) > 9007199254740992.0)
            return false;
    return true;
}

static rl_code def_text(int ncid, int var, const char *name, const char *text, rl_status *st)
{
    NC(st, nc_put_att_text(ncid, var, name, strlen(text), text));
    return RL_OK;
}

/* "rank of W_h(0)"; a zip group's labels joined ("structure of W_h(0), rank of W_h(0)"). */
static void axis_long_name(const rl_dim *dim, char *buf, size_t cap)
{
    buf[0] = '\0';
    for (int k = 0; k < dim->n_paths; k++) {
        const rl_key *key = rl_params_find(dim->paths[k]);
        size_t used = strlen(buf);
        rl_snprintf(buf + used, cap - used, "%s%s", k ? ", " : "",
                    key ? key->label : dim->paths[k]);
    }
}

static rl_code def_coords(int ncid, const rl_store_layout *lay, vars *v, rl_status *st)
{
    for (int d = 0; d < lay->ndims; d++) {
        const rl_dim *dim = &lay->dims[d];
        nc_type type = !dim->numeric ? NC_STRING : all_integral(dim) ? NC_INT64 : NC_DOUBLE;
        char paths[1024] = "", name[1024];
        NC(st, nc_def_dim(ncid, dim->name, (size_t)dim->size, &v->dim[d]));
        NC(st, nc_def_var(ncid, dim->name, type, 1, &v->dim[d], &v->coord[d]));
        for (int k = 0; k < dim->n_paths; k++) {
            size_t used = strlen(paths);
            rl_snprintf(paths + used, sizeof paths - used, "%s%s", k ? " " : "", dim->paths[k]);
        }
        axis_long_name(dim, name, sizeof name);
        RL_TRY(def_text(ncid, v->coord[d], "long_name", name, st));
        RL_TRY(def_text(ncid, v->coord[d], "parameters", paths, st));
    }
    NC(st, nc_def_dim(ncid, "record", (size_t)lay->n_record, &v->dim[lay->ndims]));
    NC(st,
       nc_def_var(ncid, "loss_curve_iteration", NC_INT64, 1, &v->dim[lay->ndims], &v->curve_iter));
    long long fill = -1;
    NC(st, nc_def_var_fill(ncid, v->curve_iter, 0, &fill));
    RL_TRY(def_text(ncid, v->curve_iter, "long_name",
                    "iterations completed at the end of each record's window of "
                    "train.curve_every iterations (-1: items differ in curve_every)",
                    st));
    v->iteration = -1;
    if (lay->record_every <= 0) return RL_OK; /* no common iterations: no coordinate */
    NC(st, nc_def_var(ncid, "iteration", NC_INT64, 1, &v->dim[lay->ndims], &v->iteration));
    RL_TRY(def_text(ncid, v->iteration, "long_name", "training iteration", st));
    return def_text(ncid, v->iteration, "comment",
                    "iterations completed at the end of the record's window of "
                    "train.curve_every iterations",
                    st);
}

/* A double or float variable over the axes (plus record if `curve`), with a fill value. */
static rl_code def_data(int ncid, const rl_store_layout *lay, const vars *v, const char *name,
                        nc_type type, bool curve, int *var, rl_status *st)
{
    NC(st, nc_def_var(ncid, name, type, lay->ndims + (curve ? 1 : 0), v->dim, var));
    NC(st, nc_def_var_chunking(ncid, *var, NC_CONTIGUOUS, NULL));
    if (type == NC_DOUBLE) {
        double fill = NC_FILL_DOUBLE;
        NC(st, nc_def_var_fill(ncid, *var, 0, &fill));
    } else if (type == NC_FLOAT) {
        float fill = NC_FILL_FLOAT;
        NC(st, nc_def_var_fill(ncid, *var, 0, &fill));
    } else if (type == NC_INT) {
        int fill = -1;
        NC(st, nc_def_var_fill(ncid, *var, 0, &fill));
    } else {
        NC(st, nc_def_var_fill(ncid, *var, 1, NULL));
    }
    return RL_OK;
}

static rl_code def_bookkeeping(int ncid, const rl_store_layout *lay, vars *v, rl_status *st)
{
    static const signed char flags[4] = {0, 1, 2, 3};
    RL_TRY(def_data(ncid, lay, v, "status", NC_BYTE, false, &v->status, st));
    NC(st, nc_put_att_schar(ncid, v->status, "flag_values", NC_BYTE, 4, flags));
    RL_TRY(def_text(ncid, v->status, "flag_meanings", "pending done diverged failed", st));
    RL_TRY(def_text(ncid, v->status, "long_name", "outcome of the item's training", st));
    RL_TRY(def_data(ncid, lay, v, "attempts", NC_SHORT, false, &v->attempts, st));
    RL_TRY(def_text(ncid, v->attempts, "long_name", "runs started (abandoned runs excluded)", st));
    RL_TRY(def_data(ncid, lay, v, "wall_seconds", NC_DOUBLE, false, &v->wall, st));
    RL_TRY(def_text(ncid, v->wall, "units", "s", st));
    RL_TRY(def_text(ncid, v->wall, "long_name", "wall-clock time of the item", st));
    RL_TRY(def_text(ncid, v->wall, "comment",
                    "from dispatch to result on its rank: set-up, training and measures", st));
    RL_TRY(def_data(ncid, lay, v, "worker", NC_INT, false, &v->worker, st));
    RL_TRY(def_text(ncid, v->worker, "long_name", "MPI rank that trained the item", st));
    NC(st, nc_def_var(ncid, "item_id", NC_STRING, lay->ndims, v->dim, &v->item_id));
    RL_TRY(def_text(ncid, v->item_id, "long_name", "stable item id (hash of its parameters)", st));
    NC(st, nc_def_var(ncid, "failure_reason", NC_STRING, lay->ndims, v->dim, &v->reason));
    return def_text(ncid, v->reason, "long_name", "why the item failed (empty otherwise)", st);
}

/* ACDD history: one line per run, the first and last HISTORY_ENDS of many. */
#define HISTORY_ENDS 10

static rl_code def_history(int ncid, const cube_meta *meta, rl_status *st)
{
    char *text = rl_alloc((size_t)(2 * HISTORY_ENDS + 1), 128, st);
    if (!text) return st->code;
    size_t used = 0, cap = (size_t)(2 * HISTORY_ENDS + 1) * 128;
    for (int k = 0; k < meta->n_sessions; k++) {
        char when[32];
        if (k == HISTORY_ENDS && meta->n_sessions > 2 * HISTORY_ENDS) {
            used += (size_t)snprintf(text + used, cap - used, "... %d more runs\n",
                                     meta->n_sessions - 2 * HISTORY_ENDS);
            k = meta->n_sessions - HISTORY_ENDS;
        }
        rl_store_iso_time(meta->session_times[k], when, sizeof when);
        used += (size_t)snprintf(text + used, cap - used, "%s: richlazy run on %d rank%s\n", when,
                                 meta->mpi_sizes[k], meta->mpi_sizes[k] == 1 ? "" : "s");
    }
    if (used > 0) text[used - 1] = '\0'; /* no newline after the last line */
    rl_code rc = def_text(ncid, NC_GLOBAL, "history", text, st);
    rl_free(text);
    return rc;
}

static rl_code def_globals(int ncid, const rl_store_layout *lay, const cube_meta *meta,
                           rl_status *st)
{
    char created[32], updated[32], source[128];
    unsigned long long seed = lay->seed;
    rl_store_iso_time(meta->created, created, sizeof created);
    rl_store_iso_time(meta->updated, updated, sizeof updated);
    rl_snprintf(source, sizeof source, "richlazy %s (git %s)", rl_version(), rl_git_commit());
    RL_TRY(def_text(ncid, NC_GLOBAL, "title", lay->name, st));
    if (lay->description && lay->description[0])
        RL_TRY(def_text(ncid, NC_GLOBAL, "summary", lay->description, st));
    RL_TRY(def_text(ncid, NC_GLOBAL, "Conventions", "CF-1.8, ACDD-1.3", st));
    RL_TRY(def_text(ncid, NC_GLOBAL, "source", source, st));
    RL_TRY(def_history(ncid, meta, st));
    RL_TRY(def_text(ncid, NC_GLOBAL, "references",
                    "Liu, Baratin, Cornford, Mihalas, Shea-Brown, Lajoie: How connectivity "
                    "structure shapes rich and lazy learning in neural circuits, ICLR 2024, "
                    "arXiv:2310.08513; "
                    "measures: Eq. 4 weight change, Eq. 5 representation alignment, Eq. 6 "
                    "tangent-kernel alignment",
                    st));
    RL_TRY(def_text(ncid, NC_GLOBAL, "spec", lay->text ? lay->text : "", st));
    RL_TRY(def_text(ncid, NC_GLOBAL, "spec_canonical", lay->canonical, st));
    RL_TRY(def_text(ncid, NC_GLOBAL, "spec_hash", lay->hash, st));
    NC(st, nc_put_att_ulonglong(ncid, NC_GLOBAL, "sweep_seed", NC_UINT64, 1, &seed));
    RL_TRY(def_text(ncid, NC_GLOBAL, "richlazy_version", rl_version(), st));
    RL_TRY(def_text(ncid, NC_GLOBAL, "richlazy_git_commit", rl_git_commit(), st));
    if (lay->numerics) RL_TRY(def_text(ncid, NC_GLOBAL, "numerics", lay->numerics, st));
    RL_TRY(def_text(ncid, NC_GLOBAL, "date_created", created, st));
    RL_TRY(def_text(ncid, NC_GLOBAL, "date_modified", updated, st));
    RL_TRY(def_text(ncid, NC_GLOBAL, "created", created, st)); /* before ACDD; kept for readers */
    RL_TRY(def_text(ncid, NC_GLOBAL, "updated", updated, st));
    if (meta->n_sessions > 0)
        NC(st, nc_put_att_int(ncid, NC_GLOBAL, "mpi_sizes", NC_INT, (size_t)meta->n_sessions,
                              meta->mpi_sizes));
    return RL_OK;
}

static rl_code define(int ncid, const rl_store_layout *lay, const cube_meta *meta, vars *v,
                      rl_status *st)
{
    RL_TRY(def_coords(ncid, lay, v, st));
    bool linear2 = lay->models == 2u; /* every item the linear network: its words (W1) */
    for (int m = 0; m < RL_NMEASURES; m++) {
        const rl_measure_info *mi = rl_measure_get((rl_measure)m);
        RL_TRY(def_data(ncid, lay, v, mi->name, NC_DOUBLE, false, &v->measure[m], st));
        RL_TRY(def_text(ncid, v->measure[m], "units", mi->units, st));
        RL_TRY(def_text(ncid, v->measure[m], "long_name", rl_measure_title((rl_measure)m, linear2),
                        st));
        RL_TRY(def_text(ncid, v->measure[m], "comment", rl_measure_comment((rl_measure)m), st));
    }
    static const double reached[2] = {0, 1}; /* CF flags, so xarray decodes the meaning */
    NC(st, nc_put_att_double(ncid, v->measure[RL_MEASURE_criterion_reached], "flag_values",
                             NC_DOUBLE, 2, reached));
    RL_TRY(def_text(ncid, v->measure[RL_MEASURE_criterion_reached], "flag_meanings",
                    "not_reached reached", st));
    for (int c = 0; c < RL_NCURVES; c++) {
        const rl_measure_info *ci = rl_curve_get((rl_curve)c);
        v->curve[c] = -1;
        if (c != RL_CURVE_loss_curve && !(lay->curves & 1u << c)) continue;
        RL_TRY(def_data(ncid, lay, v, ci->name, NC_FLOAT, true, &v->curve[c], st));
        RL_TRY(def_text(ncid, v->curve[c], "units", ci->units, st));
        RL_TRY(def_text(ncid, v->curve[c], "long_name", rl_curve_title((rl_curve)c), st));
        RL_TRY(def_text(ncid, v->curve[c], "comment", ci->long_name, st));
        if (v->iteration >= 0) RL_TRY(def_text(ncid, v->curve[c], "coordinates", "iteration", st));
    }
    RL_TRY(def_bookkeeping(ncid, lay, v, st));
    RL_TRY(def_globals(ncid, lay, meta, st));
    NC(st, nc_enddef(ncid));
    return RL_OK;
}

/* ---- data ---- */

static rl_code put_coords(int ncid, const rl_store_layout *lay, const vars *v, rl_status *st)
{
    int most = lay->n_record;
    for (int d = 0; d < lay->ndims; d++)
        most = lay->dims[d].size > most ? lay->dims[d].size : most;
    long long *ints = rl_alloc((size_t)most, sizeof *ints, st);
    if (!ints) return st->code;
    int nc_rc = NC_NOERR;
    for (int d = 0; d < lay->ndims && nc_rc == NC_NOERR; d++) {
        const rl_dim *dim = &lay->dims[d];
        if (!dim->numeric) {
            nc_rc = nc_put_var_string(ncid, v->coord[d], (const char **)dim->labels);
        } else if (all_integral(dim)) {
            for (int k = 0; k < dim->size; k++)
                ints[k] = (long long)dim->values[k];
            nc_rc = nc_put_var_longlong(ncid, v->coord[d], ints);
        } else {
            nc_rc = nc_put_var_double(ncid, v->coord[d], dim->values);
        }
    }
    if (nc_rc == NC_NOERR && lay->record_every > 0) {
        for (int r = 0; r < lay->n_record; r++)
            ints[r] = (long long)(r + 1) * lay->record_every;
        nc_rc = nc_put_var_longlong(ncid, v->curve_iter, ints);
        if (nc_rc == NC_NOERR) nc_rc = nc_put_var_longlong(ncid, v->iteration, ints);
    }
    rl_free(ints);
    RL_CHECK(nc_rc == NC_NOERR, st, RL_EIO, "netCDF: %s (writing coordinates)", nc_strerror(nc_rc));
    return RL_OK;
}

static rl_code put_scalars(int ncid, const rl_store_layout *lay, const vars *v, const cell *cells,
                           double *buf, rl_status *st)
{
    size_t n = lay->nitems;
    for (int m = 0; m < RL_NMEASURES; m++) {
        for (size_t i = 0; i < n; i++)
            buf[i] = cells[i].status == RL_ITEM_PENDING ? NC_FILL_DOUBLE : cells[i].measure[m];
        NC(st, nc_put_var_double(ncid, v->measure[m], buf));
    }
    for (size_t i = 0; i < n; i++)
        buf[i] = cells[i].status == RL_ITEM_PENDING ? NC_FILL_DOUBLE : cells[i].wall;
    NC(st, nc_put_var_double(ncid, v->wall, buf));
    /* The same buffer, reused as the smaller integer types. */
    signed char *s8 = (signed char *)buf;
    for (size_t i = 0; i < n; i++)
        s8[i] = cells[i].status;
    NC(st, nc_put_var_schar(ncid, v->status, s8));
    short *s16 = (short *)buf;
    for (size_t i = 0; i < n; i++)
        s16[i] = (short)(cells[i].attempts > 32767 ? 32767 : cells[i].attempts);
    NC(st, nc_put_var_short(ncid, v->attempts, s16));
    int *s32 = (int *)buf;
    for (size_t i = 0; i < n; i++)
        s32[i] = cells[i].status == RL_ITEM_PENDING ? -1 : cells[i].worker;
    NC(st, nc_put_var_int(ncid, v->worker, s32));
    return RL_OK;
}

static rl_code put_strings(int ncid, const rl_store_layout *lay, const vars *v, const cell *cells,
                           const char **ptrs, rl_status *st)
{
    for (size_t i = 0; i < lay->nitems; i++)
        ptrs[i] = lay->ids[i];
    NC(st, nc_put_var_string(ncid, v->item_id, ptrs));
    for (size_t i = 0; i < lay->nitems; i++)
        ptrs[i] = cells[i].reason ? cells[i].reason : "";
    NC(st, nc_put_var_string(ncid, v->reason, ptrs));
    return RL_OK;
}

/* Writes curve `which` in blocks of whole trailing dimensions, each at most SLAB_BYTES. */
static rl_code put_curve(int ncid, const rl_store_layout *lay, const vars *v, const cell *cells,
                         int which, rl_status *st)
{
    size_t nrec = (size_t)lay->n_record, inner = lay->nitems;
    int split = 0; /* dims [split, ndims) form one block */
    while (split < lay->ndims - 1 && inner * nrec * sizeof(float) > SLAB_BYTES)
        inner /= (size_t)lay->dims[split++].size;
    float *buf = rl_alloc(inner * nrec, sizeof(float), st);
    if (!buf) return st->code;
    size_t start[RL_MAX_DIMS + 1] = {0}, count[RL_MAX_DIMS + 1];
    for (int d = 0; d <= lay->ndims; d++)
        count[d] = d < split ? 1 : d < lay->ndims ? (size_t)lay->dims[d].size : nrec;
    rl_code rc = RL_OK;
    for (size_t b = 0; b * inner < lay->nitems && !rc; b++) {
        for (size_t k = 0; k < inner; k++) {
            const cell *c = &cells[b * inner + k];
            for (size_t r = 0; r < nrec; r++)
                buf[k * nrec + r] =
                    (int)r < c->n_curve ? c->curve[(size_t)which * c->n_curve + r] : NC_FILL_FLOAT;
        }
        size_t rest = b;
        for (int d = split - 1; d >= 0; d--) { /* block index -> outer coordinates */
            start[d] = rest % (size_t)lay->dims[d].size;
            rest /= (size_t)lay->dims[d].size;
        }
        int nc_rc = nc_put_vara_float(ncid, v->curve[which], start, count, buf);
        if (nc_rc != NC_NOERR)
            rc = rl_status_fail(st, RL_EIO, __FILE__, __LINE__, "netCDF: %s (writing %s)",
                                nc_strerror(nc_rc), rl_curve_get((rl_curve)which)->name);
    }
    rl_free(buf);
    return rc;
}

static rl_code fill_file(int ncid, const rl_store_layout *lay, const cell *cells,
                         const cube_meta *meta, rl_status *st)
{
    vars v;
    memset(&v, 0, sizeof v);
    RL_TRY(define(ncid, lay, meta, &v, st));
    RL_TRY(put_coords(ncid, lay, &v, st));
    void *buf = rl_alloc(lay->nitems,
                         sizeof(double) > sizeof(char *) ? sizeof(double) : sizeof(char *), st);
    if (!buf) return st->code;
    rl_code rc = put_scalars(ncid, lay, &v, cells, buf, st);
    if (!rc) rc = put_strings(ncid, lay, &v, cells, buf, st);
    rl_free(buf);
    for (int c = 0; c < RL_NCURVES && !rc; c++)
        if (v.curve[c] >= 0) rc = put_curve(ncid, lay, &v, cells, c, st);
    return rc;
}

/* ---- the atomic replacement ---- */

rl_code rl_store_cube_write(const char *nc_path, const char *tmp_path, const rl_store_layout *lay,
                            const cell *cells, const cube_meta *meta, rl_status *st)
{
    int ncid;
    RL_TRY(rl_store_nc_create(nc_path, &ncid, st));
    if (fill_file(ncid, lay, cells, meta, st) != RL_OK) {
        rl_store_nc_discard(ncid);
        return st->code;
    }
    return rl_store_nc_commit(ncid, nc_path, tmp_path, st);
}
