#!/bin/bash
# Mounts the cluster's FSx for Lustre file system at /fsx, once at first boot, as root, on every
# node that shares it: Batch hosts (their job containers get /fsx as a volume), static nodes,
# and the Slurm login and compute nodes.
#
#   mount-lustre.sh --dns-name <file system DNS name> --mount-name <mount name> [--mount-point /fsx]
#
# - The Lustre client comes from the distribution: `lustre-client` on Amazon Linux 2023 (AWS
#   ParallelCluster's cookbook, resources/lustre/lustre_alinux2023.rb), `amazon-linux-extras
#   install lustre` on Amazon Linux 2 (https://docs.aws.amazon.com/fsx/latest/LustreGuide/install-lustre-client.html).
# - The mount is the documented one, `mount -t lustre -o relatime,flock <dns name>@tcp:/<mount
#   name> /fsx`, kept in /etc/fstab with _netdev so it returns after a reboot
#   (https://docs.aws.amazon.com/fsx/latest/LustreGuide/mounting-ec2-instance.html).
# - /fsx is made writable by every user, sticky like /tmp: jobs run as ec2-user, the root of a
#   new file system belongs to root.
#
# A node that cannot mount takes no work, as with a failed fabric check (install-efa.sh):
# - `HPC_ON_STORAGE_FAILURE=withhold-ecs-agent` (AWS Batch): before anything else, an ecs.service
#   drop-in makes the ECS agent wait for /var/lib/hpc/shared-storage-ok, written only on success;
# - `mark-unhealthy` (static cluster): the node reports itself Unhealthy and is replaced;
# - `exit` (AWS PCS node lifecycle action): the script exits non-zero, and PCS's OnError
#   TERMINATE ends the instance before slurmd starts.
# The reason goes to the console, the journal and stderr.
#
# HPC_TEST_ROOT exists for test/hpc/node-scripts.test.ts only (a scratch root); nodes never set it.
set -euo pipefail

readonly ROOT=${HPC_TEST_ROOT:-}
readonly ON_FAILURE=${HPC_ON_STORAGE_FAILURE:-exit}
readonly STORAGE_OK=$ROOT/var/lib/hpc/shared-storage-ok

dns_name=''
mount_name=''
mount_point=/fsx
while [ "$#" -gt 0 ]; do
  case "$1" in
    --dns-name) dns_name=${2:-}; shift 2 ;;
    --mount-name) mount_name=${2:-}; shift 2 ;;
    --mount-point) mount_point=${2:-}; shift 2 ;;
    *) echo "mount-lustre.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

report() {
  echo "hpc-node: $*" >&2
  echo "hpc-node: $*" 2>/dev/null >>"$ROOT/dev/console" || true
  logger -t hpc-node -- "$*" 2>/dev/null || true
}

imds() {
  local token
  token=$(curl --fail --silent --max-time 5 -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 60')
  curl --fail --silent --max-time 5 -H "X-aws-ec2-metadata-token: ${token}" "http://169.254.169.254/latest/meta-data/$1"
}

failed=''
fail() {
  failed=yes
  report "SHARED STORAGE FAILED: $*"
  case "$ON_FAILURE" in
    withhold-ecs-agent) report "the ECS agent stays stopped: this node never registers with AWS Batch and takes no job" ;;
    mark-unhealthy)
      local instance region
      if instance=$(imds instance-id) && region=$(imds placement/region) &&
        aws autoscaling set-instance-health --region "$region" --instance-id "$instance" \
          --health-status Unhealthy --no-should-respect-grace-period; then
        report "marked ${instance} Unhealthy: its Auto Scaling group replaces it"
      else
        report "could not mark this node Unhealthy"
      fi
      ;;
    exit) report "exiting non-zero: AWS PCS terminates a node whose lifecycle action fails, before slurmd starts" ;;
  esac
  exit 1
}
# shellcheck disable=SC2154 # status is assigned inside the trap
trap 'status=$?; if [ "$status" -ne 0 ] && [ -z "$failed" ]; then fail "boot step stopped with status ${status}"; fi' EXIT

if [ -z "$dns_name" ] || [ -z "$mount_name" ]; then fail "usage: mount-lustre.sh --dns-name <name> --mount-name <name> [--mount-point /fsx]"; fi

if [ "$ON_FAILURE" = withhold-ecs-agent ]; then
  install -d "$ROOT/etc/systemd/system/ecs.service.d"
  cat >"$ROOT/etc/systemd/system/ecs.service.d/20-hpc-shared-storage.conf" <<UNIT
# Written by hpc-node/mount-lustre.sh: the ECS agent starts only once ${mount_point} is mounted.
[Unit]
ConditionPathExists=/var/lib/hpc/shared-storage-ok
UNIT
  systemctl daemon-reload
fi

install_client() {
  local os_id='' os_version=''
  # shellcheck source=/dev/null
  [ -r "$ROOT/etc/os-release" ] && os_id=$(. "$ROOT/etc/os-release" && echo "${ID:-}") && os_version=$(. "$ROOT/etc/os-release" && echo "${VERSION_ID:-}")
  case "${os_id}:${os_version}" in
    amzn:2023) dnf install -y lustre-client >&2 || fail "dnf could not install lustre-client" ;;
    amzn:2) amazon-linux-extras install -y lustre >&2 || fail "amazon-linux-extras could not install lustre" ;;
    *) fail "no Lustre client install known for ${os_id:-an unknown OS} ${os_version}: use an AMI with the Lustre client (docs/hpc.md)" ;;
  esac
}

if command -v mount.lustre >/dev/null; then
  report "Lustre client already in the AMI: no install"
else
  install_client
fi

source_spec="${dns_name}@tcp:/${mount_name}"
install -d "$ROOT$mount_point"
if ! grep -qs " ${mount_point} lustre " "$ROOT/etc/fstab"; then
  echo "${source_spec} ${mount_point} lustre defaults,relatime,flock,_netdev 0 0" >>"$ROOT/etc/fstab"
fi
if ! mountpoint -q "$ROOT$mount_point"; then
  mount -t lustre -o relatime,flock "$source_spec" "$ROOT$mount_point" ||
    fail "could not mount ${source_spec} at ${mount_point} (is the file system AVAILABLE, and are TCP 988 and 1018-1023 open in the fabric security group?)"
fi
chmod 1777 "$ROOT$mount_point"

install -d "$(dirname "$STORAGE_OK")"
date -u +%Y-%m-%dT%H:%M:%SZ >"$STORAGE_OK"
report "shared storage OK: ${source_spec} mounted at ${mount_point}"
