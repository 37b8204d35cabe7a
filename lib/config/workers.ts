import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ConfigError, ContextReader, duplicatesOf, INSTANCE_TYPE_NAME, listItems, parseChoice, parseInteger } from './context-values';

/** Every `workers.*` key the app reads; any other key under `workers.` is refused. */
export const WORKERS_KEYS = [
  'workers.compute',
  'workers.maxReceiveCount',
  'workers.maxLatencySeconds',
  'workers.avgProcessingSeconds',
  'workers.jobTimeoutSeconds',
  'workers.maxWorkers',
  'workers.fargateSpotPercent',
  'workers.ec2InstanceTypes',
  'workers.ec2OnDemandBase',
] as const;
export type WorkersKey = (typeof WORKERS_KEYS)[number];

export const WORKER_COMPUTE_BACKENDS = ['lambda', 'fargate', 'ec2'] as const;
/** Where the thumbnail workers run. */
export type WorkerCompute = (typeof WORKER_COMPUTE_BACKENDS)[number];

export interface WorkersConfig {
  readonly compute: WorkerCompute;
  /** Receives before a message moves to the dead-letter queue. */
  readonly maxReceiveCount: number;
  /** The longest a message should wait: the backlog target and the oldest-message alarm derive from it. */
  readonly maxLatencySeconds: number;
  /** How long one job takes on average: with maxLatencySeconds it gives the backlog each worker may hold. */
  readonly avgProcessingSeconds: number;
  /** The most one job may take; the queue's visibility timeout derives from it. */
  readonly jobTimeoutSeconds: number;
  /**
   * The most workers at once: Lambda maximum concurrency, Fargate tasks (one poller each), or EC2
   * pollers (one per vCPU of each instance; the group counts capacity in pollers).
   */
  readonly maxWorkers: number;
  /** Fargate only: the percentage of tasks on Fargate Spot. */
  readonly fargateSpotPercent: number;
  /** EC2 only: the Spot instance types the group may launch (several, for capacity), each once. */
  readonly ec2InstanceTypes: string[];
  /** EC2 only: the one CPU architecture of `ec2InstanceTypes` (the group launches one AMI). */
  readonly ec2Architecture: ec2.InstanceArchitecture;
  /** EC2 only: pollers each instance type runs, which is also its weight (capacity units) in the group. */
  readonly ec2PollersPerInstance: Readonly<Record<string, number>>;
  /** EC2 only: capacity units (pollers) launched On-Demand before any Spot, whenever the group runs that many. */
  readonly ec2OnDemandBase: number;
}

/**
 * AWS's guidance for a queue that feeds a Lambda function: a maxReceiveCount of at least 5, so a
 * throttled or failed invocation is retried before its messages go to the dead-letter queue.
 * https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html (configuring a queue for Lambda)
 */
export const LAMBDA_MIN_MAX_RECEIVE_COUNT = 5;

/** Lambda's maximum function timeout is 900 s; the poller backends share the same bound. */
export const WORKER_JOB_TIMEOUT_SECONDS = { min: 1, max: 900 } as const;

/** Reads and validates every `workers.*` key. Throws a ConfigError on the first bad value. */
export function loadWorkersConfig(read: ContextReader<WorkersKey>): WorkersConfig {
  const jobTimeoutSeconds =
    parseInteger('workers.jobTimeoutSeconds', read('workers.jobTimeoutSeconds'), {
      ...WORKER_JOB_TIMEOUT_SECONDS,
      why: "Lambda's maximum function timeout",
    }) ?? 60;
  const maxLatencySeconds =
    parseInteger('workers.maxLatencySeconds', read('workers.maxLatencySeconds'), {
      min: 1,
      max: 86_400,
      why: 'one second to one day',
    }) ?? 300;
  const avgProcessingSeconds =
    parseInteger('workers.avgProcessingSeconds', read('workers.avgProcessingSeconds'), {
      min: 1,
      max: jobTimeoutSeconds,
      why: 'an average job cannot take longer than workers.jobTimeoutSeconds',
    }) ?? 2;
  if (avgProcessingSeconds > maxLatencySeconds) {
    throw new ConfigError(
      'workers.avgProcessingSeconds',
      avgProcessingSeconds,
      `must not exceed workers.maxLatencySeconds (${maxLatencySeconds}): one job alone would already miss the latency goal`,
    );
  }
  const compute = parseChoice('workers.compute', read('workers.compute'), WORKER_COMPUTE_BACKENDS, 'lambda');
  const maxReceiveCount =
    parseInteger('workers.maxReceiveCount', read('workers.maxReceiveCount'), { min: 1, max: 1000, why: "SQS's redrive policy range" }) ??
    LAMBDA_MIN_MAX_RECEIVE_COUNT;
  if (compute === 'lambda' && maxReceiveCount < LAMBDA_MIN_MAX_RECEIVE_COUNT) {
    throw new ConfigError(
      'workers.maxReceiveCount',
      maxReceiveCount,
      `must be at least ${LAMBDA_MIN_MAX_RECEIVE_COUNT} with workers.compute=lambda: AWS advises it so that throttled invocations are retried ` +
        'before their messages are dead-lettered (poison messages go to the dead-letter queue on their first failure anyway)',
    );
  }
  const maxWorkers =
    parseInteger('workers.maxWorkers', read('workers.maxWorkers'), {
      min: 2,
      max: 1000,
      why: 'Lambda maximum concurrency for SQS is 2 to 1000',
    }) ?? 10;
  const ec2InstanceTypes = parseEc2InstanceTypes(read('workers.ec2InstanceTypes'));
  const ec2PollersPerInstance = Object.fromEntries(
    ec2InstanceTypes.map((instanceType) => [instanceType, pollersPerInstance(instanceType)]),
  );
  const largestWeight = Math.max(...Object.values(ec2PollersPerInstance));
  if (compute === 'ec2' && maxWorkers < 2 * largestWeight) {
    // The group may overshoot its desired capacity by up to the largest weight, so its maximum is
    // set that much below maxWorkers; it must still leave room for a few instances.
    throw new ConfigError(
      'workers.maxWorkers',
      maxWorkers,
      `must be at least ${2 * largestWeight} with these instance types: twice the pollers of the largest one (${largestWeight})`,
    );
  }
  const ec2OnDemandBase =
    parseInteger('workers.ec2OnDemandBase', read('workers.ec2OnDemandBase'), {
      min: 0,
      max: 1000,
      why: 'capacity units (pollers) launched On-Demand first',
    }) ?? 0;
  if (ec2OnDemandBase > maxWorkers) {
    throw new ConfigError('workers.ec2OnDemandBase', ec2OnDemandBase, `must not exceed workers.maxWorkers (${maxWorkers})`);
  }
  return {
    compute,
    maxReceiveCount,
    maxLatencySeconds,
    avgProcessingSeconds,
    jobTimeoutSeconds,
    maxWorkers,
    fargateSpotPercent:
      parseInteger('workers.fargateSpotPercent', read('workers.fargateSpotPercent'), { min: 0, max: 100, why: 'a percentage' }) ?? 50,
    ec2InstanceTypes,
    ec2Architecture: architectureOfInstanceTypes(ec2InstanceTypes),
    ec2PollersPerInstance,
    ec2OnDemandBase,
  };
}

/**
 * Pollers one instance of `instanceType` runs: one per vCPU, as the size in its name gives it for
 * the general purpose, compute and memory optimized families (medium 1, large 2, xlarge 4,
 * Nxlarge 4N; e.g. m7g.large has 2 vCPUs: https://docs.aws.amazon.com/ec2/latest/instancetypes/gp.html).
 * The instance starts exactly this many pollers and the group weighs it with this number, so the
 * group's capacity counts pollers whatever the real vCPU count (a mismatch costs efficiency only).
 */
export function pollersPerInstance(instanceType: string): number {
  const size = instanceType.split('.')[1];
  if (size === 'medium') return 1;
  if (size === 'large') return 2;
  const xlarge = /^([0-9]*)xlarge$/.exec(size);
  if (xlarge) return 4 * Number(xlarge[1] || '1');
  throw new ConfigError(
    'workers.ec2InstanceTypes',
    instanceType,
    `size ${size} is not one the fleet can count pollers for: use medium, large, xlarge or <N>xlarge types, e.g. m7g.large`,
  );
}

// ---------------------------------------------------------------------------------------------

const DEFAULT_EC2_INSTANCE_TYPES = ['m7g.large', 'm6g.large', 'c7g.large', 'c6g.large', 'r6g.large'];

/** Several distinct instance type names: each is its own Spot capacity pool. */
function parseEc2InstanceTypes(raw: unknown): string[] {
  const instanceTypes = listItems(raw) ?? DEFAULT_EC2_INSTANCE_TYPES;
  for (const instanceType of instanceTypes) {
    if (!INSTANCE_TYPE_NAME.test(instanceType)) {
      throw new ConfigError('workers.ec2InstanceTypes', raw, `${instanceType} is not an EC2 instance type name`);
    }
  }
  const duplicates = duplicatesOf(instanceTypes);
  if (duplicates.length > 0) {
    // An Auto Scaling group refuses a mixed instances policy that names a type twice.
    throw new ConfigError('workers.ec2InstanceTypes', raw, `lists ${duplicates.join(', ')} more than once: name each type once`);
  }
  if (instanceTypes.length < 2) {
    throw new ConfigError(
      'workers.ec2InstanceTypes',
      raw,
      'list at least two instance types: Spot capacity comes from several pools, and one type is one pool',
    );
  }
  return instanceTypes;
}

/**
 * The one CPU architecture of a list of instance types (the group launches one AMI).
 * @throws ConfigError naming workers.ec2InstanceTypes when the types mix architectures.
 */
export function architectureOfInstanceTypes(instanceTypes: readonly string[]): ec2.InstanceArchitecture {
  const byArchitecture = new Map<ec2.InstanceArchitecture, string[]>();
  for (const instanceType of instanceTypes) {
    let architecture: ec2.InstanceArchitecture;
    try {
      architecture = new ec2.InstanceType(instanceType).architecture;
    } catch {
      throw new ConfigError('workers.ec2InstanceTypes', instanceTypes.join(','), `cannot tell the CPU architecture of ${instanceType}`);
    }
    byArchitecture.set(architecture, [...(byArchitecture.get(architecture) ?? []), instanceType]);
  }
  if (byArchitecture.size !== 1) {
    const listing = [...byArchitecture].map(([architecture, types]) => `${architecture}: ${types.join(', ')}`).join('; ');
    throw new ConfigError(
      'workers.ec2InstanceTypes',
      instanceTypes.join(','),
      `all types must share one CPU architecture, because the group launches one AMI (got ${listing}); ` +
        'keep only the Graviton (arm64) types, e.g. m7g.large,c7g.large, or only the x86_64 ones, e.g. m7i.large,c7i.large',
    );
  }
  return [...byArchitecture.keys()][0];
}
