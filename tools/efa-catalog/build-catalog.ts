import type { InstanceTypeInfo } from '@aws-sdk/client-ec2';
import type { EfaCatalogFile, EfaInstanceType } from '../../lib/hpc/efa-instance-types';
import type { Log } from '../shared/output';
import { toCatalogEntry } from './catalog-entry';

/** What one region answered. */
export interface RegionAnswer {
  readonly region: string;
  readonly instanceTypes: readonly InstanceTypeInfo[];
}

/**
 * The catalog file's `source` text. It names the regions in the order given (that order decides
 * conflicts) and how to regenerate, and carries no timestamp, so the same answers give the same
 * bytes.
 */
export function catalogSource(regions: readonly string[]): string {
  return (
    `EC2 DescribeInstanceTypes (network-info.efa-supported=true) in ${regions.join(', ')}; ` +
    `regenerate with npm run efa-catalog -- --regions ${regions.join(',')}`
  );
}

/**
 * Merges the regions' answers into one catalog, each type once, sorted by name.
 *
 * Regions can disagree (a type's figures are the same worldwide in practice, but an answer can
 * lag behind a hardware refresh): the first region listed wins, and each disagreement is
 * logged, so a reviewer sees it before committing the file.
 */
export function buildEfaCatalog(answers: readonly RegionAnswer[], warn: Log): EfaCatalogFile {
  const entries = new Map<string, { entry: EfaInstanceType; region: string }>();
  const skipped = new Set<string>();
  for (const { region, instanceTypes } of answers) {
    for (const info of instanceTypes) {
      const outcome = toCatalogEntry(info);
      if ('skipped' in outcome) {
        if (!skipped.has(outcome.name)) warn(`warning: ${outcome.name} left out: ${outcome.skipped}`);
        skipped.add(outcome.name);
        continue;
      }
      const first = entries.get(outcome.name);
      if (first === undefined) {
        entries.set(outcome.name, { entry: outcome.entry, region });
        continue;
      }
      const differences = describeEntryDifferences(first.entry, outcome.entry);
      if (differences.length > 0) {
        warn(`warning: ${outcome.name}: ${region} says ${differences.join(', ')}; keeping ${first.region}'s figures`);
      }
    }
  }
  const names = [...entries.keys()].sort();
  return {
    instanceTypes: Object.fromEntries(names.map((name) => [name, entries.get(name)!.entry])),
    source: catalogSource(answers.map((answer) => answer.region)),
  };
}

/** `['vcpus 96 (not 64)']`: the fields where `other` differs from `kept`. */
export function describeEntryDifferences(kept: EfaInstanceType, other: EfaInstanceType): string[] {
  return (Object.keys(kept) as (keyof EfaInstanceType)[])
    .filter((field) => kept[field] !== other[field])
    .map((field) => `${field} ${other[field]} (not ${kept[field]})`);
}
