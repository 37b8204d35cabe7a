/**
 * The scaling signal of the poller backends (Fargate, EC2): what one reading of the queue and the
 * fleet says, as the metrics the autoscaler acts on. Pure: the entry (scaling-signal-entry.ts)
 * reads the AWS APIs, the scaling simulation tests call the same functions.
 *
 * The pattern is Copilot's worker service (a function every minute reads the queue's attributes
 * and the service's running count, and publishes backlog per task, dividing by 1 when nothing
 * runs): aws/copilot-cli cf-custom-resources/lib/backlog-per-task-calculator.js. Reading the queue
 * through GetQueueAttributes every minute also keeps it "active" for CloudWatch, so the AWS/SQS
 * metrics the alarms read keep flowing (an idle queue's metrics can otherwise be up to 15 minutes
 * late when it wakes up): https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-monitoring-using-cloudwatch.html
 */

/** One reading of the queue and the fleet. Workers are pollers: one per Fargate task, one per vCPU on EC2. */
export interface FleetReading {
  /** ApproximateNumberOfMessages: waiting to be received. */
  readonly visible: number;
  /** ApproximateNumberOfMessagesNotVisible: received and not yet deleted. */
  readonly inFlight: number;
  /** Pollers running now (ECS runningCount; EC2: the weights of the InService instances). */
  readonly runningWorkers: number;
  /** The capacity the fleet is asked for (ECS desiredCount; EC2 DesiredCapacity), in workers. */
  readonly desiredWorkers: number;
}

/** The names of the published metrics; the stack's alarms and target tracking policy name them too. */
export const SIGNAL_METRICS = {
  backlogPerWorker: 'BacklogPerWorker',
  visible: 'MessagesVisible',
  inFlight: 'MessagesInFlight',
  runningWorkers: 'RunningWorkers',
  desiredWorkers: 'DesiredWorkers',
  idleFleet: 'IdleFleet',
} as const;

export type SignalMetricName = (typeof SIGNAL_METRICS)[keyof typeof SIGNAL_METRICS];

/**
 * The metrics of one reading.
 * - BacklogPerWorker = visible / max(running, 1): the target tracking metric. It exists at zero
 *   workers (a backlog there reads as the whole backlog for one worker), unlike a division by a
 *   task count metric that is absent when nothing runs.
 * - IdleFleet = 1 when nothing waits, nothing is in flight and workers are still asked for: the
 *   "back to zero" alarm counts these minutes. At zero workers it reads 0, so that alarm is OK
 *   again before work arrives, and does not keep setting the fleet to zero (an alarm with an
 *   Auto Scaling action repeats it every minute it stays in ALARM).
 */
export function signalMetrics(reading: FleetReading): Record<SignalMetricName, number> {
  return {
    [SIGNAL_METRICS.backlogPerWorker]: reading.visible / Math.max(reading.runningWorkers, 1),
    [SIGNAL_METRICS.visible]: reading.visible,
    [SIGNAL_METRICS.inFlight]: reading.inFlight,
    [SIGNAL_METRICS.runningWorkers]: reading.runningWorkers,
    [SIGNAL_METRICS.desiredWorkers]: reading.desiredWorkers,
    [SIGNAL_METRICS.idleFleet]: reading.visible === 0 && reading.inFlight === 0 && reading.desiredWorkers > 0 ? 1 : 0,
  };
}

/**
 * Activation (zero to some): when messages wait and the fleet is asked for no worker, the capacity
 * to set; otherwise undefined. Target tracking then takes it from there. The function does this
 * itself rather than through an alarm, so that leaving zero waits for one reading (at most a
 * minute) instead of a reading plus an alarm evaluation.
 */
export function activationCapacity(reading: FleetReading, activateWith: number): number | undefined {
  return reading.visible > 0 && reading.desiredWorkers === 0 ? activateWith : undefined;
}
