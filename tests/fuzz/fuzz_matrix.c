/*
** fuzz_matrix.c: libFuzzer target for the connectome readers behind init.kind file
** (module: init): .npy, .csv and netCDF, through rl_init_recurrent as a sweep uses
** them. Input: byte 0 picks the format (npy, csv, nc), byte 1 the size n = 1 .. 8 of
** the matrix model.hidden asks for, the rest is the file. Contract checked on every
** input, beyond "no crash, no leak, no undefined behaviour" (ASan, UBSan): success
** gives n x n finite weights; a failure is RL_EINPUT (the user's file is bad, exit 2)
** with one message naming init.file; never an allocation failure, which a hostile
** header must not be able to cause.
** Built only with -Dfuzz=true (CC=clang), see meson.build.
*/
#include "fuzzfile.h"

#include <math.h>
#include <string.h>

#include "richlazy/init.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const formats[3] = {"npy", "csv", "nc"};
    if (size < 2) return 0;
    int n = 1 + data[1] % 8;
    char hidden[8];
    snprintf(hidden, sizeof hidden, "%d", n);
    fuzz_file f;
    fuzz_file_open(&f, data + 2, size - 2);
    rl_params p;
    rl_params_defaults(&p);
    fuzz_set(&p, "model.hidden", hidden);
    fuzz_set(&p, "init.kind", "file");
    fuzz_set(&p, "init.file", f.path);
    fuzz_set(&p, "init.file_format", formats[data[0] % 3]);
    fuzz_set(&p, "init.norm", "none"); /* the file's values as they are: the reader alone */
    double w[64];
    rl_status st = RL_STATUS_INIT;
    rl_code rc = rl_init_recurrent(&p, 1, w, &st);
    if (rc == RL_OK) {
        for (int k = 0; k < n * n; k++)
            if (!isfinite(w[k])) __builtin_trap();
    } else if (rc != RL_EINPUT || st.code != rc || !strstr(st.msg, "init.file")) {
        __builtin_trap();
    }
    fuzz_file_close(&f);
    return 0;
}
