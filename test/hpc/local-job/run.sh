#!/bin/bash
# A local multi-node run of the HPC job: the real hpc-job/mnp-run.sh on N simulated AWS Batch
# multi-node parallel nodes on this machine.
#
#   npm run hpc:local-job -- --nodes N [--fail-node K] [--missing-key] [--shared-storage] [--wait-seconds S] [-- program [args...]]
#
# Each node is what an MNP container sees:
# - a network namespace in awsvpc layout: `eth0` with a VPC-style address, on a bridge that
#   plays the subnet (in a namespace of its own), and `ecs-eth0` with 169.254.172.2/22 towards a
#   per-node "host" namespace at 169.254.172.1, the credentials route 169.254.170.2 through it,
#   as the ECS agent's CNI plugins set it up (aws/amazon-ecs-agent agent/ecscni). `ecs-eth0` is
#   created first, so `hostname -I` lists its address before eth0's, on every node;
# - its own hostname, /tmp, /dev/shm and /run/hpc-job (UTS and mount namespaces);
# - the environment variables AWS Batch sets for multi-node parallel jobs
#   (https://docs.aws.amazon.com/batch/latest/userguide/job_env_vars.html): node index, main
#   node index, node count and, on child nodes only, the main node's address.
# Open MPI and libfabric come from Debian; FI_PROVIDER=tcp stands in for EFA, set here and only
# here (the job's default stays efa). The cluster SSH key is generated into a temporary folder
# for this run and handed to mnp-run.sh through HPC_SSH_KEY_FILE, in place of SSM.
#
# With --fail-node K, node K has no working fabric (it keeps the production FI_PROVIDER=efa,
# and this machine has no EFA device), so it dies before registering; the main node gives up
# after --wait-seconds (default 60) naming it, and this run exits non-zero.
#
# With --missing-key, the key file does not exist, as when the SSM parameter is gone or the
# role may not read it: every node must refuse to start, saying so.
#
# With --shared-storage, one folder of this run is bind-mounted at /fsx in every node, as the
# job definition hands each container its host's FSx for Lustre mount, and the job gets
# HPC_SHARED_STORAGE=/fsx: every node must see the others' marks there before the program runs.
#
# Needs root (namespaces). Installs what it needs with apt-get. Every namespace, process and
# file it creates is removed on every exit path, Ctrl-C and SIGTERM included.
set -euo pipefail

readonly REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
readonly RUN_ID="hpcjob$$"
readonly SUBNET_PREFIX=10.0.16 SUBNET_BITS=20 FIRST_HOST=10
readonly JOB_DEADLINE_EXTRA_SECONDS=60

nodes=''
fail_node=''
missing_key=''
shared_storage=''
wait_seconds=60
program=()

say() { echo "local job: $*"; }
die() {
  echo "local job: FAIL: $*" >&2
  exit 1
}

usage() {
  echo "usage: npm run hpc:local-job -- --nodes N [--fail-node K] [--missing-key] [--shared-storage] [--wait-seconds S] [-- program [args...]]" >&2
  echo "  N from 2 to 16; K a node index from 0 to N-1; program a C file (built with mpicc) or a command on this machine" >&2
  exit 2
}

while [ "$#" -gt 0 ]; do
  case "$1" in
    --nodes) nodes=${2:-}; shift 2 || usage ;;
    --fail-node) fail_node=${2:-}; shift 2 || usage ;;
    --wait-seconds) wait_seconds=${2:-}; shift 2 || usage ;;
    --missing-key) missing_key=yes; shift ;;
    --shared-storage) shared_storage=yes; shift ;;
    --) shift; program=("$@"); break ;;
    -h | --help) usage ;;
    *) echo "local job: unknown argument $1" >&2; usage ;;
  esac
done
[[ $nodes =~ ^[0-9]+$ ]] && [ "$nodes" -ge 2 ] && [ "$nodes" -le 16 ] || { echo "local job: --nodes must be a whole number from 2 to 16" >&2; usage; }
[ -z "$fail_node" ] || { [[ $fail_node =~ ^[0-9]+$ ]] && [ "$fail_node" -lt "$nodes" ]; } || { echo "local job: --fail-node must be a node index from 0 to $((nodes - 1))" >&2; usage; }
[[ $wait_seconds =~ ^[0-9]+$ ]] && [ "$wait_seconds" -ge 10 ] || { echo "local job: --wait-seconds must be 10 or more" >&2; usage; }
[ "$(id -u)" -eq 0 ] || die "network namespaces need root: run it as root (CI does)"

# --- what it needs, from Debian -------------------------------------------------------------
ensure_packages() {
  local missing=()
  command -v mpirun >/dev/null || missing+=(openmpi-bin)
  command -v mpicc >/dev/null || missing+=(libopenmpi-dev)
  command -v gcc >/dev/null || missing+=(gcc libc6-dev)
  command -v fi_info >/dev/null || missing+=(libfabric-bin)
  [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
  command -v ssh >/dev/null || missing+=(openssh-client)
  command -v ip >/dev/null || missing+=(iproute2)
  command -v unshare >/dev/null || missing+=(util-linux)
  [ "${#missing[@]}" -eq 0 ] && return
  say "installing ${missing[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get install -y --no-install-recommends "${missing[@]}" || { apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"; }; } >/tmp/"$RUN_ID"-apt.log 2>&1 ||
    { tail -n 20 /tmp/"$RUN_ID"-apt.log >&2; rm -f /tmp/"$RUN_ID"-apt.log; die "apt-get could not install ${missing[*]}"; }
  rm -f /tmp/"$RUN_ID"-apt.log
}

# --- clean-up, on every exit path -----------------------------------------------------------
work=''
namespaces=()
created_dirs=()

remove_namespace() {
  local ns=$1 pids
  pids=$(ip netns pids "$ns" 2>/dev/null || true)
  # shellcheck disable=SC2086 # one pid per word
  [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  exec 2>/dev/null # the shell's own "Killed" notices for the nodes stopped below
  jobs -p | xargs -r kill -KILL || true
  for ns in "${namespaces[@]}"; do remove_namespace "$ns"; done
  [ -z "$work" ] || rm -rf "$work"
  for dir in "${created_dirs[@]}"; do rmdir "$dir" 2>/dev/null || true; done
  exit "$status"
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM

# Namespaces left by a run that was killed outright (SIGKILL runs no trap): their run's process is gone.
for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }' | grep -E '^hpcjob[0-9]+-' || true); do
  owner=${ns#hpcjob}
  owner=${owner%%-*}
  kill -0 "$owner" 2>/dev/null || remove_namespace "$ns"
done

ensure_packages
work=$(mktemp -d /var/tmp/hpc-local-job.XXXXXX)
for dir in /run/hpc-job /run/sshd ${shared_storage:+/fsx}; do
  [ -d "$dir" ] || { mkdir -p "$dir" && created_dirs+=("$dir"); }
done

# --- the program: the fabric check by default, built from hpc-job/programs as the image does ---
mkdir -p "$work/bin"
build() { mpicc -O2 -Wall -o "$work/bin/$(basename "$1" .c)" "$1" || die "mpicc could not build $1"; }
if [ "${#program[@]}" -eq 0 ]; then
  build "$REPO/hpc-job/programs/mpi-fabric-check.c"
  program=("$work/bin/mpi-fabric-check")
elif [[ ${program[0]} == *.c ]]; then
  [ -f "${program[0]}" ] || die "no such C file: ${program[0]}"
  build "${program[0]}"
  program=("$work/bin/$(basename "${program[0]}" .c)" "${program[@]:1}")
elif [ -f "${program[0]}" ]; then
  cp "${program[0]}" "$work/bin/" && program=("$work/bin/$(basename "${program[0]}")" "${program[@]:1}")
fi
# The entry point too, as the image copies it to /opt/hpc-job: each node has a /tmp of its own,
# which would hide a repository checked out under /tmp.
install -m 0755 "$REPO/hpc-job/mnp-run.sh" "$work/bin/mnp-run.sh"

# --- the shared file system: one folder of this run, at /fsx in every node -----------------------
if [ -n "$shared_storage" ]; then mkdir -m 1777 "$work/fsx"; fi

# --- the cluster key: generated for this run only, never committed ------------------------------
if [ -z "$missing_key" ]; then ssh-keygen -q -t ed25519 -N '' -C "local-job-$RUN_ID" -f "$work/cluster_key"; fi

# --- the network: one subnet bridge, and per node a container and a host namespace ------------
vpc="$RUN_ID-vpc"
ip netns add "$vpc" && namespaces+=("$vpc")
ip -n "$vpc" link add br0 type bridge
ip -n "$vpc" link set br0 up

address_of() { echo "${SUBNET_PREFIX}.$((FIRST_HOST + $1))"; }

for ((k = 0; k < nodes; k++)); do
  node="$RUN_ID-n$k" host="$RUN_ID-h$k"
  ip netns add "$host" && namespaces+=("$host")
  ip netns add "$node" && namespaces+=("$node")
  ip -n "$host" link set lo up
  ip -n "$node" link set lo up
  # ECS's side first: ecs-eth0 in the container, its peer in the host namespace.
  ip link add ecs-eth0 netns "$node" type veth peer name ecs-bridge netns "$host"
  ip -n "$host" addr add 169.254.172.1/22 dev ecs-bridge
  ip -n "$host" link set ecs-bridge up
  ip -n "$node" addr add 169.254.172.2/22 dev ecs-eth0
  ip -n "$node" link set ecs-eth0 up
  ip -n "$node" route add 169.254.170.2/32 via 169.254.172.1 dev ecs-eth0
  # The task's own interface: eth0, on the subnet bridge.
  ip link add eth0 netns "$node" type veth peer name "n$k" netns "$vpc"
  ip -n "$vpc" link set "n$k" master br0 up
  ip -n "$node" addr add "$(address_of "$k")/$SUBNET_BITS" dev eth0
  ip -n "$node" link set eth0 up
  say "node $k: eth0 $(address_of "$k")/$SUBNET_BITS, ecs-eth0 169.254.172.2/22; hostname -I lists: $(ip netns exec "$node" hostname -I)"
done

# --- the nodes: the main node first, as Batch starts it; then the children -------------------
job_id="local-$(date +%s)-$$"
pids=()
start_node() {
  local k=$1 provider=tcp
  [ "$k" != "$fail_node" ] || provider=efa
  local environment=(
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
    AWS_BATCH_JOB_ID="${job_id}#${k}" AWS_BATCH_JOB_ATTEMPT=1 AWS_BATCH_JQ_NAME=local-job-queue AWS_BATCH_CE_NAME=local-compute-environment
    AWS_BATCH_JOB_NODE_INDEX="$k" AWS_BATCH_JOB_MAIN_NODE_INDEX=0 AWS_BATCH_JOB_NUM_NODES="$nodes"
    HPC_RANKS_PER_NODE=1 EFA_INTERFACES_PER_NODE=0 HPC_NODE_WAIT_SECONDS="$wait_seconds"
    HPC_SSH_KEY_FILE="$work/cluster_key" FI_PROVIDER="$provider"
  )
  [ -z "$shared_storage" ] || environment+=(HPC_SHARED_STORAGE=/fsx)
  [ "$k" -eq 0 ] || environment+=(AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS="$(address_of 0)")
  # shellcheck disable=SC2016 # expanded by the node's shell
  env -i "${environment[@]}" ip netns exec "$RUN_ID-n$k" unshare --uts --mount --propagation private -- bash -c '
    hostname "$1" && mount -t tmpfs -o mode=0700 tmpfs /run/hpc-job && mount -t tmpfs tmpfs /tmp && mount -t tmpfs tmpfs /dev/shm || exit 1
    if [ -n "$2" ]; then mount --bind "$2" /fsx || exit 1; fi
    shift 2
    exec "$@"' _ "ip-$(address_of "$k" | tr . -)" "${shared_storage:+$work/fsx}" "$work/bin/mnp-run.sh" "${program[@]}" \
    > >(sed -u "s/^/node $k | /") 2>&1 &
  pids[k]=$!
}

say "job ${job_id}: ${nodes} nodes, FI_PROVIDER=tcp${fail_node:+, node ${fail_node} without a working fabric}${missing_key:+, no cluster key}${shared_storage:+, /fsx shared}; program: ${program[*]##*/}"
start_node 0
sleep 1
for ((k = 1; k < nodes; k++)); do start_node "$k"; done

# The job ends when the main node exits (Batch then stops the children). A deadline guards
# against a hang anywhere: the main node's own registration wait, plus a minute for MPI.
deadline=$((SECONDS + wait_seconds + JOB_DEADLINE_EXTRA_SECONDS))
while kill -0 "${pids[0]}" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 1; done
if kill -0 "${pids[0]}" 2>/dev/null; then
  die "the main node was still running after $((wait_seconds + JOB_DEADLINE_EXTRA_SECONDS)) s"
fi
main_status=0
wait "${pids[0]}" || main_status=$?

dead_children=()
for ((k = 1; k < nodes; k++)); do
  if ! kill -0 "${pids[k]}" 2>/dev/null; then
    child_status=0
    wait "${pids[k]}" || child_status=$?
    dead_children+=("node $k (exit ${child_status})")
  fi
done
sleep 0.2 # let the last log lines through sed
if [ "${#dead_children[@]}" -gt 0 ]; then say "died before the job ended: ${dead_children[*]}"; fi
[ "$main_status" -eq 0 ] || die "the main node exited ${main_status}${fail_node:+; node ${fail_node} was given no working fabric}"
say "PASS: the main node exited 0 after running ${program[*]##*/} on ${nodes} nodes"
