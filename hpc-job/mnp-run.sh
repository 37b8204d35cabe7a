#!/bin/bash
# Entry point of every node of the fabric-check job (AWS Batch multi-node parallel).
# Batch starts this container on each node and sets:
#   AWS_BATCH_JOB_NODE_INDEX       this node's index (0-based)
#   AWS_BATCH_JOB_MAIN_NODE_INDEX  the main node's index
#   AWS_BATCH_JOB_NUM_NODES        how many nodes the job has
#   AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS  the main node's address (child nodes only)
# Every node proves its own EFA device with fi_info, then registers with the main node; the main
# node waits for all of them, runs the OSU point-to-point latency and bandwidth tests between
# the first two nodes over MPI on EFA, and exits. When the main node exits, Batch ends the job
# and stops the child nodes.
set -euo pipefail

readonly HOSTFILE=/tmp/mnp-hostfile
readonly OSU_PT2PT=/opt/osu/libexec/osu-micro-benchmarks/mpi/pt2pt
readonly REGISTRATION_TIMEOUT_SECONDS=600

log() { echo "[node ${AWS_BATCH_JOB_NODE_INDEX}] $*"; }

my_address() { hostname -I | awk '{print $1}'; }

check_fabric() {
  log "fi_info -p efa (EFA interfaces expected on this node: ${EFA_INTERFACES_PER_NODE:-unknown})"
  if ! fi_info -p efa -t FI_EP_RDM; then
    log "FAIL: no EFA device visible to libfabric: check the job definition's /dev/infiniband/uverbs* devices"
    exit 1
  fi
}

start_sshd() { /usr/sbin/sshd -e; }

run_main_node() {
  my_address > "$HOSTFILE"
  log "waiting for ${AWS_BATCH_JOB_NUM_NODES} nodes to register"
  local waited=0
  while [ "$(sort -u "$HOSTFILE" | wc -l)" -lt "$AWS_BATCH_JOB_NUM_NODES" ]; do
    if [ "$waited" -ge "$REGISTRATION_TIMEOUT_SECONDS" ]; then
      log "FAIL: only $(sort -u "$HOSTFILE" | wc -l) of ${AWS_BATCH_JOB_NUM_NODES} nodes registered"
      exit 1
    fi
    sleep 5
    waited=$((waited + 5))
  done
  sort -u "$HOSTFILE" | head -n 2 > /tmp/pair
  log "all nodes registered; point-to-point tests between: $(tr '\n' ' ' < /tmp/pair)"

  # One rank on each of two nodes; Open MPI's OFI path with the EFA provider, never TCP.
  # --prefix: the remote Open MPI daemon starts over SSH, whose login PATH is not the image's.
  local mpi=(mpirun --prefix /opt/amazon/openmpi --allow-run-as-root -np 2 --map-by ppr:1:node --hostfile /tmp/pair
    --mca pml cm --mca mtl ofi -x FI_PROVIDER=efa -x PATH -x LD_LIBRARY_PATH)
  "${mpi[@]}" "${OSU_PT2PT}/osu_latency"
  "${mpi[@]}" "${OSU_PT2PT}/osu_bw"
  log "PASS: EFA fabric checked"
}

run_child_node() {
  local main="${AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS}"
  local me
  me=$(my_address)
  log "registering ${me} with the main node ${main}"
  local waited=0
  # shellcheck disable=SC2029 # this node's address is meant to expand here, before ssh sends it
  until ssh "$main" "echo ${me} >> ${HOSTFILE}"; do
    if [ "$waited" -ge "$REGISTRATION_TIMEOUT_SECONDS" ]; then
      log "FAIL: could not reach the main node at ${main}"
      exit 1
    fi
    sleep 5
    waited=$((waited + 5))
  done
  log "registered; serving MPI ranks until the main node finishes"
  sleep infinity
}

check_fabric
start_sshd
if [ "$AWS_BATCH_JOB_NODE_INDEX" = "$AWS_BATCH_JOB_MAIN_NODE_INDEX" ]; then
  run_main_node
else
  run_child_node
fi
