/*
** test_file.c: the kind file (file.c, npy.c) — connectomes from .npy, .csv, .nc.
** Every file is written by this test into a fresh temporary directory (removed at
** the end), so the round trips are exact: npy float64 and float32 in C and Fortran
** order (format 1.0 and 2.0), CSV with comments, blanks and CRLF, netCDF double and
** float. Then the refusals, each with the message the user would see: wrong shape
** (both shapes named), NaN / Inf (with the index), truncated or over-long .npy,
** bad magic, unsupported dtype, ragged or non-numeric CSV, netCDF fill values.
** Finally the real V1 connectome (198 x 198, pre -> post) if it is present.
*/
#include "initest.h"

#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

enum { N = 5 };

static char dir[64];
static char made[48][128];
static int n_made;

static const char *path_of(const char *name)
{
    if (n_made == (int)(sizeof made / sizeof made[0])) {
        RL_TEST(0, "test setup: more temporary files than made[] holds");
        n_made--; /* reuse the last slot: the test already failed */
    }
    snprintf(made[n_made], sizeof made[0], "%s/%s", dir, name);
    return made[n_made++];
}

static double value(int i, int j)
{
    return sin(7.0 * i + j) * 100.0 + (i == j ? 1e-9 : 0.0);
}

/* ---- writers ---- */

static void put_le(FILE *f, uint64_t v, int bytes)
{
    for (int k = 0; k < bytes; k++)
        fputc((int)((v >> (8 * k)) & 0xff), f);
}

/* A .npy file of m (rows x cols, row-major) as descr '<f8' or '<f4', any order, format major.0. */
static const char *write_npy(const char *name, const char *descr, bool fortran, int rows, int cols,
                             const double *m, int major, const char *header_override)
{
    const char *path = path_of(name);
    char dict[256];
    if (header_override)
        snprintf(dict, sizeof dict, "%s", header_override);
    else
        snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': %s, 'shape': (%d, %d), }",
                 descr, fortran ? "True" : "False", rows, cols);
    size_t pre = major == 1 ? 10 : 12, len = strlen(dict) + 1;
    size_t pad = (64 - (pre + len) % 64) % 64;
    FILE *f = fopen(path, "wb");
    fwrite("\x93NUMPY", 1, 6, f);
    fputc(major, f);
    fputc(0, f);
    put_le(f, len + pad, major == 1 ? 2 : 4);
    fputs(dict, f);
    for (size_t k = 0; k < pad; k++)
        fputc(' ', f);
    fputc('\n', f);
    int item = strcmp(descr, "<f4") == 0 ? 4 : 8;
    for (int a = 0; a < (fortran ? cols : rows); a++)
        for (int b = 0; b < (fortran ? rows : cols); b++) {
            double x = fortran ? m[b * cols + a] : m[a * cols + b];
            uint64_t bits = 0;
            if (item == 8) {
                memcpy(&bits, &x, 8);
            } else {
                float y = (float)x;
                uint32_t b32;
                memcpy(&b32, &y, 4);
                bits = b32;
            }
            put_le(f, bits, item);
        }
    fclose(f);
    return path;
}

static const char *write_text(const char *name, const char *text)
{
    const char *path = path_of(name);
    FILE *f = fopen(path, "wb");
    fputs(text, f);
    fclose(f);
    return path;
}

static void truncate_by(const char *path, long bytes)
{
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    RL_TEST(truncate(path, size - bytes) == 0, "test setup: truncate %s", path);
}

/* ---- loading ---- */

/* Builds kind file from path with norm none; returns the status code, message in st. */
static rl_code load(const char *path, int n, const char *var, bool transpose, double *w,
                    rl_status *st)
{
    rl_params p = params_for("file", n, 1);
    set_param(&p, "init.file", path);
    set_param(&p, "init.norm", "none");
    if (var) set_param(&p, "init.file_var", var);
    p.init.transpose = transpose;
    return rl_init_recurrent(&p, SWEEP_SEED, w, st);
}

/* True if w equals m (or m^T), entry by entry, after rounding m through `as_float`. */
static bool equals(const double *w, const double *m, bool transpose, bool as_float)
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double want = transpose ? m[j * N + i] : m[i * N + j];
            if (as_float) want = (double)(float)want;
            if (w[i * N + j] != want) return false;
        }
    return true;
}

static void round_trip(const char *what, const char *path, const char *var, bool transpose,
                       const double *m, bool as_float)
{
    double w[N * N];
    rl_status st = RL_STATUS_INIT;
    rl_code rc = load(path, N, var, transpose, w, &st);
    RL_TEST(rc == RL_OK && equals(w, m, transpose, as_float), "%s: exact round trip (%s)", what,
            rc == RL_OK ? "read" : st.msg);
}

/* The load fails with RL_EINPUT and a message containing every one of the fragments. */
static void refused(const char *what, const char *path, int n, const char *var, const char *frag1,
                    const char *frag2)
{
    double *w = malloc(sizeof(double) * n * n);
    rl_status st = RL_STATUS_INIT;
    rl_code rc = load(path, n, var, false, w, &st);
    RL_TEST(rc == RL_EINPUT && strstr(st.msg, frag1) && (!frag2 || strstr(st.msg, frag2)) &&
                strstr(st.msg, path),
            "%s is refused, naming the file: \"%s\"", what, st.msg);
    free(w);
}

/* ---- tests ---- */

static void test_npy(const double *m)
{
    round_trip("npy <f8 C order", write_npy("c8.npy", "<f8", false, N, N, m, 1, NULL), NULL, false,
               m, false);
    round_trip("npy <f8 Fortran order", write_npy("f8.npy", "<f8", true, N, N, m, 1, NULL), NULL,
               false, m, false);
    round_trip("npy <f4 C order", write_npy("c4.npy", "<f4", false, N, N, m, 1, NULL), NULL, false,
               m, true);
    round_trip("npy <f4 Fortran order", write_npy("f4.npy", "<f4", true, N, N, m, 1, NULL), NULL,
               false, m, true);
    round_trip("npy format 2.0", write_npy("v2.npy", "<f8", false, N, N, m, 2, NULL), NULL, false,
               m, false);
    round_trip("npy with init.transpose (pre -> post file): W = M^T",
               write_npy("t.npy", "<f8", false, N, N, m, 1, NULL), NULL, true, m, false);

    static double big[200 * 199];
    refused("a 200 x 199 .npy for model.hidden = 200",
            write_npy("wide.npy", "<f8", false, 200, 199, big, 1, NULL), 200, NULL,
            "holds a 200 x 199 matrix", "needs 200 x 200");
    double nan_m[N * N];
    memcpy(nan_m, m, sizeof nan_m);
    nan_m[2 * N + 3] = NAN;
    refused("a NaN at (2, 3)", write_npy("nan.npy", "<f8", false, N, N, nan_m, 1, NULL), N, NULL,
            "entry (row 2, column 3)", "nan");
    const char *cut = write_npy("cut.npy", "<f8", false, N, N, m, 1, NULL);
    truncate_by(cut, 8);
    refused("a truncated .npy (8 bytes short)", cut, N, NULL, "is truncated", "needs 200 data");
    const char *cut_header = write_npy("cuthead.npy", "<f8", false, N, N, m, 1, NULL);
    truncate_by(cut_header, 8 * N * N + 20);
    refused("a .npy cut inside its header", cut_header, N, NULL, "is truncated", "header");
    const char *longer = write_npy("long.npy", "<f8", false, N, N, m, 1, NULL);
    FILE *f = fopen(longer, "ab");
    fputs("junk", f);
    fclose(f);
    refused("a .npy with bytes after the data", longer, N, NULL, "longer than its header", NULL);
    refused("a file without the .npy magic", write_text("magic.npy", "NUMPY!\x01\x01 garbage here"),
            N, NULL, "not a .npy file", NULL);
    refused("dtype '>f8'", write_npy("be.npy", ">f8", false, N, N, m, 1, NULL), N, NULL,
            "dtype '>f8' is not supported", "'<f4' or '<f8'");
    refused("dtype '<i8'", write_npy("i8.npy", "<i8", false, N, N, m, 1, NULL), N, NULL,
            "dtype '<i8'", NULL);
    refused("a 3-D array",
            write_npy("3d.npy", "<f8", false, N, N, m, 1,
                      "{'descr': '<f8', 'fortran_order': False, 'shape': (5, 5, 1), }"),
            N, NULL, "3 dimensions", NULL);
    refused("a header without 'shape'",
            write_npy("noshape.npy", "<f8", false, N, N, m, 1,
                      "{'descr': '<f8', 'fortran_order': False, }"),
            N, NULL, "missing one of", NULL);
    refused("a header with an unknown key",
            write_npy("key.npy", "<f8", false, N, N, m, 1,
                      "{'descr': '<f8', 'fortran_order': False, 'shape': (5, 5), 'x': 1}"),
            N, NULL, "unknown key", NULL);
    refused("a repeated key",
            write_npy("twice.npy", "<f8", false, N, N, m, 1,
                      "{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (5, 5)}"),
            N, NULL, "appears twice", NULL);
    refused("format version 4.0", write_npy("v4.npy", "<f8", false, N, N, m, 4, NULL), N, NULL,
            "version 4.0 is not known", NULL);
}

static void test_csv(const double *m)
{
    char text[4096];
    size_t used = (size_t)snprintf(text, sizeof text, "# a connectome, rows = post\r\n\n");
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < N; j++)
            used += (size_t)snprintf(text + used, sizeof text - used, "%s%.17g",
                                     j == 0 ? "" : (i % 2 ? ", " : " "), m[i * N + j]);
        used += (size_t)snprintf(text + used, sizeof text - used, "\r\n");
    }
    round_trip("csv with a comment, a blank line, CRLF, commas and blanks",
               write_text("m.csv", text), NULL, false, m, false);

    rl_params p = params_for("file", N, 1);
    set_param(&p, "init.file", write_text("m.txt", text));
    set_param(&p, "init.norm", "none");
    set_param(&p, "init.file_format", "csv");
    double w[N * N];
    rl_status st = RL_STATUS_INIT;
    RL_TEST(rl_init_recurrent(&p, SWEEP_SEED, w, &st) == RL_OK && equals(w, m, false, false),
            "init.file_format csv reads a .txt file");

    refused("a ragged CSV", write_text("ragged.csv", "1,2,3,4,5\n1,2,3,4,5\n1,2,3,4\n"), N, NULL,
            "line 3 has 4 fields but line 1 has 5", NULL);
    refused("a CSV with a header row", write_text("head.csv", "pre,b,c,d,e\n1,2,3,4,5\n"), N, NULL,
            "line 1, field 1: 'pre' is not a number", NULL);
    refused("a CSV with '1.5.2' (not two numbers)", write_text("dots.csv", "1,2,1.5.2,4,5\n"), N,
            NULL, "field 3: '1.5.2' is not a number", NULL);
    refused("a CSV with an empty field", write_text("empty.csv", "1,,3,4,5\n"), N, NULL,
            "line 1, field 2 is empty", NULL);
    refused("a CSV with Inf",
            write_text("inf.csv", "1,2,3,4,5\n1,2,3,4,5\n1,2,3,4,5\n1,2,3,inf,5\n1,2,3,4,5\n"), N,
            NULL, "entry (row 3, column 3)", "inf");
    refused("a 2 x 5 CSV", write_text("short.csv", "1,2,3,4,5\n1,2,3,4,5\n"), N, NULL,
            "holds a 2 x 5 matrix", "needs 5 x 5");
    refused("a missing file", path_of("absent.csv"), N, NULL, "cannot open", NULL);
    const char *sub = path_of("sub.csv");
    RL_TEST(mkdir(sub, 0700) == 0, "test setup: mkdir %s", sub);
    refused("a directory named like a CSV", sub, N, NULL, "not a regular file", NULL);
}

static const char *write_nc(const char *name, const char *var2, nc_type type, bool partial,
                            const double *m)
{
    const char *path = path_of(name);
    int nc, dims[2], id, id2, ids;
    nc_create(path, NC_CLOBBER | NC_NETCDF4, &nc);
    nc_def_dim(nc, "post", N, &dims[0]);
    nc_def_dim(nc, "pre", N, &dims[1]);
    nc_def_var(nc, "conn", type, 2, dims, &id);
    nc_def_var(nc, "ids", NC_INT, 1, dims, &ids);
    if (var2) nc_def_var(nc, var2, NC_DOUBLE, 2, dims, &id2);
    nc_enddef(nc);
    size_t start[2] = {0, 0}, count[2] = {partial ? 1 : N, N};
    nc_put_vara_double(nc, id, start, count, m);
    if (var2) nc_put_var_double(nc, id2, m);
    nc_close(nc);
    return path;
}

static void test_netcdf(const double *m)
{
    round_trip("netCDF double variable, init.file_var auto (the only 2-D one)",
               write_nc("d.nc", NULL, NC_DOUBLE, false, m), NULL, false, m, false);
    round_trip("netCDF float variable named by init.file_var",
               write_nc("f.nc", NULL, NC_FLOAT, false, m), "conn", false, m, true);
    const char *two = write_nc("two.nc", "other", NC_DOUBLE, false, m);
    refused("auto with two 2-D variables", two, N, NULL, "2 numeric 2-D variables: conn, other",
            NULL);
    refused("an init.file_var the file lacks", two, N, "nope", "no variable 'nope'",
            "conn, ids, other");
    refused("a 1-D init.file_var", two, N, "ids", "not a numeric 2-D array", NULL);
    refused("a netCDF matrix with unwritten entries", write_nc("fill.nc", NULL, NC_DOUBLE, true, m),
            N, NULL, "entry (row 1, column 0)", "fill value");
    refused("a .nc that is not netCDF", write_text("bad.nc", "hello"), N, NULL,
            "cannot open as netCDF", NULL);
}

static void test_check_and_norm(const double *m)
{
    rl_params p = params_for("file", N, 1);
    rl_status st = RL_STATUS_INIT;
    RL_TEST(rl_init_check(&p, &st) == RL_EINPUT && strstr(st.msg, "needs init.file"),
            "kind file without init.file is refused: \"%s\"", st.msg);
    set_param(&p, "init.file", "matrix.dat");
    rl_status st2 = RL_STATUS_INIT;
    RL_TEST(rl_init_check(&p, &st2) == RL_EINPUT && strstr(st2.msg, "init.file_format"),
            "an unknown extension asks for init.file_format: \"%s\"", st2.msg);

    p = params_for("file", N, 1);
    set_param(&p, "init.file", made[0]); /* c8.npy */
    double w[N * N];
    double *z = stream_z(&p);
    rl_status st3 = RL_STATUS_INIT;
    rl_init_recurrent(&p, SWEEP_SEED, w, &st3);
    double want = p.init.gain * frob(z, N * N) / sqrt(N);
    RL_TEST(fabs(frob(w, N * N) / want - 1) <= 1e-12 && fabs(w[7] / w[3] - m[7] / m[3]) <= 1e-14,
            "file, norm frobenius: the matrix is scaled to ||W0||_F of its seed (1e-12 rel)");
    free(z);
}

static void test_v1(void)
{
    const char *v1 = "/work/shared/data/v1dd_l23_l4_198.npy";
    if (access(v1, R_OK) != 0) {
        rl_test_skip_part("the V1 connectome /work/shared/data/v1dd_l23_l4_198.npy is absent "
                          "(its loading checks)");
        return;
    }
    enum { V = 198 };
    double *w = malloc(sizeof(double) * V * V), *raw = malloc(sizeof(double) * V * V);
    rl_status st = RL_STATUS_INIT;
    rl_code rc = load(v1, V, NULL, true, w, &st);
    /* The file's own bytes: '<f8', C order; the header length sits at bytes 8-9. */
    FILE *f = fopen(v1, "rb");
    unsigned char pre[10];
    size_t got = fread(pre, 1, 10, f);
    fseek(f, 10 + pre[8] + 256 * pre[9], SEEK_SET);
    got += fread(raw, sizeof(double), V * V, f);
    fclose(f);
    bool same = rc == RL_OK && got == 10 + V * V;
    for (int i = 0; same && i < V; i++)
        for (int j = 0; j < V; j++)
            same = same && w[i * V + j] == raw[j * V + i];
    RL_TEST(same, "V1 connectome loads with N = 198 and init.transpose: W = file^T (%s)",
            rc == RL_OK ? "exact" : st.msg);
    double *w2 = malloc(sizeof(double) * 200 * 200);
    rl_status st2 = RL_STATUS_INIT;
    RL_TEST(load(v1, 200, NULL, true, w2, &st2) == RL_EINPUT &&
                strstr(st2.msg, "198 x 198 matrix, but model.hidden = 200"),
            "V1 with model.hidden = 200 is refused: \"%s\"", st2.msg);
    free(w2);
    free(w);
    free(raw);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/rl_init_XXXXXX", tmp && strlen(tmp) < 40 ? tmp : "/tmp");
    if (!mkdtemp(dir)) return rl_test_skip("cannot create a temporary directory");
    double m[N * N];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            m[i * N + j] = value(i, j);
    test_npy(m);
    test_csv(m);
    test_netcdf(m);
    test_check_and_norm(m);
    test_v1();
    for (int k = 0; k < n_made; k++)
        if (unlink(made[k]) != 0) rmdir(made[k]); /* sub.csv is a directory */
    RL_TEST(rmdir(dir) == 0, "temporary directory %s removed", dir);
    return rl_test_done();
}
