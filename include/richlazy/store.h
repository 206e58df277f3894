/*
** store.h: the journal and the netCDF results cube (module: store).
** Why: rank 0 is the only writer. A result is durable once its journal record
** is fsynced; the cube OUT.nc is derived from the journal and replaced
** atomically (write OUT.nc.tmp, fsync, rename, fsync the directory), so a kill
** at any instant leaves a complete file and loses nothing journaled.
**
** Files next to OUT.nc (README "Results file"):
**   OUT.nc.journal  header (spec hash, canonical spec, dims, item ids), then
**                   checksummed records (format 2): session, attempt and abandon
**                   are 64 bytes each; a result record is a 48-byte head giving
**                   the packed result's length, the packed result (result.h:
**                   ~0.6 kB for 20 curve records), zero padding and, as its last
**                   4 bytes, a crc32 of the rest (a multiple of 8 bytes in all).
**                   A torn last record is detected and dropped; a bad record
**                   before the end is corruption and an error. Byte layout:
**                   store_int.h.
**   OUT.nc.tmp      the next snapshot while it is being written.
** Invariants:
**   (1) an item counts as finished only after rl_store_commit returned RL_OK;
**   (2) OUT.nc on disk is always complete and readable;
**   (3) rebuilding the cube from the journal twice gives the same cube;
**   (4) records name items by their stable id, so a spec that only adds axis
**       values reuses every finished item (the journal is rewritten atomically).
*/
#ifndef RICHLAZY_STORE_H
#define RICHLAZY_STORE_H

#include "richlazy/core.h"
#include "richlazy/result.h"
#include "richlazy/spec.h"

#define RL_ID_LEN 17 /* item id: 16 hex digits + NUL */

/* ---- the shape of the cube, as plain data ---- */

/* Everything the store needs from a spec; built by rl_store_layout_from_spec or by hand in tests.
 */
typedef struct rl_store_layout {
    const char *name;             /* spec name (netCDF `title`) */
    uint64_t seed;                /* sweep seed */
    const char *text;             /* the spec as read (global attribute `spec`) */
    const char *canonical;        /* canonical form: hashed, and diffed when a spec changes */
    const char *hash;             /* 64 hex digits of SHA-256(canonical) */
    int ndims;                    /* sweep axes, spec order */
    rl_dim dims[RL_MAX_DIMS];     /* borrowed views (labels, values, paths) */
    size_t nitems;                /* product of the dims' sizes */
    const char (*ids)[RL_ID_LEN]; /* nitems ids in row-major item order */
    int n_record;                 /* length of the `record` (loss-curve) dimension, >= 1 */
    long record_every;            /* iterations between curve records; 0 if items differ */
    unsigned curves;              /* bit c: write curve c (curves.def); loss_curve always */
    char (*own_ids)[RL_ID_LEN];   /* storage behind ids when built from a spec */
    const char *numerics;         /* this session's arithmetic (attribute `numerics`), or NULL */
    const char *description;      /* the spec's description (attribute `summary`), or NULL */
    unsigned models;              /* bit 0: some item is an RNN, bit 1: some is linear2 */
} rl_store_layout;

/* Any rank. Fills lay from spec (views into spec: keep spec alive). Free with rl_store_layout_free.
 */
rl_code rl_store_layout_from_spec(const rl_spec *spec, rl_store_layout *lay, rl_status *st);
void rl_store_layout_free(rl_store_layout *lay);

/* ---- the writer (rank 0 only) ---- */

/*
** Any process. Checks the output path before anything else is done with it: not
** empty, short enough to name the files next to it, and in a directory that exists.
** RL_EINPUT ("the output directory does not exist", with the directory) otherwise.
*/
rl_code rl_store_check_output(const char *nc_path, rl_status *st);

typedef struct rl_store rl_store;

/* One cell's bookkeeping, as the coordinator needs it to decide what to run. */
typedef struct rl_store_cell_info {
    rl_item_status status; /* pending until a result is journaled */
    int attempts;          /* runs started and not deliberately abandoned */
    bool in_flight;        /* an attempt started after the last result and never ended */
} rl_store_cell_info;

/* What rl_store_open found on disk. */
typedef struct rl_store_open_info {
    bool resumed;   /* a journal existed, or OUT.nc alone (rebuilt), and was loaded */
    bool extended;  /* the spec added axis values; journal rewritten for the new cube */
    size_t kept;    /* results carried over from the journal */
    bool torn_tail; /* a torn last record was found and dropped */
    bool rebuilt;   /* OUT.nc had no journal: rebuilt from its finished items (kept) */
} rl_store_open_info;

/*
** Rank 0 only. Opens (or creates) OUT.nc.journal for the cube `lay` and takes an
** exclusive lock on it (a second run on the same output is refused).
**   nc_path     (in)  OUT.nc; the journal and temporary file live next to it
**   mpi_size    (in)  recorded as a session record (global attribute `mpi_sizes`)
**   out, info   (out) the store; what was found on disk (info may be NULL)
** OUT.nc without a journal (copied, committed) is continued: the journal is rebuilt
** from its finished items, variables it lacks (an older build's) reading as NaN.
** Errors: RL_EINPUT if the journal or OUT.nc belongs to a different spec (message: a
** line diff of the canonical forms) or OUT.nc is not a readable results file; RL_EIO
** on file-system errors or a journal corrupt before its last record.
*/
rl_code rl_store_open(const char *nc_path, const rl_store_layout *lay, int mpi_size, rl_store **out,
                      rl_store_open_info *info, rl_status *st);
/*
** Any process. What rl_store_open would find, without opening, locking or writing
** anything: the same refusals (RL_EINPUT: another spec, with the diff; OUT.nc
** without a journal; a missing output directory) and, in info, whether a run
** would resume or extend and how many finished items it keeps. For `plan -o` and
** jobscripts/submit.sh, so a wrong spec is refused before a job waits in a queue.
*/
rl_code rl_store_check(const char *nc_path, const rl_store_layout *lay, rl_store_open_info *info,
                       rl_status *st);
/* Releases the lock and the memory. Safe on NULL. Does not snapshot. */
void rl_store_close(rl_store **s);

/* The state of one item; item < the layout's nitems (asserted). */
rl_store_cell_info rl_store_cell(const rl_store *s, size_t item);
/* Items per status (index by rl_item_status). */
void rl_store_counts(const rl_store *s, size_t counts[4]);

/*
** Journals "attempt started" for item (written, not yet fsynced: a kill -9 keeps
** it, and the next rl_store_commit makes it durable). Returns the attempt number
** (1 for the first run) in *attempt.
*/
rl_code rl_store_begin_attempt(rl_store *s, size_t item, int worker, int *attempt, rl_status *st);
/* Journals that the running attempt was stopped on purpose (a stop signal): it does not count. */
rl_code rl_store_abandon_attempt(rl_store *s, size_t item, rl_status *st);
/* Journals a result (r->item names the cell; a later result replaces an earlier one). */
rl_code rl_store_add_result(rl_store *s, const rl_result *r, rl_status *st);
/*
** fsyncs the journal: every record added so far is durable (invariant 1). If the journal's
** path was replaced or removed under the run (git checkout, rsync, rm), first writes the
** run's journal back to it (rl_store_journal_restores counts how often).
*/
rl_code rl_store_commit(rl_store *s, rl_status *st);
/* Times this run wrote its journal back over a replaced or removed one: worth a warning. */
int rl_store_journal_restores(const rl_store *s);
/* Rewrites OUT.nc from the in-memory cells, atomically (invariant 2). */
rl_code rl_store_snapshot(rl_store *s, rl_status *st);
/* Seconds the last snapshot took (0 before the first): callers space snapshots by it. */
double rl_store_last_snapshot_seconds(const rl_store *s);

/* ---- whole netCDF files, written atomically (any process: the cube, `train --dump`) ---- */

/*
** Creates a netCDF-4 file in memory (ncfile.c: HDF5 then never meets a full disk,
** which it does not survive). Finish with exactly one of rl_store_nc_commit and
** rl_store_nc_discard.
*/
rl_code rl_store_nc_create(const char *path, int *ncid, rl_status *st);
/*
** Closes ncid and writes its bytes to tmp, fsync, rename to path, fsync of the directory.
** RL_EIO naming the file and the errno text (ENOSPC, EDQUOT, EIO); tmp never stays behind.
*/
rl_code rl_store_nc_commit(int ncid, const char *path, const char *tmp, rl_status *st);
/* Closes ncid after an error and frees its memory; nothing reaches the disk. */
void rl_store_nc_discard(int ncid);

/* ---- the reader (any process: `richlazy status`, `richlazy report`, tests) ---- */

/*
** The bookkeeping of a results file, read from OUT.nc or from its journal when that is newer.
** The one reader of results files outside the writer: the cli includes no netCDF header.
*/
typedef struct rl_store_view {
    char source[RL_PATH_MAX];  /* the file actually read */
    char nc_path[RL_PATH_MAX]; /* OUT.nc as given (measures are read from it) */
    char name[256];            /* spec name */
    char hash[65];             /* spec hash */
    int ndims;
    char dim_names[RL_MAX_DIMS][64];
    int dim_sizes[RL_MAX_DIMS];
    char **labels[RL_MAX_DIMS];    /* coordinate values as text */
    char *dim_params[RL_MAX_DIMS]; /* parameter paths each axis sets, space-separated (OUT.nc's
                                   ** `parameters`); "" without OUT.nc or that attribute */
    size_t nitems;
    int8_t *status; /* rl_item_status per item (row-major) */
    int32_t *attempts;
    bool *in_flight; /* lost in flight (journal only; false from OUT.nc) */
    char (*ids)[RL_ID_LEN];
    char **reasons;     /* failure reason per item, "" unless failed */
    int8_t *reached;    /* stop criterion: 1 met, 0 ran to the cap, -1 none set (or not done) */
    bool any_criterion; /* some item had a stop criterion (train.stop_loss, stop_accuracy) */
    /* Times, from the journal whenever it exists (NaN, 0 without one). Unix seconds. */
    double created;       /* the journal's creation: the sweep's first run */
    double session_start; /* the start of the last run (its session record) */
    int session_ranks;    /* that run's MPI size */
    int sessions;         /* runs so far */
    double updated;       /* the journal's last change (mtime) */
    double *started;      /* per item: its last attempt's dispatch, NaN if never */
    double *wall;         /* per item: its result's wall seconds, NaN without a result */
    char *spec_text;      /* the spec as the run read it (OUT.nc's `spec`), or NULL */
} rl_store_view;

/* Any process. Reads the results at nc_path (OUT.nc and/or OUT.nc.journal). */
rl_code rl_store_view_open(const char *nc_path, rl_store_view **out, rl_status *st);
/* The same from the journal whenever it exists (a run is active: only it knows what runs). */
rl_code rl_store_view_open_journal(const char *nc_path, rl_store_view **out, rl_status *st);
/*
** Whether a run holds OUT.nc.journal's lock: 1 yes, 0 no, -1 unknown (no journal,
** or a file system without locks). Any process; takes a shared lock for an
** instant, which rl_store_open tolerates (it retries before calling a lock foreign).
*/
int rl_store_active(const char *nc_path);
void rl_store_view_destroy(rl_store_view **v);
/*
** Any process. RL_OK if nc_path opens as netCDF and is a results file (it has
** `status`). RL_EINPUT otherwise, saying which: "cannot open OUT.nc: <netCDF's
** reason>; valid: ..." or "OUT.nc is netCDF but not a richlazy results file". For
** readers of measures (rl_store_view_measure), which need OUT.nc itself: a view
** opens from the journal alone.
*/
rl_code rl_store_check_results(const char *nc_path, rl_status *st);
/*
** Any process. Measure m of every item, read from OUT.nc (v->nc_path, the last
** snapshot) also when v's bookkeeping came from a newer journal.
**   v       (in)  an open view; m < RL_NMEASURES (asserted)
**   values  (out) v->nitems doubles in row-major item order (rl_free them); the
**                 variable's fill value (an item never finished) reads as NaN, and so
**                 does a NaN written for a diverged item: tell them apart by v->status.
**                 NULL (and RL_OK) if OUT.nc has no such variable (an older build's).
** Errors: RL_EINPUT if OUT.nc's cube is not v's (a journal ahead of OUT.nc for a spec
** that gained axis values since the last snapshot); RL_EIO if a read fails.
*/
rl_code rl_store_view_measure(const rl_store_view *v, rl_measure m, double **values, rl_status *st);

#endif /* RICHLAZY_STORE_H */
