import { ConfigError, parseChoice } from './context-values';

/**
 * AWS PCS cluster sizes and the compute nodes each manages (AWS::PCS::Cluster `Size`:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-pcs-cluster.html#cfn-pcs-cluster-size).
 * The size is what the controller costs by the hour, so the smallest that fits is the default.
 */
export const PCS_CLUSTER_SIZES = { SMALL: 32, MEDIUM: 512, LARGE: 2048 } as const;
export type PcsClusterSize = keyof typeof PCS_CLUSTER_SIZES;
const PCS_CLUSTER_SIZE_NAMES = Object.keys(PCS_CLUSTER_SIZES) as PcsClusterSize[];

/**
 * Slurm versions this stack offers on AWS PCS, newest last, each with the operating system of
 * AWS's sample AMI for it: 25.11 and later are published for Amazon Linux 2023 only, older ones
 * stay on Amazon Linux 2 (AWS PCS sample AMI release notes,
 * https://docs.aws.amazon.com/pcs/latest/userguide/ami-release-notes.html; aws-samples/aws-hpc-recipes
 * recipes/pcs/getting_started/assets/cluster.yaml, `resolve_os_for_slurm`). Only the newest
 * version's sample AMIs still get updates, so the newest is the default. Checked 2026-11; see
 * https://docs.aws.amazon.com/pcs/latest/userguide/slurm-versions.html before adding one.
 */
export const PCS_SLURM_VERSIONS = { '24.11': 'amzn2', '25.05': 'amzn2', '25.11': 'al2023' } as const;
export type PcsSlurmVersion = keyof typeof PCS_SLURM_VERSIONS;
const PCS_SLURM_VERSION_NAMES = Object.keys(PCS_SLURM_VERSIONS) as PcsSlurmVersion[];
export const DEFAULT_SLURM_VERSION: PcsSlurmVersion = '25.11';

/**
 * One login node: a PCS login node group is a compute node group (min = max = 1) that no queue
 * names (https://docs.aws.amazon.com/pcs/latest/userguide/getting-started_create-cng.html), so
 * its instance is one of the compute nodes the cluster size counts.
 */
export const PCS_LOGIN_NODES = 1;

/**
 * The login node's type: one small instance without EFA, of the cluster's architecture (one AMI
 * serves both node groups). AWS's PCS recipe uses c7i/c7g; the c6 generation is offered in more
 * Regions. `npm run preflight` checks it is offered in the cluster's AZ.
 */
export const LOGIN_INSTANCE_TYPES = { x86_64: 'c6i.large', arm64: 'c6g.large' } as const;

/** The Slurm part of the HPC config: what the PCS cluster is built with. */
export interface SlurmConfig {
  readonly clusterSize: PcsClusterSize;
  readonly slurmVersion: PcsSlurmVersion;
}

/** Reads `hpc.pcsSize` and `hpc.slurmVersion`, and checks the node count against the size. */
export function parseSlurmConfig(rawSize: unknown, rawVersion: unknown, nodes: number, rawNodes: unknown): SlurmConfig {
  const clusterSize = parseChoice('hpc.pcsSize', rawSize, PCS_CLUSTER_SIZE_NAMES, 'SMALL');
  const slurmVersion = parseChoice('hpc.slurmVersion', versionText(rawVersion), PCS_SLURM_VERSION_NAMES, DEFAULT_SLURM_VERSION);
  const cap = PCS_CLUSTER_SIZES[clusterSize];
  if (nodes + PCS_LOGIN_NODES > cap) {
    const bigger = PCS_CLUSTER_SIZE_NAMES.find((size) => PCS_CLUSTER_SIZES[size] >= nodes + PCS_LOGIN_NODES);
    throw new ConfigError(
      'hpc.nodes',
      rawNodes,
      `an AWS PCS cluster of size ${clusterSize} manages at most ${cap} compute nodes, the login node included: ` +
        `use ${cap - PCS_LOGIN_NODES} or fewer` +
        (bigger ? `, or hpc.pcsSize=${bigger}` : ''),
    );
  }
  return { clusterSize, slurmVersion };
}

/** `25.11` typed in cdk.json as a number arrives as 25.11; as `-c` it is a string already. */
function versionText(raw: unknown): unknown {
  return typeof raw === 'number' ? raw.toFixed(2) : raw;
}

/** Keys that only mean something with `hpc.scheduler=slurm`: refused elsewhere, so a typo of the scheduler is not silent. */
export const SLURM_ONLY_KEYS = ['hpc.pcsSize', 'hpc.slurmVersion'] as const;

export function refuseSlurmOnlyKeys(scheduler: string, read: (key: (typeof SLURM_ONLY_KEYS)[number]) => unknown): void {
  for (const key of SLURM_ONLY_KEYS) {
    if (scheduler !== 'slurm' && read(key) !== undefined) {
      throw new ConfigError(key, read(key), `applies to AWS PCS only: set hpc.scheduler=slurm, or leave ${key} unset`);
    }
  }
}
