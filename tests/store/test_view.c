/*
** test_view.c: what `richlazy report` reads through the view (src/store/view.c),
** the cli's only way into a results file: rl_store_check_results refuses what is
** not a results file with the reason, rl_store_view_measure gives a measure's
** values bitwise with the fill value (never finished) and a diverged NaN both as
** NaN, and refuses an OUT.nc whose cube a newer journal has outgrown; each axis
** carries the parameter paths it sets.
*/
#include "fixture.h"
#include "rltest.h"

#include <netcdf.h>
#include <time.h>

#define KA RL_MEASURE_kernel_alignment

/* rl_store_check_results on path: its code, and whether the message holds `words`. */
static void check_refused(const char *path, const char *words, const char *what)
{
    rl_status st = RL_STATUS_INIT;
    rl_code rc = rl_store_check_results(path, &st);
    RL_TEST(rc == RL_EINPUT && strstr(st.msg, words) != NULL, "%s refused (RL_EINPUT): %s", what,
            st.msg);
}

static void test_check(const char *dir, const char *nc)
{
    char junk[160], other[160], missing[160];
    rl_status st = RL_STATUS_INIT;
    RL_TEST(rl_store_check_results(nc, &st) == RL_OK, "a snapshot is a results file (%s)", st.msg);
    snprintf(junk, sizeof junk, "%s/junk.nc", dir);
    snprintf(other, sizeof other, "%s/other.nc", dir);
    snprintf(missing, sizeof missing, "%s/missing.nc", dir);
    FILE *fp = fopen(junk, "w");
    if (fp) fputs("not netCDF\n", fp), fclose(fp);
    int ncid, dim, var;
    bool made = nc_create(other, NC_NETCDF4 | NC_CLOBBER, &ncid) == NC_NOERR &&
                nc_def_dim(ncid, "a", 1, &dim) == NC_NOERR &&
                nc_def_var(ncid, "x", NC_DOUBLE, 1, &dim, &var) == NC_NOERR &&
                nc_close(ncid) == NC_NOERR;
    RL_TEST(made, "another netCDF file written (one variable x)");
    check_refused(missing, "cannot open", "a missing file");
    check_refused(junk, "cannot open", "a file that is not netCDF");
    check_refused(other, "not a richlazy results file", "a netCDF file without `status`");
}

static void test_measures(const char *nc)
{
    rl_status st = RL_STATUS_INIT;
    rl_store_view *v = NULL;
    double *ka = NULL;
    RL_TEST(rl_store_view_open(nc, &v, &st) == RL_OK, "view opens (%s)", st.msg);
    if (!v) return;
    RL_TEST(strcmp(v->nc_path, nc) == 0 && strcmp(v->dim_params[0], "task.name") == 0 &&
                strcmp(v->dim_params[1], "seed") == 0,
            "the view names OUT.nc and each axis's parameters (task.name, seed)");
    RL_TEST(rl_store_view_measure(v, KA, &ka, &st) == RL_OK && ka, "kernel_alignment read (%s)",
            st.msg);
    if (ka) {
        RL_TEST(ka[0] == 1000.0 * 0 + KA + 1.0 / 3 && ka[2] == 1000.0 * 2 + KA + 1.0 / 3,
                "done and failed cells: the values as journaled, bitwise");
        RL_TEST(isnan(ka[1]) && v->status[1] == RL_ITEM_DIVERGED,
                "diverged cell: NaN, told apart by status");
        RL_TEST(isnan(ka[3]) && isnan(ka[4]) && isnan(ka[5]) && v->status[3] == RL_ITEM_PENDING &&
                    v->status[5] == RL_ITEM_PENDING,
                "cells never finished (in flight, untouched): the fill value reads as NaN");
    }
    rl_free(ka);
    rl_store_view_destroy(&v);
}

/* A spec that gained a seed: the journal (9 items) is ahead of OUT.nc (6). */
static void test_outgrown(const char *nc)
{
    fixture b;
    rl_status st = RL_STATUS_INIT;
    rl_store *s = NULL;
    rl_store_view *v = NULL;
    double *ka = NULL;
    fixture_init(&b, 3, "0.003");
    nanosleep(&(struct timespec){0, 10000000}, NULL); /* mtime granularity */
    rl_store_open(nc, &b.lay, 1, &s, NULL, &st);
    rl_store_close(&s);
    RL_TEST(rl_store_view_open(nc, &v, &st) == RL_OK && v->nitems == 9 &&
                strstr(v->source, ".journal") != NULL,
            "after extending, the view reads the journal's 9 items (%s)", st.msg);
    if (!v) return;
    rl_code rc = rl_store_view_measure(v, KA, &ka, &st);
    RL_TEST(rc == RL_EINPUT && !ka && strstr(st.msg, "describe different cubes") != NULL,
            "measures of the 6-item OUT.nc for the 9-item view: refused (%s)", st.msg);
    rl_store_view_destroy(&v);
}

/* Only the journal: the view opens, without axis parameters; measures need OUT.nc. */
static void test_journal_only(const char *nc)
{
    rl_status st = RL_STATUS_INIT;
    rl_store_view *v = NULL;
    double *ka = NULL;
    RL_TEST(remove(nc) == 0, "OUT.nc removed, the journal kept");
    RL_TEST(rl_store_view_open(nc, &v, &st) == RL_OK, "view opens from the journal (%s)", st.msg);
    if (!v) return;
    RL_TEST(strcmp(v->dim_params[0], "") == 0 && strcmp(v->dim_params[1], "") == 0,
            "without OUT.nc the axes' parameters are empty, not NULL");
    rl_code rc = rl_store_view_measure(v, KA, &ka, &st);
    RL_TEST(rc == RL_EINPUT && !ka && strstr(st.msg, "cannot open") != NULL,
            "measures without OUT.nc: refused (%s)", st.msg);
    rl_store_view_destroy(&v);
}

int main(void)
{
    char dir[64], nc[128], journal[160];
    fixture f;
    fixture_init(&f, 2, "0.003");
    fixture_dir(dir, sizeof dir, nc, journal);
    setenv("HDF5_USE_FILE_LOCKING", "FALSE", 0);
    rl_status st = RL_STATUS_INIT;
    rl_store *s = fixture_store(nc, &f.lay, &st); /* 0 done, 1 diverged, 2 failed, 3 in flight */
    RL_TEST(s && st.code == RL_OK, "a store with 3 results, snapshotted (%s)", st.msg);
    rl_store_close(&s);
    test_check(dir, nc);
    test_measures(nc);
    test_outgrown(nc);
    test_journal_only(nc);
    fixture_rmdir(dir);
    return rl_test_done();
}
