/*
** fileio.c: what the readers of init.file share (module: init): the shape check
** and reading a whole file. Why its own file: file.c (CSV, netCDF) and npy.c both
** need them, and a helper in either would make the two call each other; so every
** reader's messages about shape and unreadable files are worded once, here.
*/
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

rl_code rl_init_file_shape(const char *path, size_t rows, size_t cols, int n, rl_status *st)
{
    RL_CHECK(rows == (size_t)n && cols == (size_t)n, st, RL_EINPUT,
             "init.file '%s' holds a %zu x %zu matrix, but model.hidden = %d needs %d x %d "
             "(rows x columns)",
             path, rows, cols, n, n, n);
    return RL_OK;
}

rl_code rl_init_slurp(const char *path, unsigned char **buf, size_t *len, rl_status *st)
{
    *buf = NULL;
    FILE *f = fopen(path, "rb");
    RL_CHECK(f, st, RL_EINPUT, "init.file '%s': cannot open: %s", path, strerror(errno));
    rl_code rc = RL_OK;
    struct stat sb;
    size_t size = 0;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        rc = rl_status_fail(st, RL_EINPUT, __FILE__, __LINE__,
                            "init.file '%s' is not a regular file; valid: a matrix file", path);
    } else if ((*buf = rl_alloc((size = (size_t)sb.st_size) + 1, 1, st)) == NULL) {
        rc = st->code;
    } else if (fread(*buf, 1, size, f) != size) {
        rc = rl_status_fail(st, RL_EINPUT, __FILE__, __LINE__,
                            "init.file '%s': read failed before its %zu bytes", path, size);
        rl_free(*buf);
        *buf = NULL;
    }
    fclose(f);
    *len = rc == RL_OK ? size : 0;
    return rc;
}
