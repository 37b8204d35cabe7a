import { readFileSync } from 'fs';
import { ROUTES_JSON_PATH } from '../../lambda-edge/cf-function/generate';
import { assertRoutesTable, listVariants } from '../../lambda-edge/geo-router/routes-table';

// Read from disk rather than imported, so the test sees the file exactly as it is committed.
const routes: unknown = JSON.parse(readFileSync(ROUTES_JSON_PATH, 'utf8'));

describe('routes.json', () => {
  test('has the routes table shape', () => {
    expect(() => assertRoutesTable(routes, 'routes.json')).not.toThrow();
  });

  test('is a realistic table: at least 30 countries on at least 5 variants, 3 or more countries each', () => {
    assertRoutesTable(routes);
    const countriesPerVariant = new Map<string, number>();
    for (const variant of Object.values(routes.countries)) {
      countriesPerVariant.set(variant, (countriesPerVariant.get(variant) ?? 0) + 1);
    }
    expect(Object.keys(routes.countries).length).toBeGreaterThanOrEqual(30);
    expect(countriesPerVariant.size).toBeGreaterThanOrEqual(5);
    const thinVariants = [...countriesPerVariant].filter(([, count]) => count < 3).map(([variant]) => variant);
    expect(thinVariants).toEqual([]);
  });

  test('keeps its country keys sorted, so changes review as one-line diffs', () => {
    assertRoutesTable(routes);
    const codes = Object.keys(routes.countries);
    expect(codes).toEqual([...codes].sort());
  });

  test('does not map a country onto the default variant (that is what leaving it out means)', () => {
    assertRoutesTable(routes);
    expect(Object.values(routes.countries)).not.toContain(routes.defaultVariant);
  });
});

describe('assertRoutesTable', () => {
  test.each([
    ['not an object', [], /expected an object/],
    ['an unknown key', { defaultVariant: 'global', countries: {}, fallback: 'x' }, /unexpected key\(s\) "fallback"/],
    ['defaultVariant missing', { countries: {} }, /"defaultVariant" is missing/],
    ['defaultVariant with a slash', { defaultVariant: 'a/b', countries: {} }, /"defaultVariant" is "a\/b"; a variant name must match/],
    ['countries an array', { defaultVariant: 'global', countries: [] }, /"countries" must be an object .* got an array/],
    [
      'lower-case country code',
      { defaultVariant: 'global', countries: { de: 'dach' } },
      /countries key "de" is not an ISO 3166-1 alpha-2 code/,
    ],
    ['three-letter country code', { defaultVariant: 'global', countries: { DEU: 'dach' } }, /countries key "DEU"/],
    ['upper-case variant', { defaultVariant: 'global', countries: { DE: 'DACH' } }, /countries\.DE is "DACH"/],
    ['dot-dot variant', { defaultVariant: 'global', countries: { DE: '..' } }, /countries\.DE is "\.\."/],
    ['numeric variant', { defaultVariant: 'global', countries: { DE: 7 } }, /countries\.DE is 7/],
    [
      'a variant over 32 characters',
      { defaultVariant: 'global', countries: { DE: 'd'.repeat(33) } },
      /countries\.DE is "d{33}"; .*1 to 32/,
    ],
  ])('names the problem: %s', (_name, table, message) => {
    expect(() => assertRoutesTable(table, 'test table')).toThrow(message);
  });

  test('lists each variant once, the default included', () => {
    expect(listVariants({ defaultVariant: 'global', countries: { AT: 'dach', DE: 'dach', SE: 'nordics' } })).toEqual([
      'dach',
      'global',
      'nordics',
    ]);
  });
});
