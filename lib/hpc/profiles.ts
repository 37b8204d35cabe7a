/**
 * Named cluster shapes. A profile is a starting point: `hpc.instanceType` and `hpc.nodes`
 * override either half of it.
 */
export interface HpcProfile {
  /** What the profile is for, shown in the configuration reference. */
  readonly purpose: string;
  readonly instanceType: string;
  readonly nodes: number;
}

export const HPC_PROFILES = {
  /** The cheapest real EFA fabric: two 100 Gbps nodes, one EFA interface each. */
  sandbox: { purpose: 'try the fabric for the price of two nodes', instanceType: 'c5n.18xlarge', nodes: 2 },
  /** A CFD-sized cluster on AMD HPC nodes (300 Gbps EFA). */
  cfd: { purpose: 'computational fluid dynamics at production scale', instanceType: 'hpc7a.96xlarge', nodes: 16 },
  /** Distributed training: 8 GPUs and 32 EFA interfaces (one per network card) per node. */
  ml: { purpose: 'multi-node GPU training', instanceType: 'p5.48xlarge', nodes: 2 },
} as const satisfies Record<string, HpcProfile>;

export type HpcProfileName = keyof typeof HPC_PROFILES;

export const HPC_PROFILE_NAMES = Object.keys(HPC_PROFILES) as HpcProfileName[];
