/*
** fuzz_spec.c: libFuzzer target for the spec reader (module: spec).
** Feeds arbitrary bytes to rl_spec_load_string and checks its contract on
** every input, beyond "no crash, no leak, no undefined behaviour" (ASan,
** UBSan): a failure returns no spec and one message naming the input; a
** success has a 64-hex hash, and its items (the first few and the last)
** resolve and list. Built only with -Dfuzz=true (CC=clang), see meson.build.
*/
#include "richlazy/spec.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ITEMS_CHECKED 64 /* items resolved per input: enough to reach overrides and zips */

static void check_loaded(const rl_spec *s)
{
    char line[4096];
    rl_item last;
    if (strlen(rl_spec_hash(s)) != 64 || !rl_spec_canonical(s) || rl_spec_nitems(s) == 0)
        __builtin_trap();
    for (int d = 0; d < rl_spec_ndims(s); d++)
        if (rl_spec_dim(s, d)->size < 1) __builtin_trap();
    size_t n = rl_spec_nitems(s);
    for (size_t i = 0; i < n && i < ITEMS_CHECKED; i++) {
        const rl_item *it = rl_spec_item(s, i);
        if (!it || it->index != i || strlen(it->id) != 16) __builtin_trap();
        rl_spec_format_item(it, line, sizeof line);
    }
    rl_spec_fill_item(s, n - 1, &last);
    if (last.index != n - 1) __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rl_status st = RL_STATUS_INIT;
    rl_spec *s = NULL;
    rl_code rc = rl_spec_load_string((const char *)data, size, "fuzz.yaml", &s, &st);
    if (rc != RL_OK) {
        if (s || st.code != rc || !st.msg[0]) __builtin_trap();
        if (rc == RL_EINPUT && strncmp(st.msg, "fuzz.yaml:", 10) != 0) __builtin_trap();
        return 0;
    }
    check_loaded(s);
    rl_spec_destroy(&s);
    return 0;
}
