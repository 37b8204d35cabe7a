/**
 * Writes what the CloudFront Functions need from `routes.json` into their sources.
 *
 * CloudFront Functions cannot read files at run time, so `geo-router.js` carries its own copy
 * of the table, and `geo-router-kvs.js` (which reads the table from a key value store) the
 * default variant it falls back on when the store cannot answer, each between two marker
 * comments. This script owns those sections; routes.json stays the single place where routes
 * are edited.
 *
 *   npx ts-node --transpile-only lambda-edge/cf-function/generate.ts           rewrite the section
 *   npx ts-node --transpile-only lambda-edge/cf-function/generate.ts --check   exit 1 if it is stale
 */
import { readFileSync, writeFileSync } from 'fs';
import * as path from 'path';
import { assertRoutesTable, type RoutesTable } from '../geo-router/routes-table';

/** The CloudFront Function with the routing table in its code. */
export const CF_FUNCTION_PATH = path.join(__dirname, 'geo-router.js');

/** The CloudFront Function that reads the routing table from a key value store. */
export const CF_KVS_FUNCTION_PATH = path.join(__dirname, 'geo-router-kvs.js');

/** The routing table both edge implementations are built from. */
export const ROUTES_JSON_PATH = path.join(__dirname, '..', 'geo-router', 'routes.json');

const BEGIN_MARKER = '// BEGIN GENERATED ROUTES';
const END_MARKER = '// END GENERATED ROUTES';

/**
 * The JavaScript that declares the embedded table, ending in a newline: each variant with its
 * countries as one space-separated string, sorted. CloudFront counts every byte of the function
 * against its 10 KB limit, and grouped this way a country costs 3 bytes, so the full ISO list
 * fits with room to spare.
 */
export function renderRoutesBlock(table: RoutesTable): string {
  // Re-built key by key so the output does not depend on how the JSON file was formatted.
  const byVariant = new Map<string, string[]>();
  for (const code of Object.keys(table.countries).sort()) {
    const variant = table.countries[code];
    byVariant.set(variant, [...(byVariant.get(variant) ?? []), code]);
  }
  const lines = [...byVariant.keys()].sort().map((variant) => `    ${JSON.stringify(variant)}: "${byVariant.get(variant)!.join(' ')}",`);
  return [
    'const ROUTES = {',
    `  defaultVariant: ${JSON.stringify(table.defaultVariant)},`,
    '  variants: {',
    ...lines,
    '  },',
    '};',
    '',
  ].join('\n');
}

/** The table a rendered block describes, read back: country code -> variant. */
export function countriesOfRenderedRoutes(routes: { defaultVariant: string; variants: Record<string, string> }): RoutesTable {
  const countries: Record<string, string> = {};
  for (const [variant, codes] of Object.entries(routes.variants)) for (const code of codes.split(' ')) countries[code] = variant;
  return { defaultVariant: routes.defaultVariant, countries: Object.fromEntries(Object.entries(countries).sort()) };
}

/** The JavaScript that declares the key value store function's fallback, ending in a newline. */
export function renderFallbackBlock(table: RoutesTable): string {
  return `const FALLBACK_VARIANT = ${JSON.stringify(table.defaultVariant)};\n`;
}

/** Each generated file and how its section is rendered. */
export const GENERATED_FILES: readonly { readonly path: string; readonly render: (table: RoutesTable) => string }[] = [
  { path: CF_FUNCTION_PATH, render: renderRoutesBlock },
  { path: CF_KVS_FUNCTION_PATH, render: renderFallbackBlock },
];

/**
 * `source` with the section between the marker lines replaced by `render(table)`.
 * Throws if the markers are missing, duplicated or out of order, rather than guessing.
 */
export function embedRoutes(source: string, table: RoutesTable, render: (table: RoutesTable) => string = renderRoutesBlock): string {
  const begin = source.indexOf(BEGIN_MARKER);
  const end = source.indexOf(END_MARKER);
  if (begin === -1 || end === -1 || end < begin) {
    throw new Error(`expected a line starting with "${BEGIN_MARKER}" followed later by "${END_MARKER}"`);
  }
  if (source.indexOf(BEGIN_MARKER, begin + 1) !== -1 || source.indexOf(END_MARKER, end + 1) !== -1) {
    throw new Error(`the generated-routes markers must appear exactly once`);
  }
  const sectionStart = source.indexOf('\n', begin) + 1;
  return source.slice(0, sectionStart) + render(table) + source.slice(end);
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
  const table = readRoutesJson();
  let exitCode = 0;
  for (const file of GENERATED_FILES) {
    const current = readFileSync(file.path, 'utf8');
    const expected = embedRoutes(current, table, file.render);
    const relative = path.relative(process.cwd(), file.path);
    if (current === expected) {
      console.log(`${relative} is up to date with routes.json`);
    } else if (checkOnly) {
      console.error(`${relative} is stale: its generated section differs from routes.json. Run without --check to regenerate.`);
      exitCode = 1;
    } else {
      writeFileSync(file.path, expected);
      console.log(`${relative}: generated section rewritten from routes.json`);
    }
  }
  return exitCode;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
