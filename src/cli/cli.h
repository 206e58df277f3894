/*
** cli.h: the subcommands of `richlazy` and the helpers they share (module: cli).
** Each subcommand is `int rl_cli_<name>(int argc, char **argv)` returning the
** process exit status (0 done, 1 internal error, 2 bad input/usage, 3 resumable
** stop); argv[0] is the subcommand's name. Only this layer prints errors.
*/
#ifndef RL_CLI_H
#define RL_CLI_H

#include <getopt.h>

#include "richlazy/core.h"
#include "richlazy/spec.h"

int rl_cli_plan(int argc, char **argv);
int rl_cli_train(int argc, char **argv);
int rl_cli_params(int argc, char **argv);
int rl_cli_report(int argc, char **argv);

/* Prints "richlazy: <msg>" (or "richlazy <cmd>: <msg>") to stderr and returns the exit status for
 * st. */
int rl_cli_report_error(const char *cmd, const rl_status *st);
/* Prints a usage error and the one-line usage, returns 2. */
int rl_cli_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
** After getopt_long returned '?' or ':' (optstring starting with ':', opterr = 0):
** names the bad option, suggests the nearest of opts ("did you mean '--grace'?")
** and prints the usage. Returns 2.
*/
int rl_cli_option_error(const char *cmd, const char *usage, const struct option *opts, int c,
                        char **argv);
/*
** A duration for people: "4 s", "3 min 05 s" under ten minutes, "25 min", "2.1 h",
** "3.5 d"; "?" if negative or not finite.
*/
void rl_cli_duration(double seconds, char *buf, size_t cap);

/*
** What `plan` and `run` check on every item before anything runs (an
** rl_spec_check_fn): rl_train_check, and that an sMNIST item's data files can be
** read — otherwise every such item would fail only once running.
*/
rl_code rl_cli_check_item(const rl_params *p, rl_status *st);

/* Online cores of this machine (for estimates and defaults). */
int rl_cli_cores(void);
/*
** Finds item SELECTOR (a cube index, or a 16-hex item id) of spec; NULL with a
** message naming the valid range otherwise.
*/
const rl_item *rl_cli_find_item(const rl_spec *spec, const char *selector, rl_status *st);

#endif /* RL_CLI_H */
