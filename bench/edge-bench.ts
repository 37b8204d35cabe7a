/**
 * Edge routing benchmark: routing decisions per second for the Lambda@Edge handler and the
 * CloudFront Function, measured side by side on the same pre-generated request mix, plus the
 * deployable size of each.
 *
 *   npm run bench:edge
 *
 * Both run here under Node's V8, the CloudFront Function inside a `vm` sandbox. CloudFront runs
 * functions on its own engine, so the figures compare the algorithms and their overheads, not
 * production latency. Not part of `npm test`.
 */
import { readFileSync } from 'fs';
import * as os from 'os';
import { gzipSync } from 'zlib';
import { build } from 'esbuild';
import * as path from 'path';
import { CF_FUNCTION_PATH } from '../lambda-edge/cf-function/generate';
import { loadCloudFrontFunction } from '../lambda-edge/cf-function/load-in-sandbox';
import { handler as lambdaEdgeHandler } from '../lambda-edge/geo-router/index';
import routes from '../lambda-edge/geo-router/routes.json';
import { routeRequest } from '../lambda-edge/geo-router/routing';
import { originRequestEvent, type RequestSpec, viewerRequestEvent } from '../test/edge/fixtures/cloudfront-events';
import { median, runMain } from './support/stats';

/** CloudFront Functions' maximum function size. */
export const CLOUDFRONT_FUNCTION_LIMIT_BYTES = 10_240;

const LAMBDA_EDGE_ENTRY = path.join(__dirname, '..', 'lambda-edge', 'geo-router', 'index.ts');
const REPRODUCE_COMMAND = 'npm run bench:edge';

/** How much work one benchmark does. */
export interface EdgeBenchOptions {
  /** Distinct requests in the mix. @default 10000 */
  readonly requests?: number;
  /** Timed runs per implementation; the median is reported. @default 7 */
  readonly runs?: number;
  /** Passes over the mix inside one timed run, so a run lasts long enough to time. @default 10 */
  readonly passesPerRun?: number;
}

/** The benchmark's results as data, for `npm run bench` and the README. */
export interface EdgeBenchFigures {
  readonly requests: number;
  readonly runs: number;
  /** Median routing decisions per second. */
  readonly decisionsPerSecond: {
    /** `routeRequest` alone, no event handling: the ceiling for both implementations. */
    readonly routingCore: number;
    /** The Lambda@Edge handler on origin-request events, awaited one by one. */
    readonly lambdaEdgeHandler: number;
    /** The CloudFront Function on viewer-request events, in a `vm` sandbox. */
    readonly cloudFrontFunction: number;
  };
  /** Minified esbuild bundle of `lambda-edge/geo-router/index.ts` (routes.json inlined). */
  readonly lambdaEdgeBundleBytes: number;
  readonly lambdaEdgeBundleGzipBytes: number;
  /** `lambda-edge/cf-function/geo-router.js` as deployed. */
  readonly cloudFrontFunctionBytes: number;
  readonly cloudFrontFunctionLimitBytes: number;
  /** Where the figures were measured. */
  readonly environment: { readonly node: string; readonly cpu: string };
}

/** Runs the whole benchmark and returns the figures. */
export async function runEdgeBenchmark(options: EdgeBenchOptions = {}): Promise<EdgeBenchFigures> {
  const requests = options.requests ?? 10_000;
  const runs = options.runs ?? 7;
  const passes = options.passesPerRun ?? 10;
  const mix = buildRequestMix(requests);

  const contenders = {
    routingCore: routingCoreRunner(mix),
    lambdaEdgeHandler: lambdaEdgeRunner(mix),
    cloudFrontFunction: cloudFrontFunctionRunner(mix),
  };
  type Name = keyof typeof contenders;
  const names = Object.keys(contenders) as Name[];
  const samples: Record<Name, number[]> = { routingCore: [], lambdaEdgeHandler: [], cloudFrontFunction: [] };

  // One untimed pass each, so the first timed run does not pay for JIT warm-up.
  for (const name of names) await contenders[name]();
  for (let run = 0; run < runs; run++) {
    // Rotate the order so no implementation always runs right after the same neighbour.
    for (let i = 0; i < names.length; i++) {
      const name = names[(run + i) % names.length];
      const started = process.hrtime.bigint();
      for (let pass = 0; pass < passes; pass++) await contenders[name]();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      samples[name].push((mix.length * passes) / seconds);
    }
  }

  const bundle = await bundleLambdaEdge();
  return {
    requests,
    runs,
    decisionsPerSecond: {
      routingCore: median(samples.routingCore),
      lambdaEdgeHandler: median(samples.lambdaEdgeHandler),
      cloudFrontFunction: median(samples.cloudFrontFunction),
    },
    lambdaEdgeBundleBytes: bundle.length,
    lambdaEdgeBundleGzipBytes: gzipSync(bundle).length,
    cloudFrontFunctionBytes: readFileSync(CF_FUNCTION_PATH).length,
    cloudFrontFunctionLimitBytes: CLOUDFRONT_FUNCTION_LIMIT_BYTES,
    environment: { node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown' },
  };
}

/** The figures as a small markdown table followed by the command that reproduces them. */
export function formatEdgeBenchTable(figures: EdgeBenchFigures): string {
  const rate = (perSecond: number) => `${Math.round(perSecond).toLocaleString('en-US')}`;
  const bytes = (n: number) => `${n.toLocaleString('en-US')} B`;
  const share = ((figures.cloudFrontFunctionBytes / figures.cloudFrontFunctionLimitBytes) * 100).toFixed(0);
  const { decisionsPerSecond: dps } = figures;
  return [
    `| implementation | decisions/s (median of ${figures.runs}) | deployable size |`,
    '|---|---:|---|',
    `| routing core (\`routing.ts\`, no event) | ${rate(dps.routingCore)} | n/a |`,
    `| Lambda@Edge handler (origin-request) | ${rate(dps.lambdaEdgeHandler)} | ${bytes(figures.lambdaEdgeBundleBytes)} minified bundle (${bytes(figures.lambdaEdgeBundleGzipBytes)} gzip) |`,
    `| CloudFront Function (viewer-request, vm) | ${rate(dps.cloudFrontFunction)} | ${bytes(figures.cloudFrontFunctionBytes)} of ${bytes(figures.cloudFrontFunctionLimitBytes)} limit (${share}%) |`,
    '',
    `${figures.requests.toLocaleString('en-US')} requests per pass (${Object.keys(routes.countries).length} listed countries), ` +
      `Node ${figures.environment.node} on ${figures.environment.cpu}.`,
    `Reproduce: \`${REPRODUCE_COMMAND}\``,
  ].join('\n');
}

/**
 * A fixed, realistic mix: most traffic is routed ad requests from listed countries, some comes
 * from unlisted or unknown countries, some is other site traffic, and some is hostile.
 */
function buildRequestMix(count: number): RequestSpec[] {
  const random = seededRandom(0x5eed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const listed = Object.keys(routes.countries);
  const assets = ['hero.jpg', 'banner-728x90.png', 'skyscraper.webp', 'promo/video-poster.jpg', 'summer%20sale/caf%C3%A9.png'];
  const campaigns = ['2025-spring', '2025-summer', 'evergreen', 'black-friday'];
  const otherPaths = ['/', '/index.html', '/static/app.js', '/static/styles.css', '/favicon.ico'];
  const hostilePaths = ['/ads/../secret', '/ads/%2e%2e/x', '/ads/a%5cb', '/ads/a%00.png', '/ads/a//b', '/ads/%E0%A4%A', '/ads/'];

  return Array.from({ length: count }, (): RequestSpec => {
    const roll = random();
    const querystring = random() < 0.3 ? 'utm_source=newsletter&size=large' : '';
    if (roll < 0.6) {
      const code = pick(listed);
      return { uri: `/ads/${pick(campaigns)}/${pick(assets)}`, countryValues: [random() < 0.2 ? code.toLowerCase() : code], querystring };
    }
    if (roll < 0.7)
      return { uri: `/ads/${pick(campaigns)}/${pick(assets)}`, countryValues: pick([undefined, ['FR'], ['XX'], ['']]), querystring };
    if (roll < 0.85) return { uri: pick(otherPaths), countryValues: [pick(listed)], querystring };
    return { uri: pick(hostilePaths), countryValues: [pick(listed)], querystring };
  });
}

function routingCoreRunner(mix: readonly RequestSpec[]): () => Promise<void> {
  const uris = mix.map((spec) => spec.uri);
  const countries = mix.map((spec) => spec.countryValues?.[0]);
  return async () => {
    for (let i = 0; i < uris.length; i++) routeRequest(uris[i], countries[i], routes);
  };
}

function lambdaEdgeRunner(mix: readonly RequestSpec[]): () => Promise<void> {
  const events = mix.map(originRequestEvent);
  const uris = mix.map((spec) => spec.uri);
  return async () => {
    for (let i = 0; i < events.length; i++) {
      // Handlers rewrite the request in place; restore it so every pass routes the same URIs.
      events[i].Records[0].cf.request.uri = uris[i];
      await lambdaEdgeHandler(events[i]);
    }
  };
}

function cloudFrontFunctionRunner(mix: readonly RequestSpec[]): () => Promise<void> {
  const { handler } = loadCloudFrontFunction();
  const events = mix.map(viewerRequestEvent);
  const uris = mix.map((spec) => spec.uri);
  return async () => {
    for (let i = 0; i < events.length; i++) {
      events[i].request.uri = uris[i];
      handler(events[i]);
    }
  };
}

/** The Lambda@Edge deployment artefact, built the way the stack's esbuild bundling builds it. */
async function bundleLambdaEdge(): Promise<Uint8Array> {
  const result = await build({
    entryPoints: [LAMBDA_EDGE_ENTRY],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].contents;
}

/** A linear congruential generator: statistically weak, but deterministic, which is all a fixed mix needs. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 4_294_967_296;
  };
}

if (require.main === module) {
  runMain(() => runEdgeBenchmark(), formatEdgeBenchTable);
}
