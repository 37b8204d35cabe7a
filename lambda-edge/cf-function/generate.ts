/**
 * Writes the routing table from `routes.json` into the CloudFront Function source.
 *
 * CloudFront Functions cannot read files at run time, so `geo-router.js` carries its own copy
 * of the table between two marker comments. This script owns that section; routes.json stays
 * the single place where routes are edited.
 *
 *   npx ts-node --transpile-only lambda-edge/cf-function/generate.ts           rewrite the section
 *   npx ts-node --transpile-only lambda-edge/cf-function/generate.ts --check   exit 1 if it is stale
 */
import { readFileSync, writeFileSync } from 'fs';
import * as path from 'path';
import { assertRoutesTable, type RoutesTable } from '../geo-router/routes-table';

/** The CloudFront Function source file this script maintains. */
export const CF_FUNCTION_PATH = path.join(__dirname, 'geo-router.js');

/** The routing table both edge implementations are built from. */
export const ROUTES_JSON_PATH = path.join(__dirname, '..', 'geo-router', 'routes.json');

const BEGIN_MARKER = '// BEGIN GENERATED ROUTES';
const END_MARKER = '// END GENERATED ROUTES';

/** Longest generated line; several countries share a line so the table stays small. */
const MAX_LINE_LENGTH = 100;

/**
 * The JavaScript that declares the embedded table, ending in a newline.
 * Countries are packed several to a line, sorted, because CloudFront counts every byte of the
 * function against its 10 KB limit and the full ISO list must still fit.
 */
export function renderRoutesBlock(table: RoutesTable): string {
  // Re-built key by key so the output does not depend on how the JSON file was formatted.
  const entries = Object.keys(table.countries)
    .sort()
    .map((code) => `${JSON.stringify(code)}: ${JSON.stringify(table.countries[code])},`);
  const lines: string[] = [];
  for (const entry of entries) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + 1 + entry.length <= MAX_LINE_LENGTH) lines[last] += ` ${entry}`;
    else lines.push(`    ${entry}`);
  }
  return [
    'const ROUTES = {',
    `  defaultVariant: ${JSON.stringify(table.defaultVariant)},`,
    '  countries: {',
    ...lines,
    '  },',
    '};',
    '',
  ].join('\n');
}

/**
 * `source` with the section between the marker lines replaced by the rendered table.
 * Throws if the markers are missing, duplicated or out of order, rather than guessing.
 */
export function embedRoutes(source: string, table: RoutesTable): string {
  const begin = source.indexOf(BEGIN_MARKER);
  const end = source.indexOf(END_MARKER);
  if (begin === -1 || end === -1 || end < begin) {
    throw new Error(`${CF_FUNCTION_PATH}: expected a line starting with "${BEGIN_MARKER}" followed later by "${END_MARKER}"`);
  }
  if (source.indexOf(BEGIN_MARKER, begin + 1) !== -1 || source.indexOf(END_MARKER, end + 1) !== -1) {
    throw new Error(`${CF_FUNCTION_PATH}: the generated-routes markers must appear exactly once`);
  }
  const sectionStart = source.indexOf('\n', begin) + 1;
  return source.slice(0, sectionStart) + renderRoutesBlock(table) + source.slice(end);
}

/** Reads and validates `routes.json`. */
export function readRoutesJson(): RoutesTable {
  const table: unknown = JSON.parse(readFileSync(ROUTES_JSON_PATH, 'utf8'));
  assertRoutesTable(table, ROUTES_JSON_PATH);
  return table;
}

/**
 * Command-line entry point; returns the process exit code.
 * @param args `['--check']` to verify without writing
 */
export function main(args: readonly string[]): number {
  const checkOnly = args.includes('--check');
  const current = readFileSync(CF_FUNCTION_PATH, 'utf8');
  const expected = embedRoutes(current, readRoutesJson());
  const relative = path.relative(process.cwd(), CF_FUNCTION_PATH);

  if (current === expected) {
    console.log(`${relative} is up to date with routes.json`);
    return 0;
  }
  if (checkOnly) {
    console.error(`${relative} is stale: its embedded routes differ from routes.json. Run without --check to regenerate.`);
    return 1;
  }
  writeFileSync(CF_FUNCTION_PATH, expected);
  console.log(`${relative}: embedded routes regenerated from routes.json`);
  return 0;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
