/**
 * The Lambda@Edge handler and the CloudFront Function must make the same decision for every
 * request: same forwarded URI, same pass-through, same 400, query string untouched in both.
 */
import fc from 'fast-check';
import { requestSpecArbitrary, PROPERTY_SEED } from './fixtures/arbitraries';
import { CONTRACT_VECTORS } from './fixtures/contract-vectors';
import { runCloudFrontFunction, runLambdaEdge } from './fixtures/edge-runners';

describe('Lambda@Edge and CloudFront Function parity', () => {
  test.each(CONTRACT_VECTORS)('contract vector: $name', async ({ request }) => {
    expect(runCloudFrontFunction(request)).toEqual(await runLambdaEdge(request));
  });

  test('agree on generated hostile requests', async () => {
    await fc.assert(
      fc.asyncProperty(requestSpecArbitrary, async (request) => {
        expect(runCloudFrontFunction(request)).toEqual(await runLambdaEdge(request));
      }),
      { seed: PROPERTY_SEED, numRuns: 3_000 },
    );
  });
});
