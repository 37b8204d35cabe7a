#!/bin/bash
# Static cluster: mpirun over every node of /etc/hpc/hostfile, one rank per physical core.
#
#   hpc-mpirun [mpirun options] program [arguments...]
#
# Open MPI from the EFA installer, data over libfabric's EFA provider alone, and Open MPI's TCP
# and out-of-band traffic pinned to the interface of the node's primary address (Open MPI's
# TCP FAQ: https://docs.open-mpi.org/en/v5.0.x/tuning-apps/networking/tcp.html). The program
# must be at the same path on every node (docs/hpc.md, "Run your own MPI job").
set -euo pipefail
# shellcheck source=/dev/null
source /etc/hpc/cluster.env
[ -s /etc/hpc/hostfile ] || { echo "hpc-mpirun: no /etc/hpc/hostfile yet: journalctl -u mpi-hostfile says why" >&2; exit 1; }
nodes=$(grep -c . /etc/hpc/hostfile)
exec /opt/amazon/openmpi/bin/mpirun --prefix /opt/amazon/openmpi \
  --hostfile /etc/hpc/hostfile -np $((nodes * SLOTS_PER_NODE)) --map-by "ppr:${SLOTS_PER_NODE}:node" \
  --mca btl_tcp_if_include "$HPC_MPI_INTERFACE" --mca oob_tcp_if_include "$HPC_MPI_INTERFACE" \
  --mca pml cm --mca mtl ofi --mca mtl_ofi_provider_include efa -x FI_PROVIDER=efa \
  "$@"
