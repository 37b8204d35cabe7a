#!/bin/bash
# Build step of the job image: the EFA installer's user-space half (libfabric with its EFA
# provider, Open MPI), from a download whose signature is checked first. In a container:
# --skip-kmod (the kernel driver is the host's), --skip-limit-conf (the job definition sets
# memlock), --no-verify (no EFA device at build time): "Install the EFA software in a
# container", https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-installer-containers.html.
#
# The version and signing key fingerprint are those of hpc-node/install-efa.sh, which installs
# the host half (test/hpc/node-scripts.test.ts holds the two in step).
# HPC_TEST_EFA_SIGNING_KEY_FINGERPRINT exists for that test only; the Dockerfile never sets it.
set -euo pipefail

readonly EFA_INSTALLER_VERSION=1.50.0
readonly EFA_INSTALLER_URL=https://efa-installer.amazonaws.com
# AWS's published fingerprint of the installer's signing key
# (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-start.html, "Install the EFA software").
readonly EFA_SIGNING_KEY_FINGERPRINT=${HPC_TEST_EFA_SIGNING_KEY_FINGERPRINT:-4E9091BCBB97A96B26B15E59A05480B1DD2D3CCC}

die() {
  echo "install-efa-user-space: FAIL: $*" >&2
  exit 1
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
tarball=aws-efa-installer-${EFA_INSTALLER_VERSION}.tar.gz
curl --fail --silent --show-error --retry 5 --location \
  -O "${EFA_INSTALLER_URL}/${tarball}" -O "${EFA_INSTALLER_URL}/${tarball}.sig" -O "${EFA_INSTALLER_URL}/aws-efa-installer.key" ||
  die "could not download EFA installer ${EFA_INSTALLER_VERSION}"

export GNUPGHOME=$work/gnupg
install -d -m 0700 "$GNUPGHOME"
gpg --batch --quiet --import aws-efa-installer.key 2>/dev/null || die "aws-efa-installer.key is not a GPG key"
# VALIDSIG's last field is the signing primary key's fingerprint.
signer=$(gpg --batch --status-fd 1 --verify "${tarball}.sig" "$tarball" 2>/dev/null | awk '$2 == "VALIDSIG" { print $NF }') || true
[ "$signer" = "$EFA_SIGNING_KEY_FINGERPRINT" ] ||
  die "${tarball} is not signed by the EFA installer key ${EFA_SIGNING_KEY_FINGERPRINT} (signer: ${signer:-none})"
echo "install-efa-user-space: ${tarball}: good signature from ${EFA_SIGNING_KEY_FINGERPRINT}"

tar -xf "$tarball"
cd aws-efa-installer
./efa_installer.sh -y --skip-kmod --skip-limit-conf --no-verify
