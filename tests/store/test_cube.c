/*
** test_cube.c: the netCDF cube (store.h invariants 2 and 3): a snapshot
** replaces OUT.nc atomically and leaves no temporary file; values read back
** bitwise; unfinished cells hold the fill value while `status` tells diverged
** NaNs apart; two snapshots of the same journal give the same data; the status
** reader takes the journal when it is newer; and xarray opens the file as a
** labelled cube (check_cube.py, skipped if xarray is missing).
** Usage: test_cube [check_cube.py]
*/
#include "fixture.h"
#include "rltest.h"

#include <netcdf.h>
#include <sys/wait.h>
#include <time.h>

#define KA RL_MEASURE_kernel_alignment

/* fixture_store: items 0 done, 1 diverged, 2 failed, 3 in flight; 4, 5 untouched. */
static rl_store *make_store(const char *nc, const rl_store_layout *lay)
{
    rl_status st = RL_STATUS_INIT;
    rl_store *s = fixture_store(nc, lay, &st);
    RL_TEST(s && st.code == RL_OK, "store with 3 results snapshotted (%s)", st.msg);
    return s;
}

static void read_doubles(int ncid, const char *name, double *out)
{
    int var;
    RL_TEST(nc_inq_varid(ncid, name, &var) == NC_NOERR &&
                nc_get_var_double(ncid, var, out) == NC_NOERR,
            "variable %s read back", name);
}

static void test_values(const char *nc)
{
    int ncid, var;
    double ka[6];
    float curve[6 * 5];
    RL_TEST(nc_open(nc, NC_NOWRITE, &ncid) == NC_NOERR, "OUT.nc opens with netcdf-c");
    read_doubles(ncid, "kernel_alignment", ka);
    RL_TEST(ka[0] == 1000.0 * 0 + KA + 1.0 / 3, "done cell: value bitwise as journaled");
    RL_TEST(isnan(ka[1]), "diverged cell: NaN as reported by the training");
    RL_TEST(ka[2] == 1000.0 * 2 + KA + 1.0 / 3, "failed cell: what the training reported");
    RL_TEST(ka[3] == NC_FILL_DOUBLE && ka[5] == NC_FILL_DOUBLE,
            "in-flight and untouched cells hold the _FillValue %g", NC_FILL_DOUBLE);
    nc_inq_varid(ncid, "loss_curve", &var);
    nc_get_var_float(ncid, var, curve);
    RL_TEST(curve[4] == 1.0f / 5 && curve[5 + 1] == 2.0f / 2 && curve[5 + 2] == NC_FILL_FLOAT,
            "loss_curve: 5 records of item 0, 2 of item 1 then fill");
    signed char status[6];
    nc_inq_varid(ncid, "status", &var);
    nc_get_var_schar(ncid, var, status);
    RL_TEST(status[0] == 1 && status[1] == 2 && status[2] == 3 && status[3] == 0 && status[5] == 0,
            "status = done, diverged, failed, pending, ..., pending");
    int sizes[4] = {0};
    size_t n = 0;
    RL_TEST(nc_inq_attlen(ncid, NC_GLOBAL, "mpi_sizes", &n) == NC_NOERR && n == 1 &&
                nc_get_att_int(ncid, NC_GLOBAL, "mpi_sizes", sizes) == NC_NOERR && sizes[0] == 3,
            "global mpi_sizes = [3] (one session of 3 ranks)");
    char hash[65] = "";
    RL_TEST(nc_get_att_text(ncid, NC_GLOBAL, "spec_hash", hash) == NC_NOERR && strlen(hash) == 64,
            "global spec_hash present");
    nc_close(ncid);
}

static void test_idempotent(rl_store *s, const char *nc)
{
    rl_status st = RL_STATUS_INIT;
    double a[6], b[6];
    int ncid;
    nc_open(nc, NC_NOWRITE, &ncid);
    read_doubles(ncid, "weight_change", a);
    nc_close(ncid);
    rl_store_snapshot(s, &st);
    nc_open(nc, NC_NOWRITE, &ncid);
    read_doubles(ncid, "weight_change", b);
    nc_close(ncid);
    RL_TEST(st.code == RL_OK && memcmp(a, b, sizeof a) == 0,
            "a second snapshot of the same journal writes the same values (invariant 3)");
}

static void test_view(rl_store *s, const char *nc)
{
    rl_status st = RL_STATUS_INIT;
    rl_store_view *v = NULL;
    char tmp[160];
    snprintf(tmp, sizeof tmp, "%s.tmp", nc);
    RL_TEST(access(tmp, F_OK) != 0, "no OUT.nc.tmp left after snapshots");
    RL_TEST(rl_store_view_open(nc, &v, &st) == RL_OK && strstr(v->source, ".journal") == NULL,
            "status reader takes OUT.nc when it is newer than the journal");
    if (v) {
        RL_TEST(v->ndims == 2 && v->nitems == 6 && strcmp(v->labels[0][1], "dms") == 0 &&
                    strcmp(v->labels[1][1], "1") == 0,
                "view from OUT.nc: 2 axes, 6 items, labels dms and 1");
        RL_TEST(v->status[2] == RL_ITEM_FAILED && strcmp(v->reasons[2], "bad data file 2") == 0 &&
                    v->attempts[3] == 1 && strcmp(v->ids[5], "c300000000000001") == 0,
                "view from OUT.nc: failure reason, attempts and ids");
        rl_store_view_destroy(&v);
    }
    rl_result r;
    fixture_result(&r, 4, RL_ITEM_DONE);
    nanosleep(&(struct timespec){0, 10000000}, NULL); /* mtime granularity */
    rl_store_add_result(s, &r, &st);
    rl_store_commit(s, &st);
    RL_TEST(rl_store_view_open(nc, &v, &st) == RL_OK && strstr(v->source, ".journal") != NULL,
            "status reader takes the journal once it is newer");
    if (v) {
        RL_TEST(v->status[4] == RL_ITEM_DONE && v->in_flight[3] && !v->in_flight[0] &&
                    strcmp(v->labels[0][2], "cxt") == 0,
                "view from the journal: the new result, item 3 in flight, labels");
        rl_store_view_destroy(&v);
    }
}

static void test_xarray(const char *script, const char *nc)
{
    char cmd[1024];
    if (!script) return;
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' '%s'", script, nc);
    int rc = access("/usr/bin/python3", X_OK) == 0 ? system(cmd) : -1;
    if (rc == -1 || (WIFEXITED(rc) && WEXITSTATUS(rc) == 77)) {
        rl_test_skip_part("xarray checks of the cube: /usr/bin/python3 with xarray not found "
                          "(apt-get install python3-xarray python3-netcdf4)");
        return;
    }
    RL_TEST(WIFEXITED(rc) && WEXITSTATUS(rc) == 0,
            "xarray.open_dataset gives the labelled cube (check_cube.py)");
}

/* A fresh store DIR/NAME on the 2-seed fixture layout (f keeps the layout alive). */
static rl_store *open_fresh(const char *dir, const char *name, fixture *f, char *nc, size_t cap,
                            rl_status *st)
{
    rl_store *s = NULL;
    fixture_init(f, 2, "0.003");
    snprintf(nc, cap, "%s/%s", dir, name);
    rl_store_open(nc, &f->lay, 1, &s, NULL, st);
    return s;
}

static void test_wide_curve(const char *dir)
{
    /* A training that reports more records than the layout expected widens `record`. */
    fixture f;
    char nc[160];
    rl_status st = RL_STATUS_INIT;
    rl_result r;
    int ncid, dim;
    size_t len = 0;
    rl_store *s = open_fresh(dir, "wide.nc", &f, nc, sizeof nc, &st);
    fixture_result(&r, 0, RL_ITEM_DONE);
    r.n_curve = 9;
    rl_store_add_result(s, &r, &st);
    rl_store_snapshot(s, &st);
    rl_store_close(&s);
    nc_open(nc, NC_NOWRITE, &ncid);
    nc_inq_dimid(ncid, "record", &dim);
    nc_inq_dimlen(ncid, dim, &len);
    nc_close(ncid);
    RL_TEST(st.code == RL_OK && len == 9, "record dimension widened to 9 (layout said 5)");
}

/* Kernel curves: absent from a sweep that records none; present, with NaN between records. */
static void test_kernel_curves(const char *dir)
{
    fixture f;
    char nc[160];
    rl_status st = RL_STATUS_INIT;
    rl_result r;
    int ncid, var;
    float got[6 * 5]; /* 3 tasks x 2 seeds, 5 records */
    rl_store *s = open_fresh(dir, "kcurve.nc", &f, nc, sizeof nc, &st);
    rl_store_snapshot(s, &st);
    nc_open(nc, NC_NOWRITE, &ncid);
    int absent = nc_inq_varid(ncid, "kernel_task_alignment_curve", &var) == NC_ENOTVAR &&
                 nc_inq_varid(ncid, "loss_curve", &var) == NC_NOERR;
    nc_close(ncid);
    RL_TEST(st.code == RL_OK && absent,
            "no item records kernel curves: the file has loss_curve and no kernel curve variable");
    fixture_result(&r, 1, RL_ITEM_DONE);
    r.curve[RL_CURVE_kernel_task_alignment_curve][1] = 0.25f;
    r.curve[RL_CURVE_kernel_task_alignment_curve][3] = 0.5f;
    rl_store_add_result(s, &r, &st);
    rl_store_snapshot(s, &st);
    rl_store_close(&s);
    nc_open(nc, NC_NOWRITE, &ncid);
    int ok = nc_inq_varid(ncid, "kernel_task_alignment_curve", &var) == NC_NOERR &&
             nc_get_var_float(ncid, var, got) == NC_NOERR;
    int others = nc_inq_varid(ncid, "kernel_alignment_curve", &var) == NC_ENOTVAR;
    nc_close(ncid);
    RL_TEST(st.code == RL_OK && ok && got[5 + 1] == 0.25f && got[5 + 3] == 0.5f &&
                isnan(got[5 + 0]) && isnan(got[5 + 2]) && got[0] == NC_FILL_FLOAT,
            "an item's kernel curve is written with NaN between its records, fill elsewhere");
    RL_TEST(others, "curves no item recorded stay out of the file");
}

/* The text attribute `att` of variable `name` ("" for a global one) into buf, or "". */
static void read_att(int ncid, const char *name, const char *att, char *buf, size_t cap)
{
    int var = NC_GLOBAL;
    size_t len = 0;
    buf[0] = '\0';
    if ((name[0] && nc_inq_varid(ncid, name, &var) != NC_NOERR) ||
        nc_inq_attlen(ncid, var, att, &len) != NC_NOERR || len >= cap ||
        nc_get_att_text(ncid, var, att, buf) != NC_NOERR)
        return;
    buf[len] = '\0';
}

static void test_metadata(const char *dir)
{
    /* CF and ACDD: what `ncdump -h` and xarray's plot labels show. */
    fixture f;
    char nc[160], text[512];
    rl_status st = RL_STATUS_INIT;
    int ncid;
    rl_store *s = open_fresh(dir, "meta.nc", &f, nc, sizeof nc, &st);
    rl_store_snapshot(s, &st);
    rl_store_close(&s);
    nc_open(nc, NC_NOWRITE, &ncid);
    bool short_names = true, comments = true;
    for (int m = 0; m < RL_NMEASURES; m++) {
        const char *name = rl_measure_get((rl_measure)m)->name;
        read_att(ncid, name, "long_name", text, sizeof text);
        short_names &= text[0] && strlen(text) <= 60 && !strchr(text, '\n') &&
                       strcmp(text, rl_measure_title((rl_measure)m, false)) == 0;
        read_att(ncid, name, "comment", text, sizeof text);
        comments &= strcmp(text, rl_measure_comment((rl_measure)m)) == 0 && text[0];
    }
    for (int c = 0; c < RL_NCURVES; c++)
        short_names &= rl_curve_title((rl_curve)c) != NULL;
    RL_TEST(short_names, "every measure's long_name is its short title (one line, <= 60 bytes); "
                         "every curve has one");
    RL_TEST(comments, "... and its formula is in `comment`");
    read_att(ncid, "diverged_step", "comment", text, sizeof text);
    RL_TEST(strstr(text, "NaN") != NULL, "diverged_step says it holds NaN when never diverged");
    read_att(ncid, "wall_seconds", "long_name", text, sizeof text);
    RL_TEST(strcmp(text, "wall-clock time of the item") == 0, "wall_seconds has a long_name");
    read_att(ncid, "task", "long_name", text, sizeof text);
    RL_TEST(strcmp(text, rl_params_find("task.name")->label) == 0,
            "an axis's long_name is its parameter's label ('%s'), not 'sweep axis'", text);
    read_att(ncid, "", "history", text, sizeof text);
    RL_TEST(strstr(text, "Z: richlazy run on 1 rank") != NULL, "history: one line per run (%s)",
            text);
    read_att(ncid, "", "date_created", text, sizeof text);
    RL_TEST(strlen(text) == 20 && text[10] == 'T' && text[19] == 'Z', "date_created %s", text);
    read_att(ncid, "", "Conventions", text, sizeof text);
    RL_TEST(strcmp(text, "CF-1.8, ACDD-1.3") == 0, "Conventions: CF-1.8, ACDD-1.3");
    read_att(ncid, "loss_curve", "coordinates", text, sizeof text);
    RL_TEST(strcmp(text, "iteration") == 0, "the curves name `iteration` as their coordinate");
    nc_close(ncid);

    f.lay.models = 2u; /* a sweep of the linear network only: its words */
    snprintf(nc, sizeof nc, "%s/meta_linear2.nc", dir);
    rl_store_open(nc, &f.lay, 1, &s, NULL, &st);
    rl_store_snapshot(s, &st);
    rl_store_close(&s);
    nc_open(nc, NC_NOWRITE, &ncid);
    read_att(ncid, "weight_change", "long_name", text, sizeof text);
    nc_close(ncid);
    RL_TEST(st.code == RL_OK && strstr(text, "W1") && !strstr(text, "W_h"),
            "a linear2 sweep's weight change names W1: '%s'", text);
}

int main(int argc, char **argv)
{
    char dir[64], nc[128], journal[160];
    fixture f;
    fixture_init(&f, 2, "0.003");
    fixture_dir(dir, sizeof dir, nc, journal);
    rl_store *s = make_store(nc, &f.lay);
    if (s) {
        test_values(nc);
        test_idempotent(s, nc);
        test_xarray(argc > 1 ? argv[1] : NULL, nc);
        test_view(s, nc);
        rl_store_close(&s);
    }
    test_wide_curve(dir);
    test_kernel_curves(dir);
    test_metadata(dir);
    fixture_rmdir(dir);
    return rl_test_done();
}
