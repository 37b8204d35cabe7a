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
  /** The most workers at once: Lambda maximum concurrency, or Fargate tasks / EC2 instances. */
  readonly maxWorkers: number;
  /** Fargate only: the percentage of tasks on Fargate Spot. */
  readonly fargateSpotPercent: number;
  /** EC2 only: the Spot instance types the group may launch (several, for capacity), each once. */
  readonly ec2InstanceTypes: string[];
  /** EC2 only: the one CPU architecture of `ec2InstanceTypes` (the group launches one AMI). */
  readonly ec2Architecture: ec2.InstanceArchitecture;
}

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
  const ec2InstanceTypes = parseEc2InstanceTypes(read('workers.ec2InstanceTypes'));
  return {
    compute: parseChoice('workers.compute', read('workers.compute'), WORKER_COMPUTE_BACKENDS, 'lambda'),
    maxReceiveCount:
      parseInteger('workers.maxReceiveCount', read('workers.maxReceiveCount'), { min: 1, max: 1000, why: "SQS's redrive policy range" }) ??
      5,
    maxLatencySeconds,
    avgProcessingSeconds,
    jobTimeoutSeconds,
    maxWorkers:
      parseInteger('workers.maxWorkers', read('workers.maxWorkers'), {
        min: 2,
        max: 1000,
        why: 'Lambda maximum concurrency for SQS is 2 to 1000',
      }) ?? 10,
    fargateSpotPercent:
      parseInteger('workers.fargateSpotPercent', read('workers.fargateSpotPercent'), { min: 0, max: 100, why: 'a percentage' }) ?? 50,
    ec2InstanceTypes,
    ec2Architecture: architectureOfInstanceTypes(ec2InstanceTypes),
  };
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
