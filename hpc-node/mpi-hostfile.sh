#!/bin/bash
# Static cluster: write /etc/hpc/hostfile once every node of the cluster is ready. A node is
# listed when it carries the cluster tag, is running, and answers over SSH with the cluster key
# that its fabric check passed (/var/lib/hpc/fabric-ok), so a node that failed its check, or is
# still booting, is never in the hostfile. Slots: one per physical core, not per vCPU. Nodes
# find each other through the EC2 API, not a fixed list: after a replacement, run it again
# (`sudo mpi-hostfile`).
# Reads /etc/hpc/cluster.env. HPC_TEST_ROOT exists for test/hpc/node-scripts.test.ts only.
set -euo pipefail
readonly ROOT=${HPC_TEST_ROOT:-}
readonly DEADLINE_SECONDS=${HPC_TEST_HOSTFILE_DEADLINE_SECONDS:-1800}
# shellcheck source=/dev/null
source "$ROOT/etc/hpc/cluster.env"

token=$(curl --fail --silent -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')
region=$(curl --fail --silent -H "X-aws-ec2-metadata-token: ${token}" http://169.254.169.254/latest/meta-data/placement/region)

ready_nodes() {
  local address
  aws ec2 describe-instances --region "$region" \
    --filters "Name=tag:${CLUSTER_TAG_KEY},Values=${CLUSTER_TAG_VALUE}" "Name=instance-state-name,Values=running" \
    --query 'Reservations[].Instances[].PrivateIpAddress' --output text | tr '\t' '\n' | grep -v '^$' | sort -V |
    while read -r address; do
      if runuser -u "$HPC_MPI_USER" -- ssh -n "$address" test -f /var/lib/hpc/fabric-ok 2>/dev/null; then echo "$address"; fi
    done
}

started=$SECONDS
while :; do
  addresses=$(ready_nodes || true)
  count=$(grep -c . <<<"$addresses" || true)
  if [ "$count" -ge "$CLUSTER_NODES" ]; then break; fi
  if [ $((SECONDS - started)) -ge "$DEADLINE_SECONDS" ]; then
    echo "mpi-hostfile: only ${count} of ${CLUSTER_NODES} nodes are ready after ${DEADLINE_SECONDS} s" >&2
    exit 1
  fi
  sleep 15
done

tmp=$(mktemp)
awk -v slots="$SLOTS_PER_NODE" '{ print $1 " slots=" slots }' <<<"$addresses" >"$tmp"
install -m 0644 "$tmp" "$ROOT/etc/hpc/hostfile"
rm -f "$tmp"
echo "mpi-hostfile: wrote ${count} nodes to /etc/hpc/hostfile"
