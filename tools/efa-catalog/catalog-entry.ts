import type { InstanceTypeInfo } from '@aws-sdk/client-ec2';
import type { EfaInstanceType } from '../../lib/hpc/efa-instance-types';

/** What one DescribeInstanceTypes item becomes: a catalog entry, or the reason it is left out. */
export type CatalogEntryOutcome =
  { readonly name: string; readonly entry: EfaInstanceType } | { readonly name: string; readonly skipped: string };

/** The architectures the HPC stack builds for (AMI and container platform); see EfaInstanceType. */
const CATALOG_ARCHITECTURES = ['x86_64', 'arm64'] as const;

/**
 * Maps one EC2 answer to the catalog's fields (see EfaInstanceType for where each comes from).
 *
 * Architecture: the first of `SupportedArchitectures` that the stack can build for, so a type
 * listed as `['i386', 'x86_64']` is `x86_64` (the stack only uses 64-bit AMIs). A type with
 * neither x86_64 nor arm64 (e.g. `x86_64_mac`) is skipped, as is an answer missing a field the
 * stack depends on: a guessed value would size launch templates wrongly.
 */
export function toCatalogEntry(info: InstanceTypeInfo): CatalogEntryOutcome {
  const name = info.InstanceType ?? '(unnamed)';
  const architectures = info.ProcessorInfo?.SupportedArchitectures ?? [];
  const architecture = architectures.find((candidate): candidate is EfaInstanceType['architecture'] =>
    (CATALOG_ARCHITECTURES as readonly string[]).includes(candidate),
  );
  if (architecture === undefined) {
    return { name, skipped: `architecture ${architectures.join('/') || 'unknown'} is neither x86_64 nor arm64` };
  }
  const cardLimits = (info.NetworkInfo?.NetworkCards ?? []).map((card) => card.MaximumNetworkInterfaces);
  const fields = {
    defaultCores: info.VCpuInfo?.DefaultCores,
    maxEfaInterfaces: info.NetworkInfo?.EfaInfo?.MaximumEfaInterfaces,
    maximumNetworkCards: info.NetworkInfo?.MaximumNetworkCards,
    maximumNetworkInterfaces: info.NetworkInfo?.MaximumNetworkInterfaces,
    // The most limited card decides what a one-interface-per-card layout may assume.
    maximumNetworkInterfacesPerCard:
      cardLimits.length > 0 && cardLimits.every((limit) => limit !== undefined) ? Math.min(...(cardLimits as number[])) : undefined,
    memoryMiB: info.MemoryInfo?.SizeInMiB,
    vcpus: info.VCpuInfo?.DefaultVCpus,
  };
  const missing = Object.entries(fields)
    .filter(([, value]) => value === undefined)
    .map(([field]) => field);
  if (info.InstanceType === undefined || missing.length > 0) {
    return { name, skipped: `the answer lacks ${info.InstanceType === undefined ? 'InstanceType' : missing.join(', ')}` };
  }
  const gpus = (info.GpuInfo?.Gpus ?? []).reduce((total, gpu) => total + (gpu.Count ?? 0), 0);
  return {
    name,
    entry: {
      architecture,
      defaultCores: fields.defaultCores!,
      gpus,
      maxEfaInterfaces: fields.maxEfaInterfaces!,
      maximumNetworkCards: fields.maximumNetworkCards!,
      maximumNetworkInterfaces: fields.maximumNetworkInterfaces!,
      maximumNetworkInterfacesPerCard: fields.maximumNetworkInterfacesPerCard!,
      memoryMiB: fields.memoryMiB!,
      vcpus: fields.vcpus!,
    },
  };
}
