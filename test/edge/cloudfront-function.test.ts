import { readFileSync } from 'fs';
import { CF_FUNCTION_PATH, CF_KVS_FUNCTION_PATH, embedRoutes } from '../../lambda-edge/cf-function/generate';
import { CLOUDFRONT_IMPORT, loadCloudFrontFunction } from '../../lambda-edge/cf-function/load-in-sandbox';
import { viewerRequestEvent } from './fixtures/cloudfront-events';
import { COUNTRY_VECTORS } from './fixtures/contract-vectors';
import { runKvsFunction } from './fixtures/edge-runners';
import { type KvsStubState, vmCloudFrontModule } from './fixtures/kvs-stub';

/** CloudFront Functions' documented maximum function size (cloudfront-limits.html, "Quotas on CloudFront Functions"). */
const MAX_FUNCTION_BYTES = 10_240;

const source = readFileSync(CF_FUNCTION_PATH, 'utf8');
const kvsSource = readFileSync(CF_KVS_FUNCTION_PATH, 'utf8');
const { handler } = loadCloudFrontFunction(source);
const plain = (value: unknown) => JSON.parse(JSON.stringify(value));

describe('CloudFront Function (table in the code): CloudFront shapes', () => {
  test('keeps the object-form headers and cookies of a routed request, and only v of its query string', () => {
    const event = viewerRequestEvent({ uri: '/ads/hero.jpg', countryValues: ['de', 'SE'], querystring: 'tag=a&v=1&tag=b&v=2&size=large' });
    const expected = {
      ...structuredClone(event.request),
      uri: '/ads/dach/hero.jpg',
      querystring: { v: { value: '1', multiValue: [{ value: '1' }, { value: '2' }] } },
    };
    expect(plain(handler(event))).toEqual(expected);
  });

  test.each([
    ['an unsafe path', '/ads/%2e%2e/secret', 400, 'Bad Request'],
    ['an over-long rewrite', `/ads/${'x'.repeat(8190)}`, 414, 'URI Too Long'],
  ])('answers %s with a viewer-request response: numeric statusCode, object-form headers, no body', (_name, uri, status, text) => {
    // Built inside the sandbox, so compare as plain data rather than by prototype.
    expect(plain(handler(viewerRequestEvent({ uri, countryValues: ['DE'] })))).toEqual({
      statusCode: status,
      statusDescription: text,
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

describe('CloudFront Function with KeyValueStore: the store', () => {
  const store = (table: Record<string, string>): KvsStubState => ({ mode: 'table', table });

  test('reads the variant of a listed country from the store, not from any table in its code', async () => {
    const onlyStore = store({ DE: 'from-the-store', default: 'store-default' });
    expect(await runKvsFunction({ uri: '/ads/a.png', countryValues: ['de'] }, onlyStore)).toMatchObject({
      uri: '/ads/from-the-store/a.png',
    });
  });

  test.each(COUNTRY_VECTORS.filter(({ request }) => request.countryValues?.[0] !== 'DE' && request.countryValues?.[0] !== 'de'))(
    'a country the store does not hold gets the store default ($name)',
    async ({ request }) => {
      const outcome = await runKvsFunction(request, store({ SE: 'nordics', default: 'store-default' }));
      expect(outcome).toMatchObject({ kind: 'forward' });
      expect((outcome as { uri: string }).uri).toMatch(/^\/ads\/(nordics|store-default)\/banner\.png$/);
    },
  );

  test.each<[string, KvsStubState]>([
    ['no store associated (cf.kvs() throws)', { mode: 'no-store' }],
    ['every read fails', { mode: 'failing' }],
    ['the store is empty', { mode: 'table', table: {} }],
    ['the stored values are not variant names', { mode: 'table', table: { DE: '../etc', default: 'Global!' } }],
  ])('%s: the generated fallback variant, never a 5xx', async (_name, state) => {
    expect(await runKvsFunction({ uri: '/ads/a.png', countryValues: ['DE'] }, state)).toEqual({
      kind: 'forward',
      uri: '/ads/global/a.png',
      query: '',
      restUnchanged: true,
    });
  });

  test('asks the store one key at a time, and nothing for requests it answers without a variant', async () => {
    const asked: string[] = [];
    const module = vmCloudFrontModule({ mode: 'table', table: { default: 'global' } }) as { kvs: () => { get: (key: string) => unknown } };
    const counting = {
      kvs: () => {
        const inner = module.kvs();
        return { get: (key: string) => (asked.push(key), inner.get(key)) };
      },
    };
    const kvs = loadCloudFrontFunction(kvsSource, { cloudfront: counting, filename: CF_KVS_FUNCTION_PATH });
    await kvs.handler(viewerRequestEvent({ uri: '/ads/a.png', countryValues: ['FR'] }));
    await kvs.handler(viewerRequestEvent({ uri: '/ads/../x', countryValues: ['FR'] }));
    await kvs.handler(viewerRequestEvent({ uri: '/index.html', countryValues: ['FR'] }));
    await kvs.handler(viewerRequestEvent({ uri: '/ads/a.png', countryValues: ['junk'] }));
    expect(asked).toEqual(['FR', 'default', 'default']);
  });

  test('a malformed event gets 400, never a rejected promise', async () => {
    const kvs = loadCloudFrontFunction(kvsSource, { cloudfront: vmCloudFrontModule({ mode: 'failing' }), filename: CF_KVS_FUNCTION_PATH });
    for (const event of [{}, { request: null }, { request: { headers: {} } }]) {
      expect(plain(await kvs.handler(event))).toMatchObject({ statusCode: 400 });
    }
  });
});

describe('CloudFront Functions: what the runtime accepts', () => {
  test(`geo-router.js fits the ${MAX_FUNCTION_BYTES}-byte function size limit`, () => {
    expect(Buffer.byteLength(source, 'utf8')).toBeLessThan(MAX_FUNCTION_BYTES);
  });

  test('geo-router.js would still fit with all 249 ISO 3166-1 countries listed, under 10-character variant names', () => {
    const codes = Array.from({ length: 26 * 26 }, (_, i) => String.fromCharCode(65 + Math.floor(i / 26), 65 + (i % 26)));
    const countries = Object.fromEntries(codes.slice(0, 249).map((code) => [code, 'variant-10']));
    const worstCase = embedRoutes(source, { defaultVariant: 'global', countries });
    expect(Buffer.byteLength(worstCase, 'utf8')).toBeLessThan(MAX_FUNCTION_BYTES);
  });

  test('geo-router-kvs.js stays far below the limit whatever routes.json holds: it carries no table', () => {
    expect(Buffer.byteLength(kvsSource, 'utf8')).toBeLessThan(MAX_FUNCTION_BYTES / 2);
    expect(kvsSource).not.toMatch(/"DE"|dach/);
  });

  test('the only module syntax is the documented cloudfront import, as the first line of the KVS function', () => {
    for (const code of [source, kvsSource].map((text) => text.replace(/^\s*\/\/.*$/gm, ''))) {
      expect(code).not.toMatch(/^\s*export\s/m);
      expect(code).not.toMatch(/module\.exports|exports\.\w+\s*=/);
      expect(code).not.toMatch(/\brequire\s*\(/);
    }
    expect(source).not.toMatch(/^\s*import\s/m);
    expect(kvsSource.split('\n')[0]).toBe(CLOUDFRONT_IMPORT);
    expect(kvsSource.match(/^\s*import\s/gm)).toHaveLength(1);
  });

  test('each defines handler(event) as a top-level function declaration (async where it reads the store)', () => {
    expect(source).toMatch(/^function handler\(event\) \{$/m);
    expect(kvsSource).toMatch(/^async function handler\(event\) \{$/m);
  });

  test('runs in an empty strict-mode context: no require, module, process or console', () => {
    expect(() => loadCloudFrontFunction(source)).not.toThrow();
    expect(() => loadCloudFrontFunction(kvsSource, { cloudfront: vmCloudFrontModule({ mode: 'failing' }) })).not.toThrow();
    expect(() => loadCloudFrontFunction(kvsSource)).toThrow(/pass a stub of it/);
    expect(() => loadCloudFrontFunction('x = 1;\nfunction handler(event) { return event; }')).toThrow(/x is not defined/);
  });
});
