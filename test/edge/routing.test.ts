import { findPathProblem, routeRequest, selectVariant } from '../../lambda-edge/geo-router/routing';
import type { RoutesTable } from '../../lambda-edge/geo-router/routes-table';

// A small table of its own, so these tests describe the algorithm, not the shipped routes.
const TABLE: RoutesTable = { defaultVariant: 'fallback', countries: { DE: 'dach', SE: 'nordics', SS: 'south-sudan' } };

describe('routeRequest', () => {
  test('passes through anything outside /ads/', () => {
    expect(routeRequest('/index.html', 'DE', TABLE)).toEqual({ action: 'pass' });
    expect(routeRequest('/ads', 'DE', TABLE)).toEqual({ action: 'pass' });
    expect(routeRequest('', 'DE', TABLE)).toEqual({ action: 'pass' });
  });

  test('forwards /ads/<rest> to /ads/<variant>/<rest>', () => {
    expect(routeRequest('/ads/a/b.png', 'SE', TABLE)).toEqual({ action: 'forward', uri: '/ads/nordics/a/b.png', variant: 'nordics' });
  });

  test('forwards to the default variant when the country is absent', () => {
    expect(routeRequest('/ads/b.png', undefined, TABLE)).toEqual({ action: 'forward', uri: '/ads/fallback/b.png', variant: 'fallback' });
  });

  test('rejects an unsafe path with 400 and a reason, before looking at the country', () => {
    expect(routeRequest('/ads/../b.png', 'DE', TABLE)).toEqual({ action: 'reject', status: 400, reason: 'path contains a dot segment' });
  });
});

describe('selectVariant', () => {
  test.each([
    ['DE', 'dach'],
    ['de', 'dach'],
    ['dE', 'dach'],
    [' se\t', 'nordics'],
  ])('%j selects its variant', (value, variant) => {
    expect(selectVariant(value, TABLE)).toBe(variant);
  });

  test.each([undefined, '', '  ', 'FR', 'XX', 'D1', 'DEU', 'D', 'D E', 'DE,SE', '\u0000DE'])('%j selects the default', (value) => {
    expect(selectVariant(value, TABLE)).toBe('fallback');
  });

  test('does not let Unicode case mapping forge a code ("ß" upper-cases to "SS")', () => {
    expect('ß'.toUpperCase()).toBe('SS');
    expect(selectVariant('ß', TABLE)).toBe('fallback');
    expect(selectVariant('ss', TABLE)).toBe('south-sudan');
  });

  test('ignores names inherited from Object.prototype', () => {
    const table: RoutesTable = { defaultVariant: 'fallback', countries: Object.create({ DE: 'inherited' }) as Record<string, string> };
    expect(selectVariant('DE', table)).toBe('fallback');
  });
});

describe('findPathProblem', () => {
  test.each([['a/b.png'], ['caf%C3%A9.png'], ['.hidden'], ['...'], ['%252e%252e']])('accepts %j', (rest) => {
    expect(findPathProblem(rest)).toBeUndefined();
  });

  test.each([
    ['%E0%A4%A', 'path is not valid percent-encoded UTF-8'],
    ['%', 'path is not valid percent-encoded UTF-8'],
    ['a%00', 'path contains a control character'],
    ['a%c2%9f', 'path contains a control character'],
    ['a%5cb', 'path contains a backslash'],
    ['', 'path contains an empty segment'],
    ['a/', 'path contains an empty segment'],
    ['a%2F%2Fb', 'path contains an empty segment'],
    ['%2e', 'path contains a dot segment'],
    ['a/%2E%2E/b', 'path contains a dot segment'],
  ])('rejects %j: %s', (rest, reason) => {
    expect(findPathProblem(rest)).toBe(reason);
  });
});
