#!/bin/bash
# The small Slurm job of `npm run smoke` (tools/smoke/hpc/slurm-job.ts sends this file, as it is,
# to the login node of a Slurm cluster on AWS PCS through SSM Run Command, where it runs as root).
#
#   slurm-smoke-job.sh run <partition> <nodes> <job name> <seconds>
#       one task on each of <nodes> compute nodes of <partition>, as ec2-user (the user of the
#       walkthrough in docs/hpc.md): each prints `smoke-node <host name> efa=yes|no`, yes when
#       libfabric finds the EFA provider on that node. Waits at most <seconds> for the job
#       (compute nodes start from zero); past that, or on any failure, the job is cancelled.
#   slurm-smoke-job.sh cancel <job name>
#       cancels the job, when npm run smoke stopped waiting before this script did.
#
# Failures are one `smoke-job: FAIL: ...` line on stderr and exit status 2 (srun's own failure: 3).
set -euo pipefail

readonly JOB_USER=${SMOKE_JOB_USER:-ec2-user}
# Where AWS PCS's Slurm installer puts Slurm, slurm-<version> below it
# (https://docs.aws.amazon.com/pcs/latest/userguide/multi-cluster-login-script-prerequisites.html).
readonly PCS_SLURM_ROOT=${SMOKE_PCS_SLURM_ROOT:-/opt/aws/pcs/scheduler}
# fi_info of the EFA installer, which the compute nodes' boot action installs (hpc-node/install-efa.sh).
readonly FI_INFO=${SMOKE_FI_INFO:-/opt/amazon/efa/bin/fi_info}
# A job that has started needs seconds; Slurm ends it after this many minutes whatever happens.
# Its tasks run in /tmp (--chdir): the agent's working folder on the login node is no path the
# compute nodes or ec2-user have.
readonly JOB_MINUTES=10

# die <message> [exit status, 2 by default]
die() {
  echo "smoke-job: FAIL: $1" >&2
  exit "${2:-2}"
}

# A Slurm client command: on PATH, or in the PCS installer's folder (the sample AMIs keep it off PATH).
slurm_command() {
  local name=$1 dir
  if command -v "$name" >/dev/null 2>&1; then
    command -v "$name"
    return
  fi
  for dir in "$PCS_SLURM_ROOT"/slurm-*/bin; do
    if [ -x "$dir/$name" ]; then
      echo "$dir/$name"
      return
    fi
  done
  echo "smoke-job: FAIL: no $name on the login node (looked on PATH and in ${PCS_SLURM_ROOT}/slurm-*/bin)" >&2
  return 1
}

cancel_job() {
  local job_name=$1 scancel
  scancel=$(slurm_command scancel) || exit 2
  "$scancel" --name="$job_name"
  echo "smoke-job: cancelled any job named ${job_name}"
}

run_job() {
  local partition=$1 nodes=$2 job_name=$3 seconds=$4 srun squeue status=0
  [[ $nodes =~ ^[1-9][0-9]*$ ]] || die "the node count must be a whole number, not ${nodes}"
  [[ $seconds =~ ^[1-9][0-9]*$ ]] || die "the time limit must be whole seconds, not ${seconds}"
  srun=$(slurm_command srun) || exit 2
  squeue=$(slurm_command squeue) || exit 2
  id "$JOB_USER" >/dev/null 2>&1 || die "no user ${JOB_USER} on the login node"

  local task
  task="if ${FI_INFO} -p efa -t FI_EP_RDM >/dev/null 2>&1; then efa=yes; else efa=no; fi; echo \"smoke-node \$(hostname) efa=\$efa\""
  echo "smoke-job: srun --partition=${partition} --nodes=${nodes} --ntasks-per-node=1 as ${JOB_USER}, for at most ${seconds} s"
  runuser -u "$JOB_USER" -- timeout --kill-after=30 "$seconds" \
    "$srun" --partition="$partition" --nodes="$nodes" --ntasks-per-node=1 --job-name="$job_name" --time="$JOB_MINUTES" --chdir=/tmp \
    bash -c "$task" </dev/null || status=$?
  [ "$status" -eq 0 ] && return 0

  # What the queue says of the job before it goes: why it waited (Resources, a DOWN node, ...).
  "$squeue" --noheader --name="$job_name" --format='smoke-job: queue: %T %r' || true
  cancel_job "$job_name" >/dev/null 2>&1 || true
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    die "the job did not finish within ${seconds} s, so it was cancelled (compute nodes that never came up? see the queue line)"
  fi
  die "srun exited with status ${status} (see its lines above)" 3
}

case "${1:-}" in
  run)
    [ "$#" -eq 5 ] || die "usage: $0 run <partition> <nodes> <job name> <seconds>"
    run_job "$2" "$3" "$4" "$5"
    ;;
  cancel)
    [ "$#" -eq 2 ] || die "usage: $0 cancel <job name>"
    cancel_job "$2"
    ;;
  *) die "usage: $0 run <partition> <nodes> <job name> <seconds> | cancel <job name>" ;;
esac
