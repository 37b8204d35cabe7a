/**
 * The routing decision shared by every edge implementation, free of any CloudFront types so
 * it can be unit-tested, property-tested and benchmarked on its own.
 *
 * The CloudFront Functions in `lambda-edge/cf-function/` cannot import this file; they
 * re-implement the same rules, and the parity tests in `test/edge/` hold them together. A
 * change here needs the same change there.
 *
 * Decisions taken where the contract leaves room:
 * - Only URIs under `/ads/` are inspected. Everything else (including `/ads` without the
 *   trailing slash) keeps its path untouched and unvalidated: guarding other paths is the
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
 * - Of the query string only the names in KEPT_QUERY_NAMES survive, on every request the router
 *   sees: S3 acts on some query parameters of a signed request, and Origin Access Control signs
 *   every request CloudFront sends to the bucket. `response-content-type` on a GetObject, for
 *   one, would let a viewer serve an uploaded SVG as HTML (S3 API Reference, GetObject,
 *   "Overriding response header values through the request":
 *   https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html).
 * - A rewrite that would make the URI plus query string 8,192 characters or longer is answered
 *   414: CloudFront requires a URI an edge function changed, query string included, to stay
 *   under 8,192 characters ("Restrictions on all edge functions", URI and Query strings:
 *   https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/edge-function-restrictions-all.html),
 *   and would otherwise fail the request with a 5xx. The length is counted in UTF-8 bytes, never
 *   fewer than the characters the rule counts: CloudFront passes a UTF-8 URI to the function as
 *   received (same page, "URI, query string, and headers encoding"), and its URL quota is in
 *   bytes (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html).
 */
import type { RoutesTable } from './routes-table';

/** Only URIs starting with this prefix are routed. */
export const ROUTED_PREFIX = '/ads/';

/**
 * The query string names that reach the origin (and the cache key): `v`, for cache busting
 * (`/ads/banner.svg?v=2`). Matched exactly: `V`, `%76` and every S3 parameter are dropped.
 */
export const KEPT_QUERY_NAMES: readonly string[] = ['v'];

/** The longest URI plus `?` plus query string a rewrite may produce: CloudFront wants fewer than 8,192. */
export const MAX_ROUTED_URI_LENGTH = 8191;

/** What the edge should do with a request. */
export type RoutingDecision =
  // Not an `/ads/` request: hand it on with its path as received.
  | { readonly action: 'pass' }
  // Rewrite the URI to the variant's copy and let the request continue to the origin.
  | { readonly action: 'forward'; readonly uri: string; readonly variant: string }
  // Answer at the edge; the request never reaches the origin.
  | { readonly action: 'reject'; readonly status: 400 | 414; readonly reason: string };

/**
 * Decides where a request goes. Never throws for any string input.
 *
 * @param uri the request path as CloudFront delivers it: percent-encoded, without query string
 * @param countryHeaderValue first value of `cloudfront-viewer-country`, or undefined if absent
 * @param table the routing table (see `routes-table.ts`)
 * @param keptQuery the query string that will travel with the request (after keepQueryString), '' for none
 */
export function routeRequest(uri: string, countryHeaderValue: string | undefined, table: RoutesTable, keptQuery = ''): RoutingDecision {
  if (!uri.startsWith(ROUTED_PREFIX)) return { action: 'pass' };

  const rest = uri.slice(ROUTED_PREFIX.length);
  const problem = findPathProblem(rest);
  if (problem !== undefined) return { action: 'reject', status: 400, reason: problem };

  const variant = selectVariant(countryHeaderValue, table);
  const rewritten = `${ROUTED_PREFIX}${variant}/${rest}`;
  const length = utf8Length(rewritten) + (keptQuery === '' ? 0 : 1 + utf8Length(keptQuery));
  if (length > MAX_ROUTED_URI_LENGTH) {
    return {
      action: 'reject',
      status: 414,
      reason: `the routed URI would reach CloudFront's limit of ${MAX_ROUTED_URI_LENGTH + 1} characters`,
    };
  }
  return { action: 'forward', uri: rewritten, variant };
}

/**
 * The query string with only the KEPT_QUERY_NAMES pairs, in their original order and encoding,
 * each written `name=value` (a bare `v` becomes `v=`), as the CloudFront Functions, which see
 * the query string as an object, write them too.
 * @param raw a query string as Lambda@Edge delivers it: `a=1&v=2`, without the `?`
 */
export function keepQueryString(raw: string): string {
  if (raw === '') return '';
  return raw
    .split('&')
    .filter((pair) => KEPT_QUERY_NAMES.includes(pair.split('=', 1)[0]))
    .map((pair) => (pair.includes('=') ? pair : `${pair}=`))
    .join('&');
}

/**
 * The variant for a viewer country: its table entry when the trimmed value is exactly two
 * ASCII letters listed in the table, otherwise the default.
 *
 * Letters are checked before upper-casing because Unicode case mapping can grow a string:
 * `'ß'.toUpperCase()` is `'SS'`, which would otherwise pass for South Sudan.
 */
export function selectVariant(countryHeaderValue: string | undefined, table: RoutesTable): string {
  const code = countryCodeOf(countryHeaderValue);
  // No inherited Object property has a two-letter name today; the own-property guard keeps it that way.
  return code !== undefined && Object.prototype.hasOwnProperty.call(table.countries, code) ? table.countries[code] : table.defaultVariant;
}

/** The upper-case country code in a header value, or undefined when it is not two ASCII letters. */
export function countryCodeOf(countryHeaderValue: string | undefined): string | undefined {
  if (countryHeaderValue === undefined) return undefined;
  const trimmed = countryHeaderValue.trim();
  return /^[A-Za-z]{2}$/.test(trimmed) ? trimmed.toUpperCase() : undefined;
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

/**
 * The UTF-8 length of a string, counted the way the CloudFront Functions count it (they have
 * no TextEncoder): a surrogate pair is 4 bytes, a lone surrogate 3 (it would travel as U+FFFD).
 */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
