/**
 * The three routers must make the same decision for every request: same forwarded URI, same
 * kept query string, same pass-through, same 400 or 414. The KeyValueStore function runs
 * against a stub store holding the shipped routes, as `routes push` would leave it.
 */
import fc from 'fast-check';
import { requestSpecArbitrary, PROPERTY_SEED } from './fixtures/arbitraries';
import { CONTRACT_VECTORS } from './fixtures/contract-vectors';
import { runCloudFrontFunction, runKvsFunction, runLambdaEdge } from './fixtures/edge-runners';

describe('Lambda@Edge, CloudFront Function and KeyValueStore function parity', () => {
  test.each(CONTRACT_VECTORS)('contract vector: $name', async ({ request }) => {
    const lambdaEdge = await runLambdaEdge(request);
    expect(runCloudFrontFunction(request)).toEqual(lambdaEdge);
    expect(await runKvsFunction(request)).toEqual(lambdaEdge);
  });

  test('agree on generated hostile requests', async () => {
    await fc.assert(
      fc.asyncProperty(requestSpecArbitrary, async (request) => {
        const lambdaEdge = await runLambdaEdge(request);
        expect(runCloudFrontFunction(request)).toEqual(lambdaEdge);
        expect(await runKvsFunction(request)).toEqual(lambdaEdge);
      }),
      { seed: PROPERTY_SEED, numRuns: 3_000 },
    );
  });
});
