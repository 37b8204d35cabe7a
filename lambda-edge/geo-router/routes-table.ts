/**
 * The shape of `routes.json`: which content variant each viewer country gets.
 *
 * The table is data shared with the infrastructure code (which uploads one S3 prefix per
 * variant) and with the CloudFront Function (which embeds a generated copy), so its shape is
 * checked here, in one place, with errors that name the offending key.
 */

/**
 * Variant names become S3 key segments, so they stay in a conservative, URL-safe alphabet. The
 * length bound keeps the rewrite's growth known: `/ads/<rest>` gains at most 33 characters
 * (`<variant>/`), which the URI length check in routing.ts has to leave room for.
 */
export const VARIANT_NAME_PATTERN = /^[a-z0-9-]{1,32}$/;

/** ISO 3166-1 alpha-2, upper case: the form CloudFront uses in `cloudfront-viewer-country`. */
export const COUNTRY_CODE_PATTERN = /^[A-Z]{2}$/;

/** A validated routing table: a fallback variant plus a country-code-to-variant map. */
export interface RoutesTable {
  /** Served to viewers whose country is missing, malformed or not listed. */
  readonly defaultVariant: string;
  /** Keys are ISO 3166-1 alpha-2 codes in upper case; values are variant names. */
  readonly countries: Readonly<Record<string, string>>;
}

/**
 * Throws an Error naming the first thing wrong with `value` unless it is a well-formed
 * routes table.
 *
 * The edge handlers do not call this at cold start: a broken table there could only turn
 * into errors at every edge location. Tests call it instead, so a bad table fails the build.
 *
 * @param value parsed JSON, typically the contents of `routes.json`
 * @param source how to name the table in error messages
 */
export function assertRoutesTable(value: unknown, source = 'routes table'): asserts value is RoutesTable {
  if (!isPlainObject(value)) {
    throw new Error(`${source}: expected an object with "defaultVariant" and "countries", got ${describe(value)}`);
  }
  const unknownKeys = Object.keys(value).filter((key) => key !== 'defaultVariant' && key !== 'countries');
  if (unknownKeys.length > 0) {
    throw new Error(
      `${source}: unexpected key(s) ${unknownKeys.map((k) => JSON.stringify(k)).join(', ')}; only "defaultVariant" and "countries" are allowed`,
    );
  }
  assertVariantName(value.defaultVariant, `${source}: "defaultVariant"`);

  const countries = value.countries;
  if (!isPlainObject(countries)) {
    throw new Error(`${source}: "countries" must be an object mapping country codes to variants, got ${describe(countries)}`);
  }
  for (const [code, variant] of Object.entries(countries)) {
    if (!COUNTRY_CODE_PATTERN.test(code)) {
      throw new Error(`${source}: countries key ${JSON.stringify(code)} is not an ISO 3166-1 alpha-2 code in upper case (e.g. "DE")`);
    }
    assertVariantName(variant, `${source}: countries.${code}`);
  }
}

/** All variant names a table can route to, default included, sorted and without duplicates. */
export function listVariants(table: RoutesTable): string[] {
  return [...new Set([table.defaultVariant, ...Object.values(table.countries)])].sort();
}

function assertVariantName(value: unknown, where: string): void {
  if (typeof value !== 'string' || !VARIANT_NAME_PATTERN.test(value)) {
    throw new Error(
      `${where} is ${describe(value)}; a variant name must match ${VARIANT_NAME_PATTERN} (1 to 32 lowercase letters, digits, '-')`,
    );
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return 'an array';
  return JSON.stringify(value) ?? String(value);
}
