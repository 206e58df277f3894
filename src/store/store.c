/*
** store.c: the rank-0 writer — opens or creates the journal, replays it into
** per-item cells, journals attempts and results, commits (fsync) and snapshots
** (module: store). States: CLOSED -> OPEN (journal locked, cells loaded) ->
** [begin_attempt | add_result]* -> commit -> ... -> snapshot -> CLOSED.
** Why: the journal is the truth and the cells are its replay, so a resume is
** "replay, then carry on" and invariant (3) of store.h holds by construction.
** A changed spec is accepted only if every old item id is still in the new spec
** (axis values added); the journal is then rewritten for the new cube with each
** record moved to its item's new index, atomically (tmp + rename).
*/
#include "store_int.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SESSIONS 4096 /* sessions remembered for the `mpi_sizes` attribute */

struct rl_store {
    char nc_path[RL_PATH_MAX];
    char journal_path[RL_PATH_MAX + 16];
    char tmp_path[RL_PATH_MAX + 16];    /* the next snapshot */
    char journal_tmp[RL_PATH_MAX + 16]; /* a rewritten journal (extension) */
    const rl_store_layout *lay;
    int fd; /* journal, locked, written at its end */
    cell *cells;
    size_t counts[4];
    double created;
    int sessions[MAX_SESSIONS];
    double session_times[MAX_SESSIONS];
    int n_sessions;
    double last_snapshot;
    int restores; /* rl_store_journal_keep wrote the journal back */
};

/* ---- replaying the journal ---- */

typedef struct replay {
    rl_store *s;
    const jheader *h;
    const size_t *remap; /* old index -> new index when extending, else NULL */
    int out_fd;          /* the rewritten journal when extending, else -1 */
    size_t kept;
    bool torn;
} replay;

static rl_code replay_one(void *ctx, const jrec *rec, rl_status *st)
{
    replay *rp = ctx;
    rl_store *s = rp->s;
    if (rec->head.kind == JREC_SESSION) {
        if (s->n_sessions < MAX_SESSIONS) {
            s->session_times[s->n_sessions] = rec->small.time;
            s->sessions[s->n_sessions++] = rec->small.a;
        }
    } else {
        size_t old = (size_t)rec->head.item;
        RL_CHECK(old < rp->h->nitems && strcmp(rp->h->ids[old], rec->head.id) == 0, st, RL_EIO,
                 "%s: a record names item %zu with id %s, which the journal's own header does not "
                 "list; the journal is damaged",
                 s->journal_path, old, rec->head.id);
        size_t idx = rp->remap ? rp->remap[old] : old;
        cell *c = &s->cells[idx];
        if (rec->head.kind == JREC_ATTEMPT) {
            c->attempts++;
            c->in_flight = true;
        } else if (rec->head.kind == JREC_ABANDON) {
            if (c->in_flight) c->attempts--;
            c->in_flight = false;
        } else {
            RL_TRY(rl_store_cell_set(c, s->counts, &rec->result.r, st));
            rp->kept++;
        }
    }
    if (rp->out_fd < 0) return RL_OK;
    /* Extending: the same record, moved to the item's new index. */
    if (rec->head.kind == JREC_RESULT) {
        jrec_result r = rec->result;
        if (rp->remap) r.item = r.r.item = rp->remap[rec->head.item];
        return rl_store_journal_write_result(rp->out_fd, &r, s->journal_path, st);
    }
    jrec_small r = rec->small;
    if (rp->remap && r.kind != JREC_SESSION) r.item = rp->remap[rec->head.item];
    return rl_store_journal_write_small(rp->out_fd, &r, s->journal_path, st);
}

/* ---- extension: old ids must all be in the new spec ---- */

/* An id with its index in the new spec, sorted by id for bsearch. */
typedef struct id_entry {
    char id[RL_ID_LEN];
    size_t index;
} id_entry;

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const id_entry *)a)->id, ((const id_entry *)b)->id);
}

/* remap[old] = new index of every old id; false if some old id is not in the new spec. */
static rl_code build_remap(const rl_store_layout *lay, const jheader *h, size_t *remap, bool *ok,
                           rl_status *st)
{
    id_entry *sorted = rl_alloc(lay->nitems, sizeof *sorted, st);
    if (!sorted) return st->code;
    for (size_t i = 0; i < lay->nitems; i++) {
        memcpy(sorted[i].id, lay->ids[i], RL_ID_LEN);
        sorted[i].index = i;
    }
    qsort(sorted, lay->nitems, sizeof *sorted, cmp_entry);
    *ok = true;
    for (size_t i = 0; i < h->nitems && *ok; i++) {
        id_entry key;
        memcpy(key.id, h->ids[i], RL_ID_LEN);
        const id_entry *hit = bsearch(&key, sorted, lay->nitems, sizeof *sorted, cmp_entry);
        if (hit) remap[i] = hit->index;
        *ok = hit != NULL;
    }
    rl_free(sorted);
    return RL_OK;
}

static rl_code refuse_changed(const rl_store *s, const jheader *h, rl_status *st)
{
    char diff[640];
    rl_store_diff_lines(h->canonical, s->lay->canonical, diff, sizeof diff);
    RL_FAIL(st, RL_EINPUT,
            "%s belongs to a different spec (hash %.12s, now %.12s); refusing to mix results. "
            "What changed (- journal, + now):\n%s"
            "Adding values to an axis is allowed (finished items are kept); anything else needs "
            "a new -o file, or remove %s and its journal to start over",
            s->journal_path, h->fixed.hash, s->lay->hash, diff, s->nc_path);
}

/* ---- creating a journal ---- */

/*
** Writes the header, then the records replayed through rp (extending) or rebuilt from
** OUT.nc (src), to the journal's tmp file, then renames it over the journal.
*/
static rl_code write_journal(rl_store *s, double created, FILE *replay_from, replay *rp,
                             const rl_store_source *src, rl_status *st)
{
    unsigned char *head = NULL;
    size_t len = 0;
    off_t end;
    int fd = open(s->journal_tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    RL_CHECK(fd >= 0, st, RL_EIO, "creating %s: %s", s->journal_tmp, strerror(errno));
    rl_code rc = rl_store_lock(fd, s->journal_tmp, st);
    if (!rc) rc = rl_store_journal_header(s->lay, created, &head, &len, st);
    if (!rc) rc = rl_store_write_all(fd, head, len, s->journal_tmp, st);
    rl_free(head);
    if (!rc && replay_from) {
        rp->out_fd = fd;
        rc = rl_store_journal_scan(replay_from, s->journal_path, replay_one, rp, &end, &rp->torn,
                                   st);
    }
    if (!rc && src) rc = rl_store_source_write(src, s->lay, fd, s->journal_tmp, st);
    if (!rc && fsync(fd) != 0)
        rc = rl_status_fail(st, RL_EIO, __FILE__, __LINE__, "fsync %s: %s", s->journal_tmp,
                            strerror(errno));
    if (!rc && rename(s->journal_tmp, s->journal_path) != 0)
        rc = rl_status_fail(st, RL_EIO, __FILE__, __LINE__, "renaming %s to %s: %s", s->journal_tmp,
                            s->journal_path, strerror(errno));
    if (!rc) rc = rl_store_fsync_dir(s->journal_path, st);
    if (rc) {
        close(fd);
        unlink(s->journal_tmp); /* the old journal, if any, is untouched */
        return rc;
    }
    if (s->fd >= 0) close(s->fd);
    s->fd = fd;
    s->created = created;
    return RL_OK;
}

static rl_code load_existing(rl_store *s, rl_store_open_info *info, rl_status *st);

/*
** No journal: a new sweep, or OUT.nc without its journal (copied, committed). Then
** the journal is rebuilt from OUT.nc's finished items (rebuild.c) and loaded like
** any other, so the run continues the sweep.
*/
static rl_code create_new(rl_store *s, rl_store_open_info *info, rl_status *st)
{
    struct stat sb;
    if (stat(s->nc_path, &sb) != 0)
        return write_journal(s, rl_store_unix_now(), NULL, NULL, NULL, st);
    rl_store_source *src = NULL;
    RL_TRY(rl_store_source_open(s->nc_path, s->lay, &src, st));
    rl_code rc = write_journal(s, rl_store_source_created(src), NULL, NULL, src, st);
    bool extended = rl_store_source_extended(src);
    rl_store_source_close(&src);
    if (rc) return rc;
    close(s->fd); /* load_existing locks the journal through a descriptor of its own */
    s->fd = -1;
    RL_TRY(load_existing(s, info, st));
    info->rebuilt = true;
    info->extended = extended;
    return RL_OK;
}

/* ---- loading an existing journal ---- */

static rl_code load_same(rl_store *s, FILE *fp, const jheader *h, rl_store_open_info *info,
                         rl_status *st)
{
    replay rp = {s, h, NULL, -1, 0, false};
    off_t end;
    RL_CHECK(h->nitems == s->lay->nitems && memcmp(h->ids, s->lay->ids, h->nitems * RL_ID_LEN) == 0,
             st, RL_EIO, "%s: same spec hash but different items; the journal is damaged",
             s->journal_path);
    RL_TRY(rl_store_journal_scan(fp, s->journal_path, replay_one, &rp, &end, &info->torn_tail, st));
    info->kept = rp.kept;
    /* Drop a torn tail so appends continue after the last good record. */
    RL_CHECK(ftruncate(s->fd, end) == 0 && lseek(s->fd, end, SEEK_SET) == end, st, RL_EIO,
             "truncating the torn tail of %s: %s", s->journal_path, strerror(errno));
    return RL_OK;
}

static rl_code load_extended(rl_store *s, FILE *fp, const jheader *h, rl_store_open_info *info,
                             rl_status *st)
{
    bool ok = false;
    size_t *remap = rl_alloc(h->nitems, sizeof *remap, st);
    if (!remap) return st->code;
    rl_code rc = build_remap(s->lay, h, remap, &ok, st);
    if (!rc && !ok) rc = refuse_changed(s, h, st);
    if (!rc) {
        replay rp = {s, h, remap, -1, 0, false};
        rc = write_journal(s, h->fixed.created, fp, &rp, NULL, st);
        info->kept = rp.kept;
        info->torn_tail = rp.torn;
        info->extended = true;
    }
    rl_free(remap);
    return rc;
}

static rl_code load_existing(rl_store *s, rl_store_open_info *info, rl_status *st)
{
    jheader h;
    s->fd = open(s->journal_path, O_RDWR | O_CLOEXEC);
    RL_CHECK(s->fd >= 0, st, RL_EIO, "opening %s: %s", s->journal_path, strerror(errno));
    RL_TRY(rl_store_lock(s->fd, s->journal_path, st));
    FILE *fp = fopen(s->journal_path, "rb");
    RL_CHECK(fp, st, RL_EIO, "reading %s: %s", s->journal_path, strerror(errno));
    rl_code rc = rl_store_journal_read_header(fp, s->journal_path, &h, st);
    if (!rc) {
        s->created = h.fixed.created;
        info->resumed = true;
        rc = strcmp(h.fixed.hash, s->lay->hash) == 0 ? load_same(s, fp, &h, info, st)
                                                     : load_extended(s, fp, &h, info, st);
    }
    rl_store_journal_header_free(&h);
    fclose(fp);
    return rc;
}

/* ---- public API ---- */

rl_code rl_store_check_output(const char *nc_path, rl_status *st)
{
    char dir[RL_PATH_MAX];
    struct stat sb;
    RL_CHECK(nc_path && nc_path[0] && strlen(nc_path) < RL_PATH_MAX, st, RL_EINPUT,
             "output path '%s' is empty or longer than %d characters", nc_path ? nc_path : "",
             RL_PATH_MAX - 1);
    rl_snprintf(dir, sizeof dir, "%s", nc_path);
    char *slash = strrchr(dir, '/');
    if (!slash) return RL_OK;  /* the working directory */
    if (slash == dir) slash++; /* "/x.nc": the root */
    *slash = '\0';
    RL_CHECK(stat(dir, &sb) == 0, st, RL_EINPUT,
             "-o %s: the output directory does not exist (%s); create it first or choose "
             "another -o",
             nc_path, dir);
    RL_CHECK(S_ISDIR(sb.st_mode), st, RL_EINPUT,
             "-o %s: the output directory %s is not a directory; choose another -o", nc_path, dir);
    return RL_OK;
}

static rl_code set_paths(rl_store *s, const char *nc_path, rl_status *st)
{
    RL_TRY(rl_store_check_output(nc_path, st));
    bool ok = rl_snprintf(s->nc_path, sizeof s->nc_path, "%s", nc_path) &&
              rl_snprintf(s->journal_path, sizeof s->journal_path, "%s.journal", nc_path) &&
              rl_snprintf(s->tmp_path, sizeof s->tmp_path, "%s.tmp", nc_path) &&
              rl_snprintf(s->journal_tmp, sizeof s->journal_tmp, "%s.journal.tmp", nc_path);
    RL_CHECK(ok, st, RL_EINPUT, "output path '%s' is longer than %d characters", nc_path,
             RL_PATH_MAX - 1);
    return RL_OK;
}

/* ---- appending records ---- */

/*
** After a failed append (ENOSPC, EDQUOT, EIO) the journal is cut back to where the
** record began: a partial record must not stay, or the next run's append would put
** good records after a damaged one, which the scanner refuses as corruption.
*/
static rl_code cut_back(const rl_store *s, off_t at, rl_code rc)
{
    if (rc != RL_OK && at >= 0 && ftruncate(s->fd, at) == 0) lseek(s->fd, at, SEEK_SET);
    return rc;
}

static rl_code append_small(rl_store *s, jrec_small *r, rl_status *st)
{
    off_t at = lseek(s->fd, 0, SEEK_CUR);
    return cut_back(s, at, rl_store_journal_write_small(s->fd, r, s->journal_path, st));
}

static rl_code append_result(rl_store *s, jrec_result *r, rl_status *st)
{
    off_t at = lseek(s->fd, 0, SEEK_CUR);
    return cut_back(s, at, rl_store_journal_write_result(s->fd, r, s->journal_path, st));
}

static rl_code append_session(rl_store *s, int mpi_size, rl_status *st)
{
    jrec_small r;
    memset(&r, 0, sizeof r);
    r.kind = JREC_SESSION;
    r.a = mpi_size;
    r.time = rl_store_unix_now();
    RL_TRY(append_small(s, &r, st));
    if (s->n_sessions < MAX_SESSIONS) {
        s->session_times[s->n_sessions] = r.time;
        s->sessions[s->n_sessions++] = mpi_size;
    }
    return rl_store_commit(s, st);
}

/* ---- checking without opening: what a run would find (`plan -o`, submit.sh) ---- */

/* Marks each item that has a result, for counting what a run would keep. */
static rl_code mark_result(void *ctx, const jrec *rec, rl_status *st)
{
    bool *has = ctx;
    (void)st;
    if (rec->head.kind == JREC_RESULT) has[rec->head.item] = true; /* the scanner checked it */
    return RL_OK;
}

/* The start of check and open: names checked, paths set, info zeroed, nothing opened. */
static rl_code store_new(const char *nc_path, const rl_store_layout *lay, rl_store_open_info *info,
                         rl_store **out, rl_status *st)
{
    memset(info, 0, sizeof *info);
    RL_TRY(rl_store_cube_check_names(lay, st));
    rl_store *s = rl_alloc(1, sizeof *s, st);
    if (!s) return st->code;
    s->fd = -1;
    s->lay = lay;
    rl_code rc = set_paths(s, nc_path, st);
    if (rc) rl_free(s);
    *out = rc ? NULL : s;
    return rc;
}

/* The journal of s against s->lay, read only: what load_existing would decide. */
static rl_code check_journal(rl_store *s, rl_store_open_info *info, rl_status *st)
{
    jheader h;
    bool ok = true, torn = false;
    off_t end;
    FILE *fp = fopen(s->journal_path, "rb");
    RL_CHECK(fp, st, RL_EIO, "reading %s: %s", s->journal_path, strerror(errno));
    rl_code rc = rl_store_journal_read_header(fp, s->journal_path, &h, st);
    size_t *remap = NULL;
    bool *has = NULL;
    if (!rc && !(has = rl_alloc(h.nitems ? h.nitems : 1, sizeof *has, st))) rc = st->code;
    if (!rc && strcmp(h.fixed.hash, s->lay->hash) != 0) {
        if (!(remap = rl_alloc(h.nitems ? h.nitems : 1, sizeof *remap, st))) rc = st->code;
        if (!rc) rc = build_remap(s->lay, &h, remap, &ok, st);
        if (!rc && !ok) rc = refuse_changed(s, &h, st);
        info->extended = true;
    }
    if (!rc) rc = rl_store_journal_scan(fp, s->journal_path, mark_result, has, &end, &torn, st);
    for (size_t i = 0; !rc && i < h.nitems; i++)
        info->kept += has[i];
    info->resumed = rc == RL_OK;
    info->torn_tail = torn;
    rl_free(remap);
    rl_free(has);
    rl_store_journal_header_free(&h);
    fclose(fp);
    return rc;
}

rl_code rl_store_check(const char *nc_path, const rl_store_layout *lay, rl_store_open_info *info,
                       rl_status *st)
{
    struct stat sb;
    rl_store *s = NULL;
    RL_TRY(store_new(nc_path, lay, info, &s, st));
    rl_code rc = RL_OK;
    if (access(s->journal_path, F_OK) == 0) {
        rc = check_journal(s, info, st);
    } else if (!rc && stat(s->nc_path, &sb) == 0) { /* run would rebuild the journal (create_new) */
        rl_store_source *src = NULL;
        rc = rl_store_source_open(s->nc_path, lay, &src, st);
        if (!rc) {
            info->resumed = info->rebuilt = true;
            info->extended = rl_store_source_extended(src);
            info->kept = rl_store_source_finished(src);
        }
        rl_store_source_close(&src);
    }
    rl_free(s);
    return rc;
}

rl_code rl_store_open(const char *nc_path, const rl_store_layout *lay, int mpi_size, rl_store **out,
                      rl_store_open_info *info, rl_status *st)
{
    rl_store_open_info dummy;
    rl_store *s = NULL;
    *out = NULL;
    if (!info) info = &dummy;
    RL_TRY(store_new(nc_path, lay, info, &s, st));
    rl_code rc = RL_OK;
    if (!(s->cells = rl_alloc(lay->nitems, sizeof *s->cells, st))) rc = st->code;
    if (!rc) {
        for (size_t i = 0; i < lay->nitems; i++)
            rl_store_cell_reset(&s->cells[i]);
        s->counts[RL_ITEM_PENDING] = lay->nitems;
        rc = access(s->journal_path, F_OK) == 0 ? load_existing(s, info, st)
                                                : create_new(s, info, st);
    }
    if (!rc) rc = append_session(s, mpi_size, st);
    if (rc) {
        rl_store_close(&s);
        return rc;
    }
    *out = s;
    return RL_OK;
}

void rl_store_close(rl_store **ps)
{
    if (!ps || !*ps) return;
    rl_store *s = *ps;
    if (s->cells)
        for (size_t i = 0; i < s->lay->nitems; i++)
            rl_store_cell_reset(&s->cells[i]);
    rl_free(s->cells);
    if (s->fd >= 0) close(s->fd);
    rl_free(s);
    *ps = NULL;
}

rl_store_cell_info rl_store_cell(const rl_store *s, size_t item)
{
    assert(item < s->lay->nitems); /* a caller's bug: there is no such cell */
    const cell *c = &s->cells[item];
    return (rl_store_cell_info){(rl_item_status)c->status, c->attempts, c->in_flight};
}

void rl_store_counts(const rl_store *s, size_t counts[4])
{
    memcpy(counts, s->counts, sizeof s->counts);
}

static void small_for(const rl_store *s, size_t item, uint32_t kind, jrec_small *r)
{
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->item = item;
    memcpy(r->id, s->lay->ids[item], RL_ID_LEN);
    r->time = rl_store_unix_now();
}

rl_code rl_store_begin_attempt(rl_store *s, size_t item, int worker, int *attempt, rl_status *st)
{
    jrec_small r;
    RL_CHECK(item < s->lay->nitems, st, RL_EBUG, "begin_attempt: item %zu out of range", item);
    cell *c = &s->cells[item];
    small_for(s, item, JREC_ATTEMPT, &r);
    r.a = c->attempts + 1;
    r.b = worker;
    RL_TRY(append_small(s, &r, st));
    c->attempts++;
    c->in_flight = true;
    *attempt = c->attempts;
    return RL_OK;
}

rl_code rl_store_abandon_attempt(rl_store *s, size_t item, rl_status *st)
{
    jrec_small r;
    RL_CHECK(item < s->lay->nitems && s->cells[item].in_flight, st, RL_EBUG,
             "abandon_attempt: item %zu is not running", item);
    small_for(s, item, JREC_ABANDON, &r);
    RL_TRY(append_small(s, &r, st));
    s->cells[item].attempts--;
    s->cells[item].in_flight = false;
    return RL_OK;
}

rl_code rl_store_add_result(rl_store *s, const rl_result *r, rl_status *st)
{
    RL_CHECK(r->item < s->lay->nitems, st, RL_EBUG, "add_result: item %llu out of range",
             (unsigned long long)r->item);
    RL_CHECK(r->status == RL_ITEM_DONE || r->status == RL_ITEM_DIVERGED ||
                 r->status == RL_ITEM_FAILED,
             st, RL_EBUG, "add_result: item %llu has no outcome (status %d)",
             (unsigned long long)r->item, r->status);
    jrec_result *rec = rl_alloc(1, sizeof *rec, st);
    if (!rec) return st->code;
    cell *c = &s->cells[r->item];
    rec->kind = JREC_RESULT;
    rec->item = r->item;
    memcpy(rec->id, s->lay->ids[r->item], RL_ID_LEN);
    rec->r = *r;
    rec->r.attempts = c->attempts; /* the store counts attempts; the record repeats it */
    rl_code rc = append_result(s, rec, st);
    if (!rc) rc = rl_store_cell_set(c, s->counts, &rec->r, st);
    rl_free(rec);
    return rc;
}

rl_code rl_store_commit(rl_store *s, rl_status *st)
{
    bool restored;
    RL_TRY(rl_store_journal_keep(&s->fd, s->journal_path, s->journal_tmp, &restored, st));
    s->restores += restored;
    RL_CHECK(fdatasync(s->fd) == 0, st, RL_EIO, "fsync %s: %s", s->journal_path, strerror(errno));
    return RL_OK;
}

int rl_store_journal_restores(const rl_store *s)
{
    return s->restores;
}

rl_code rl_store_snapshot(rl_store *s, rl_status *st)
{
    double t0 = rl_now();
    cube_meta meta = {s->created, rl_store_unix_now(), s->sessions, s->session_times,
                      s->n_sessions};
    rl_store_layout lay = *s->lay;
    for (size_t i = 0; i < lay.nitems; i++) { /* never cut or drop a curve (layout.c) */
        const cell *c = &s->cells[i];
        lay.n_record = c->n_curve > lay.n_record ? c->n_curve : lay.n_record;
        lay.curves |= c->curves;
    }
    RL_TRY(rl_store_cube_write(s->nc_path, s->tmp_path, &lay, s->cells, &meta, st));
    s->last_snapshot = rl_now() - t0;
    return RL_OK;
}

double rl_store_last_snapshot_seconds(const rl_store *s)
{
    return s->last_snapshot;
}
