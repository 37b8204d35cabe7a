import type { EfaCatalogFile } from '../../lib/hpc/efa-instance-types';
import { HPC_PROFILES, HPC_PROFILE_NAMES, type HpcProfileName } from '../../lib/hpc/profiles';

/**
 * The HPC profiles whose instance type a new catalog lacks, as `[profile, instanceType]` pairs.
 * Such a catalog would make `hpc.profile=<profile>` fail at synth with "does not support EFA",
 * which would be misleading: the type has EFA, the regions asked just do not offer it.
 */
export function profileTypesMissingFrom(catalog: EfaCatalogFile): [HpcProfileName, string][] {
  return HPC_PROFILE_NAMES.filter((profile) => !Object.hasOwn(catalog.instanceTypes, HPC_PROFILES[profile].instanceType)).map((profile) => [
    profile,
    HPC_PROFILES[profile].instanceType,
  ]);
}
