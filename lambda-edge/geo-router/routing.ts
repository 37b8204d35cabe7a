/**
 * The routing decision shared by both edge implementations, free of any CloudFront types so
 * it can be unit-tested, property-tested and benchmarked on its own.
 *
 * The CloudFront Function in `lambda-edge/cf-function/geo-router.js` cannot import this file;
 * it re-implements the same rules, and the parity tests in `test/edge/` hold the two together.
 * A change here needs the same change there.
 *
 * Decisions taken where the contract leaves room:
 * - Only URIs under `/ads/` are inspected. Everything else (including `/ads` without the
 *   trailing slash) passes through untouched and unvalidated: guarding other paths is the
 *   origin's business, and this function should not change behaviour it does not own.
 * - Every segment after `/ads/` must be non-empty. That rejects `//` as the contract asks,
 *   and also `/ads/` itself and trailing slashes (`/ads/promo/`): the origin is an S3 bucket
 *   of objects, a key ending in `/` names no object, so forwarding it could only produce an
 *   origin error that CloudFront would then cache once per variant.
 * - The path is percent-decoded exactly once, as S3 does when it resolves the key, and the
 *   checks run on the decoded text. So `%2e%2e` and `..%2f` are caught, while `%252e%252e`
 *   (which S3 reads as the literal text `%2e%2e`) is harmless and allowed.
 * - The forwarded URI keeps the viewer's original encoding of the rest of the path, so the
 *   origin decodes the very string that was validated.
 * - "Control character" means Unicode category Cc: U+0000-U+001F and U+007F-U+009F.
 */
import type { RoutesTable } from './routes-table';

/** Only URIs starting with this prefix are routed. */
export const ROUTED_PREFIX = '/ads/';

/** What the edge should do with a request. */
export type RoutingDecision =
  // Not an `/ads/` request: hand it on exactly as received.
  | { readonly action: 'pass' }
  // Rewrite the URI to the variant's copy and let the request continue to the origin.
  | { readonly action: 'forward'; readonly uri: string; readonly variant: string }
  // Answer at the edge; the request never reaches the origin.
  | { readonly action: 'reject'; readonly status: 400; readonly reason: string };

/**
 * Decides where a request goes. Never throws for any string input.
 *
 * @param uri the request path as CloudFront delivers it: percent-encoded, without query string
 * @param countryHeaderValue first value of `cloudfront-viewer-country`, or undefined if absent
 * @param table the routing table (see `routes-table.ts`)
 */
export function routeRequest(uri: string, countryHeaderValue: string | undefined, table: RoutesTable): RoutingDecision {
  if (!uri.startsWith(ROUTED_PREFIX)) return { action: 'pass' };

  const rest = uri.slice(ROUTED_PREFIX.length);
  const problem = findPathProblem(rest);
  if (problem !== undefined) return { action: 'reject', status: 400, reason: problem };

  const variant = selectVariant(countryHeaderValue, table);
  return { action: 'forward', uri: `${ROUTED_PREFIX}${variant}/${rest}`, variant };
}

/**
 * The variant for a viewer country: its table entry when the trimmed value is exactly two
 * ASCII letters listed in the table, otherwise the default.
 *
 * Letters are checked before upper-casing because Unicode case mapping can grow a string:
 * `'ß'.toUpperCase()` is `'SS'`, which would otherwise pass for South Sudan.
 */
export function selectVariant(countryHeaderValue: string | undefined, table: RoutesTable): string {
  if (countryHeaderValue === undefined) return table.defaultVariant;
  const trimmed = countryHeaderValue.trim();
  if (!/^[A-Za-z]{2}$/.test(trimmed)) return table.defaultVariant;
  const code = trimmed.toUpperCase();
  // No inherited Object property has a two-letter name today; the own-property guard keeps it that way.
  return Object.prototype.hasOwnProperty.call(table.countries, code) ? table.countries[code] : table.defaultVariant;
}

/**
 * Why the part of a routed URI after `/ads/` is unsafe to forward, or undefined when it is fine.
 * The reasons are fixed strings, never echoes of the input, so they can go into a response body.
 */
export function findPathProblem(encodedRest: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(encodedRest);
  } catch {
    return 'path is not valid percent-encoded UTF-8';
  }
  if (/[\u0000-\u001f\u007f-\u009f]/.test(decoded)) return 'path contains a control character';
  if (decoded.includes('\\')) return 'path contains a backslash';
  for (const segment of decoded.split('/')) {
    if (segment === '') return 'path contains an empty segment';
    if (segment === '.' || segment === '..') return 'path contains a dot segment';
  }
  return undefined;
}
