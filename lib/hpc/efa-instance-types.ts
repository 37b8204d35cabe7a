import catalogFile from './efa-catalog.json';

/**
 * What this project needs to know about one EFA-capable instance type. Field names follow the
 * EC2 DescribeInstanceTypes answer they come from, so a tool can regenerate the
 * catalog from the API without a mapping table.
 */
export interface EfaInstanceType {
  /** `ProcessorInfo.SupportedArchitectures[0]`: decides the AMI and the container platform. */
  readonly architecture: 'x86_64' | 'arm64';
  /** Total GPUs (`GpuInfo.Gpus[].Count`); 0 for CPU-only and for non-GPU accelerators. */
  readonly gpus: number;
  /** `NetworkInfo.EfaInfo.MaximumEfaInterfaces`: how many EFA interfaces one instance can carry. */
  readonly maxEfaInterfaces: number;
  /** `NetworkInfo.MaximumNetworkCards`: multi-card types get one EFA interface per card. */
  readonly maximumNetworkCards: number;
  /** `MemoryInfo.SizeInMiB`. */
  readonly memoryMiB: number;
  /** `VCpuInfo.DefaultVCpus`. */
  readonly vcpus: number;
}

/** The catalog file's shape (`lib/hpc/efa-catalog.json`). */
export interface EfaCatalogFile {
  readonly instanceTypes: Record<string, EfaInstanceType>;
  readonly source: string;
}

const catalog = catalogFile as EfaCatalogFile;

/** Every instance type the catalog knows, sorted by name. */
export function efaInstanceTypeNames(): string[] {
  return Object.keys(catalog.instanceTypes).sort();
}

/** The catalog entry for `instanceType`, or `undefined` when the type has no EFA (or is unknown). */
export function findEfaInstanceType(instanceType: string): EfaInstanceType | undefined {
  return Object.prototype.hasOwnProperty.call(catalog.instanceTypes, instanceType) ? catalog.instanceTypes[instanceType] : undefined;
}

/**
 * EFA types a user probably meant when they named one without EFA: same family first
 * (`m5.large` -> `m5n.24xlarge`), then same size (`c6g.16xlarge` -> `c6gn.16xlarge`),
 * then, when nothing is close, a handful of the catalog's types so the message is never empty.
 */
export function suggestEfaInstanceTypes(instanceType: string, limit = 4): string[] {
  const [family = '', size = ''] = instanceType.split('.');
  const generation = family.match(/^[a-z]+\d+/)?.[0] ?? family;
  const names = efaInstanceTypeNames();
  const sameFamily = names.filter((name) => generation !== '' && name.startsWith(generation));
  const sameSize = names.filter((name) => size !== '' && name.endsWith(`.${size}`));
  const close = [...new Set([...sameFamily, ...sameSize])];
  return (close.length > 0 ? close : names).slice(0, limit);
}
