import { EfaInstanceType, findEfaInstanceType, suggestEfaInstanceTypes } from '../hpc/efa-instance-types';
import { networkInterfaceCount } from '../hpc/efa-network-interfaces';
import { HPC_PROFILE_NAMES, HPC_PROFILES, HpcProfileName } from '../hpc/profiles';
import { ConfigError, ContextReader, INSTANCE_TYPE_NAME, listItems, parseChoice, parseInteger, parseText } from './context-values';
import { parseSlurmConfig, refuseSlurmOnlyKeys, SlurmConfig } from './hpc-slurm';
import { LustreConfig, parseSharedStorage } from './hpc-storage';

export * from './hpc-slurm';
export * from './hpc-storage';

/** Every `hpc.*` key the app reads; any other key under `hpc.` is refused. */
export const HPC_KEYS = [
  'hpc.profile',
  'hpc.scheduler',
  'hpc.instanceType',
  'hpc.nodes',
  'hpc.availabilityZone',
  'hpc.purchaseOption',
  'hpc.amiId',
  'hpc.pcsSize',
  'hpc.slurmVersion',
  'hpc.sharedStorage',
  'hpc.lustreSizeGiB',
  'hpc.lustreBucket',
] as const;
export type HpcKey = (typeof HPC_KEYS)[number];

export const HPC_SCHEDULERS = ['batch', 'slurm', 'static'] as const;
/**
 * `batch`: AWS Batch multi-node parallel jobs. `slurm`: Slurm on AWS Parallel Computing Service.
 * `static`: a fixed Auto Scaling group of nodes.
 */
export type HpcScheduler = (typeof HPC_SCHEDULERS)[number];

export const PURCHASE_OPTIONS = ['on-demand', 'spot'] as const;
export type PurchaseOption = (typeof PURCHASE_OPTIONS)[number];

/** The tightly coupled cluster's configuration, already valid. */
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
  /**
   * An AMI with the EFA software already installed: the nodes skip the boot-time download and
   * install. `undefined` means AWS's own image (see docs/hpc.md "Your own AMI"). With Slurm, an
   * AMI with the PCS agent and Slurm too; `undefined` is AWS's PCS sample AMI, found at deploy time.
   */
  readonly amiId?: string;
  /** The AWS PCS cluster; set exactly when `scheduler` is `slurm`. */
  readonly slurm?: SlurmConfig;
  /** The FSx for Lustre file system at /fsx; `undefined` with `hpc.sharedStorage=none`. */
  readonly lustre?: LustreConfig;
}

/**
 * Node count bounds. Two is the least that exercises the fabric; the upper bound is a sanity
 * limit for this reference, not an AWS quota (capacity in one cluster placement group runs out
 * long before it: see docs/hpc.md "Past the sandbox"). AWS Batch has its own, lower limit:
 * BATCH_MAX_NODES_PER_JOB.
 */
export const HPC_NODES = { min: 2, max: 1024 } as const;

/**
 * AWS Batch runs at most 1,000 nodes in one multi-node parallel job ("Node groups",
 * https://docs.aws.amazon.com/batch/latest/userguide/mnp-node-groups.html).
 */
export const BATCH_MAX_NODES_PER_JOB = 1000;

/**
 * The cluster subnet is a /20 (lib/shared/flow-logged-vpc.ts; test/hpc/deploy-rules.test.ts
 * holds the two in step). AWS reserves the first four and the last address of every subnet
 * (https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html), so 4096 - 5 are usable.
 */
export const HPC_SUBNET_PREFIX_LENGTH = 20;
export const HPC_SUBNET_USABLE_ADDRESSES = 2 ** (32 - HPC_SUBNET_PREFIX_LENGTH) - 5;

/** AMI ids: `ami-` and 8 or 17 hexadecimal digits. */
const AMI_ID = /^ami-([0-9a-f]{8}|[0-9a-f]{17})$/;

/** AZ names such as `us-east-1a`, `eu-central-1b`, `us-gov-west-1a`, `ap-southeast-2c`. */
const AZ_NAME = /^[a-z]{2}(-[a-z]+)+-\d+[a-z]$/;

/** Reads and validates every `hpc.*` key. Throws a ConfigError on the first bad value. */
export function loadHpcConfig(read: ContextReader<HpcKey>): HpcConfig {
  const profile = parseChoice('hpc.profile', read('hpc.profile'), HPC_PROFILE_NAMES, 'sandbox');
  const scheduler = parseChoice('hpc.scheduler', read('hpc.scheduler'), HPC_SCHEDULERS, 'batch');
  const purchaseOption = parseChoice('hpc.purchaseOption', read('hpc.purchaseOption'), PURCHASE_OPTIONS, 'on-demand');
  if (scheduler === 'batch' && purchaseOption === 'spot') {
    throw new ConfigError(
      'hpc.purchaseOption',
      purchaseOption,
      'AWS Batch multi-node parallel jobs cannot run on Spot capacity; use hpc.purchaseOption=on-demand, or hpc.scheduler=slurm or static',
    );
  }
  refuseSlurmOnlyKeys(scheduler, read);

  const instanceType =
    parseText('hpc.instanceType', read('hpc.instanceType'), INSTANCE_TYPE_NAME, 'an EC2 instance type name such as c5n.18xlarge') ??
    HPC_PROFILES[profile].instanceType;
  const instance = findEfaInstanceType(instanceType);
  if (instance === undefined) {
    throw new ConfigError(
      'hpc.instanceType',
      instanceType,
      `${instanceType} does not support EFA, which a tightly coupled cluster needs; ` +
        `EFA types close to it: ${suggestEfaInstanceTypes(instanceType).join(', ')} (all: lib/hpc/efa-catalog.json)`,
    );
  }

  const nodes =
    parseInteger('hpc.nodes', read('hpc.nodes'), {
      ...HPC_NODES,
      why: 'a tightly coupled job needs at least two nodes to use the fabric',
    }) ?? HPC_PROFILES[profile].nodes;

  checkNodesFit(scheduler, instanceType, instance, nodes, read('hpc.nodes') ?? nodes);
  const slurm =
    scheduler === 'slurm' ? parseSlurmConfig(read('hpc.pcsSize'), read('hpc.slurmVersion'), nodes, read('hpc.nodes') ?? nodes) : undefined;

  return {
    profile,
    scheduler,
    instanceType,
    instance,
    nodes,
    availabilityZone: parseAvailabilityZone(read('hpc.availabilityZone')),
    purchaseOption,
    amiId: parseText('hpc.amiId', read('hpc.amiId'), AMI_ID, 'an AMI id such as ami-0123456789abcdef0'),
    slurm,
    lustre: parseSharedStorage(scheduler, read),
  };
}

/**
 * Addresses one node takes in the cluster subnet: one per network interface of the launch
 * template (every `efa` interface is "EFA with ENA" and gets an IP address:
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa.html), plus, under AWS Batch, one
 * for the job container's own network interface (multi-node parallel jobs run in awsvpc mode,
 * one interface per container: https://docs.aws.amazon.com/batch/latest/userguide/mnp-ce.html).
 */
export function subnetAddressesPerNode(scheduler: HpcScheduler, instance: EfaInstanceType): number {
  return networkInterfaceCount(instance) + (scheduler === 'batch' ? 1 : 0);
}

/** The two limits a node count meets beyond its own range: Batch's per-job limit, and the subnet's size. */
function checkNodesFit(scheduler: HpcScheduler, instanceType: string, instance: EfaInstanceType, nodes: number, raw: unknown): void {
  if (scheduler === 'batch' && nodes > BATCH_MAX_NODES_PER_JOB) {
    throw new ConfigError(
      'hpc.nodes',
      raw,
      `AWS Batch runs at most ${BATCH_MAX_NODES_PER_JOB} nodes in one multi-node parallel job; use ${BATCH_MAX_NODES_PER_JOB} or fewer, or hpc.scheduler=slurm or static`,
    );
  }
  const perNode = subnetAddressesPerNode(scheduler, instance);
  const fit = Math.floor(HPC_SUBNET_USABLE_ADDRESSES / perNode);
  if (nodes > fit) {
    const container = scheduler === 'batch' ? ' + 1 for its job container' : '';
    throw new ConfigError(
      'hpc.nodes',
      raw,
      `each ${instanceType} node takes ${perNode} addresses in the cluster subnet (${perNode - (scheduler === 'batch' ? 1 : 0)} network interfaces${container}), ` +
        `and the /${HPC_SUBNET_PREFIX_LENGTH} subnet has ${HPC_SUBNET_USABLE_ADDRESSES} usable: at most ${fit} nodes fit`,
    );
  }
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
