/**
 * Properties that must hold for every input, checked over generated hostile requests: the
 * handler never throws, nothing unsafe or over-long is ever forwarded, and no query parameter
 * but `v` ever reaches the origin.
 */
import type { CloudFrontRequestEvent } from 'aws-lambda';
import fc from 'fast-check';
import { handler } from '../../lambda-edge/geo-router/index';
import routes from '../../lambda-edge/geo-router/routes.json';
import { listVariants } from '../../lambda-edge/geo-router/routes-table';
import { keepQueryString, MAX_ROUTED_URI_LENGTH, ROUTED_PREFIX, routeRequest, utf8Length } from '../../lambda-edge/geo-router/routing';
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
  test('never throws, and every decision is one of pass, forward, or reject with 400 or 414', () => {
    fc.assert(
      fc.property(anyUri, anyCountry, (uri, country) => {
        const decision = routeRequest(uri, country, routes);
        if (decision.action === 'reject') expect([400, 414]).toContain(decision.status);
        else expect(['pass', 'forward']).toContain(decision.action);
      }),
      RUNS,
    );
  });

  test('a forwarded URI plus its kept query string stays under 8,192 UTF-8 bytes', () => {
    fc.assert(
      fc.property(requestSpecArbitrary, ({ uri, countryValues, querystring }) => {
        const kept = keepQueryString(querystring ?? '');
        const decision = routeRequest(uri, countryValues?.[0], routes, kept);
        if (decision.action === 'forward') {
          expect(utf8Length(decision.uri) + (kept === '' ? 0 : 1 + utf8Length(kept))).toBeLessThanOrEqual(MAX_ROUTED_URI_LENGTH);
        }
      }),
      RUNS,
    );
  });

  test('utf8Length agrees with Buffer.byteLength on well-formed text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        expect(utf8Length(text)).toBe(Buffer.byteLength(text, 'utf8'));
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
  test('on real event shapes: keeps the path or forwards it safely, only v in the query string, or answers 400/414', async () => {
    await fc.assert(
      fc.asyncProperty(requestSpecArbitrary, async (request) => {
        const outcome = await runLambdaEdge(request);
        switch (outcome.kind) {
          case 'pass':
          case 'forward':
            expect(outcome.restUnchanged).toBe(true);
            for (const pair of outcome.query === '' ? [] : outcome.query.split('&')) expect(pair).toMatch(/^v=/);
            if (outcome.kind === 'forward') expectSafeForwardedUri(outcome.uri);
            break;
          case 'reject':
            expect([400, 414]).toContain(outcome.status);
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
        if ('status' in result) expect(['400', '414']).toContain(result.status);
        else expect(typeof result.uri).toBe('string');
      }),
      RUNS,
    );
  });
});
