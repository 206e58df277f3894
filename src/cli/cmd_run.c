/*
** cmd_run.c: `richlazy run SPEC -o OUT.nc` under mpirun/srun (module: cli).
** Every rank parses the same arguments; rank 0 reads SPEC and broadcasts its
** text, so all ranks expand the identical item list (determinism, run.h) even
** if the file changes on disk meanwhile. Only rank 0 prints: progress as a live
** line on a terminal (also through mpirun: stderr_reaches_terminal) or a line
** with the time every --progress-every seconds otherwise (SLURM logs), one-line
** notes, the final summary and errors ("richlazy: ...").
** In the test program richlazy-test only (RL_TEST_HOOKS), RICHLAZY_FAKE_RUNNER=1
** swaps training for rl_run_fake_item (engine tests, overhead benchmark).
*/
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "richlazy/run.h"
#include "richlazy/store.h"

static const char usage[] =
    "richlazy run SPEC -o OUT.nc [--resume] [--retry-failed] [--max-attempts N] [--grace S]\n"
    "                  [--checkpoint-every S] [--checkpoint-iters K] [--progress-every S]\n"
    "                  [--snapshot-every S]";

static void print_help(void)
{
    printf("usage: %s\n\n"
           "Runs every unfinished item of the sweep SPEC and gathers the results in OUT.nc (a\n"
           "netCDF cube; README \"Results file\"). Start it with `mpirun -n P` or `srun`: rank 0\n"
           "coordinates and trains too when the node has a core per rank; other ranks train.\n"
           "Results are journaled in OUT.nc.journal before they count, so a killed run loses\n"
           "nothing finished: run the same command again to resume.\n\n"
           "options:\n"
           "  -o, --output OUT.nc   the results file (required)\n"
           "  --resume              say that OUT.nc may exist (resuming is automatic anyway)\n"
           "  --retry-failed        run items recorded as failed again\n"
           "  --max-attempts N      runs of an item lost in flight before it is failed (2)\n"
           "  --grace S             after SIGTERM/SIGINT/SIGUSR1, seconds running items that\n"
           "                        cannot checkpoint get to finish (60); a second signal\n"
           "                        abandons them at once\n"
           "  --checkpoint-every S  seconds of training between an item's checkpoints in\n"
           "                        OUT.nc.ckpt/ (60); a stop signal makes running items\n"
           "                        checkpoint at once, and a rerun continues them bitwise\n"
           "  --checkpoint-iters K  also checkpoint every K iterations (0: by time only);\n"
           "                        --checkpoint-every 0 with K = 0: no checkpoints\n"
           "  --progress-every S    seconds between progress lines when stderr is not a\n"
           "                        terminal (30); a terminal gets a live line\n"
           "  --snapshot-every S    least seconds between rewrites of OUT.nc (10)\n"
           "  --help                this text\n"
           "A spec that only adds values to axes extends OUT.nc and keeps finished items; any\n"
           "other change is refused with a diff.\n"
           "exit status: 0 nothing left to run, 1 internal error, 2 bad input or usage,\n"
           "3 stopped by a signal (resumable)\n",
           usage);
}

typedef struct run_args {
    const char *spec;
    rl_run_opts o;
    bool progress_given;
} run_args;

static bool parse_number(const char *text, double lo, double *out)
{
    char *end;
    double v = strtod(text, &end);
    if (end == text || *end || !isfinite(v) || v < lo) return false;
    *out = v;
    return true;
}

/* Applies one option; false if its value is bad. */
static bool apply(int c, const char *arg, run_args *a)
{
    double v = 0;
    switch (c) {
    case 'o':
        a->o.out_path = arg;
        return true;
    case 'f':
        a->o.retry_failed = true;
        return true;
    case 'm':
        if (!parse_number(arg, 1, &v) || v != floor(v) || v > 1e6) return false;
        a->o.max_attempts = (int)v;
        return true;
    case 'g':
        return parse_number(arg, 0, &a->o.grace);
    case 'p':
        a->progress_given = true;
        return parse_number(arg, 0.01, &a->o.progress_every);
    case 's':
        return parse_number(arg, 0, &a->o.snapshot_every);
    case 'c':
        return parse_number(arg, 0, &a->o.checkpoint_every);
    case 'k':
        if (!parse_number(arg, 0, &v) || v != floor(v) || v > 1e15) return false;
        a->o.checkpoint_iters = (long)v;
        return true;
    default: /* 'r': --resume changes nothing: an existing journal is always resumed */
        return true;
    }
}

/* 0 to run, -1 after --help, else the usage-error exit status (printed only if `loud`). */
static int parse(int argc, char **argv, run_args *a, bool loud)
{
    static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
                                         {"resume", no_argument, NULL, 'r'},
                                         {"retry-failed", no_argument, NULL, 'f'},
                                         {"max-attempts", required_argument, NULL, 'm'},
                                         {"grace", required_argument, NULL, 'g'},
                                         {"progress-every", required_argument, NULL, 'p'},
                                         {"snapshot-every", required_argument, NULL, 's'},
                                         {"checkpoint-every", required_argument, NULL, 'c'},
                                         {"checkpoint-iters", required_argument, NULL, 'k'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;
    rl_run_opts_default(&a->o);
    a->progress_given = false;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        if (c == 'h') {
            if (loud) print_help();
            return -1;
        }
        if (c == '?' || c == ':')
            return loud ? rl_cli_option_error("run", usage, opts, c, argv) : 2;
        if (!apply(c, optarg, a))
            return loud ? rl_cli_usage_error("run", usage,
                                             "bad value '%s' (--max-attempts: an integer >= 1; "
                                             "--checkpoint-iters: an integer >= 0; "
                                             "--progress-every: seconds > 0; --grace, "
                                             "--snapshot-every, --checkpoint-every: seconds >= 0)",
                                             optarg)
                        : 2;
    }
    if (optind != argc - 1 || !a->o.out_path)
        return loud ? rl_cli_usage_error("run", usage, "expected one SPEC and -o OUT.nc") : 2;
    a->spec = argv[optind];
    return 0;
}

/* ---- the spec, read once and broadcast ---- */

static rl_code read_text(const char *path, char **text, long *len, rl_status *st)
{
    FILE *fp = fopen(path, "rb");
    RL_CHECK(fp, st, RL_EINPUT, "cannot read spec %s: %s", path, strerror(errno));
    fseek(fp, 0, SEEK_END);
    *len = ftell(fp);
    rewind(fp);
    *text = *len >= 0 ? rl_alloc((size_t)*len + 1, 1, st) : NULL;
    bool ok = *text && fread(*text, 1, (size_t)*len, fp) == (size_t)*len;
    fclose(fp);
    RL_CHECK(ok, st, RL_EINPUT, "cannot read spec %s", path);
    return RL_OK;
}

/*
** Rank 0 checks the output path first (a missing directory is named before any
** spec error), then reads the spec; every rank gets the text, or len -1 on failure.
*/
static rl_code load_spec(const char *path, const char *out, int rank, rl_spec **spec, rl_status *st)
{
    char *text = NULL;
    long len = -1;
    if (rank == 0 &&
        (rl_store_check_output(out, st) != RL_OK || read_text(path, &text, &len, st) != RL_OK))
        len = -1;
    MPI_Bcast(&len, 1, MPI_LONG, 0, MPI_COMM_WORLD);
    if (len < 0) {
        rl_free(text);
        if (rank != 0) rl_status_fail(st, RL_EINPUT, __FILE__, __LINE__, "rank 0 failed");
        return st->code;
    }
    if (rank != 0 && !(text = rl_alloc((size_t)len + 1, 1, st))) return st->code;
    MPI_Bcast(text, (int)len, MPI_CHAR, 0, MPI_COMM_WORLD);
    rl_code rc = rl_spec_load_string(text, (size_t)len, path, spec, st);
    rl_free(text);
    return rc;
}

/* ---- printing (rank 0) ---- */

typedef struct printer {
    bool tty;
    bool line_open; /* a live line is on the terminal */
} printer;

/*
** Whether stderr ends at a terminal. Under mpirun it is a pipe to mpirun, which
** copies it to its own stderr: then the terminal is mpirun's (our parent's, on
** the node where mpirun runs rank 0). So a user at a terminal gets the live
** line through scripts/mpirun.sh too, and `mpirun ... 2> log` gets log lines.
** Only under Open MPI's launcher: without it the parent is a shell, and a pipe
** (`richlazy run ... 2>&1 | tee log`) must get log lines however the shell's
** own stderr ends.
*/
static bool stderr_reaches_terminal(void)
{
    struct stat sb;
    char path[64];
    if (isatty(2)) return true;
    if (!getenv("OMPI_COMM_WORLD_SIZE")) return false; /* not started by mpirun */
    if (fstat(2, &sb) != 0 || !(S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode))) return false;
    rl_snprintf(path, sizeof path, "/proc/%ld/fd/2", (long)getppid());
    int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    bool tty = fd >= 0 && isatty(fd);
    if (fd >= 0) close(fd);
    return tty;
}

/* "richlazy: " on a terminal; "richlazy [2024-11-28 12:00:03]: " in a log, whose lines
   are read later (SLURM's). */
static void prefix(const printer *pr, char *buf, size_t cap)
{
    time_t t = time(NULL);
    struct tm tm;
    char when[32];
    if (pr->tty || !localtime_r(&t, &tm) || !strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm))
        rl_snprintf(buf, cap, "richlazy: ");
    else
        rl_snprintf(buf, cap, "richlazy [%s]: ", when);
}

/* "04:10", "1:04:10" (tqdm's clock), "?" when unknown. */
static void clock_time(double s, char *buf, size_t cap)
{
    if (!isfinite(s) || s < 0) {
        rl_snprintf(buf, cap, "?");
        return;
    }
    long t = lround(s);
    if (t >= 3600)
        rl_snprintf(buf, cap, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        rl_snprintf(buf, cap, "%02ld:%02ld", t / 60, t % 60);
}

static void on_progress(void *ctx, const rl_run_progress *p)
{
    printer *pr = ctx;
    char eta[32], took[32], line[320], head[64], bad[96] = "";
    double left = p->pending + p->running ? p->eta_seconds : 0;
    size_t finished = p->done + p->diverged + p->failed;
    if (pr->tty) { /* one short line, redrawn in place */
        clock_time(left, eta, sizeof eta);
        clock_time(p->elapsed, took, sizeof took);
        if (p->diverged || p->failed)
            rl_snprintf(bad, sizeof bad, " (%zu diverged, %zu failed)", p->diverged, p->failed);
        rl_snprintf(line, sizeof line, "%zu/%zu finished%s [%s<%s, %.1f items/min], %zu running%s",
                    finished, p->total, bad, took, eta, p->items_per_min, p->running,
                    p->stopping ? " [stopping]" : "");
        fprintf(stderr, "\r\033[K%s%s", line, p->final ? "\n" : "");
        pr->line_open = !p->final;
    } else {
        rl_cli_duration(left, eta, sizeof eta);
        rl_cli_duration(p->elapsed, took, sizeof took);
        rl_snprintf(line, sizeof line,
                    "%zu/%zu finished (%zu done, %zu diverged, %zu failed), %zu running, "
                    "%.1f items/min, elapsed %s, ETA %s%s",
                    finished, p->total, p->done, p->diverged, p->failed, p->running,
                    p->items_per_min, took, eta, p->stopping ? " [stopping]" : "");
        prefix(pr, head, sizeof head);
        fprintf(stderr, "%s%s\n", head, line);
    }
    fflush(stderr);
}

static void on_note(void *ctx, const char *msg)
{
    printer *pr = ctx;
    char head[64];
    if (pr->line_open) fprintf(stderr, "\r\033[K");
    pr->line_open = false;
    prefix(pr, head, sizeof head);
    fprintf(stderr, "%s%s\n", head, msg);
    fflush(stderr);
}

static void print_summary(const rl_run_summary *s)
{
    double share = s->wall_seconds > 0 ? 100 * s->coordinator_cpu_seconds / s->wall_seconds : 0;
    fprintf(stderr,
            "richlazy: %zu items finished by this run in %.2f s on %d rank%s (rank 0 %s); "
            "coordinator cpu %.3f s (%.1f%% of one core)\n",
            s->last.finished_now, s->wall_seconds, s->ranks, s->ranks == 1 ? "" : "s",
            s->coordinator_trained ? "trained too" : "only coordinated", s->coordinator_cpu_seconds,
            share);
    if (s->last.failed)
        fprintf(stderr, "richlazy: %zu items failed; `richlazy status` lists them\n",
                s->last.failed);
}

/* ---- the command ---- */

static int run(int argc, char **argv, int rank, bool *abort_needed)
{
    run_args a;
    rl_status st = RL_STATUS_INIT;
    rl_spec *spec = NULL;
    rl_run_summary sum = {0};
    printer pr = {rank == 0 && stderr_reaches_terminal(), false};
    int bad = parse(argc, argv, &a, rank == 0);
    if (bad) return bad < 0 ? 0 : bad;
#ifdef RL_TEST_HOOKS
    if (getenv("RICHLAZY_FAKE_RUNNER") && strcmp(getenv("RICHLAZY_FAKE_RUNNER"), "1") == 0)
        a.o.runner = rl_run_fake_item;
#endif /* RL_TEST_HOOKS */
    if (rank == 0) {
        a.o.progress = on_progress;
        a.o.note = on_note;
        a.o.ctx = &pr;
        if (pr.tty && !a.progress_given) a.o.progress_every = 0.5;
    }
    rl_code rc = load_spec(a.spec, a.o.out_path, rank, &spec, &st);
    if (!rc && !a.o.runner) rc = rl_spec_check_items(spec, rl_cli_check_item, &st);
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (!rc && rank == 0 && size == 1 && rl_cli_cores() > 1) {
        char msg[256];
        rl_snprintf(msg, sizeof msg,
                    "1 rank on a machine with %d cores; use them with `scripts/mpirun.sh -n %d "
                    "richlazy run ...` (or mpirun -n P)",
                    rl_cli_cores(), rl_cli_cores());
        on_note(&pr, msg);
    }
    if (!rc) rc = rl_run_sweep(spec, MPI_COMM_WORLD, &a.o, &sum, &st);
    if (rank == 0 && (rc == RL_OK || rc == RL_ESTOPPED)) print_summary(&sum);
    if (rc && (rank == 0 || sum.abort_needed)) { /* other ranks echo rank 0's failures */
        if (rank == 0)
            rl_cli_report_error(NULL, &st);
        else
            fprintf(stderr, "richlazy (rank %d): %s\n", rank, st.msg);
    }
    *abort_needed = sum.abort_needed;
    rl_spec_destroy(&spec);
    return rl_status_exit_code(rc);
}

int rl_cli_run(int argc, char **argv)
{
    int provided = 0, rank = 0;
    bool abort_needed = false;
    for (int i = 1; i < argc; i++) /* help without starting MPI */
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return print_help(), 0;
    /* Count stop signals from the first instant: one that arrives during MPI start-up (a
       SLURM warning right after a requeue) must stop the sweep, not kill the rank. */
    rl_status sig_st = RL_STATUS_INIT;
    if (rl_run_signals_install(&sig_st) != RL_OK) {
        fprintf(stderr, "richlazy: %s\n", sig_st.msg);
        return 1;
    }
    /* HDF5 file locks fail on some cluster file systems; only rank 0 writes, to a private
       temporary file it renames, so the lock protects nothing here. Users may override. */
    setenv("HDF5_USE_FILE_LOCKING", "FALSE", 0);
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "richlazy: MPI_Init_thread failed\n");
        return 1;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    int code = run(argc, argv, rank, &abort_needed);
    if (abort_needed) MPI_Abort(MPI_COMM_WORLD, code); /* the journal holds everything finished */
    MPI_Finalize();
    return code;
}
