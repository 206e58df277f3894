/*
** ncfile.c: netCDF-4 files built whole in memory and then written with plain
** write(2) to PATH.tmp, fsynced and renamed over PATH (module: store).
** Why: when HDF5 meets a full disk (ENOSPC, EDQUOT) or an I/O error mid-file, its
** state is broken beyond repair: nc_close and nc_abort then crash inside HDF5, and
** even a clean return leaves HDF5's exit-time clean-up to segfault (exit 139 at a
** snapshot on a full tmpfs, issue 17). Built in memory (nc_create_mem), the file
** meets no disk inside HDF5; the bytes go out through write_all, whose errors carry
** the path and errno text, and a failure leaves no PATH.tmp behind.
** Invariants: (1) PATH is replaced only by a complete, fsynced file; (2) every
** error path closes the in-memory file and frees its image; (3) no PATH.tmp is left.
** Cost: the file's size in memory while it is written (a cube of 10,000 items with
** 100-record curves is ~5 MB).
*/
#include "store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <netcdf.h>
#include <netcdf_mem.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define INITIAL_BYTES ((size_t)1 << 20) /* the in-memory image's first size; it grows */

rl_code rl_store_nc_create(const char *path, int *ncid, rl_status *st)
{
    int nc_rc = nc_create_mem(path, NC_NETCDF4, INITIAL_BYTES, ncid);
    RL_CHECK(nc_rc == NC_NOERR, st, RL_EIO, "creating %s in memory: %s", path, nc_strerror(nc_rc));
    return RL_OK;
}

/* Writes len bytes to a new tmp, fsyncs it and renames it to path; tmp is gone on failure. */
static rl_code write_file(const char *path, const char *tmp, const void *bytes, size_t len,
                          rl_status *st)
{
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    RL_CHECK(fd >= 0, st, RL_EIO, "creating %s: %s", tmp, strerror(errno));
    rl_code rc = rl_store_write_all(fd, bytes, len, tmp, st);
    if (!rc && fsync(fd) != 0)
        rc = rl_status_fail(st, RL_EIO, __FILE__, __LINE__, "fsync %s: %s", tmp, strerror(errno));
    if (close(fd) != 0 && !rc) /* NFS reports a failed write-back here */
        rc = rl_status_fail(st, RL_EIO, __FILE__, __LINE__, "closing %s: %s", tmp, strerror(errno));
    if (!rc && rename(tmp, path) != 0)
        rc = rl_status_fail(st, RL_EIO, __FILE__, __LINE__, "renaming %s to %s: %s", tmp, path,
                            strerror(errno));
    if (rc) {
        unlink(tmp); /* never leave a half-written file looking like a result */
        return rc;
    }
    return rl_store_fsync_dir(path, st);
}

rl_code rl_store_nc_commit(int ncid, const char *path, const char *tmp, rl_status *st)
{
    NC_memio mem = {0, NULL, 0};
    int nc_rc = nc_close_memio(ncid, &mem);
    rl_code rc = RL_OK;
    if (nc_rc != NC_NOERR)
        rc = rl_status_fail(st, RL_EIO, __FILE__, __LINE__, "finishing %s in memory: %s", path,
                            nc_strerror(nc_rc));
    else
        rc = write_file(path, tmp, mem.memory, mem.size, st);
    free(mem.memory); /* netCDF hands the image over; it was malloc'ed */
    return rc;
}

void rl_store_nc_discard(int ncid)
{
    NC_memio mem = {0, NULL, 0};
    /* In memory nothing can be half-written: closing only frees the image. */
    if (nc_close_memio(ncid, &mem) == NC_NOERR) free(mem.memory);
}
