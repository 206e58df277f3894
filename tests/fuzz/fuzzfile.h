/*
** fuzzfile.h: hands a fuzzer's bytes to a reader that takes a path (tests/fuzz).
** Why a memfd: the readers under test open files by name (fopen, gzopen, nc_open);
** an anonymous in-memory file named /proc/self/fd/N lets them run unchanged, as
** production runs them, without touching a disk and without a file left behind.
*/
#ifndef RL_FUZZFILE_H
#define RL_FUZZFILE_H

#define _GNU_SOURCE /* memfd_create */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "richlazy/params.h"

/* Sets one parameter from its YAML text; traps on a harness bug (not a finding). */
static inline void fuzz_set(rl_params *p, const char *path, const char *text)
{
    rl_status st = RL_STATUS_INIT;
    const rl_key *k = rl_params_find(path);
    if (!k || rl_params_set(p, k, text, &st) != RL_OK) __builtin_trap();
}

typedef struct fuzz_file {
    int fd;
    char path[64]; /* /proc/self/fd/N */
} fuzz_file;

/* Creates the file holding data[0 .. n); traps if the kernel refuses (not a finding). */
static inline void fuzz_file_open(fuzz_file *f, const uint8_t *data, size_t n)
{
    f->fd = memfd_create("rl_fuzz", MFD_CLOEXEC);
    if (f->fd < 0) __builtin_trap();
    for (size_t done = 0; done < n;) {
        ssize_t k = write(f->fd, data + done, n - done);
        if (k <= 0) __builtin_trap();
        done += (size_t)k;
    }
    lseek(f->fd, 0, SEEK_SET);
    snprintf(f->path, sizeof f->path, "/proc/self/fd/%d", f->fd);
}

static inline void fuzz_file_close(fuzz_file *f)
{
    close(f->fd);
    f->fd = -1;
}

#endif /* RL_FUZZFILE_H */
