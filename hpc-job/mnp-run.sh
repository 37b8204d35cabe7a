#!/bin/bash
# Entry point of every node of an MPI job on AWS Batch multi-node parallel (MNP).
#
#   mnp-run.sh [program [arguments...]]
#
# Runs `program` over MPI on every node of the job; without one, the fabric check built into
# the image. A single argument is split at spaces, which is how the job parameter `program`
# arrives (the job definition's command is `mnp-run.sh Ref::program`).
#
# Batch starts this container on each node and sets (https://docs.aws.amazon.com/batch/latest/userguide/job_env_vars.html):
#   AWS_BATCH_JOB_NODE_INDEX        this node's index (0-based)
#   AWS_BATCH_JOB_MAIN_NODE_INDEX   the main node's index
#   AWS_BATCH_JOB_NUM_NODES         how many nodes the job has
#   AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS  the main node's address (child nodes only)
# The job definition sets HPC_SSH_KEY_PARAMETER and HPC_REGION (where the cluster SSH key is),
# HPC_RANKS_PER_NODE (physical cores) and EFA_INTERFACES_PER_NODE; with shared storage, also
# HPC_SHARED_STORAGE (/fsx: the host's FSx for Lustre mount, handed in as a volume). Every node
# then leaves a mark there, and the main node runs the program only once it sees every node's
# mark: all nodes share one file system, or the job fails saying which node does not.
#
# Every node checks its fabric with fi_info, reads the cluster SSH key, starts sshd on its VPC
# address and registers with the main node. The main node waits for every node, writes the
# hostfile and runs the program with mpirun. Batch does nothing when a child node dies, and ends
# the job when the main node exits (same page), so the main node itself gives up, naming the
# nodes that never registered, after HPC_NODE_WAIT_SECONDS.
#
# Set by test/hpc/local-job only, never by the job definition: HPC_SSH_KEY_FILE (the key from a
# local file instead of SSM) and FI_PROVIDER=tcp (libfabric's TCP provider instead of EFA).
set -euo pipefail
umask 077

# This node's SSH key, configuration and the hostfile: a tmpfs at run time, never in the image.
readonly STATE=/run/hpc-job
# SSH between the job's own containers, on a port of their own (the host may run sshd on 22).
readonly SSH_PORT=2222
# In awsvpc mode the task's own network interface (its VPC address) is eth0; ECS adds ecs-eth0,
# with an address in 169.254.172.0/22 that is the same kind on every node (aws/amazon-ecs-agent
# agent/ecscni/types.go and types_linux.go). MPI and SSH must use eth0, never ecs-eth0.
readonly NODE_INTERFACE=eth0
readonly WAIT_SECONDS=${HPC_NODE_WAIT_SECONDS:-600}
readonly PROVIDER=${FI_PROVIDER:-efa}
readonly RANKS_PER_NODE=${HPC_RANKS_PER_NODE:-1}
readonly INDEX=${AWS_BATCH_JOB_NODE_INDEX:?not an AWS Batch multi-node parallel job}
readonly MAIN_INDEX=${AWS_BATCH_JOB_MAIN_NODE_INDEX:?not an AWS Batch multi-node parallel job}
readonly NODES=${AWS_BATCH_JOB_NUM_NODES:?not an AWS Batch multi-node parallel job}

log() { echo "[node ${INDEX}] $*"; }
# To stderr, so a failure inside $(...) still reaches the log.
die() {
  log "FAIL: $*" >&2
  exit 1
}

if [ "$#" -eq 0 ]; then
  program=(/opt/hpc-job/bin/mpi-fabric-check)
elif [ "$#" -eq 1 ]; then
  read -r -a program <<<"$1"
else
  program=("$@")
fi

# The VPC address of this node, on purpose: the IPv4 address of eth0, and never a link-local one.
node_address() {
  local address
  address=$(ip -o -4 addr show dev "$NODE_INTERFACE" scope global 2>/dev/null | awk '{ split($4, a, "/"); print a[1]; exit }')
  case "$address" in
    '' | 169.254.*) die "no VPC address on ${NODE_INTERFACE}: $(ip -o -4 addr show 2>&1 | awk '{ print $2, $4 }' | tr '\n' ' ')" ;;
  esac
  echo "$address"
}

check_fabric() {
  log "fi_info -p ${PROVIDER} (EFA interfaces on this node: ${EFA_INTERFACES_PER_NODE:-unknown})"
  fi_info -p "$PROVIDER" -t FI_EP_RDM >"$STATE/fi_info" 2>&1 || {
    cat "$STATE/fi_info"
    die "libfabric has no ${PROVIDER} provider here: check the job definition's /dev/infiniband/uverbs* devices"
  }
  grep -E '^ *(provider|domain):' "$STATE/fi_info" | tr -s ' ' | paste -d ' ' - - | sort -u | sed "s/^/[node ${INDEX}]  /"
}

# The cluster's SSH key pair: the private key from SSM Parameter Store (the job role may read
# that one parameter), the public key derived from it. It is also every node's SSH host key, so
# each node trusts exactly the peers that hold it.
read_cluster_key() {
  if [ -n "${HPC_SSH_KEY_FILE:-}" ]; then
    cp "$HPC_SSH_KEY_FILE" "$STATE/cluster_key" 2>/dev/null || die "cannot read the cluster SSH key file ${HPC_SSH_KEY_FILE}; refusing to start"
  else
    [ -n "${HPC_SSH_KEY_PARAMETER:-}" ] || die "HPC_SSH_KEY_PARAMETER is not set (the job definition names the key's SSM parameter); refusing to start"
    aws ssm get-parameter --region "${HPC_REGION:?}" --name "$HPC_SSH_KEY_PARAMETER" --with-decryption \
      --query Parameter.Value --output text >"$STATE/cluster_key" 2>"$STATE/ssm-error" ||
      die "cannot read the cluster SSH key from SSM parameter ${HPC_SSH_KEY_PARAMETER}: $(tail -n 1 "$STATE/ssm-error"); refusing to start"
  fi
  ssh-keygen -y -f "$STATE/cluster_key" >"$STATE/cluster_key.pub" 2>/dev/null ||
    die "the cluster SSH key is not an SSH private key; refusing to start"
}

start_sshd() {
  local address=$1
  cp "$STATE/cluster_key.pub" "$STATE/authorized_keys"
  echo "* $(cut -d ' ' -f 1,2 "$STATE/cluster_key.pub")" >"$STATE/known_hosts"
  cat >"$STATE/sshd_config" <<CONFIG
Port ${SSH_PORT}
ListenAddress ${address}
HostKey ${STATE}/cluster_key
AuthorizedKeysFile ${STATE}/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
PidFile ${STATE}/sshd.pid
LogLevel ERROR
CONFIG
  cat >"$STATE/ssh_config" <<CONFIG
Host *
  Port ${SSH_PORT}
  User root
  IdentityFile ${STATE}/cluster_key
  IdentitiesOnly yes
  UserKnownHostsFile ${STATE}/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  BatchMode yes
  ConnectTimeout 5
  LogLevel ERROR
CONFIG
  /usr/sbin/sshd -f "$STATE/sshd_config" -e || die "sshd did not start on ${address}:${SSH_PORT}"
}

# The job's folder on the shared file system, one per job (AWS_BATCH_JOB_ID is <job id>#<node>).
shared_job_dir() { echo "${HPC_SHARED_STORAGE}/.hpc-job/${AWS_BATCH_JOB_ID%%#*}"; }

mark_shared_storage() {
  [ -n "${HPC_SHARED_STORAGE:-}" ] || return 0
  local dir
  dir=$(shared_job_dir)
  { mkdir -p "$dir" && echo "$1" >"$dir/node-${INDEX}"; } 2>/dev/null ||
    die "cannot write to the shared file system at ${HPC_SHARED_STORAGE}: is it mounted on this node's host?"
  log "shared storage: ${HPC_SHARED_STORAGE} writable"
}

check_shared_storage() {
  [ -n "${HPC_SHARED_STORAGE:-}" ] || return 0
  local dir k missing=''
  dir=$(shared_job_dir)
  for ((k = 0; k < NODES; k++)); do [ -f "$dir/node-${k}" ] || missing+="${k} "; done
  [ -z "$missing" ] || die "node(s) ${missing% } do not see this node's ${HPC_SHARED_STORAGE}: the nodes do not share one file system"
  log "shared storage: all ${NODES} nodes see the same ${HPC_SHARED_STORAGE}"
}

registered_indices() { cut -d ' ' -f 1 "$STATE/registrations" | sort -nu; }

run_main_node() {
  local me=$1 waited=0
  echo "${INDEX} ${me}" >"$STATE/registrations"
  log "waiting up to ${WAIT_SECONDS} s for ${NODES} nodes to register"
  while [ "$(registered_indices | wc -l)" -lt "$NODES" ]; do
    if [ "$waited" -ge "$WAIT_SECONDS" ]; then
      local missing
      missing=$(comm -23 <(seq 0 $((NODES - 1))) <(registered_indices) | sort -n | tr '\n' ' ')
      die "node(s) ${missing% } of ${NODES} never registered within ${WAIT_SECONDS} s (registered: $(registered_indices | tr '\n' ' ' | sed 's/ $//')); the log of each names its reason"
    fi
    sleep 2
    waited=$((waited + 2))
  done

  # One line per node in index order, as many slots as ranks per node (physical cores).
  sort -n -k 1,1 -u "$STATE/registrations" | awk -v slots="$RANKS_PER_NODE" '{ print $2 " slots=" slots }' >"$STATE/hostfile"
  log "all ${NODES} nodes registered: $(cut -d ' ' -f 1 "$STATE/hostfile" | tr '\n' ' ')"
  check_shared_storage

  # --prefix: the remote Open MPI daemons start over SSH, whose PATH is not the image's.
  # TCP and out-of-band traffic pinned to eth0, data over libfabric's ${PROVIDER} provider alone
  # (Open MPI's TCP FAQ: https://docs.open-mpi.org/en/v5.0.x/tuning-apps/networking/tcp.html).
  local prefix
  prefix=$(dirname "$(dirname "$(readlink -f "$(command -v mpirun)")")")
  local mpirun=(mpirun --prefix "$prefix" --allow-run-as-root
    --hostfile "$STATE/hostfile" -np $((NODES * RANKS_PER_NODE)) --map-by "ppr:${RANKS_PER_NODE}:node"
    --mca plm_rsh_agent "ssh -F ${STATE}/ssh_config"
    --mca btl_tcp_if_include "$NODE_INTERFACE" --mca oob_tcp_if_include "$NODE_INTERFACE"
    --mca pml cm --mca mtl ofi --mca mtl_ofi_provider_include "$PROVIDER"
    -x FI_PROVIDER="$PROVIDER" -x PATH)
  [ -z "${LD_LIBRARY_PATH:-}" ] || mpirun+=(-x LD_LIBRARY_PATH)
  log "mpirun: ${program[*]}"
  local status=0
  "${mpirun[@]}" "${program[@]}" || status=$?
  [ "$status" -eq 0 ] || die "the MPI program exited with status ${status}"
  [ -z "${HPC_SHARED_STORAGE:-}" ] || rm -rf "$(shared_job_dir)"
  log "PASS: ${program[*]} ran on ${NODES} nodes"
}

run_child_node() {
  local me=$1 main=${AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS:?child nodes get the main node address from Batch} waited=0
  log "registering ${me} with the main node ${main}"
  # shellcheck disable=SC2029 # this node's index and address expand here, before ssh sends them
  until ssh -F "$STATE/ssh_config" "$main" "echo '${INDEX} ${me}' >> ${STATE}/registrations"; do
    [ "$waited" -lt "$WAIT_SECONDS" ] || die "could not reach the main node at ${main}:${SSH_PORT} within ${WAIT_SECONDS} s"
    sleep 2
    waited=$((waited + 2))
  done
  log "registered; serving MPI ranks until the main node finishes"
  sleep infinity
}

install -d -m 0700 "$STATE"
check_fabric
read_cluster_key
address=$(node_address)
mark_shared_storage "$address"
start_sshd "$address"
if [ "$INDEX" = "$MAIN_INDEX" ]; then
  run_main_node "$address"
else
  run_child_node "$address"
fi
