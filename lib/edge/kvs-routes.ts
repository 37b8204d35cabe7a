import type { RouteTable } from './edge-sources';

/**
 * How routes.json is laid out in the CloudFront KeyValueStore of `edge.mode=keyvaluestore`:
 * one key per country code (its variant) plus this key for everyone else. A country code is two
 * upper-case letters, so no country can collide with it. lambda-edge/cf-function/geo-router-kvs.js
 * reads the same keys (a test holds the two together); `npm run routes` writes them.
 */
export const DEFAULT_VARIANT_KEY = 'default';

/**
 * Limits of a key value store import file (CloudFront Developer Guide, "File format for
 * key-value pairs": https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/kvs-with-functions-create-s3-kvp.html):
 * UTF-8 JSON, no duplicate keys, the file at most 5 MB, a key at most 512 characters, a value at
 * most 1,024. The data-plane API allows keys up to 1,024 (PutKey), so these are the stricter.
 */
export const KVS_IMPORT_LIMITS = { fileBytes: 5 * 1024 * 1024, keyCharacters: 512, valueCharacters: 1024 } as const;

/** One key-value pair of the store. */
export interface RouteEntry {
  readonly key: string;
  readonly value: string;
}

/** The store's entries for a routing table, sorted by key, the default last. */
export function routeEntries(table: Pick<RouteTable, 'defaultVariant' | 'countries'>): RouteEntry[] {
  const countries = Object.keys(table.countries)
    .sort()
    .map((key) => ({ key, value: table.countries[key] }));
  return [...countries, { key: DEFAULT_VARIANT_KEY, value: table.defaultVariant }];
}

/**
 * The import file for a new store: `{"data":[{"key":..,"value":..},..]}`, checked against the
 * documented limits so a bad file fails the synth, not the deployment.
 */
export function kvsImportFile(table: Pick<RouteTable, 'defaultVariant' | 'countries'>): string {
  const entries = routeEntries(table);
  const keys = new Set<string>();
  for (const { key, value } of entries) {
    if (keys.has(key)) throw new Error(`key value store import: the key ${JSON.stringify(key)} appears twice`);
    keys.add(key);
    if (key.length === 0 || key.length > KVS_IMPORT_LIMITS.keyCharacters) {
      throw new Error(`key value store import: the key ${JSON.stringify(key)} is not 1 to ${KVS_IMPORT_LIMITS.keyCharacters} characters`);
    }
    if (value.length > KVS_IMPORT_LIMITS.valueCharacters) {
      throw new Error(`key value store import: the value of ${key} is over ${KVS_IMPORT_LIMITS.valueCharacters} characters`);
    }
  }
  const file = `${JSON.stringify({ data: entries }, null, 1)}\n`;
  if (Buffer.byteLength(file, 'utf8') > KVS_IMPORT_LIMITS.fileBytes) {
    throw new Error(`key value store import: the file would be over ${KVS_IMPORT_LIMITS.fileBytes} bytes`);
  }
  return file;
}
