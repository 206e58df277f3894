/*
** status.c: the error object of core.h and the few process-wide helpers
** (checked aligned allocation, a monotonic clock, version strings).
** Why: one place formats the first failure; later failures along the unwind
** never overwrite it, so the message the user sees names the root cause.
*/
#define _POSIX_C_SOURCE 200809L
#include "richlazy/core.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef RL_VERSION
#define RL_VERSION "unknown"
#endif
#include "rl_version_gen.h"
#ifndef RL_GIT_COMMIT
#define RL_GIT_COMMIT "unknown"
#endif

rl_code rl_status_vfail(rl_status *st, rl_code code, const char *file, int line, const char *fmt,
                        va_list ap)
{
    if (!st || st->code != RL_OK) return code;
    st->code = code;
    st->file = file;
    st->line = line;
    vsnprintf(st->msg, sizeof st->msg, fmt, ap);
    return code;
}

rl_code rl_status_fail(rl_status *st, rl_code code, const char *file, int line, const char *fmt,
                       ...)
{
    va_list ap;
    va_start(ap, fmt);
    rl_status_vfail(st, code, file, line, fmt, ap);
    va_end(ap);
    return code;
}

rl_code rl_status_about(rl_status *st, const char *params)
{
    if (!st) return RL_OK;
    if (st->code != RL_OK && st->params[0] == '\0' && params)
        snprintf(st->params, sizeof st->params, "%s", params);
    return st->code;
}

void rl_status_clear(rl_status *st)
{
    if (!st) return;
    st->code = RL_OK;
    st->msg[0] = '\0';
    st->file = NULL;
    st->line = 0;
    st->params[0] = '\0';
}

int rl_status_exit_code(rl_code code)
{
    switch (code) {
    case RL_OK:
        return 0;
    case RL_EINPUT:
        return 2;
    case RL_ESTOPPED:
        return 3;
    default:
        return 1;
    }
}

const char *rl_code_name(rl_code code)
{
    static const char *const names[] = {"ok", "input", "stopped", "nomem", "io", "mpi", "bug"};
    if ((unsigned)code < sizeof names / sizeof names[0]) return names[code];
    return "unknown";
}

void *rl_alloc(size_t n, size_t size, rl_status *st)
{
    void *p = NULL;
    if (size != 0 && n > SIZE_MAX / size) {
        rl_status_fail(st, RL_ENOMEM, __FILE__, __LINE__, "allocation of %zu x %zu bytes overflows",
                       n, size);
        return NULL;
    }
    size_t bytes = n * size;
    if (bytes == 0) bytes = 1;
    bytes = (bytes + 63) & ~(size_t)63;
    if (posix_memalign(&p, 64, bytes) != 0) {
        rl_status_fail(st, RL_ENOMEM, __FILE__, __LINE__, "out of memory (%zu bytes)", bytes);
        return NULL;
    }
    memset(p, 0, bytes);
    return p;
}

void rl_free(void *p)
{
    free(p);
}

bool rl_snprintf(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    return n >= 0 && (size_t)n < cap;
}

double rl_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

uint64_t rl_fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *b = data;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ull;
    }
    return h;
}

const char *rl_version(void)
{
    return RL_VERSION;
}

const char *rl_git_commit(void)
{
    return RL_GIT_COMMIT;
}
