#!/bin/bash
# The fabric gate of every cluster node, run once by cloud-init at first boot, as root: install
# the EFA software (kernel driver, libfabric with its EFA provider, Open MPI) from a verified
# download, unless the AMI already has it, and prove the fabric with `fi_info -p efa`.
#
# Only a node that passes ever takes work, whatever goes wrong in between:
# - `HPC_ON_FABRIC_FAILURE=withhold-ecs-agent` (AWS Batch): before anything else, a systemd
#   drop-in makes the ECS agent start only once /var/lib/hpc/fabric-ok exists. cloud-init's
#   exit status alone would not stop it: ecs.service is only ordered After=cloud-final.service
#   (aws/amazon-ecs-agent packaging/amazon-linux-ami-integrated/ecs.service), so it starts when
#   user data ends, failed or not. A node whose agent never registers gets no Batch job.
# - `HPC_ON_FABRIC_FAILURE=mark-unhealthy` (static cluster): the node reports itself Unhealthy
#   and its Auto Scaling group replaces it
#   (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_SetInstanceHealth.html).
# - `HPC_ON_FABRIC_FAILURE=exit` (AWS PCS, where this runs as a node lifecycle action): the script
#   exits non-zero, and PCS's OnError TERMINATE ends the instance before slurmd starts
#   (AWS::PCS::ComputeNodeGroup NodeLifecycleScript OnError:
#   https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-pcs-computenodegroup.html).
# Either way the reason goes to the serial console (`aws ec2 get-console-output`), the journal
# and cloud-init's log.
#
# A lifecycle action takes arguments, not environment: `--on-fabric-failure <action>` and
# `--efa-interfaces <count>` set the same two values.
#
# HPC_TEST_ROOT and HPC_TEST_EFA_SIGNING_KEY_FINGERPRINT exist for test/hpc/node-scripts.test.ts
# only (a scratch root, a test signing key); user data never sets them.
set -euo pipefail

while [ "$#" -gt 0 ]; do
  case "$1" in
    --on-fabric-failure) HPC_ON_FABRIC_FAILURE=${2:-}; shift 2 ;;
    --efa-interfaces) EFA_INTERFACES_EXPECTED=${2:-}; shift 2 ;;
    *) echo "install-efa.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

# Pinned for reproducible nodes; release notes: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-changelog.html
readonly EFA_INSTALLER_VERSION=1.50.0
readonly EFA_INSTALLER_URL=https://efa-installer.amazonaws.com
# The fingerprint AWS publishes for the installer's signing key ("Install the EFA software",
# https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-start.html). AWS publishes no SHA-256
# this repository could pin for this version, so the download is checked by this signature, and
# the key is trusted by this fingerprint, never by where it was downloaded from.
readonly EFA_SIGNING_KEY_FINGERPRINT=${HPC_TEST_EFA_SIGNING_KEY_FINGERPRINT:-4E9091BCBB97A96B26B15E59A05480B1DD2D3CCC}
readonly ROOT=${HPC_TEST_ROOT:-}
readonly ON_FAILURE=${HPC_ON_FABRIC_FAILURE:-withhold-ecs-agent}
readonly FABRIC_OK=$ROOT/var/lib/hpc/fabric-ok
readonly FI_INFO=$ROOT/opt/amazon/efa/bin/fi_info

# One line to every place an operator looks: stderr (cloud-init's log), the console, the journal.
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

mark_unhealthy() {
  local instance region
  instance=$(imds instance-id) && region=$(imds placement/region) &&
    aws autoscaling set-instance-health --region "$region" --instance-id "$instance" \
      --health-status Unhealthy --no-should-respect-grace-period &&
    report "marked ${instance} Unhealthy: its Auto Scaling group replaces it" ||
    report "could not mark this node Unhealthy; it stays out of /etc/hpc/hostfile all the same (no ${FABRIC_OK})"
}

failed=''
fail() {
  failed=yes
  report "FABRIC CHECK FAILED: $*"
  case "$ON_FAILURE" in
    withhold-ecs-agent) report "the ECS agent stays stopped: this node never registers with AWS Batch and takes no job" ;;
    mark-unhealthy) mark_unhealthy ;;
    exit) report "exiting non-zero: AWS PCS terminates a node whose lifecycle action fails, before slurmd starts" ;;
  esac
  exit 1
}
# Anything that stops the script without a verdict (set -e) is a failure too.
trap 'status=$?; if [ "$status" -ne 0 ] && [ -z "$failed" ]; then fail "boot step stopped with status ${status}"; fi' EXIT

gate_ecs_agent() {
  install -d "$ROOT/etc/systemd/system/ecs.service.d"
  cat >"$ROOT/etc/systemd/system/ecs.service.d/10-hpc-fabric-gate.conf" <<UNIT
# Written by hpc-node/install-efa.sh: the ECS agent starts only on a node whose fabric check passed.
[Unit]
ConditionPathExists=/var/lib/hpc/fabric-ok
UNIT
  systemctl daemon-reload
}

install_efa_software() {
  local work tarball
  work=$(mktemp -d)
  tarball=aws-efa-installer-${EFA_INSTALLER_VERSION}.tar.gz
  cd "$work"
  curl --fail --silent --show-error --retry 5 --location \
    -O "${EFA_INSTALLER_URL}/${tarball}" -O "${EFA_INSTALLER_URL}/${tarball}.sig" -O "${EFA_INSTALLER_URL}/aws-efa-installer.key" ||
    fail "could not download EFA installer ${EFA_INSTALLER_VERSION} from ${EFA_INSTALLER_URL}"

  export GNUPGHOME=$work/gnupg
  install -d -m 0700 "$GNUPGHOME"
  gpg --batch --quiet --import aws-efa-installer.key 2>/dev/null || fail "the downloaded aws-efa-installer.key is not a GPG key"
  # VALIDSIG's last field is the primary key's fingerprint: the signature must come from the
  # key AWS documents, whatever else the downloaded key file holds.
  local signer
  signer=$(gpg --batch --status-fd 1 --verify "${tarball}.sig" "$tarball" 2>/dev/null | awk '$2 == "VALIDSIG" { print $NF }') || true
  [ "$signer" = "$EFA_SIGNING_KEY_FINGERPRINT" ] ||
    fail "${tarball} is not signed by the EFA installer key ${EFA_SIGNING_KEY_FINGERPRINT} (signer: ${signer:-none}); nothing was installed"
  report "${tarball}: good signature from ${EFA_SIGNING_KEY_FINGERPRINT}"

  tar -xf "$tarball"
  cd aws-efa-installer
  # Full install (not --minimal): libfabric and fi_info on the host, so the fabric can be
  # checked here and static-mode MPI jobs run directly on the hosts.
  ./efa_installer.sh -y || fail "efa_installer.sh ${EFA_INSTALLER_VERSION} failed"
  cd /
  rm -rf "$work"
}

if [ "$ON_FAILURE" = withhold-ecs-agent ]; then gate_ecs_agent; fi

if [ -x "$FI_INFO" ] && [ -f "$ROOT/opt/amazon/efa_installed_packages" ]; then
  report "EFA software already in the AMI ($(grep -m1 -i 'installer' "$ROOT/opt/amazon/efa_installed_packages" || echo 'version unknown')): no download"
else
  install_efa_software
fi

# The proof: the EFA libfabric provider sees at least one EFA device.
"$FI_INFO" -p efa -t FI_EP_RDM || fail "fi_info -p efa sees no EFA device (are the interfaces of type efa, in the fabric's security group?)"

install -d "$(dirname "$FABRIC_OK")"
date -u +%Y-%m-%dT%H:%M:%SZ >"$FABRIC_OK"
report "fabric OK: ${EFA_INTERFACES_EXPECTED:-?} EFA interface(s) expected, fi_info -p efa passed; this node takes work"
