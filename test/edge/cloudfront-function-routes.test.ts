/**
 * The CloudFront Function carries a generated copy of routes.json. These tests fail when the
 * two drift apart; the fix is `npx ts-node --transpile-only lambda-edge/cf-function/generate.ts`.
 */
import { readFileSync } from 'fs';
import {
  CF_FUNCTION_PATH,
  CF_KVS_FUNCTION_PATH,
  countriesOfRenderedRoutes,
  embedRoutes,
  main,
  readRoutesJson,
  renderFallbackBlock,
} from '../../lambda-edge/cf-function/generate';
import { loadCloudFrontFunction } from '../../lambda-edge/cf-function/load-in-sandbox';

const source = readFileSync(CF_FUNCTION_PATH, 'utf8');
const routes = readRoutesJson();

describe('routes embedded in the CloudFront Function', () => {
  test('are exactly what the generator writes from routes.json', () => {
    expect(embedRoutes(source, routes)).toBe(source);
  });

  test('evaluate to the same table as routes.json', () => {
    const { embeddedRoutes } = loadCloudFrontFunction(source);
    // The table comes from the vm realm; a JSON round trip compares it as plain data.
    expect(countriesOfRenderedRoutes(JSON.parse(JSON.stringify(embeddedRoutes)))).toEqual(routes);
  });

  test('would be reported stale after a change to routes.json', () => {
    const changed = { ...routes, countries: { ...routes.countries, FR: 'france' } };
    expect(embedRoutes(source, changed)).not.toBe(source);
  });

  test("the KeyValueStore function's fallback is routes.json's default variant, and nothing else of the table", () => {
    const kvsSource = readFileSync(CF_KVS_FUNCTION_PATH, 'utf8');
    expect(embedRoutes(kvsSource, routes, renderFallbackBlock)).toBe(kvsSource);
    expect(kvsSource).toContain(`const FALLBACK_VARIANT = ${JSON.stringify(routes.defaultVariant)};`);
    const manyCountries = { ...routes, countries: Object.fromEntries(Array.from({ length: 249 }, (_, i) => [`C${i}`, 'variant-10'])) };
    expect(embedRoutes(kvsSource, manyCountries, renderFallbackBlock)).toBe(kvsSource);
  });

  test('generate.ts --check passes on the committed files', () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect(main(['--check'])).toBe(0);
    } finally {
      log.mockRestore();
    }
  });

  test('the generator refuses a file without its markers instead of guessing', () => {
    expect(() => embedRoutes('function handler(event) { return event.request; }\n', routes)).toThrow(/BEGIN GENERATED ROUTES/);
  });
});
