import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Where the edge runtime lives. lib/ never imports code from lambda-edge/ (the rule of the
 * house); it only bundles, embeds or reads these files by path.
 */
const LAMBDA_EDGE_DIR = path.join(__dirname, '..', '..', 'lambda-edge');

/** The Lambda@Edge origin-request handler, bundled by esbuild with routes.json inlined. */
export const GEO_ROUTER_ENTRY = path.join(LAMBDA_EDGE_DIR, 'geo-router', 'index.ts');

/** The routing table both edge implementations are built from. */
export const ROUTES_JSON_PATH = path.join(LAMBDA_EDGE_DIR, 'geo-router', 'routes.json');

/** The CloudFront Function (JS 2.0 runtime), with its own generated copy of the routing table. */
export const CF_FUNCTION_PATH = path.join(LAMBDA_EDGE_DIR, 'cf-function', 'geo-router.js');

/** The CloudFront Function (JS 2.0 runtime) that reads the routing table from a key value store. */
export const CF_KVS_FUNCTION_PATH = path.join(LAMBDA_EDGE_DIR, 'cf-function', 'geo-router-kvs.js');

/**
 * The runtime files an edge stack is built from. The shipped set is the default; a benchmark or
 * a test can build the same stack from another routing table by pointing at generated copies.
 */
export interface EdgeRuntimeSources {
  /** The routing table: which variants exist (sample content is drawn for each). */
  readonly routesFile: string;
  /** The Lambda@Edge handler; esbuild inlines the routes.json that sits beside it. */
  readonly lambdaEdgeEntry: string;
  /** The CloudFront Function, with its generated copy of the same table. */
  readonly cloudFrontFunctionFile: string;
  /** The CloudFront Function that reads the table from a key value store. */
  readonly keyValueStoreFunctionFile: string;
}

/** The files in lambda-edge/, as shipped. */
export const SHIPPED_EDGE_SOURCES: EdgeRuntimeSources = {
  routesFile: ROUTES_JSON_PATH,
  lambdaEdgeEntry: GEO_ROUTER_ENTRY,
  cloudFrontFunctionFile: CF_FUNCTION_PATH,
  keyValueStoreFunctionFile: CF_KVS_FUNCTION_PATH,
};

/**
 * Variant names become S3 key segments (`ads/<variant>/...`), so the infrastructure holds them
 * to the same conservative alphabet and length as the runtime does (routes-table.ts).
 */
const VARIANT_NAME = /^[a-z0-9-]{1,32}$/;

/** Country keys as CloudFront sends them in CloudFront-Viewer-Country: ISO 3166-1 alpha-2. */
const COUNTRY_CODE = /^[A-Z]{2}$/;

/** What the infrastructure needs from routes.json: which variants exist and which is the fallback. */
export interface RouteVariants {
  /** Served to viewers whose country is not in the table. */
  readonly defaultVariant: string;
  /** Every variant a viewer can be routed to, the default included; sorted, no duplicates. */
  readonly variants: string[];
}

/** The whole table, for the key value store that holds it. */
export interface RouteTable extends RouteVariants {
  /** Country code -> variant, sorted by code. */
  readonly countries: Readonly<Record<string, string>>;
}

/**
 * Reads the variant names from routes.json. Only the names are checked here (they become S3
 * prefixes); the full table is validated by the runtime's own tests in test/edge.
 * Throws an Error naming the file and the offending key.
 */
export function readRouteVariants(file: string = ROUTES_JSON_PATH): RouteVariants {
  const { defaultVariant, variants } = readRouteTable(file);
  return { defaultVariant, variants };
}

/**
 * Reads routes.json whole: country codes and variant names are both checked, since the key
 * value store mode loads them into a store as they are. Throws an Error naming the file and the
 * offending key.
 */
export function readRouteTable(file: string = ROUTES_JSON_PATH): RouteTable {
  let table: unknown;
  try {
    table = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: cannot read the routing table (${(error as Error).message})`, { cause: error });
  }
  const { defaultVariant, countries } = (table ?? {}) as { defaultVariant?: unknown; countries?: unknown };
  const variantOf = (key: string, value: unknown): string => {
    if (typeof value !== 'string' || !VARIANT_NAME.test(value)) {
      throw new Error(
        `${file}: ${key} is ${JSON.stringify(value) ?? 'missing'}; a variant name must match ${VARIANT_NAME} because it becomes the S3 prefix ads/<variant>/`,
      );
    }
    return value;
  };
  if (typeof countries !== 'object' || countries === null || Array.isArray(countries)) {
    throw new Error(`${file}: "countries" must be an object mapping country codes to variant names`);
  }
  const fallback = variantOf('"defaultVariant"', defaultVariant);
  const routed: Record<string, string> = {};
  for (const [code, variant] of Object.entries(countries).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!COUNTRY_CODE.test(code))
      throw new Error(`${file}: countries key ${JSON.stringify(code)} is not an ISO 3166-1 alpha-2 code in upper case`);
    routed[code] = variantOf(`countries.${code}`, variant);
  }
  return { defaultVariant: fallback, variants: [...new Set([fallback, ...Object.values(routed)])].sort(), countries: routed };
}
