#!/bin/bash
# Boot step of every cluster node: install the EFA software (kernel driver, libfabric with its
# EFA provider, Open MPI) and prove the fabric is usable before the node takes work.
# Runs as root from cloud-init user data. A failure here fails the boot, so a node without a
# working EFA never joins the cluster silently.
set -euo pipefail

# Pinned for reproducible nodes; the release notes are in the EFA installer changelog.
EFA_INSTALLER_VERSION=1.50.0

work_dir=$(mktemp -d)
cd "$work_dir"
curl --fail --silent --show-error --retry 5 --location \
  -O "https://efa-installer.amazonaws.com/aws-efa-installer-${EFA_INSTALLER_VERSION}.tar.gz"
tar -xf "aws-efa-installer-${EFA_INSTALLER_VERSION}.tar.gz"
cd aws-efa-installer
# Full install (not --minimal): libfabric and fi_info on the host, so the fabric can be checked
# here and in static mode MPI jobs run directly on the hosts.
./efa_installer.sh -y
cd /
rm -rf "$work_dir"

# The proof: the EFA libfabric provider sees at least one EFA device.
/opt/amazon/efa/bin/fi_info -p efa -t FI_EP_RDM
