/*
** fuzz_idx.c: libFuzzer target for the IDX reader of task smnist (module: task),
** through rl_task_create as an item uses it. Input: bytes 0-1 (little-endian) cut
** the rest into the images file and the labels file, each plain or gzipped as the
** fuzzer makes it. Contract checked on every input, beyond "no crash, no leak, no
** undefined behaviour" (ASan, UBSan): success gives a task whose probe set fills;
** a failure is RL_EINPUT with one message naming task.images or task.labels — a
** header that promises more than the file holds is bad input (exit 2), never an
** allocation failure (exit 1).
** Built only with -Dfuzz=true (CC=clang), see meson.build.
*/
#include "fuzzfile.h"

#include <string.h>

#include "richlazy/task.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    size_t cut = (size_t)data[0] | (size_t)data[1] << 8;
    size_t rest = size - 2, n_images = cut < rest ? cut : rest;
    fuzz_file images, labels;
    fuzz_file_open(&images, data + 2, n_images);
    fuzz_file_open(&labels, data + 2 + n_images, rest - n_images);
    rl_params p;
    rl_params_defaults(&p);
    fuzz_set(&p, "task.name", "smnist");
    fuzz_set(&p, "task.images", images.path);
    fuzz_set(&p, "task.labels", labels.path);
    fuzz_set(&p, "task.train_size", "1");
    fuzz_set(&p, "probe.trials", "1");
    fuzz_set(&p, "probe.kernel_trials", "1"); /* <= probe.trials, a limit rl_task_create checks */
    rl_status st = RL_STATUS_INIT;
    rl_task *t = NULL;
    rl_code rc = rl_task_create(&p, &t, &st);
    if (rc == RL_OK) {
        rl_task_shape shape = rl_task_get_shape(t);
        rl_batch b;
        if (rl_batch_create(&shape, 1, &b, &st) != RL_OK ||
            rl_task_fill_probe(t, 1, &b, &st) != RL_OK)
            __builtin_trap();
        rl_batch_destroy(&b);
    } else if (rc != RL_EINPUT || st.code != rc || t ||
               (!strstr(st.msg, "task.images") && !strstr(st.msg, "task.labels"))) {
        __builtin_trap();
    }
    rl_task_destroy(&t);
    fuzz_file_close(&images);
    fuzz_file_close(&labels);
    return 0;
}
