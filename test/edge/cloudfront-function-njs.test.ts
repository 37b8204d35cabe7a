/**
 * The CloudFront Function files, run for real in a second JavaScript engine: njs (see
 * fixtures/njs-runner.ts for what that shows and what it does not). The contract vectors must
 * give the same outcomes as in Node, and a sample of generated hostile requests the same
 * outcomes as the Lambda@Edge handler.
 *
 * .ci/run installs njs, so CI always runs these. Without njs (say, on macOS) they are skipped
 * and the test named below says so; set CI=true to make a missing njs fail instead.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { CF_FUNCTION_PATH, CF_KVS_FUNCTION_PATH } from '../../lambda-edge/cf-function/generate';
import { PROPERTY_SEED, requestSpecArbitrary } from './fixtures/arbitraries';
import { type RequestSpec, viewerRequestEvent } from './fixtures/cloudfront-events';
import { CONTRACT_VECTORS } from './fixtures/contract-vectors';
import { classifyViewerResult, type EdgeOutcome, runKvsFunction, runLambdaEdge } from './fixtures/edge-runners';
import { type KvsStubState, SHIPPED_STORE } from './fixtures/kvs-stub';
import { njsVersion, runInNjs } from './fixtures/njs-runner';

const version = njsVersion();
const inCi = process.env.CI === 'true' || process.env.CI === '1';

test(`njs is installed (${version ?? 'missing: apt-get install njs'})`, () => {
  if (inCi) expect(version).toMatch(/^\d+\.\d+\.\d+/);
  else if (version === undefined) console.warn('njs is not installed: the njs runs of the CloudFront Functions are skipped');
});

const FILES = [
  { name: 'geo-router.js', source: readFileSync(CF_FUNCTION_PATH, 'utf8') },
  { name: 'geo-router-kvs.js', source: readFileSync(CF_KVS_FUNCTION_PATH, 'utf8') },
];

/** Outcomes of `specs` under njs, classified like the vm runs. */
function njsOutcomes(source: string, specs: readonly RequestSpec[], store?: KvsStubState): EdgeOutcome[] {
  const events = specs.map((spec) => viewerRequestEvent(spec));
  return runInNjs(source, events, store).map((run, index) => {
    if (!run.ok) throw new Error(`njs: the handler failed on ${JSON.stringify(specs[index].uri.slice(0, 80))}: ${run.error}`);
    return classifyViewerResult(run.result, events[index].request);
  });
}

/**
 * Generated requests njs can represent: it stores strings as UTF-8, so a lone surrogate cannot
 * survive the trip (CloudFront hands functions UTF-8, where none can occur either).
 */
const generated = fc
  .sample(requestSpecArbitrary, { seed: PROPERTY_SEED, numRuns: 600 })
  .filter((spec) => !/[\ud800-\udfff]/.test(JSON.stringify(spec).replace(/[\ud800-\udbff][\udc00-\udfff]/g, '')));

(version === undefined ? describe.skip : describe).each(FILES)('njs runs $name', ({ name, source }) => {
  const store = name === 'geo-router-kvs.js' ? SHIPPED_STORE : undefined;

  test('every contract vector gives the contract outcome', () => {
    const outcomes = njsOutcomes(
      source,
      CONTRACT_VECTORS.map(({ request }) => request),
      store,
    );
    CONTRACT_VECTORS.forEach(({ name: vector, expected }, index) =>
      expect({ vector, outcome: outcomes[index] }).toEqual({ vector, outcome: expected }),
    );
  });

  test('generated hostile requests give the outcomes of the Lambda@Edge handler', async () => {
    const outcomes = njsOutcomes(source, generated, store);
    for (const [index, spec] of generated.entries())
      expect({ spec, outcome: outcomes[index] }).toEqual({ spec, outcome: await runLambdaEdge(spec) });
  });
});

(version === undefined ? describe.skip : describe)('njs runs geo-router-kvs.js against a store that cannot answer', () => {
  const source = FILES[1].source;
  test.each<[string, KvsStubState]>([
    ['no store associated', { mode: 'no-store' }],
    ['every read fails', { mode: 'failing' }],
    ['a store without the country or a default', { mode: 'table', table: { SE: 'nordics' } }],
  ])('%s: the same outcomes as in Node, the fallback variant, never an error', async (_name, state) => {
    const specs = CONTRACT_VECTORS.map(({ request }) => request);
    const outcomes = njsOutcomes(source, specs, state);
    for (const [index, spec] of specs.entries()) expect(outcomes[index]).toEqual(await runKvsFunction(spec, state));
  });
});
