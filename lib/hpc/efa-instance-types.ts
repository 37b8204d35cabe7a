import catalogFile from './efa-catalog.json';

/**
 * What this project needs to know about one EFA-capable instance type. Field names follow the
 * EC2 DescribeInstanceTypes answer they come from, so a tool can regenerate the
 * catalog from the API without a mapping table.
 */
export interface EfaInstanceType {
  /** `ProcessorInfo.SupportedArchitectures[0]`: decides the AMI and the container platform. */
  readonly architecture: 'x86_64' | 'arm64';
  /** `VCpuInfo.DefaultCores`: physical cores, so MPI ranks per node (one per core, not per hyperthread). */
  readonly defaultCores: number;
  /** Total GPUs (`GpuInfo.Gpus[].Count`); 0 for CPU-only and for non-GPU accelerators. */
  readonly gpus: number;
  /** `NetworkInfo.EfaInfo.MaximumEfaInterfaces`: how many EFA interfaces one instance can carry. */
  readonly maxEfaInterfaces: number;
  /** `NetworkInfo.MaximumNetworkCards`: multi-card types get one EFA interface per card. */
  readonly maximumNetworkCards: number;
  /** `NetworkInfo.MaximumNetworkInterfaces`: interfaces on the whole instance. */
  readonly maximumNetworkInterfaces: number;
  /**
   * The smallest `NetworkInfo.NetworkCards[].MaximumNetworkInterfaces`: how many interfaces the
   * most limited card takes. hpc6id.32xlarge has two cards of one interface each, so a layout
   * that put two interfaces on one of its cards would be refused at launch.
   */
  readonly maximumNetworkInterfacesPerCard: number;
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
 * EFA types a user probably meant when they named one without EFA, at most one per family:
 * families that extend theirs first (`m5.large` -> `m5n`, `m5dn`, `m5zn`), then the same
 * generation (`r7i` -> `r7a`, `r7g`), then types of the same size (`c6g.16xlarge` ->
 * `c6gn.16xlarge`); a handful of the catalog's types when nothing is close, so the message is
 * never empty. Bare-metal sizes only when a metal size was asked for; within a family the same
 * size when it exists, else its smallest EFA size.
 */
export function suggestEfaInstanceTypes(instanceType: string, limit = 4): string[] {
  const [family = '', size = ''] = instanceType.split('.');
  const generation = family.match(/^[a-z]+\d+/)?.[0] ?? family;
  const wantsMetal = size.startsWith('metal');
  const candidates = efaInstanceTypeNames().filter((name) => wantsMetal || !name.split('.')[1].startsWith('metal'));
  const familyOf = (name: string) => name.split('.')[0];
  const tiers = [
    candidates.filter((name) => family !== '' && familyOf(name).startsWith(family)),
    candidates.filter((name) => generation !== '' && familyOf(name).startsWith(generation)),
    candidates.filter((name) => size !== '' && name.endsWith(`.${size}`)),
  ];
  const chosen = new Map<string, string>();
  for (const tier of tiers) {
    for (const name of tier) {
      const current = chosen.get(familyOf(name));
      if (current === undefined) {
        if (chosen.size < limit) chosen.set(familyOf(name), name);
      } else if (
        !current.endsWith(`.${size}`) &&
        (name.endsWith(`.${size}`) || catalog.instanceTypes[name].vcpus < catalog.instanceTypes[current].vcpus)
      ) {
        chosen.set(familyOf(name), name);
      }
    }
    if (chosen.size >= limit) break;
  }
  return chosen.size > 0 ? [...chosen.values()] : candidates.slice(0, limit);
}
