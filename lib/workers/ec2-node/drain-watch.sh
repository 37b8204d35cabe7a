#!/bin/bash
# Drains this worker instance before it goes away, then lets it go.
#
# Runs as a systemd service next to the workers. Every few seconds it asks the instance metadata
# service (IMDSv2) two questions:
#   - autoscaling/target-lifecycle-state: "Terminated" once the Auto Scaling group has decided to
#     terminate this instance (scale-in, rebalancing, health) and holds it in Terminating:Wait
#     through the termination lifecycle hook;
#   - spot/instance-action: present once EC2 has sent the two-minute Spot interruption notice.
# On either it stops the worker units: systemd sends SIGTERM, each poller stops receiving,
# finishes the messages it holds and exits 0 (TimeoutStopSec bounds the wait). On a scale-in it
# then completes the lifecycle action, so the instance terminates as soon as it is drained instead
# of at the end of the hook's heartbeat timeout.
#
# Configuration (environment, from /etc/thumbnail-worker/drain.env):
#   WORKER_UNITS          systemd unit pattern of the workers, e.g. thumbnail-worker@*.service
#   LIFECYCLE_HOOK_NAME   the group's termination lifecycle hook
#   POLL_SECONDS          seconds between checks (default 5)
set -uo pipefail

IMDS=http://169.254.169.254/latest
POLL_SECONDS=${POLL_SECONDS:-5}

imds() {
  local token
  token=$(curl -sf -X PUT "$IMDS/api/token" -H 'X-aws-ec2-metadata-token-ttl-seconds: 60') || return 1
  curl -sf -H "X-aws-ec2-metadata-token: $token" "$IMDS/$1"
}

log() { echo "drain-watch: $*"; }

stop_workers() {
  log "stopping ${WORKER_UNITS} ($1); each worker finishes the messages it holds"
  systemctl stop "${WORKER_UNITS}"
  log "workers stopped"
}

workers_stopped=false
while true; do
  if [ "$(imds meta-data/autoscaling/target-lifecycle-state)" = "Terminated" ]; then
    [ "$workers_stopped" = true ] || stop_workers "scale-in: lifecycle state Terminated"
    instance_id=$(imds meta-data/instance-id)
    region=$(imds meta-data/placement/region)
    group=$(aws autoscaling describe-auto-scaling-instances --region "$region" --instance-ids "$instance_id" \
      --query 'AutoScalingInstances[0].AutoScalingGroupName' --output text)
    # If this fails, the hook's heartbeat timeout ends the wait instead (default result CONTINUE).
    aws autoscaling complete-lifecycle-action --region "$region" --auto-scaling-group-name "$group" \
      --lifecycle-hook-name "$LIFECYCLE_HOOK_NAME" --instance-id "$instance_id" --lifecycle-action-result CONTINUE \
      && log "lifecycle action completed: the instance terminates now"
    exit 0
  fi
  if [ "$workers_stopped" = false ] && imds meta-data/spot/instance-action >/dev/null; then
    # EC2 reclaims the instance in two minutes whatever happens; the group's lifecycle hook may or
    # may not get a turn first, so drain now. Keep watching to complete the hook if it comes.
    stop_workers "Spot interruption notice"
    workers_stopped=true
  fi
  sleep "$POLL_SECONDS"
done
