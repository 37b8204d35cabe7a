import { readFileSync } from 'fs';
import { CF_FUNCTION_PATH, embedRoutes } from '../../lambda-edge/cf-function/generate';
import { loadCloudFrontFunction } from '../../lambda-edge/cf-function/load-in-sandbox';
import { viewerRequestEvent } from './fixtures/cloudfront-events';
import { COUNTRY_VECTORS, PASS_THROUGH_VECTORS, REJECT_VECTORS, REWRITE_VECTORS } from './fixtures/contract-vectors';
import { runCloudFrontFunction } from './fixtures/edge-runners';

/** CloudFront Functions' documented maximum function size. */
const MAX_FUNCTION_BYTES = 10_240;

const source = readFileSync(CF_FUNCTION_PATH, 'utf8');
const { handler } = loadCloudFrontFunction(source);

describe('CloudFront Function: routing contract', () => {
  describe('1. only /ads/ is routed', () => {
    test.each(PASS_THROUGH_VECTORS)('$name', ({ request, expected }) => {
      expect(runCloudFrontFunction(request)).toEqual(expected);
    });
  });

  describe('2. the viewer country selects the variant', () => {
    test.each(COUNTRY_VECTORS)('$name', ({ request, expected }) => {
      expect(runCloudFrontFunction(request)).toEqual(expected);
    });
  });

  describe('3. the URI is rewritten, nothing else', () => {
    test.each(REWRITE_VECTORS)('$name', ({ request, expected }) => {
      expect(runCloudFrontFunction(request)).toEqual(expected);
    });
  });

  describe('4. unsafe paths are answered with 400', () => {
    test.each(REJECT_VECTORS)('$name', ({ request, expected }) => {
      expect(runCloudFrontFunction(request)).toEqual(expected);
    });
  });
});

describe('CloudFront Function: CloudFront shapes', () => {
  test('keeps the object-form query string, headers and cookies of a routed request', () => {
    const event = viewerRequestEvent({ uri: '/ads/hero.jpg', countryValues: ['de', 'SE'], querystring: 'tag=a&tag=b&size=large' });
    const expected = { ...structuredClone(event.request), uri: '/ads/dach/hero.jpg' };

    expect(handler(event)).toEqual(expected);
    expect(event.request.querystring).toEqual({
      tag: { value: 'a', multiValue: [{ value: 'a' }, { value: 'b' }] },
      size: { value: 'large' },
    });
  });

  test('answers with a viewer-request response: numeric statusCode and object-form headers', () => {
    const response = handler(viewerRequestEvent({ uri: '/ads/%2e%2e/secret', countryValues: ['DE'] }));
    // Built inside the sandbox, so compare as plain data rather than by prototype.
    expect(JSON.parse(JSON.stringify(response))).toEqual({
      statusCode: 400,
      statusDescription: 'Bad Request',
      headers: { 'cache-control': { value: 'no-store' } },
    });
  });

  test.each([
    ['an empty object', {}],
    ['request without uri', { request: { method: 'GET', headers: {} } }],
    ['request null', { request: null }],
  ])('a malformed event (%s) gets 400, never an exception', (_name, event) => {
    expect(handler(event)).toMatchObject({ statusCode: 400 });
  });
});

describe('CloudFront Function: what the runtime accepts', () => {
  test(`fits the ${MAX_FUNCTION_BYTES}-byte function size limit`, () => {
    expect(Buffer.byteLength(source, 'utf8')).toBeLessThan(MAX_FUNCTION_BYTES);
  });

  test('would still fit with all 249 ISO 3166-1 countries listed, under 10-character variant names', () => {
    const codes = Array.from({ length: 26 * 26 }, (_, i) => String.fromCharCode(65 + Math.floor(i / 26), 65 + (i % 26)));
    const countries = Object.fromEntries(codes.slice(0, 249).map((code) => [code, 'variant-10']));
    const worstCase = embedRoutes(source, { defaultVariant: 'global', countries });
    expect(Buffer.byteLength(worstCase, 'utf8')).toBeLessThan(MAX_FUNCTION_BYTES);
  });

  test('has no module syntax, which CloudFront rejects', () => {
    const code = source.replace(/^\s*\/\/.*$/gm, '');
    expect(code).not.toMatch(/^\s*export\s/m);
    expect(code).not.toMatch(/module\.exports|exports\.\w+\s*=/);
    expect(code).not.toMatch(/\brequire\s*\(/);
    expect(code).not.toMatch(/^\s*import\s/m);
  });

  test('defines handler(event) as a top-level function declaration', () => {
    expect(source).toMatch(/^function handler\(event\) \{$/m);
  });

  test('runs in an empty context: no require, module, process or console', () => {
    expect(() => loadCloudFrontFunction(source)).not.toThrow();
  });
});
