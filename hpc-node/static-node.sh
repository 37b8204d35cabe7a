#!/bin/bash
# Static cluster node, second boot step (after install-efa.sh): join the MPI cluster.
# - Only a node whose fabric check passed joins (install-efa.sh wrote /var/lib/hpc/fabric-ok;
#   a node that failed has already marked itself Unhealthy).
# - The cluster SSH key comes from SSM Parameter Store: this node's role may read that one
#   parameter. It becomes the MPI user's key and authorized key, and sshd's host key, so nodes
#   trust exactly the peers that hold it (known_hosts: `*` -> the cluster key). No key is in the
#   AMI, the launch template or the user data. Without it the node refuses to join, saying why.
# - /etc/hpc/cluster.env gets the interface MPI must use: the one holding the instance's primary
#   private address (a multi-card node has one address per EFA interface, all in one subnet).
# - With shared storage (HPC_SHARED_STORAGE in cluster.env), only a node that mounted it joins.
# - The hostfile is written in the background (mpi-hostfile), once every node answers.
# Reads /etc/hpc/cluster.env. HPC_TEST_ROOT exists for test/hpc/node-scripts.test.ts only.
set -euo pipefail
umask 077
readonly ROOT=${HPC_TEST_ROOT:-}
# shellcheck source=/dev/null
source "$ROOT/etc/hpc/cluster.env"

report() {
  echo "hpc-node: $*" >&2
  echo "hpc-node: $*" 2>/dev/null >>"$ROOT/dev/console" || true
  logger -t hpc-node -- "$*" 2>/dev/null || true
}
refuse() {
  report "NOT JOINING the MPI cluster: $*"
  exit 1
}

imds() {
  local token
  token=$(curl --fail --silent --max-time 5 -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 60')
  curl --fail --silent --max-time 5 -H "X-aws-ec2-metadata-token: ${token}" "http://169.254.169.254/latest/meta-data/$1"
}

[ -f "$ROOT/var/lib/hpc/fabric-ok" ] || refuse "the fabric check did not pass (see the lines above)"
[ -z "${HPC_SHARED_STORAGE:-}" ] || [ -f "$ROOT/var/lib/hpc/shared-storage-ok" ] ||
  refuse "the shared file system is not mounted at ${HPC_SHARED_STORAGE} (see the lines above)"

region=$(imds placement/region) || refuse "cannot read the region from the instance metadata service"
primary_address=$(imds local-ipv4) || refuse "cannot read the primary address from the instance metadata service"
interface=$(ip -o -4 addr show | awk -v address="$primary_address" '{ split($4, a, "/"); if (a[1] == address) { print $2; exit } }')
[ -n "$interface" ] || refuse "no interface holds the primary address ${primary_address}"

key=$(aws ssm get-parameter --region "$region" --name "$HPC_SSH_KEY_PARAMETER" --with-decryption \
  --query Parameter.Value --output text 2>"$ROOT/tmp/hpc-ssm-error") ||
  refuse "cannot read the cluster SSH key from SSM parameter ${HPC_SSH_KEY_PARAMETER}: $(tail -n 1 "$ROOT/tmp/hpc-ssm-error")"
rm -f "$ROOT/tmp/hpc-ssm-error"

# sshd's host key: first in sshd_config.d, so it is the ed25519 host key sshd offers.
install -d -m 0755 "$ROOT/etc/ssh/sshd_config.d"
printf '%s\n' "$key" >"$ROOT/etc/ssh/hpc_cluster_key"
chmod 0600 "$ROOT/etc/ssh/hpc_cluster_key"
public_key=$(ssh-keygen -y -f "$ROOT/etc/ssh/hpc_cluster_key" 2>/dev/null) || refuse "the SSM parameter ${HPC_SSH_KEY_PARAMETER} holds no SSH private key"
echo "HostKey /etc/ssh/hpc_cluster_key" >"$ROOT/etc/ssh/sshd_config.d/00-hpc-cluster.conf"
chmod 0644 "$ROOT/etc/ssh/sshd_config.d/00-hpc-cluster.conf"

# The MPI user's side: the same key, trusted as every peer's host key.
home=$ROOT$(getent passwd "$HPC_MPI_USER" | cut -d : -f 6)
[ "$home" != "$ROOT" ] || refuse "no user ${HPC_MPI_USER} on this AMI"
install -d -m 0700 "$home/.ssh"
printf '%s\n' "$key" >"$home/.ssh/id_ed25519"
echo "$public_key" >"$home/.ssh/id_ed25519.pub"
echo "$public_key" >>"$home/.ssh/authorized_keys"
echo "* $(cut -d ' ' -f 1,2 <<<"$public_key")" >"$home/.ssh/known_hosts"
printf 'Host *\n  HostKeyAlgorithms ssh-ed25519\n  StrictHostKeyChecking yes\n  BatchMode yes\n  ConnectTimeout 5\n' >"$home/.ssh/config"
chmod 0600 "$home/.ssh/"*
chown -R "$HPC_MPI_USER:" "$home/.ssh"

echo "HPC_MPI_INTERFACE=${interface}" >>"$ROOT/etc/hpc/cluster.env"
systemctl restart sshd
report "joined the MPI cluster as ${primary_address} on ${interface}; the hostfile follows once every node answers"
systemd-run --unit=mpi-hostfile /usr/local/bin/mpi-hostfile
