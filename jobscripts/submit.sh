#!/bin/bash
# submit.sh — submits jobscripts/sweep.sbatch for one sweep with the usual choices filled in,
# and prints the sbatch command it ran (README "Running on a SLURM cluster").
#
#   jobscripts/submit.sh [-N NODES] [-n TASKS_PER_NODE] [-t TIME] [-w WARN_SECONDS]
#                        [-p PARTITION] [-A ACCOUNT] [-s SBATCH_OPTION]... [-d]
#                        SPEC OUT.nc [richlazy run options]
#
#   -N  nodes (1)                  -n  MPI ranks per node (default: the cores of the partition's
#                                      smallest node, from sinfo)
#   -t  time limit of each allocation, as sbatch takes it (04:00:00)
#   -w  seconds of warning before the limit (120): running items checkpoint, the job requeues
#   -p, -A  partition and account (EDIT: or set RL_PARTITION / RL_ACCOUNT in your shell profile)
#   -s  any further sbatch option, repeatable (e.g. -s --mem=0 -s --exclusive)
#   -d  check and print the sbatch command without submitting
# Before anything is queued, `richlazy plan SPEC -o OUT.nc` checks the spec completely and, when
# OUT.nc already has a journal, that this spec resumes or extends it (another spec is refused
# with the diff): exit 2 with its message, as the job would fail after its wait in the queue.
# The log is OUT.nc.slurm-JOBID.log (appended to across requeues). The job runs the binary
# found as $RICHLAZY, else `richlazy` on PATH, else this checkout's build/src/cli/richlazy.
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0 ;; esac
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
nodes=1 tasks='' time=04:00:00 warn=120 dry=0
partition=${RL_PARTITION:-} account=${RL_ACCOUNT:-}
extra=()
usage() {
    echo "usage: submit.sh [-N NODES] [-n TASKS_PER_NODE] [-t TIME] [-w WARN_SECONDS]" >&2
    echo "                 [-p PARTITION] [-A ACCOUNT] [-s SBATCH_OPTION]... [-d]" >&2
    echo "                 SPEC OUT.nc [richlazy run options]" >&2
    exit 2
}
die() {
    echo "submit.sh: $*" >&2
    exit 2
}
while getopts "N:n:t:w:p:A:s:d" opt; do
    case $opt in
    N) nodes=$OPTARG ;;
    n) tasks=$OPTARG ;;
    t) time=$OPTARG ;;
    w) warn=$OPTARG ;;
    p) partition=$OPTARG ;;
    A) account=$OPTARG ;;
    s) extra+=("$OPTARG") ;;
    d) dry=1 ;;
    *) usage ;;
    esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || usage
# Ranks per node: one per core of the smallest node the job may get (sinfo: CPUs / threads
# per core), so that the job fits every node of the partition and a rank never shares a core.
if [ -z "$tasks" ]; then
    command -v sinfo >/dev/null || die "-n not given and no sinfo to ask for the nodes' cores; give -n"
    tasks=$({ sinfo -h -N ${partition:+-p "$partition"} -o '%c %Z' 2>/dev/null || true; } |
        awk '$1 > 0 && $2 > 0 { c = int($1 / $2); if (!m || c < m) m = c } END { if (m) print m }')
    [ -n "$tasks" ] || die "-n not given, and sinfo names no node${partition:+ in partition $partition} (is SLURM reachable?); give -n"
fi
for v in "$nodes" "$tasks" "$warn"; do
    [[ $v =~ ^[1-9][0-9]*$ ]] || die "-N, -n and -w take positive integers (got '$v')"
done
# Absolute paths: the job may start in another directory, and requeued runs must agree.
absolute() { (cd "$(dirname "$1")" 2>/dev/null && echo "$(pwd)/$(basename "$1")"); }
[ -r "$1" ] || die "cannot read the spec '$1'"
spec=$(absolute "$1")
out=$(absolute "$2") || die "the directory of '$2' does not exist"
shift 2

if [ -z "${RICHLAZY:-}" ]; then
    RICHLAZY=$(command -v richlazy || echo "$here/../build/src/cli/richlazy")
fi
[ -x "$RICHLAZY" ] || die "no richlazy binary at '$RICHLAZY' (build it, or set RICHLAZY)"
RICHLAZY=$(absolute "$RICHLAZY")
export RICHLAZY # sbatch hands the submitting shell's environment to the job (--export=ALL)

# Refuse what the job would refuse, before it waits in a queue (plan prints the cost too).
why=$(mktemp)
if ! plan=$("$RICHLAZY" plan "$spec" -o "$out" --cores $((nodes * tasks)) 2>"$why"); then
    cat "$why" >&2
    rm -f "$why"
    die "refused before submitting (the job would fail the same way): fix the spec or -o"
fi
rm -f "$why"
echo "$plan" | grep -E '^(items|cost|results):' >&2

cmd=(sbatch --parsable --nodes="$nodes" --ntasks-per-node="$tasks" --time="$time"
     --signal=B:USR1@"$warn" --job-name="rl-$(basename "${spec%.*}")" --output="$out.slurm-%j.log")
[ -n "$partition" ] && cmd+=(--partition="$partition")
[ -n "$account" ] && cmd+=(--account="$account")
cmd+=("${extra[@]}" "$here/sweep.sbatch" "$spec" "$out" "$@")

echo "RICHLAZY=$RICHLAZY ${cmd[*]}" >&2
[ "$dry" = 1 ] && exit 0
job=$("${cmd[@]}")
echo "submitted job $job; watch: richlazy status $out; log: $out.slurm-${job%%;*}.log" >&2
echo "$job"
