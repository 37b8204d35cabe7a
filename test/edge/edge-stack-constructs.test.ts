import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { AdsResponseHeaders, CSP_MAX_CHARACTERS } from '../../lib/edge/ads-response-headers';
import { CLOUDFRONT_FUNCTION_MAX_BYTES, CloudFrontFunctionGeoRouter } from '../../lib/edge/cloudfront-function-geo-router';
import { readRouteTable, readRouteVariants } from '../../lib/edge/edge-sources';
import { writeGeneratedFiles } from '../../lib/edge/generated-files';
import { KeyValueStoreGeoRouter } from '../../lib/edge/key-value-store-geo-router';
import { DEFAULT_VARIANT_KEY, kvsImportFile, KVS_IMPORT_LIMITS, routeEntries } from '../../lib/edge/kvs-routes';
import { LambdaEdgeGeoRouter } from '../../lib/edge/lambda-edge-geo-router';
import { LambdaEdgeLogRetention } from '../../lib/edge/lambda-edge-log-retention';
import { sampleObjects } from '../../lib/edge/sample-ads';

/** The edge constructs' own checks, on small throwaway stacks (no app-wide config, no policy gates). */
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-constructs-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const writeFile = (name: string, text: string): string => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};
const usEast1Stack = () => new Stack(new App({ outdir: fs.mkdtempSync(path.join(dir, 'out-')) }), 'Edge', { env: { region: 'us-east-1' } });

describe('LambdaEdgeGeoRouter refuses a stack outside us-east-1', () => {
  test.each([
    ['another region', { region: 'eu-west-1' }, /region is eu-west-1/],
    ['an env-agnostic stack', undefined, /region is not set/],
  ])('%s', (_name, env, message) => {
    const build = () => new LambdaEdgeGeoRouter(new Stack(new App(), 'Edge', { env }), 'LambdaEdgeRouter');
    expect(build).toThrow(message);
    expect(build).toThrow(/must be created in us-east-1/);
  });
});

describe('the CloudFront Functions quota of 10 KB of code is checked at synth, not at deploy', () => {
  const tooBig = () =>
    writeFile('too-big.js', `function handler(event) { return event.request; }\n//${'x'.repeat(CLOUDFRONT_FUNCTION_MAX_BYTES)}\n`);

  test('CloudFrontFunctionGeoRouter', () => {
    expect(() => new CloudFrontFunctionGeoRouter(usEast1Stack(), 'FunctionRouter', { filePath: tooBig() })).toThrow(
      /accept at most 10240 bytes/,
    );
  });

  test('KeyValueStoreGeoRouter', () => {
    expect(() => new KeyValueStoreGeoRouter(usEast1Stack(), 'KvsFunctionRouter', { filePath: tooBig() })).toThrow(
      /accept at most 10240 bytes/,
    );
  });
});

describe('readRouteVariants and readRouteTable', () => {
  test('routes.json: sorted, unique, the default included', () => {
    const { defaultVariant, variants } = readRouteVariants();
    expect(variants).toContain(defaultVariant);
    expect(variants).toEqual([...new Set(variants)].sort());
  });

  test('names the key of a variant that cannot be an S3 prefix', () => {
    const file = writeFile('bad-variant.json', JSON.stringify({ defaultVariant: 'global', countries: { DE: 'Dach/../x' } }));
    expect(() => readRouteVariants(file)).toThrow(/countries\.DE is "Dach\/\.\.\/x"; a variant name must match/);
  });

  test('refuses a variant name over 32 characters (the routers leave room for 33 more characters in a URI)', () => {
    const file = writeFile('long-variant.json', JSON.stringify({ defaultVariant: 'x'.repeat(33), countries: {} }));
    expect(() => readRouteVariants(file)).toThrow(/"defaultVariant" is "x{33}"; a variant name must match/);
  });

  test('refuses a country key that is not an upper-case ISO code, since it becomes a store key', () => {
    const file = writeFile('bad-country.json', JSON.stringify({ defaultVariant: 'global', countries: { de: 'dach' } }));
    expect(() => readRouteTable(file)).toThrow(/countries key "de" is not an ISO 3166-1 alpha-2 code/);
  });

  test('names the file when it is not JSON', () => {
    const file = writeFile('not-json.json', '{');
    expect(() => readRouteVariants(file)).toThrow(`${file}: cannot read the routing table`);
  });

  test('says what "countries" must be', () => {
    const file = writeFile('no-countries.json', JSON.stringify({ defaultVariant: 'global' }));
    expect(() => readRouteVariants(file)).toThrow(/"countries" must be an object/);
  });
});

describe('the key value store import file (kvs-with-functions-create-s3-kvp.html)', () => {
  test('is {"data":[{key,value}]}: one key per country, sorted, then the default', () => {
    expect(JSON.parse(kvsImportFile({ defaultVariant: 'global', countries: { SE: 'nordics', DE: 'dach' } }))).toEqual({
      data: [
        { key: 'DE', value: 'dach' },
        { key: 'SE', value: 'nordics' },
        { key: DEFAULT_VARIANT_KEY, value: 'global' },
      ],
    });
  });

  test.each([
    [
      'a key over 512 characters',
      { defaultVariant: 'global', countries: { ['K'.repeat(KVS_IMPORT_LIMITS.keyCharacters + 1)]: 'x' } },
      /is not 1 to 512/,
    ],
    ['a value over 1,024 characters', { defaultVariant: 'v'.repeat(KVS_IMPORT_LIMITS.valueCharacters + 1), countries: {} }, /over 1024/],
    ['a duplicate key', { defaultVariant: 'global', countries: { [DEFAULT_VARIANT_KEY]: 'x' } }, /appears twice/],
  ])('refuses %s at synth', (_name, table, message) => {
    expect(() => kvsImportFile(table)).toThrow(message);
  });

  test('routeEntries is what npm run routes pushes, too', () => {
    expect(routeEntries({ defaultVariant: 'g', countries: { AT: 'dach' } })).toEqual([
      { key: 'AT', value: 'dach' },
      { key: 'default', value: 'g' },
    ]);
  });
});

test('generated files land inside the cloud assembly directory, named by their content', () => {
  const stack = usEast1Stack();
  const outdir = (stack.node.root as App).outdir;
  const first = writeGeneratedFiles(stack, 'probe', [{ path: 'a/b.txt', body: 'one' }]);
  expect(first.startsWith(path.join(outdir, 'generated', 'probe-'))).toBe(true);
  expect(fs.readFileSync(path.join(first, 'a', 'b.txt'), 'utf8')).toBe('one');
  expect(writeGeneratedFiles(stack, 'probe', [{ path: 'a/b.txt', body: 'one' }])).toBe(first);
  expect(writeGeneratedFiles(stack, 'probe', [{ path: 'a/b.txt', body: 'two' }])).not.toBe(first);
});

test(`AdsResponseHeaders refuses a Content-Security-Policy over CloudFront's ${CSP_MAX_CHARACTERS} characters`, () => {
  const csp = `default-src 'none'; img-src ${'https://a.example '.repeat(100)}`;
  expect(() => new AdsResponseHeaders(usEast1Stack(), 'Headers', { contentSecurityPolicy: csp })).toThrow(
    /CloudFront accepts at most 1783/,
  );
});

test('LambdaEdgeLogRetention sets retention on both log groups in each Region it is given', () => {
  const logs = new LambdaEdgeLogRetention(usEast1Stack(), 'Logs', { functionName: 'fn', distributionId: 'E123', regions: ['eu-west-1'] });
  expect(logs.retentions).toHaveLength(2);
});

test('sampleObjects: one banner per variant, the default marked, the not-found page and the landing page', () => {
  const objects = sampleObjects({ defaultVariant: 'global', variants: ['dach', 'global'] });
  expect(objects.map((object) => object.key)).toEqual(['ads/dach/banner.svg', 'ads/global/banner.svg', 'errors/404.html', 'index.html']);
  expect(objects[1].body).toContain('global (default)');
  expect(objects[0].body).not.toContain('(default)');
  expect(objects[2].body).toContain('<title>Not found</title>');
  expect(objects[3].body).toContain('<img src="/ads/banner.svg"');
});
