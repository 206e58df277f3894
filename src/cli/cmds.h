/*
** cmds.h: the subcommands of the sweep engine (module: cli) — `run` drives
** rl_run_sweep under mpirun/srun, `status` reads a results file. Each returns
** the process exit status (0 done, 1 internal error, 2 bad input or usage,
** 3 stopped early and resumable); argv[0] is the subcommand's name.
*/
#ifndef RL_CLI_CMDS_H
#define RL_CLI_CMDS_H

int rl_cli_run(int argc, char **argv);
int rl_cli_status(int argc, char **argv);

#endif /* RL_CLI_CMDS_H */
