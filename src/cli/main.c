/*
** main.c: `richlazy`, one executable with subcommands (module: cli).
** Why one binary: the same program runs on a laptop and under mpirun/srun, and
** `richlazy SUBCOMMAND --help` documents itself from the same tables the code
** reads. This file only dispatches; each subcommand lives in cmd_<name>.c.
*/
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"

typedef struct command {
    const char *name;
    int (*main)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"run", rl_cli_run, "run a sweep under mpirun/srun into one NetCDF results file"},
    {"plan", rl_cli_plan, "check a sweep spec and show its cube, items and cost"},
    {"status", rl_cli_status, "progress and failures of a results file, by axis value"},
    {"train", rl_cli_train, "train one item of a sweep in this process"},
    {"params", rl_cli_params, "every parameter a spec can set, with defaults"},
    {"report", rl_cli_report, "mean +- sd per setting and rank trends of a results file"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void print_help(FILE *out)
{
    fprintf(out, "usage: richlazy SUBCOMMAND [OPTIONS] ...\n\n"
                 "Runs sweeps of RNN trainings and measures how rich or lazy each one was.\n\n"
                 "subcommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n`richlazy help SUBCOMMAND` (or `richlazy SUBCOMMAND --help`) describes each "
                 "one.\n"
                 "options: -h/--help, --version\n"
                 "exit status: 0 done, 1 internal error, 2 bad input or usage, 3 stopped early "
                 "(resumable)\n");
}

/* The subcommand called name, or NULL. */
static const command *find(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(name, commands[i].name) == 0) return &commands[i];
    return NULL;
}

/* "unknown subcommand 'x'" with the nearest name, the help on stderr; exit 2. */
static int unknown(const char *name)
{
    const char *names[NCOMMANDS];
    for (size_t i = 0; i < NCOMMANDS; i++)
        names[i] = commands[i].name;
    const char *near = rl_spec_suggest(name, names, NCOMMANDS);
    fprintf(stderr, "richlazy: unknown subcommand '%s'", name);
    if (near) fprintf(stderr, "; did you mean '%s'?", near);
    fprintf(stderr, "\n\n");
    print_help(stderr);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        (strcmp(argv[1], "help") == 0 && argc == 2)) {
        print_help(stdout);
        return 0;
    }
    if (strcmp(argv[1], "help") == 0) { /* `richlazy help run` is `richlazy run --help` */
        const command *cmd = find(argv[2]);
        static char help_opt[] = "--help";
        char *help_argv[] = {argv[2], help_opt, NULL};
        return cmd ? cmd->main(2, help_argv) : unknown(argv[2]);
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("richlazy %s (git %s)\n", rl_version(), rl_git_commit());
        return 0;
    }
    const command *cmd = find(argv[1]);
    return cmd ? cmd->main(argc - 1, argv + 1) : unknown(argv[1]);
}
