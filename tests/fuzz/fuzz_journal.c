/*
** fuzz_journal.c: libFuzzer target for the journal replay (module: store): the
** bytes are OUT.nc.journal, read by the reader of `richlazy status`
** (rl_store_view_open) and replayed by the writer that resumes a sweep
** (rl_store_open, for the store tests' cube A, whose journals seed the corpus).
** Contract checked on every input, beyond "no crash, no leak, no undefined
** behaviour" (ASan, UBSan): a journal is loaded, or refused with RL_EINPUT (not
** ours, another spec) or RL_EIO (damaged) and one message naming the file; a length
** in a header never makes an allocation larger than the file.
** RL_FUZZ_SEED_OUT=DIR writes the seed journals (sound, and with a torn tail) to DIR
** and exits: tests/fuzz/corpus_journal holds their output.
** Built only with -Dfuzz=true (CC=clang), see meson.build.
*/
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixture.h" /* tests/store: cube A by hand */

static char dir[256], nc[300], journal[320];
static fixture fx;

static void write_file(const char *path, const uint8_t *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0) __builtin_trap();
}

static bool refused_properly(rl_code rc, const rl_status *st)
{
    return (rc == RL_EINPUT || rc == RL_EIO) && st->code == rc && strstr(st->msg, dir);
}

/* Journals of cube A as a sweep leaves them: results of every kind, attempts, abandons. */
static void write_seeds(const char *out)
{
    rl_status st = RL_STATUS_INIT;
    rl_store *s = NULL;
    rl_result r;
    int attempt;
    char path[400];
    if (rl_store_open(nc, &fx.lay, 2, &s, NULL, &st) != RL_OK) __builtin_trap();
    static const rl_item_status kinds[3] = {RL_ITEM_DONE, RL_ITEM_DIVERGED, RL_ITEM_FAILED};
    for (size_t i = 0; i < fx.lay.nitems; i++) {
        rl_store_begin_attempt(s, i, 1, &attempt, &st);
        if (i == 4) {
            rl_store_abandon_attempt(s, i, &st);
            continue;
        }
        fixture_result(&r, i, kinds[i % 3]);
        rl_store_add_result(s, &r, &st);
    }
    rl_store_begin_attempt(s, 4, 1, &attempt, &st); /* in flight when the job died */
    if (rl_store_commit(s, &st) != RL_OK) __builtin_trap();
    rl_store_close(&s);
    FILE *f = fopen(journal, "rb");
    static uint8_t buf[1 << 16];
    size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f) fclose(f);
    snprintf(path, sizeof path, "%s/cube_a.journal", out);
    write_file(path, buf, n);
    snprintf(path, sizeof path, "%s/cube_a_torn.journal", out);
    write_file(path, buf, n - 30); /* a kill mid-append */
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/rl_fuzz_journal_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) __builtin_trap();
    snprintf(nc, sizeof nc, "%s/x.nc", dir);
    snprintf(journal, sizeof journal, "%s.journal", nc);
    fixture_init(&fx, 2, "0.003");
    const char *seeds = getenv("RL_FUZZ_SEED_OUT");
    if (seeds) {
        write_seeds(seeds);
        unlink(journal);
        rmdir(dir);
        exit(0);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rl_status st = RL_STATUS_INIT;
    write_file(journal, data, size);
    rl_store_view *v = NULL;
    rl_code rc = rl_store_view_open(nc, &v, &st);
    if (rc == RL_OK) {
        for (size_t i = 0; i < v->nitems; i++)
            if (v->status[i] < 0 || v->status[i] > 3 || !v->reasons[i]) __builtin_trap();
        rl_store_view_destroy(&v);
    } else if (v || !refused_properly(rc, &st)) {
        __builtin_trap();
    }
    rl_status_clear(&st);
    rl_store *s = NULL;
    rc = rl_store_open(nc, &fx.lay, 1, &s, NULL, &st);
    if (rc == RL_OK) {
        for (size_t i = 0; i < fx.lay.nitems; i++)
            if (rl_store_cell(s, i).status > RL_ITEM_FAILED) __builtin_trap();
        rl_store_close(&s);
    } else if (s || !refused_properly(rc, &st)) {
        __builtin_trap();
    }
    unlink(journal);
    unlink(nc); /* rl_store_open writes no cube, but be sure the next input starts clean */
    return 0;
}
