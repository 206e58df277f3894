/*
** store_int.h: what the store's files share and nobody else sees — the journal's
** on-disk format, the in-memory cell, and the cube writer (module: store).
**
** Journal layout (native byte order; the header records it and refuses another):
**   header   jfixed, then a variable part: name\0 canonical\0, per dim
**            name\0 u32 size, u8 numeric, size labels\0, then nitems ids
**            (RL_ID_LEN bytes each), zero padding to 8, u32 crc32, u32 0.
**   records  jrec_small (session, attempt, abandon; 64 bytes) or a result record:
**            jrec_rhead (its `bytes` = length of the packed result, result.h),
**            the packed result, zero padding to a multiple of 8 after the crc;
**            each record ends in a crc32 of its preceding bytes. The kind is the
**            second word and a result's length is in its head, so a reader knows
**            the length before it reads the rest. Packed results keep the file
**            small: a result of 20 curve records is ~0.6 kB, not sizeof(rl_result).
** A bad record that reaches the end of the file (or, when its length cannot be
** read, one within the largest record's size of it) is a torn tail (a kill
** mid-append) and is dropped; anything earlier is corruption and an error,
** because dropping it would silently lose results.
*/
#ifndef RICHLAZY_STORE_INT_H
#define RICHLAZY_STORE_INT_H

#include "richlazy/store.h"

#include <stdio.h>
#include <sys/types.h>

#define JOURNAL_MAGIC      "RLJRNL1\n"
#define JOURNAL_VERSION    2u /* 1: fixed-size result records */
#define JOURNAL_BYTE_ORDER 0x01020304u
#define JREC_MAGIC         0x43524c52u /* "RLRC" read little-endian */

enum jrec_kind {
    JREC_SESSION = 1, /* a run started: a = MPI size */
    JREC_ATTEMPT = 2, /* item dispatched: a = attempt number, b = worker rank */
    JREC_ABANDON = 3, /* the running attempt was stopped on purpose */
    JREC_RESULT = 4,  /* the item's outcome */
};

typedef struct jfixed {
    char magic[8];
    uint32_t byte_order;
    uint32_t version;
    uint64_t head_bytes;                /* the whole header including the trailing crc words */
    uint32_t small_bytes, result_bytes; /* result_bytes: RL_RESULT_PACKED_MAX */
    uint32_t n_measures, curve_max;
    uint64_t nitems;
    uint64_t seed;
    double created; /* Unix time the sweep's journal was first created */
    uint32_t ndims, n_curves;
    char hash[72];
} jfixed;

typedef struct jrec_small {
    uint32_t magic, kind;
    uint64_t item;
    char id[24];
    int32_t a, b;
    double time; /* Unix time */
    uint32_t reserved, crc;
} jrec_small;

/* The head of a result record on disk; the packed result and the crc follow. */
typedef struct jrec_rhead {
    uint32_t magic, kind;
    uint64_t item;
    char id[24];
    uint32_t bytes, reserved;
} jrec_rhead;

/* A result record in memory (unpacked). */
typedef struct jrec_result {
    uint32_t magic, kind;
    uint64_t item;
    char id[24];
    rl_result r;
} jrec_result;

/* The longest result record on disk. */
#define JREC_RESULT_MAX (sizeof(jrec_rhead) + RL_RESULT_PACKED_MAX + 8)

/* Either record, as the scanner hands it over. */
typedef union jrec {
    struct {
        uint32_t magic, kind;
        uint64_t item;
        char id[24];
    } head;
    jrec_small small;
    jrec_result result;
} jrec;

/* A parsed header; every pointer points into `blob`. */
typedef struct jheader {
    jfixed fixed;
    const char *name, *canonical;
    int ndims;
    const char *dim_names[RL_MAX_DIMS];
    int dim_sizes[RL_MAX_DIMS];
    bool dim_numeric[RL_MAX_DIMS];
    const char **labels[RL_MAX_DIMS];
    size_t nitems;
    const char (*ids)[RL_ID_LEN];
    unsigned char *blob;
} jheader;

/* ---- journal.c ---- */

/* Serialises the header for lay into a new buffer (rl_free it). */
rl_code rl_store_journal_header(const rl_store_layout *lay, double created, unsigned char **buf,
                                size_t *len, rl_status *st);
/* Reads and checks the header of an open journal; fp is left at the first record. */
rl_code rl_store_journal_read_header(FILE *fp, const char *path, jheader *h, rl_status *st);
void rl_store_journal_header_free(jheader *h);

typedef rl_code (*jrec_fn)(void *ctx, const jrec *rec, rl_status *st);
/*
** Calls fn for every valid record from the current position of fp. *valid_end is
** the offset after the last valid record; *torn tells whether a torn tail followed.
*/
rl_code rl_store_journal_scan(FILE *fp, const char *path, jrec_fn fn, void *ctx, off_t *valid_end,
                              bool *torn, rl_status *st);
/* Fill magic, kind and crc (packing a result); write all bytes (retrying short writes). */
rl_code rl_store_journal_write_small(int fd, jrec_small *rec, const char *path, rl_status *st);
rl_code rl_store_journal_write_result(int fd, jrec_result *rec, const char *path, rl_status *st);
/* write(2) until done or error. */
rl_code rl_store_write_all(int fd, const void *buf, size_t len, const char *path, rl_status *st);
/* fsync of the directory holding path (makes a rename durable). */
rl_code rl_store_fsync_dir(const char *path, rl_status *st);
/* Exclusive advisory lock on fd; RL_EINPUT if another process holds it. */
rl_code rl_store_lock(int fd, const char *path, rl_status *st);
/*
** If path no longer names the file open at *fd (replaced or removed under the run), writes
** what *fd holds back to path through tmp and continues on it (*fd replaced, *restored set).
*/
rl_code rl_store_journal_keep(int *fd, const char *path, const char *tmp, bool *restored,
                              rl_status *st);
/* Unix time now, for records and attributes. */
double rl_store_unix_now(void);

/* ---- diff.c ---- */

/* Writes a line diff of a -> b ("- old", "+ new" lines, context omitted) into out. */
void rl_store_diff_lines(const char *a, const char *b, char *out, size_t cap);

/* ---- store.c: the in-memory state the cube is written from ---- */

typedef struct cell {
    int8_t status;  /* rl_item_status */
    bool in_flight; /* attempt started after the last result, not abandoned */
    int32_t attempts;
    int32_t worker;
    int32_t n_curve;
    double wall;
    double measure[RL_NMEASURES];
    float *curve;    /* RL_NCURVES x n_curve values (curves.def order), or NULL */
    unsigned curves; /* bit k: curve k holds a number somewhere (it was recorded) */
    char *reason;    /* failure reason, or NULL */
} cell;

/* ---- cell.c ---- */

/* Frees what c holds and makes it a pending item that never ran. */
void rl_store_cell_reset(cell *c);
/* c takes result r (replacing any earlier one); counts (by rl_item_status) follow. */
rl_code rl_store_cell_set(cell *c, size_t counts[4], const rl_result *r, rl_status *st);

/* Everything cube.c writes besides the cells. */
typedef struct cube_meta {
    double created, updated;     /* Unix times */
    const int *mpi_sizes;        /* one per session */
    const double *session_times; /* when each session started (Unix times) */
    int n_sessions;
} cube_meta;

/* ---- cube.c ---- */

/* RL_EINPUT if an axis is named like one of the cube's own variables or dimensions. */
rl_code rl_store_cube_check_names(const rl_store_layout *lay, rl_status *st);

/* Writes the whole cube to tmp_path, then fsync + rename to nc_path + fsync of the directory. */
rl_code rl_store_cube_write(const char *nc_path, const char *tmp_path, const rl_store_layout *lay,
                            const cell *cells, const cube_meta *meta, rl_status *st);

/* ---- rebuild.c: a journal from OUT.nc alone ---- */

typedef struct rl_store_source rl_store_source;
/*
** Reads OUT.nc (no journal beside it) for layout lay: its finished items, matched
** to lay's items by id. RL_EINPUT if it is not a results file richlazy can read, or
** if it belongs to a spec that does more than add axis values (message with a diff).
*/
rl_code rl_store_source_open(const char *nc_path, const rl_store_layout *lay, rl_store_source **out,
                             rl_status *st);
/* The sweep's creation time (attribute `created`). */
double rl_store_source_created(const rl_store_source *src);
/* The spec adds axis values to the file's (a different hash, every old id present). */
bool rl_store_source_extended(const rl_store_source *src);
/* Its finished items (done, diverged or failed): what a rebuilt journal keeps. */
size_t rl_store_source_finished(const rl_store_source *src);
/* Appends the journal records of every finished item (and the file's sessions) to fd. */
rl_code rl_store_source_write(const rl_store_source *src, const rl_store_layout *lay, int fd,
                              const char *path, rl_status *st);
void rl_store_source_close(rl_store_source **src);

/* ---- view.c helpers shared with tests ---- */

/* Formats an ISO 8601 UTC time ("2026-11-28T11:32:00Z"). */
void rl_store_iso_time(double unix_time, char *buf, size_t cap);

#endif /* RICHLAZY_STORE_INT_H */
