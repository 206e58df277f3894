/*
** test_journal.c: the journal's promises (store.h invariants 1, 3, 4): records
** round-trip through close/reopen, a torn last record is dropped and the next
** append lands after the last good one, damage before the tail is an error, a
** changed spec is refused with a diff, added axis values keep finished items,
** a second writer is locked out, a journal replaced or removed under a run is written
** back, and OUT.nc without a journal is not clobbered.
*/
#include "fixture.h"
#include "rltest.h"
#include "store_int.h"

#include <fcntl.h>
#include <sys/stat.h>

static rl_store *open_ok(const char *nc, const rl_store_layout *lay, rl_store_open_info *info)
{
    rl_status st = RL_STATUS_INIT;
    rl_store *s = NULL;
    rl_code rc = rl_store_open(nc, lay, 2, &s, info, &st);
    if (rc) printf("rl_store_open: %s\n", st.msg);
    return s;
}

/* Items 0 done, 1 diverged, 2 failed, 3 abandoned, 4 started and never finished. */
static void write_history(const char *nc, const rl_store_layout *lay)
{
    rl_status st = RL_STATUS_INIT;
    rl_result r;
    int attempt = 0;
    rl_store *s = open_ok(nc, lay, NULL);
    for (size_t i = 0; i < 5; i++)
        rl_store_begin_attempt(s, i, 1, &attempt, &st);
    fixture_result(&r, 0, RL_ITEM_DONE);
    rl_store_add_result(s, &r, &st);
    fixture_result(&r, 1, RL_ITEM_DIVERGED);
    rl_store_add_result(s, &r, &st);
    fixture_result(&r, 2, RL_ITEM_FAILED);
    rl_store_add_result(s, &r, &st);
    rl_store_abandon_attempt(s, 3, &st);
    rl_store_commit(s, &st);
    RL_TEST(st.code == RL_OK && attempt == 1, "history written without error (%s)", st.msg);
    rl_store_close(&s); /* item 4 stays "in flight", as after a kill */
}

static void test_round_trip(const char *nc, const rl_store_layout *lay)
{
    rl_store_open_info info;
    write_history(nc, lay);
    rl_store *s = open_ok(nc, lay, &info);
    RL_TEST(s && info.resumed && !info.extended && info.kept == 3 && !info.torn_tail,
            "reopen replays the journal: resumed, 3 results kept, no torn tail");
    if (!s) return;
    rl_store_cell_info c[6];
    for (size_t i = 0; i < 6; i++)
        c[i] = rl_store_cell(s, i);
    RL_TEST(c[0].status == RL_ITEM_DONE && c[0].attempts == 1 && !c[0].in_flight,
            "item 0: done after 1 attempt");
    RL_TEST(c[1].status == RL_ITEM_DIVERGED, "item 1: diverged is kept as an outcome");
    RL_TEST(c[2].status == RL_ITEM_FAILED, "item 2: failed is kept");
    RL_TEST(c[3].status == RL_ITEM_PENDING && c[3].attempts == 0 && !c[3].in_flight,
            "item 3: an abandoned attempt does not count (attempts %d)", c[3].attempts);
    RL_TEST(c[4].status == RL_ITEM_PENDING && c[4].attempts == 1 && c[4].in_flight,
            "item 4: started, never finished -> lost in flight with 1 attempt");
    RL_TEST(c[5].status == RL_ITEM_PENDING && c[5].attempts == 0, "item 5: untouched");
    size_t counts[4];
    rl_store_counts(s, counts);
    RL_TEST(counts[0] == 3 && counts[1] == 1 && counts[2] == 1 && counts[3] == 1,
            "counts pending/done/diverged/failed = 3/1/1/1 (got %zu/%zu/%zu/%zu)", counts[0],
            counts[1], counts[2], counts[3]);
    rl_store_close(&s);
}

static off_t file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? sb.st_size : -1;
}

/* Appends the first `len` bytes of a valid result record: a kill in the middle of write(2). */
static void append_torn(const char *journal, size_t item, size_t len)
{
    jrec_result rec;
    rl_status st = RL_STATUS_INIT;
    memset(&rec, 0, sizeof rec);
    fixture_result(&rec.r, item, RL_ITEM_DONE);
    rec.item = item;
    int fd = open(journal, O_WRONLY | O_APPEND);
    off_t start = lseek(fd, 0, SEEK_END);
    rl_store_journal_write_result(fd, &rec, journal, &st); /* seals it, then cut it below */
    off_t whole = lseek(fd, 0, SEEK_END) - start;
    RL_TEST((off_t)len < whole && whole <= 1024 && whole % 8 == 0 &&
                ftruncate(fd, start + (off_t)len) == 0,
            "a torn record of %zu of %lld bytes was left at the end (a packed result of 5 curve "
            "records: at most 1 kB, 8-byte aligned)",
            len, (long long)whole);
    close(fd);
}

static void test_torn_tail(const char *nc, const char *journal, const rl_store_layout *lay)
{
    rl_status st = RL_STATUS_INIT;
    rl_store_open_info info;
    rl_result r;
    off_t before = file_size(journal);
    append_torn(journal, 5, 200);
    rl_store *s = open_ok(nc, lay, &info);
    RL_TEST(s && info.torn_tail && info.kept == 3,
            "torn tail detected and dropped; 3 results kept");
    RL_TEST(s && rl_store_cell(s, 5).status == RL_ITEM_PENDING,
            "the torn record's item stays pending");
    RL_TEST(file_size(journal) == before + (off_t)sizeof(jrec_small),
            "journal truncated to the last good record (+ this session's record)");
    fixture_result(&r, 5, RL_ITEM_DONE);
    rl_store_add_result(s, &r, &st);
    rl_store_commit(s, &st);
    rl_store_close(&s);
    s = open_ok(nc, lay, &info);
    RL_TEST(s && !info.torn_tail && info.kept == 4 && rl_store_cell(s, 5).status == RL_ITEM_DONE,
            "an append after a torn tail is read back (4 results, no torn tail)");
    rl_store_close(&s);
    /* A torn session record (the smallest kind) too. */
    append_torn(journal, 5, 0);
    int fd = open(journal, O_WRONLY | O_APPEND);
    RL_TEST(write(fd, "RLRC\2\0", 6) == 6, "6 bytes of a small record appended");
    close(fd);
    s = open_ok(nc, lay, &info);
    RL_TEST(s && info.torn_tail && info.kept == 4, "a torn 6-byte record is dropped as well");
    rl_store_close(&s);
}

/* A whole last record with a damaged byte (a power cut's garbage) is a torn tail too. */
static void test_damaged_last(const char *nc, const char *journal, const rl_store_layout *lay)
{
    rl_store_open_info info;
    off_t before = file_size(journal);
    int fd = open(journal, O_RDWR);
    jrec_result rec;
    memset(&rec, 0, sizeof rec);
    fixture_result(&rec.r, 4, RL_ITEM_DONE); /* item 4: never finished so far */
    rec.item = 4;
    rl_status st = RL_STATUS_INIT;
    lseek(fd, 0, SEEK_END);
    rl_store_journal_write_result(fd, &rec, journal, &st);
    unsigned char b = 0;
    off_t at = file_size(journal) - 20;
    RL_TEST(pread(fd, &b, 1, at) == 1 && (b ^= 0x5a, pwrite(fd, &b, 1, at) == 1),
            "a byte of a whole last result record flipped");
    close(fd);
    rl_store *s = open_ok(nc, lay, &info);
    RL_TEST(s && info.torn_tail && info.kept == 4 &&
                rl_store_cell(s, 4).status == RL_ITEM_PENDING &&
                file_size(journal) == before + (off_t)sizeof(jrec_small),
            "it is dropped as a torn tail: 4 results kept, item 4 stays pending, the journal is "
            "cut back to the last good record (+ this session's)");
    rl_store_close(&s);
}

static void test_corrupt_middle(const char *nc, const char *journal, const rl_store_layout *lay)
{
    rl_status st = RL_STATUS_INIT;
    rl_store *s = NULL;
    char backup[600];
    snprintf(backup, sizeof backup, "cp '%s' '%s.bak'", journal, journal);
    RL_TEST(system(backup) == 0, "journal backed up");
    /* Flip a byte of the first result record (after the header, 1 session and 5 attempts). */
    FILE *fp = fopen(journal, "rb");
    jheader h;
    rl_store_journal_read_header(fp, journal, &h, &st);
    fclose(fp);
    off_t at = (off_t)h.fixed.head_bytes + 6 * (off_t)sizeof(jrec_small) + 100;
    rl_store_journal_header_free(&h);
    int fd = open(journal, O_RDWR);
    unsigned char b;
    RL_TEST(pread(fd, &b, 1, at) == 1, "read a byte of the first result record");
    b ^= 0x5a;
    RL_TEST(pwrite(fd, &b, 1, at) == 1, "flipped it");
    close(fd);
    rl_code rc = rl_store_open(nc, lay, 1, &s, NULL, &st);
    RL_TEST(rc == RL_EIO && strstr(st.msg, "not a torn last write"),
            "damage before the last record is an error, not a silent truncation: %s", st.msg);
    snprintf(backup, sizeof backup, "mv '%s.bak' '%s'", journal, journal);
    RL_TEST(system(backup) == 0, "journal restored");
}

static void test_lock(const char *nc, const rl_store_layout *lay)
{
    rl_status st = RL_STATUS_INIT;
    rl_store *second = NULL, *first = open_ok(nc, lay, NULL);
    rl_code rc = rl_store_open(nc, lay, 1, &second, NULL, &st);
    RL_TEST(first && rc == RL_EINPUT && !second && strstr(st.msg, "locked by another"),
            "a second writer on the same output is refused: %s", st.msg);
    rl_store_close(&first);
}

/*
** The journal replaced under a run (git stash/checkout, cp over it) or removed: the next
** commit writes the run's journal back to the path, and records after it land there.
*/
static void test_replaced_under_run(void)
{
    char dir[64], nc[128], journal[160], cmd[1024];
    fixture f;
    fixture_init(&f, 2, "0.003");
    fixture_dir(dir, sizeof dir, nc, journal);
    const rl_store_layout *lay = &f.lay;
    write_history(nc, lay);
    rl_status st = RL_STATUS_INIT;
    rl_result r;
    rl_store_open_info info;
    rl_store *s = open_ok(nc, lay, NULL);
    if (!s) return;
    RL_TEST(rl_store_commit(s, &st) == RL_OK && rl_store_journal_restores(s) == 0,
            "a commit with the journal in place restores nothing");
    off_t held = file_size(journal);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s.old' && truncate -s 64 '%s.old' && mv '%s.old' '%s'",
             journal, journal, journal, journal, journal);
    RL_TEST(system(cmd) == 0 && file_size(journal) == 64,
            "the journal was replaced by a stale copy");
    fixture_result(&r, 5, RL_ITEM_DONE);
    rl_code rc = rl_store_add_result(s, &r, &st);
    if (!rc) rc = rl_store_commit(s, &st);
    RL_TEST(rc == RL_OK && rl_store_journal_restores(s) == 1 && file_size(journal) > held,
            "the commit wrote the run's journal back, the new result included (%s)", st.msg);
    RL_TEST(unlink(journal) == 0, "the journal was removed");
    rc = rl_store_commit(s, &st);
    RL_TEST(rc == RL_OK && rl_store_journal_restores(s) == 2 && access(journal, F_OK) == 0,
            "after a removal too (%s)", st.msg);
    rl_store_close(&s);
    s = open_ok(nc, lay, &info);
    RL_TEST(s && rl_store_cell(s, 5).status == RL_ITEM_DONE,
            "the next run finds the result journaled after the replacement");
    rl_store_close(&s);
    fixture_rmdir(dir);
}

static void test_changed_spec(const char *nc, const char *journal)
{
    fixture other;
    rl_status st = RL_STATUS_INIT;
    rl_store *s = NULL;
    off_t before = file_size(journal);
    fixture_init(&other, 2, "0.01");
    rl_code rc = rl_store_open(nc, &other.lay, 1, &s, NULL, &st);
    RL_TEST(rc == RL_EINPUT && !s, "a spec with another lr is refused (exit 2)");
    RL_TEST(strstr(st.msg, "  -   train.lr: 0.003\n  +   train.lr: 0.01\n") != NULL,
            "the message shows the changed line as a diff:\n%s", st.msg);
    RL_TEST(file_size(journal) == before, "the refused run left the journal untouched");
}

static void test_extension(const char *nc, const char *journal)
{
    fixture big;
    rl_store_open_info info;
    fixture_init(&big, 3, "0.003");
    rl_store *s = open_ok(nc, &big.lay, &info);
    RL_TEST(s && info.extended && info.kept == 4, "seed axis 0,1 -> 0,1,2 extends the cube and "
                                                  "keeps the 4 results");
    if (!s) return;
    /* Old items 0 1 2 5 = (task, seed) (0,0) (0,1) (1,0) (2,1) had results and old item 4 =
       (2,0) was in flight; the new index is task * 3 + seed. */
    RL_TEST(rl_store_cell(s, 0).status == RL_ITEM_DONE &&
                rl_store_cell(s, 1).status == RL_ITEM_DIVERGED &&
                rl_store_cell(s, 3).status == RL_ITEM_FAILED &&
                rl_store_cell(s, 7).status == RL_ITEM_DONE,
            "results moved to their items' new cells (0, 1, 3, 7)");
    RL_TEST(rl_store_cell(s, 6).in_flight && rl_store_cell(s, 6).attempts == 1,
            "the lost-in-flight attempt of old item 4 moved to new cell 6");
    RL_TEST(rl_store_cell(s, 2).status == RL_ITEM_PENDING && !rl_store_cell(s, 2).in_flight &&
                rl_store_cell(s, 5).status == RL_ITEM_PENDING &&
                rl_store_cell(s, 8).status == RL_ITEM_PENDING,
            "the new seed-2 cells are pending and untouched");
    rl_store_close(&s);
    s = open_ok(nc, &big.lay, &info);
    RL_TEST(s && !info.extended && info.kept == 4 && access(journal, F_OK) == 0,
            "the rewritten journal reopens as the new spec's own");
    rl_store_close(&s);
}

static void test_nc_without_journal(void)
{
    char dir[64], nc[128], journal[160];
    fixture f;
    rl_status st = RL_STATUS_INIT;
    rl_store *s = NULL;
    fixture_init(&f, 2, "0.003");
    fixture_dir(dir, sizeof dir, nc, journal);
    FILE *fp = fopen(nc, "w");
    fputs("somebody's results", fp);
    fclose(fp);
    rl_code rc = rl_store_open(nc, &f.lay, 1, &s, NULL, &st);
    RL_TEST(rc == RL_EINPUT && file_size(nc) == 18, "OUT.nc without a journal is not clobbered");
    fixture_rmdir(dir);
}

static void test_diff(void)
{
    char out[256];
    rl_store_diff_lines("a\nb\nc\n", "a\nB\nc\nd\n", out, sizeof out);
    RL_TEST(strcmp(out, "  - b\n  + B\n  + d\n") == 0, "diff a,b,c -> a,B,c,d is -b +B +d");
    rl_store_diff_lines("same\n", "same\n", out, sizeof out);
    RL_TEST(out[0] == '\0', "identical texts give an empty diff");
    char longer[4096] = "";
    for (int i = 0; i < 100; i++)
        strcat(longer, "a new line\n");
    rl_store_diff_lines("", longer, out, 120);
    RL_TEST(strstr(out, "more changed lines") && strlen(out) < 120,
            "a long diff is cut with a count: %s", out);
}

int main(void)
{
    char dir[64], nc[128], journal[160];
    fixture f;
    fixture_init(&f, 2, "0.003");
    fixture_dir(dir, sizeof dir, nc, journal);
    test_round_trip(nc, &f.lay);
    test_torn_tail(nc, journal, &f.lay);
    test_damaged_last(nc, journal, &f.lay);
    test_corrupt_middle(nc, journal, &f.lay);
    test_lock(nc, &f.lay);
    test_replaced_under_run();
    test_changed_spec(nc, journal);
    test_extension(nc, journal);
    test_nc_without_journal();
    test_diff();
    fixture_rmdir(dir);
    return rl_test_done();
}
