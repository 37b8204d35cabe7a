#!/bin/bash
# Marks this instance Unhealthy when no thumbnail worker runs, so the Auto Scaling group replaces
# it instead of counting it as capacity (a boot that failed, a worker that keeps crashing).
#
# Runs from a systemd timer every minute once the boot budget has passed. It is installed before
# anything in the user data that can fail, so a boot that dies half-way is still caught.
# SetInstanceHealth with Unhealthy makes the group replace the instance:
# https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-health-checks.html
#
# Configuration (environment, from /etc/thumbnail-worker/watchdog.env):
#   WORKER_UNITS         systemd unit pattern of the workers, e.g. thumbnail-worker@*.service
#   BOOT_BUDGET_SECONDS  how long after boot the workers must be running
#   UPTIME_FILE          where the uptime is read (default /proc/uptime; tests point it elsewhere)
set -uo pipefail

IMDS=http://169.254.169.254/latest
UPTIME_FILE=${UPTIME_FILE:-/proc/uptime}

imds() {
  local token
  token=$(curl -sf -X PUT "$IMDS/api/token" -H 'X-aws-ec2-metadata-token-ttl-seconds: 60') || return 1
  curl -sf -H "X-aws-ec2-metadata-token: $token" "$IMDS/$1"
}

log() { echo "poller-watchdog: $*"; }

uptime_seconds=$(cut -d. -f1 "$UPTIME_FILE")
if [ "$uptime_seconds" -lt "$BOOT_BUDGET_SECONDS" ]; then
  exit 0
fi
# Only an instance in service: one that is draining (Terminated) has stopped its workers on purpose.
lifecycle_state=$(imds meta-data/autoscaling/target-lifecycle-state) || lifecycle_state=unknown
if [ "$lifecycle_state" != "InService" ]; then
  exit 0
fi
if [ -n "$(systemctl list-units --state=active --no-legend --plain "$WORKER_UNITS")" ]; then
  exit 0
fi

instance_id=$(imds meta-data/instance-id)
region=$(imds meta-data/placement/region)
log "no worker is running ${uptime_seconds} s after boot: marking ${instance_id} Unhealthy so the group replaces it"
aws autoscaling set-instance-health --region "$region" --instance-id "$instance_id" --health-status Unhealthy
