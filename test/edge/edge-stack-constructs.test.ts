import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { CLOUDFRONT_FUNCTION_MAX_BYTES, CloudFrontFunctionGeoRouter } from '../../lib/edge/cloudfront-function-geo-router';
import { readRouteVariants } from '../../lib/edge/edge-sources';
import { LambdaEdgeGeoRouter } from '../../lib/edge/lambda-edge-geo-router';
import { sampleObjects } from '../../lib/edge/sample-ads';

/** The edge constructs' own checks, on small throwaway stacks (no app, no policy gates). */
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

describe('LambdaEdgeGeoRouter refuses a stack outside us-east-1', () => {
  test.each([
    ['another region', { region: 'eu-west-1' }, /region is eu-west-1/],
    ['an env-agnostic stack', undefined, /region is not set/],
  ])('%s', (_name, env, message) => {
    const build = () => new LambdaEdgeGeoRouter(new Stack(new App(), 'Edge', { env }), 'GeoRouter');
    expect(build).toThrow(message);
    expect(build).toThrow(/must be created in us-east-1/);
  });
});

test('CloudFrontFunctionGeoRouter refuses code over the 10 KB CloudFront Functions limit, before deploy', () => {
  const file = writeFile(
    'too-big.js',
    `function handler(event) { return event.request; }\n//${'x'.repeat(CLOUDFRONT_FUNCTION_MAX_BYTES)}\n`,
  );
  const stack = new Stack(new App(), 'Edge', { env: { region: 'us-east-1' } });
  expect(() => new CloudFrontFunctionGeoRouter(stack, 'GeoRouter', { filePath: file })).toThrow(/accept at most 10240 bytes/);
});

describe('readRouteVariants', () => {
  test('routes.json: sorted, unique, the default included', () => {
    const { defaultVariant, variants } = readRouteVariants();
    expect(variants).toContain(defaultVariant);
    expect(variants).toEqual([...new Set(variants)].sort());
  });

  test('names the key of a variant that cannot be an S3 prefix', () => {
    const file = writeFile('bad-variant.json', JSON.stringify({ defaultVariant: 'global', countries: { DE: 'Dach/../x' } }));
    expect(() => readRouteVariants(file)).toThrow(/countries\.DE is "Dach\/\.\.\/x"; a variant name must match/);
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

test('sampleObjects: one banner per variant, the default marked, and the landing page that shows it', () => {
  const objects = sampleObjects({ defaultVariant: 'global', variants: ['dach', 'global'] });
  expect(objects.map((object) => object.key)).toEqual(['ads/dach/banner.svg', 'ads/global/banner.svg', 'index.html']);
  expect(objects[1].body).toContain('global (default)');
  expect(objects[0].body).not.toContain('(default)');
  expect(objects[2].body).toContain('<img src="/ads/banner.svg"');
});
