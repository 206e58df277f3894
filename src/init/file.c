/*
** file.c: the kind file — a connectome the user brings (module: init): format
** dispatch, the CSV and netCDF readers, and the finiteness check (the .npy reader
** is npy.c; what every reader shares, the shape check and reading a whole file,
** is fileio.c below both).
** Why: biological matrices arrive in whatever a lab saves (numpy, a spreadsheet,
** a netCDF cube). Each reader only yields an n x n matrix in the file's own
** orientation; shape (fileio.c), finiteness and orientation are decided once, so the
** messages are the same for every format. Every failure is RL_EINPUT and names
** the file (the user can fix it). Orientation: W = M (rows = post-synaptic) or,
** with init.transpose, W = M^T (a pre -> post matrix such as the V1 file).
** init.rank r > 0 keeps W's top r singular triplets (lowrank.c): with a teacher
** network's trained W_h as the file, that is Fig. 3C's task-aligned rank-r init,
** paired with kind svd's random rank r of the same norm.
** As generated (init.norm: none) W is the (truncated) file's values; otherwise
** rescaled.
*/
#include "internal.h"

#include <math.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- format ---- */

/* "npy", "csv" or "nc" from init.file_format, or from the extension when it is auto; NULL if
 * neither. */
static const char *format_of(const rl_params *p)
{
    static const char *const known[] = {"npy", "csv", "nc"};
    const char *name = p->init.file_format;
    if (strcmp(name, "auto") == 0) {
        const char *dot = strrchr(p->init.file, '.'), *slash = strrchr(p->init.file, '/');
        if (!dot || (slash && slash > dot)) return NULL;
        name = dot + 1;
    }
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcasecmp(name, known[i]) == 0) return known[i];
    return NULL;
}

rl_code rl_init_check_file(const rl_params *p, rl_status *st)
{
    RL_CHECK_PARAM(p->init.file[0] != '\0', st, "init.kind init.file",
                   "init.kind = file needs init.file; valid: a path to a .npy, .csv or .nc matrix");
    RL_CHECK_PARAM(format_of(p) != NULL, st, "init.file init.file_format",
                   "init.file '%s': cannot tell its format (init.file_format = %s); valid: a name "
                   "ending in .npy, .csv or .nc, or init.file_format: npy, csv or nc",
                   p->init.file, p->init.file_format);
    return RL_OK; /* init.rank <= model.hidden: rl_params_check */
}

static rl_code check_finite(const char *path, const double *m, int n, rl_status *st)
{
    for (size_t k = 0; k < (size_t)n * (size_t)n; k++)
        RL_CHECK(isfinite(m[k]), st, RL_EINPUT,
                 "init.file '%s': entry (row %zu, column %zu), counting from 0, is %g; valid: "
                 "finite reals only",
                 path, k / (size_t)n, k % (size_t)n, m[k]);
    return RL_OK;
}

/* ---- CSV: numbers separated by commas and/or blanks; '#' lines and blank lines skipped ---- */

typedef struct csv_shape {
    size_t rows, cols;
    long cols_line; /* the line that fixed cols */
} csv_shape;

static const char *skip_blanks(const char *s, const char *eol)
{
    while (s < eol && (*s == ' ' || *s == '\t' || *s == '\r'))
        s++;
    return s;
}

/* One line [s, eol): counts its fields into *fields, stores them in row `row` of m if given. */
static rl_code csv_row(const char *path, long line, const char *s, const char *eol, double *m,
                       int n, size_t row, size_t *fields, rl_status *st)
{
    size_t f = 0;
    for (;;) {
        s = skip_blanks(s, eol);
        RL_CHECK(s < eol && *s != ',', st, RL_EINPUT,
                 "init.file '%s': line %ld, field %zu is empty; valid: a number in every field",
                 path, line, f + 1);
        char *end;
        double v = strtod(s, &end);
        /* A number must end at a separator: "1.5.2" or "3-4" is not two numbers. */
        bool ends = end == eol || *end == ',' || *end == ' ' || *end == '\t' || *end == '\r';
        if (end == s || end > eol || !ends) {
            int shown = (int)strcspn(s, ",\n \t\r");
            RL_FAIL(st, RL_EINPUT,
                    "init.file '%s': line %ld, field %zu: '%.*s' is not a number; valid: "
                    "numbers separated by commas or blanks (no header row)",
                    path, line, f + 1, shown > 24 ? 24 : shown, s);
        }
        if (m && row < (size_t)n && f < (size_t)n) m[row * (size_t)n + f] = v;
        f++;
        s = skip_blanks(end, eol);
        if (s == eol) break;
        if (*s == ',') s++;
    }
    *fields = f;
    return RL_OK;
}

/* Walks the table; with m NULL it only measures it (shape in *shape). */
static rl_code csv_walk(const char *path, const char *text, double *m, int n, csv_shape *shape,
                        rl_status *st)
{
    long line = 0;
    *shape = (csv_shape){0, 0, 0};
    for (const char *s = text; *s;) {
        const char *eol = s + strcspn(s, "\n");
        line++;
        const char *first = skip_blanks(s, eol);
        if (first < eol && *first != '#') {
            size_t fields = 0;
            RL_TRY(csv_row(path, line, first, eol, m, n, shape->rows, &fields, st));
            if (shape->rows == 0) *shape = (csv_shape){0, fields, line};
            RL_CHECK(fields == shape->cols, st, RL_EINPUT,
                     "init.file '%s': line %ld has %zu fields but line %ld has %zu; valid: "
                     "the same number of columns on every row",
                     path, line, fields, shape->cols_line, shape->cols);
            shape->rows++;
        }
        s = *eol ? eol + 1 : eol;
    }
    RL_CHECK(shape->rows > 0, st, RL_EINPUT, "init.file '%s' holds no numbers", path);
    return RL_OK;
}

static rl_code read_csv(const char *path, int n, double *m, rl_status *st)
{
    unsigned char *buf;
    size_t len;
    csv_shape shape;
    RL_TRY(rl_init_slurp(path, &buf, &len, st));
    const char *text = (const char *)buf;
    rl_code rc = RL_OK;
    if (strlen(text) != len)
        rc = rl_status_fail(st, RL_EINPUT, __FILE__, __LINE__,
                            "init.file '%s' contains a NUL byte: not a CSV text file", path);
    if (rc == RL_OK) rc = csv_walk(path, text, NULL, n, &shape, st);
    if (rc == RL_OK) rc = rl_init_file_shape(path, shape.rows, shape.cols, n, st);
    if (rc == RL_OK) rc = csv_walk(path, text, m, n, &shape, st);
    rl_free(buf);
    return rc;
}

/* ---- netCDF ---- */

static bool numeric_2d(int nc, int id)
{
    nc_type type;
    int ndims;
    if (nc_inq_vartype(nc, id, &type) != NC_NOERR || nc_inq_varndims(nc, id, &ndims) != NC_NOERR)
        return false;
    return ndims == 2 && type >= NC_BYTE && type <= NC_UINT64 && type != NC_CHAR;
}

/* "a, b, c": the names of the file's variables (only the numeric 2-D ones if only_2d). */
static void list_vars(int nc, bool only_2d, char *buf, size_t cap)
{
    int nvars = 0;
    size_t used = 0;
    buf[0] = '\0';
    nc_inq_nvars(nc, &nvars);
    for (int id = 0; id < nvars && used < cap; id++) {
        char name[NC_MAX_NAME + 1];
        if ((only_2d && !numeric_2d(nc, id)) || nc_inq_varname(nc, id, name) != NC_NOERR) continue;
        int k = snprintf(buf + used, cap - used, "%s%s", used ? ", " : "", name);
        if (k < 0) break;
        used += (size_t)k;
    }
}

static rl_code find_var(const char *path, int nc, const char *var, int *id, rl_status *st)
{
    char names[256];
    if (strcmp(var, "auto") != 0) {
        if (nc_inq_varid(nc, var, id) == NC_NOERR) return RL_OK;
        list_vars(nc, false, names, sizeof names);
        RL_FAIL(st, RL_EINPUT, "init.file '%s' has no variable '%s'; valid init.file_var: %s", path,
                var, names[0] ? names : "(the file has no variables)");
    }
    int nvars = 0, found = 0;
    nc_inq_nvars(nc, &nvars);
    for (int k = 0; k < nvars; k++) {
        if (!numeric_2d(nc, k)) continue;
        *id = k;
        found++;
    }
    if (found == 1) return RL_OK;
    list_vars(nc, true, names, sizeof names);
    RL_FAIL(st, RL_EINPUT,
            "init.file '%s' has %d numeric 2-D variables%s%s; valid: set init.file_var to one "
            "of them",
            path, found, found ? ": " : "", names);
}

/*
** The value unwritten entries read as: the variable's _FillValue, or netCDF's
** default for its type. False if the variable is in no-fill mode (nothing to detect).
*/
static bool fill_value(int nc, int id, double *out)
{
    union {
        signed char b;
        unsigned char ub;
        short s;
        unsigned short us;
        int i;
        unsigned int ui;
        long long ll;
        unsigned long long ull;
        float f;
        double d;
    } v;
    nc_type type;
    int no_fill;
    if (nc_inq_vartype(nc, id, &type) != NC_NOERR ||
        nc_inq_var_fill(nc, id, &no_fill, &v) != NC_NOERR || no_fill)
        return false;
    switch (type) {
    case NC_BYTE:
        *out = v.b;
        return true;
    case NC_UBYTE:
        *out = v.ub;
        return true;
    case NC_SHORT:
        *out = v.s;
        return true;
    case NC_USHORT:
        *out = v.us;
        return true;
    case NC_INT:
        *out = v.i;
        return true;
    case NC_UINT:
        *out = v.ui;
        return true;
    case NC_INT64:
        *out = (double)v.ll;
        return true;
    case NC_UINT64:
        *out = (double)v.ull;
        return true;
    case NC_FLOAT:
        *out = v.f;
        return true;
    case NC_DOUBLE:
        *out = v.d;
        return true;
    default:
        return false;
    }
}

static rl_code nc_matrix(const char *path, int nc, const char *var, int n, double *m, rl_status *st)
{
    int id, dims[2];
    size_t len[2];
    RL_TRY(find_var(path, nc, var, &id, st));
    RL_CHECK(numeric_2d(nc, id), st, RL_EINPUT,
             "init.file '%s': variable '%s' is not a numeric 2-D array; valid: a rows x columns "
             "matrix of numbers",
             path, var);
    int rc = nc_inq_vardimid(nc, id, dims);
    if (rc == NC_NOERR) rc = nc_inq_dimlen(nc, dims[0], &len[0]);
    if (rc == NC_NOERR) rc = nc_inq_dimlen(nc, dims[1], &len[1]);
    RL_CHECK(rc == NC_NOERR, st, RL_EINPUT, "init.file '%s': %s", path, nc_strerror(rc));
    RL_TRY(rl_init_file_shape(path, len[0], len[1], n, st));
    rc = nc_get_var_double(nc, id, m);
    RL_CHECK(rc == NC_NOERR, st, RL_EINPUT, "init.file '%s': reading the matrix: %s", path,
             nc_strerror(rc));
    double fill;
    if (fill_value(nc, id, &fill))
        for (size_t k = 0; k < (size_t)n * (size_t)n; k++)
            RL_CHECK(m[k] != fill, st, RL_EINPUT,
                     "init.file '%s': entry (row %zu, column %zu), counting from 0, is the "
                     "fill value (never written, or missing); valid: every entry written",
                     path, k / (size_t)n, k % (size_t)n);
    return RL_OK;
}

static rl_code read_nc(const char *path, const char *var, int n, double *m, rl_status *st)
{
    int nc, rc = nc_open(path, NC_NOWRITE, &nc);
    RL_CHECK(rc == NC_NOERR, st, RL_EINPUT, "init.file '%s': cannot open as netCDF: %s", path,
             nc_strerror(rc));
    rl_code out = nc_matrix(path, nc, var, n, m, st);
    nc_close(nc);
    return out;
}

/* ---- the generator ---- */

rl_code rl_init_gen_file(const rl_params *p, uint64_t sweep_seed, const double *z, double *w,
                         rl_status *st)
{
    (void)sweep_seed;
    (void)z;
    int n = (int)p->model.hidden;
    const char *path = p->init.file, *fmt = format_of(p);
    double *m = rl_alloc((size_t)n * (size_t)n, sizeof *m, st);
    if (!m) return st->code;
    rl_code rc;
    if (strcmp(fmt, "npy") == 0)
        rc = rl_init_read_npy(path, n, m, st);
    else if (strcmp(fmt, "csv") == 0)
        rc = read_csv(path, n, m, st);
    else
        rc = read_nc(path, p->init.file_var, n, m, st);
    if (rc == RL_OK) rc = check_finite(path, m, n, st);
    for (size_t i = 0; rc == RL_OK && i < (size_t)n; i++)
        for (size_t j = 0; j < (size_t)n; j++)
            w[i * n + j] = p->init.transpose ? m[j * n + i] : m[i * n + j];
    rl_free(m);
    if (rc == RL_OK) rc = rl_init_truncate(w, n, (int)p->init.rank, st);
    return rc;
}
