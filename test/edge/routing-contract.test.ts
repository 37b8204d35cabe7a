/**
 * The routing contract (docs/edge.md), row by row, for each of the three routers in Node's `vm`
 * (the CloudFront Functions) or as bundled for Lambda (the Lambda@Edge handler). The same rows
 * run through njs in cloudfront-function-njs.test.ts.
 */
import { COUNTRY_VECTORS, LENGTH_VECTORS, PASS_THROUGH_VECTORS, REJECT_VECTORS, REWRITE_VECTORS } from './fixtures/contract-vectors';
import { EDGE_IMPLEMENTATIONS } from './fixtures/edge-runners';

describe.each(EDGE_IMPLEMENTATIONS)('$name: routing contract', ({ run }) => {
  describe('1. only /ads/ is routed', () => {
    test.each(PASS_THROUGH_VECTORS)('$name', async ({ request, expected }) => {
      expect(await run(request)).toEqual(expected);
    });
  });

  describe('2. the viewer country selects the variant', () => {
    test.each(COUNTRY_VECTORS)('$name', async ({ request, expected }) => {
      expect(await run(request)).toEqual(expected);
    });
  });

  describe('3. the URI is rewritten; of the query string only v goes on', () => {
    test.each(REWRITE_VECTORS)('$name', async ({ request, expected }) => {
      expect(await run(request)).toEqual(expected);
    });
  });

  describe('4. unsafe paths are answered with 400', () => {
    test.each(REJECT_VECTORS)('$name', async ({ request, expected }) => {
      expect(await run(request)).toEqual(expected);
    });
  });

  describe('5. a rewrite past 8,191 characters is answered with 414', () => {
    test.each(LENGTH_VECTORS)('$name', async ({ request, expected }) => {
      expect(await run(request)).toEqual(expected);
    });
  });
});
