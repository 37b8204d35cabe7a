import { EfaInstanceType, findEfaInstanceType, suggestEfaInstanceTypes } from './hpc/efa-instance-types';
import { HPC_PROFILE_NAMES, HPC_PROFILES, HpcProfileName } from './hpc/profiles';
import { ConfigError, ContextReader, listItems, parseChoice, parseInteger, parseText } from './shared/context-values';

export { ConfigError } from './shared/context-values';

/**
 * The app's whole configuration: every key is read from CDK context (cdk.json's `context`, or
 * `cdk synth -c key=value`) and validated here, and nowhere else. Constructs receive typed,
 * already valid values.
 */
export interface AppConfig {
  readonly hpc: HpcConfig;
  readonly workers: WorkersConfig;
  readonly edge: EdgeConfig;
}

export const HPC_SCHEDULERS = ['batch', 'static'] as const;
/** `batch`: AWS Batch multi-node parallel jobs. `static`: a fixed Auto Scaling group of nodes. */
export type HpcScheduler = (typeof HPC_SCHEDULERS)[number];

export const PURCHASE_OPTIONS = ['on-demand', 'spot'] as const;
export type PurchaseOption = (typeof PURCHASE_OPTIONS)[number];

export interface HpcConfig {
  readonly profile: HpcProfileName;
  readonly scheduler: HpcScheduler;
  readonly instanceType: string;
  /** The catalog entry of `instanceType`: the EFA interface count and size the stack builds for. */
  readonly instance: EfaInstanceType;
  readonly nodes: number;
  /** The one AZ of the cluster; `undefined` means the region's first AZ, resolved at deploy time. */
  readonly availabilityZone?: string;
  readonly purchaseOption: PurchaseOption;
}

/**
 * Node count bounds. Two is the least that exercises the fabric; the upper bound is a sanity
 * limit for this reference, not an AWS quota (capacity in one cluster placement group runs out
 * long before it: see README "Past the sandbox").
 */
export const HPC_NODES = { min: 2, max: 1024 } as const;

/** AZ names such as `us-east-1a`, `eu-central-1b`, `us-gov-west-1a`, `ap-southeast-2c`. */
const AZ_NAME = /^[a-z]{2}(-[a-z]+)+-\d+[a-z]$/;
const INSTANCE_TYPE_NAME = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;

/** Reads and validates every key. Throws a ConfigError on the first bad value. */
export function loadConfig(read: ContextReader): AppConfig {
  return { hpc: loadHpcConfig(read), workers: loadWorkersConfig(read), edge: loadEdgeConfig(read) };
}

function loadHpcConfig(read: ContextReader): HpcConfig {
  const profile = parseChoice('hpc.profile', read('hpc.profile'), HPC_PROFILE_NAMES, 'sandbox');
  const scheduler = parseChoice('hpc.scheduler', read('hpc.scheduler'), HPC_SCHEDULERS, 'batch');
  const purchaseOption = parseChoice('hpc.purchaseOption', read('hpc.purchaseOption'), PURCHASE_OPTIONS, 'on-demand');
  if (scheduler === 'batch' && purchaseOption === 'spot') {
    throw new ConfigError(
      'hpc.purchaseOption',
      purchaseOption,
      'AWS Batch multi-node parallel jobs cannot run on Spot capacity; use hpc.purchaseOption=on-demand, or hpc.scheduler=static',
    );
  }

  const instanceType =
    parseText('hpc.instanceType', read('hpc.instanceType'), INSTANCE_TYPE_NAME, 'an EC2 instance type name such as c5n.18xlarge') ??
    HPC_PROFILES[profile].instanceType;
  const instance = findEfaInstanceType(instanceType);
  if (instance === undefined) {
    throw new ConfigError(
      'hpc.instanceType',
      instanceType,
      `${instanceType} does not support EFA (Elastic Fabric Adapter), which this tightly coupled cluster needs. ` +
        `EFA types close to it: ${suggestEfaInstanceTypes(instanceType).join(', ')}. ` +
        'All EFA types known here are in lib/hpc/efa-catalog.json.',
    );
  }

  const nodes =
    parseInteger('hpc.nodes', read('hpc.nodes'), {
      ...HPC_NODES,
      why: 'a tightly coupled job needs at least two nodes to use the fabric',
    }) ?? HPC_PROFILES[profile].nodes;

  return {
    profile,
    scheduler,
    instanceType,
    instance,
    nodes,
    availabilityZone: parseAvailabilityZone(read('hpc.availabilityZone')),
    purchaseOption,
  };
}

function parseAvailabilityZone(raw: unknown): string | undefined {
  const zones = listItems(raw);
  if (zones !== undefined && zones.length > 1) {
    throw new ConfigError(
      'hpc.availabilityZone',
      raw,
      `name exactly one Availability Zone, not ${zones.length}: a cluster placement group and its EFA traffic never leave one AZ`,
    );
  }
  return parseText(
    'hpc.availabilityZone',
    raw,
    AZ_NAME,
    "one Availability Zone name such as us-east-1a (leave it unset for the region's first AZ)",
  );
}

/** The region an AZ name belongs to: `us-east-1a` -> `us-east-1`. */
export function regionOfAvailabilityZone(availabilityZone: string): string {
  return availabilityZone.slice(0, -1);
}

// ---------------------------------------------------------------------------------------------
// workers.*: the loosely coupled worker fleet

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
  /** EC2 only: the Spot instance types the group may launch (several, for capacity). */
  readonly ec2InstanceTypes: string[];
}

/** Lambda's maximum function timeout is 900 s; the poller backends share the same bound. */
export const WORKER_JOB_TIMEOUT_SECONDS = { min: 1, max: 900 } as const;

function loadWorkersConfig(read: ContextReader): WorkersConfig {
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
  const ec2InstanceTypes = listItems(read('workers.ec2InstanceTypes')) ?? ['m7g.large', 'm6g.large', 'c7g.large', 'c6g.large', 'r6g.large'];
  for (const instanceType of ec2InstanceTypes) {
    if (!INSTANCE_TYPE_NAME.test(instanceType)) {
      throw new ConfigError(
        'workers.ec2InstanceTypes',
        read('workers.ec2InstanceTypes'),
        `${instanceType} is not an EC2 instance type name`,
      );
    }
  }
  if (ec2InstanceTypes.length < 2) {
    throw new ConfigError(
      'workers.ec2InstanceTypes',
      read('workers.ec2InstanceTypes'),
      'list at least two instance types: Spot capacity comes from several pools, and one type is one pool',
    );
  }

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
  };
}

// ---------------------------------------------------------------------------------------------
// edge.*: edge processing with CloudFront

export const EDGE_MODES = ['lambda-edge', 'cloudfront-function'] as const;
/** Where the geo-routing runs: Lambda@Edge at origin request, or a CloudFront Function at viewer request. */
export type EdgeMode = (typeof EDGE_MODES)[number];

export const PRICE_CLASSES = ['PriceClass_100', 'PriceClass_200', 'PriceClass_All'] as const;
export type EdgePriceClass = (typeof PRICE_CLASSES)[number];

export interface EdgeConfig {
  readonly mode: EdgeMode;
  readonly priceClass: EdgePriceClass;
  /** A WAF web ACL (scope CLOUDFRONT, so in us-east-1) to attach to the distribution. */
  readonly webAclArn?: string;
  /** A custom domain with its ACM certificate (in us-east-1); both or neither. */
  readonly customDomain?: { readonly domainName: string; readonly certificateArn: string };
}

const WEB_ACL_ARN = /^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/[\w-]+\/[\w-]+$/;
const CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[\w-]+$/;
const DOMAIN_NAME = /^(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

function loadEdgeConfig(read: ContextReader): EdgeConfig {
  const domainName = parseText('edge.domainName', read('edge.domainName'), DOMAIN_NAME, 'a lowercase DNS name such as ads.example.com');
  const certificateArn = parseText(
    'edge.certificateArn',
    read('edge.certificateArn'),
    CERTIFICATE_ARN,
    'an ACM certificate ARN in us-east-1 (CloudFront only reads certificates from there)',
  );
  if ((domainName === undefined) !== (certificateArn === undefined)) {
    const [missing, given] =
      domainName === undefined ? ['edge.domainName', 'edge.certificateArn'] : ['edge.certificateArn', 'edge.domainName'];
    throw new ConfigError(missing, undefined, `is required when ${given} is set: a custom domain needs both its name and its certificate`);
  }
  return {
    mode: parseChoice('edge.mode', read('edge.mode'), EDGE_MODES, 'lambda-edge'),
    priceClass: parseChoice('edge.priceClass', read('edge.priceClass'), PRICE_CLASSES, 'PriceClass_100'),
    webAclArn: parseText(
      'edge.webAclArn',
      read('edge.webAclArn'),
      WEB_ACL_ARN,
      'a WAFv2 web ACL ARN with scope CLOUDFRONT (arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>)',
    ),
    customDomain: domainName && certificateArn ? { domainName, certificateArn } : undefined,
  };
}
