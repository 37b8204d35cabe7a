import * as http from 'node:http';
import * as https from 'node:https';
import {
  ADS_CONTENT_SECURITY_POLICY,
  ADS_FRAME_OPTION,
  ADS_HSTS_MAX_AGE,
  ADS_REFERRER_POLICY,
} from '../../../lib/edge/ads-response-headers';
import { readRouteVariants } from '../../../lib/edge/edge-sources';
import { bannerVariant, NOT_FOUND_PAGE_TITLE } from '../../../lib/edge/sample-ads';
import { UsageError } from '../../shared/cli-args';
import { type CheckRow, fail, pass } from '../check-result';
import { Interrupted } from '../clock';
import type { StackCheckContext, StackSmokeCheck } from '../stack-check';
import { requireOutputs } from '../stack-outputs';
import { describeRequestFailure, type HttpAnswer, httpGet, type RawUrl, rawUrl } from './http-get';

/**
 * What the ads behavior's response headers policy sets (lib/edge/ads-response-headers.ts, the same
 * constants), as CloudFront writes them: X-Content-Type-Options is always `nosniff`, HSTS carries
 * max-age in seconds (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ResponseHeadersPolicySecurityHeadersConfig.html).
 */
const SECURITY_HEADERS: readonly { readonly name: string; readonly holds: (value: string) => boolean; readonly expected: string }[] = [
  { name: 'content-security-policy', holds: (value) => value === ADS_CONTENT_SECURITY_POLICY, expected: ADS_CONTENT_SECURITY_POLICY },
  { name: 'x-content-type-options', holds: (value) => value === 'nosniff', expected: 'nosniff' },
  { name: 'x-frame-options', holds: (value) => value === ADS_FRAME_OPTION, expected: ADS_FRAME_OPTION },
  { name: 'referrer-policy', holds: (value) => value === ADS_REFERRER_POLICY, expected: ADS_REFERRER_POLICY },
  {
    name: 'strict-transport-security',
    holds: (value) => value.split(';').some((directive) => directive.trim() === `max-age=${ADS_HSTS_MAX_AGE.toSeconds()}`),
    expected: `max-age=${ADS_HSTS_MAX_AGE.toSeconds()}`,
  },
];

/**
 * A response served from an edge cache says `Hit from cloudfront` or `RefreshHit from cloudfront`
 * in X-Cache; each edge location caches on its own, and X-Amz-Cf-Pop names the one that answered
 * (https://repost.aws/knowledge-center/cloudfront-custom-object-caching,
 * https://repost.aws/knowledge-center/cloudfront-x-cachemiss-error).
 */
const CACHE_HIT = /^(Hit|RefreshHit) from cloudfront$/i;

/**
 * EdgeStack: the sample URLs of the stack's outputs, from this machine, as a viewer sees them:
 * the banner and its variant, the security headers, a missing object, a hostile URI, and a cache
 * hit on the second request. Plain HTTPS: nothing here calls an AWS API but DescribeStacks.
 */
export const edgeCheck: StackSmokeCheck = {
  // Per request: CloudFront answers in well under a second; a cache miss at origin request runs
  // the Lambda@Edge function, seconds at most on a cold start.
  defaultTimeoutMs: 15_000,
  iamStatements: [],

  async run(context) {
    const outputs = requireOutputs(context.stack, ['SampleUrl', 'MissingObjectUrl', 'HostileUrl']);
    const base = context.options.edgeUrl;
    const [sampleUrl, missingUrl, hostileUrl] = [outputs.SampleUrl, outputs.MissingObjectUrl, outputs.HostileUrl].map((url) =>
      rebase(rawUrl(url), base),
    );
    const mode = context.stack.outputs.EdgeMode ?? 'unknown';
    // One connection for every request: the second request for the banner reaches the edge location that cached it.
    const agent = sampleUrl.origin.startsWith('https:')
      ? new https.Agent({ keepAlive: true, maxSockets: 1 })
      : new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = (url: RawUrl) => request(context, url, agent);
    try {
      context.log(`GET ${sampleUrl.origin}${sampleUrl.path}`);
      const first = await get(sampleUrl);
      const rows: CheckRow[] = [sampleRow(first, sampleUrl, mode), securityHeadersRow(first)];
      rows.push(missingRow(await get(missingUrl), missingUrl));
      rows.push(hostileRow(await get(hostileUrl), hostileUrl));
      rows.push(cacheHitRow(first, await get(sampleUrl)));
      return rows;
    } finally {
      agent.destroy();
    }
  },
};

/** An answer, or why there was none. */
type Outcome = { readonly answer: HttpAnswer } | { readonly failure: string };

async function request(context: StackCheckContext, url: RawUrl, agent: http.Agent): Promise<Outcome> {
  try {
    return { answer: await httpGet(url, { agent, signal: AbortSignal.any([context.clock.deadline(context.timeoutMs), context.signal]) }) };
  } catch (error) {
    if (context.signal.aborted) throw new Interrupted();
    return { failure: describeRequestFailure(error, url, context.timeoutMs) };
  }
}

/** `--edge-url`: the same paths, from another origin (the distribution's own name before a custom domain's DNS is set, or a test server). */
function rebase(url: RawUrl, base: string | undefined): RawUrl {
  return base === undefined ? url : { origin: base, path: url.path };
}

/** Checks `--edge-url`: an origin, http(s)://host[:port], nothing after it. */
export function parseEdgeUrl(value: string): string {
  try {
    const url = new URL(value);
    if ((url.protocol === 'https:' || url.protocol === 'http:') && (url.pathname === '/' || url.pathname === '') && url.search === '')
      return url.origin;
  } catch {
    // refused below
  }
  throw new UsageError(`--edge-url=${JSON.stringify(value)} is not an origin such as https://d111111abcdef8.cloudfront.net`);
}

function sampleRow(outcome: Outcome, url: RawUrl, mode: string): CheckRow {
  if ('failure' in outcome) return fail('sample', outcome.failure);
  const { status, headers, body } = outcome.answer;
  const type = headers['content-type'] ?? '';
  const variant = bannerVariant(body);
  const known = readRouteVariants().variants;
  const served = `${status} ${type || 'no content type'} from ${url.origin}${url.path}`;
  if (status !== 200 || !type.startsWith('image/svg+xml')) return fail('sample', `${served}; expected 200 image/svg+xml`);
  if (variant === undefined || !known.includes(variant)) {
    return fail(
      'sample',
      `${served}, but not one of the sample banners (variant ${variant ?? 'unreadable'}; routes.json has ${known.join(', ')})`,
    );
  }
  return pass(
    'sample',
    `${served}: variant "${variant}", the one for the country CloudFront places this machine in (edge.mode ${mode}, X-Cache: ${headers['x-cache'] ?? 'none'})`,
  );
}

function securityHeadersRow(outcome: Outcome): CheckRow {
  if ('failure' in outcome) return fail('security headers', `no answer to read them from: ${outcome.failure}`);
  const wrong = SECURITY_HEADERS.filter((header) => !header.holds(outcome.answer.headers[header.name] ?? '')).map(
    (header) => `${header.name}: ${outcome.answer.headers[header.name] ?? '(missing)'}, expected ${header.expected}`,
  );
  if (wrong.length > 0) return fail('security headers', wrong.join('; '));
  return pass(
    'security headers',
    `${SECURITY_HEADERS.map((header) => header.name).join(', ')}: as the ads response headers policy sets them`,
  );
}

function missingRow(outcome: Outcome, url: RawUrl): CheckRow {
  if ('failure' in outcome) return fail('missing object', outcome.failure);
  const { status, body } = outcome.answer;
  const page = body.includes(`<title>${NOT_FOUND_PAGE_TITLE}</title>`);
  if (status === 404 && page) return pass('missing object', `404 with the stack's not-found page for ${url.path}`);
  if (status === 403) {
    return fail(
      'missing object',
      `403 for ${url.path}: S3 answered AccessDenied, so the origin access lacks s3:ListBucket (docs/edge.md, the rules and their sources)`,
    );
  }
  return fail(
    'missing object',
    `${status} for ${url.path}${page ? '' : ", without the stack's not-found page"}; expected 404 with the not-found page`,
  );
}

/** The routing contract's rule 4: an encoded dot-dot segment is answered 400 at the edge (docs/edge.md). */
function hostileRow(outcome: Outcome, url: RawUrl): CheckRow {
  if ('failure' in outcome) return fail('hostile URI', outcome.failure);
  const { status } = outcome.answer;
  if (status === 400) return pass('hostile URI', `400 for ${url.path}: refused by the router, never forwarded to the bucket`);
  return fail('hostile URI', `${status} for ${url.path}; the routing contract answers 400 (docs/edge.md)`);
}

function cacheHitRow(first: Outcome, second: Outcome): CheckRow {
  if ('failure' in second) return fail('cache hit', second.failure);
  const xCache = second.answer.headers['x-cache'] ?? '(none)';
  const pop = (outcome: Outcome) => ('answer' in outcome ? (outcome.answer.headers['x-amz-cf-pop'] ?? 'unknown') : 'none');
  if (CACHE_HIT.test(xCache)) return pass('cache hit', `second request: X-Cache: ${xCache} (edge location ${pop(second)})`);
  const locations =
    pop(first) === pop(second) ? `both from ${pop(second)}` : `the first from ${pop(first)}, the second from ${pop(second)}`;
  return fail('cache hit', `second request: X-Cache: ${xCache}; expected Hit from cloudfront (${locations})`);
}
