import * as path from 'node:path';
import type { EfaCatalogFile, EfaInstanceType } from '../../lib/hpc/efa-instance-types';

/** The catalog the HPC stack reads (lib/hpc/efa-instance-types.ts imports it). */
export const CATALOG_PATH = path.resolve(__dirname, '..', '..', 'lib', 'hpc', 'efa-catalog.json');

/**
 * The catalog's canonical text: keys sorted at every level, 2-space indent, trailing newline.
 * test/hpc/efa-catalog.test.ts holds the committed file to the same form, so regenerating it
 * only ever shows the real changes in a diff.
 */
export function formatCatalog(catalog: EfaCatalogFile): string {
  return `${JSON.stringify(sortKeysDeep(catalog), null, 2)}\n`;
}

function sortKeysDeep(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((key) => [key, sortKeysDeep(record[key])]),
  );
}

/**
 * What `--check` prints when the file on disk differs from what the API says: one line per
 * added (`+`), removed (`-`) or changed (`~`) type, then the `source` change; or a note that
 * only the formatting differs. Empty when the texts are equal.
 */
export function describeCatalogDifferences(currentText: string | undefined, wantedText: string): string[] {
  if (currentText === wantedText) return [];
  if (currentText === undefined) return ['the catalog file does not exist yet'];
  let current: EfaCatalogFile;
  try {
    current = JSON.parse(currentText) as EfaCatalogFile;
  } catch {
    return ['the current catalog file is not valid JSON'];
  }
  const wanted = JSON.parse(wantedText) as EfaCatalogFile;
  const currentTypes = current.instanceTypes ?? {};
  const names = [...new Set([...Object.keys(currentTypes), ...Object.keys(wanted.instanceTypes)])].sort();
  const lines: string[] = [];
  for (const name of names) {
    const before = currentTypes[name];
    const after = wanted.instanceTypes[name];
    if (before === undefined) lines.push(`+ ${name} ${describeEntry(after)}`);
    else if (after === undefined) lines.push(`- ${name} ${describeEntry(before)}`);
    else {
      const changed = (Object.keys(after) as (keyof EfaInstanceType)[]).filter((field) => before[field] !== after[field]);
      if (changed.length > 0) lines.push(`~ ${name} ${changed.map((field) => `${field} ${before[field]} -> ${after[field]}`).join(', ')}`);
    }
  }
  if (current.source !== wanted.source) lines.push(`~ source ${JSON.stringify(current.source)} -> ${JSON.stringify(wanted.source)}`);
  return lines.length > 0 ? lines : ['only the formatting differs from the canonical form (sorted keys, 2-space indent, trailing newline)'];
}

function describeEntry(entry: EfaInstanceType): string {
  return (Object.keys(entry) as (keyof EfaInstanceType)[])
    .sort()
    .map((field) => `${field}=${entry[field]}`)
    .join(' ');
}
