#!/bin/bash
# Starts this instance's pollers: as many as the group counts this instance type for (its weight
# in the Auto Scaling group), so the group's capacity is exactly the number of pollers running.
#
# Configuration (environment):
#   POLLERS_FILE   lines of "<instance type> <pollers>" (default /etc/thumbnail-worker/pollers)
#   WORKER_UNIT    the systemd template unit, e.g. thumbnail-worker
set -euo pipefail

IMDS=http://169.254.169.254/latest
POLLERS_FILE=${POLLERS_FILE:-/etc/thumbnail-worker/pollers}

imds() {
  local token
  token=$(curl -sf -X PUT "$IMDS/api/token" -H 'X-aws-ec2-metadata-token-ttl-seconds: 60') || return 1
  curl -sf -H "X-aws-ec2-metadata-token: $token" "$IMDS/$1"
}

instance_type=$(imds meta-data/instance-type)
pollers=$(awk -v type="$instance_type" '$1 == type { print $2 }' "$POLLERS_FILE")
if [ -z "$pollers" ]; then
  # The group launches only the listed types; if this ever happens, one poller per vCPU.
  pollers=$(nproc)
  echo "start-workers: ${instance_type} is not in ${POLLERS_FILE}; starting ${pollers} (one per vCPU)"
fi
for index in $(seq 1 "$pollers"); do
  systemctl enable --now "${WORKER_UNIT}@${index}.service"
done
echo "start-workers: ${pollers} pollers started on ${instance_type}"
