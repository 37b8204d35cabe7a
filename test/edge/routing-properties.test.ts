/**
 * Properties that must hold for every input, checked over generated hostile requests: the
 * handler never throws, and nothing unsafe is ever forwarded.
 */
import type { CloudFrontRequestEvent } from 'aws-lambda';
import fc from 'fast-check';
import { handler } from '../../lambda-edge/geo-router/index';
import routes from '../../lambda-edge/geo-router/routes.json';
import { listVariants } from '../../lambda-edge/geo-router/routes-table';
import { ROUTED_PREFIX, routeRequest } from '../../lambda-edge/geo-router/routing';
import { countryValueArbitrary, PROPERTY_SEED, requestSpecArbitrary, uriArbitrary } from './fixtures/arbitraries';
import { runLambdaEdge } from './fixtures/edge-runners';

const RUNS = { seed: PROPERTY_SEED, numRuns: 3_000 };
const VARIANTS = listVariants(routes);
const CONTROL_OR_BACKSLASH = /[\u0000-\u001f\u007f-\u009f\\]/;

/** A forwarded URI names one variant's copy of a real object, and cannot climb out of it. */
function expectSafeForwardedUri(uri: string): void {
  const match = /^\/ads\/([^/]+)\/[^]*$/.exec(uri);
  expect(match).not.toBeNull();
  expect(VARIANTS).toContain(match?.[1]);
  const decoded = decodeURIComponent(uri);
  expect(decoded).not.toMatch(CONTROL_OR_BACKSLASH);
  for (const segment of decoded.split('/').slice(1)) {
    expect(['', '.', '..']).not.toContain(segment);
  }
}

const anyCountry = fc.option(fc.oneof(countryValueArbitrary, fc.string({ unit: 'binary' })), { nil: undefined });
const anyUri = fc.oneof(uriArbitrary, fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme-ascii' }));

describe('routing core properties', () => {
  test('never throws, and every decision is one of pass, forward, or reject with 400', () => {
    fc.assert(
      fc.property(anyUri, anyCountry, (uri, country) => {
        const decision = routeRequest(uri, country, routes);
        if (decision.action === 'reject') expect(decision.status).toBe(400);
        else expect(['pass', 'forward']).toContain(decision.action);
      }),
      RUNS,
    );
  });

  test('passes through exactly the URIs outside /ads/', () => {
    fc.assert(
      fc.property(anyUri, anyCountry, (uri, country) => {
        expect(routeRequest(uri, country, routes).action === 'pass').toBe(!uri.startsWith(ROUTED_PREFIX));
      }),
      RUNS,
    );
  });

  test('forwards only to a known variant and only safe paths', () => {
    fc.assert(
      fc.property(uriArbitrary, anyCountry, (uri, country) => {
        const decision = routeRequest(uri, country, routes);
        if (decision.action === 'forward') expectSafeForwardedUri(decision.uri);
      }),
      RUNS,
    );
  });

  test('a listed country in any case, with any surrounding whitespace, gets its own variant', () => {
    const listed = fc.constantFrom(...Object.entries(routes.countries));
    const padding = fc.constantFrom('', ' ', '\t', '\u00a0', '\n ');
    fc.assert(
      fc.property(listed, padding, padding, fc.boolean(), ([code, variant], before, after, lower) => {
        const value = before + (lower ? code.toLowerCase() : code) + after;
        expect(routeRequest('/ads/a.png', value, routes)).toEqual({ action: 'forward', uri: `/ads/${variant}/a.png`, variant });
      }),
      RUNS,
    );
  });
});

describe('Lambda@Edge handler properties', () => {
  test('on real event shapes: passes untouched, forwards only the rewritten URI safely, or answers 400', async () => {
    await fc.assert(
      fc.asyncProperty(requestSpecArbitrary, async (request) => {
        const outcome = await runLambdaEdge(request);
        switch (outcome.kind) {
          case 'pass':
            expect(outcome.requestUnchanged).toBe(true);
            break;
          case 'forward':
            expect(outcome.restUnchanged).toBe(true);
            expectSafeForwardedUri(outcome.uri);
            break;
          case 'reject':
            expect(outcome.status).toBe(400);
            break;
        }
      }),
      RUNS,
    );
  });

  test('never rejects its promise, whatever it is handed as an event', async () => {
    const requestLike = fc.record(
      { uri: fc.oneof(anyUri, fc.anything()), headers: fc.anything(), querystring: fc.anything() },
      { requiredKeys: [] },
    );
    const eventLike = fc.oneof(
      fc.anything(),
      fc.record({ Records: fc.array(fc.record({ cf: fc.record({ request: requestLike }, { requiredKeys: [] }) }, { requiredKeys: [] })) }),
    );
    await fc.assert(
      fc.asyncProperty(eventLike, async (event) => {
        const result = await handler(event as CloudFrontRequestEvent);
        if ('status' in result) expect(result.status).toBe('400');
        else expect(typeof result.uri).toBe('string');
      }),
      RUNS,
    );
  });
});
