#!/bin/bash
# Static cluster: write the MPI hostfile from the nodes that carry this cluster's tag, once all
# of them are running. Nodes find each other through the EC2 API, not a fixed address list, so a
# replaced node is picked up by running this again (`sudo mpi-hostfile`).
# Reads CLUSTER_TAG_KEY, CLUSTER_TAG_VALUE, CLUSTER_NODES, SLOTS_PER_NODE from /etc/hpc/cluster.env.
set -euo pipefail
# shellcheck source=/dev/null
source /etc/hpc/cluster.env

hostfile=/etc/hpc/hostfile
token=$(curl --fail --silent -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')
region=$(curl --fail --silent -H "X-aws-ec2-metadata-token: ${token}" http://169.254.169.254/latest/meta-data/placement/region)

deadline=$((SECONDS + 1800))
while :; do
  addresses=$(aws ec2 describe-instances --region "$region" \
    --filters "Name=tag:${CLUSTER_TAG_KEY},Values=${CLUSTER_TAG_VALUE}" "Name=instance-state-name,Values=running" \
    --query 'Reservations[].Instances[].PrivateIpAddress' --output text | tr '\t' '\n' | grep -v '^$' | sort -V || true)
  count=$(printf '%s\n' "$addresses" | grep -c . || true)
  if [ "$count" -ge "$CLUSTER_NODES" ]; then break; fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "mpi-hostfile: only ${count} of ${CLUSTER_NODES} nodes are running after 30 minutes" >&2
    exit 1
  fi
  sleep 15
done

tmp=$(mktemp)
while read -r address; do
  printf '%s slots=%s\n' "$address" "$SLOTS_PER_NODE"
done <<<"$addresses" >"$tmp"
install -m 0644 "$tmp" "$hostfile"
rm -f "$tmp"
echo "mpi-hostfile: wrote ${count} nodes to ${hostfile}"
