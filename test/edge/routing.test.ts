import { findPathProblem, keepQueryString, routeRequest, selectVariant, utf8Length } from '../../lambda-edge/geo-router/routing';
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

describe('the routed URI length limit', () => {
  test('8,191 characters with the kept query string are forwarded; one more is 414 with a fixed reason', () => {
    const rest = 'a'.repeat(8191 - '/ads/dach/'.length - '?v=1'.length);
    expect(routeRequest(`/ads/${rest}`, 'DE', TABLE, 'v=1')).toMatchObject({ action: 'forward' });
    expect(routeRequest(`/ads/${rest}a`, 'DE', TABLE, 'v=1')).toEqual({
      action: 'reject',
      status: 414,
      reason: "the routed URI would reach CloudFront's limit of 8192 characters",
    });
  });

  test.each([
    ['ASCII', 'abc', 3],
    ['two-byte', 'é', 2],
    ['three-byte', '€', 3],
    ['a surrogate pair', '😀', 4],
    ['a lone surrogate (sent as U+FFFD)', '\ud800x', 4],
  ])('utf8Length counts %s', (_name, text, bytes) => {
    expect(utf8Length(text)).toBe(bytes);
  });
});

describe('keepQueryString', () => {
  test.each([
    ['', ''],
    ['v=1', 'v=1'],
    ['a=1&v=2&b=3&v=4', 'v=2&v=4'],
    ['v', 'v='],
    ['V=1&%76=2&vv=3&v2=4', ''],
    ['response-content-type=text/html&v=1', 'v=1'],
  ])('%j keeps %j', (raw, kept) => {
    expect(keepQueryString(raw)).toBe(kept);
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
