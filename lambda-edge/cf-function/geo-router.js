// CloudFront Function (runtime cloudfront-js-2.0), VIEWER-REQUEST event.
//
// The same /ads/ geo routing as the Lambda@Edge handler in lambda-edge/geo-router; the rules
// and the edge cases decided for both are written up in lambda-edge/geo-router/routing.ts.
// This file cannot import that code, so it repeats it, and the parity tests in test/edge run
// both on the same inputs: a change to one needs the same change to the other.
//
// What differs from Lambda@Edge, on purpose:
// - It runs on every viewer request, before the cache, so the rewritten URI is itself the
//   cache key and the country header need not be part of it. CloudFront only adds that header
//   when a policy asks for it, so the behaviour's origin request policy must still list it.
// - The 400 response has no body: CloudFront documents response bodies for viewer-response
//   functions, and a status code is all a client needs here. Viewer-request responses are
//   never cached; `no-store` tells browsers and proxies the same.
//
// The runtime rejects `export` and `module.exports`, and has no `require`: the file is one
// top-level `handler` plus plain helpers, in syntax the runtime documents (const/let, ES5
// string methods, regular expressions, decodeURIComponent).

// BEGIN GENERATED ROUTES from lambda-edge/geo-router/routes.json; do not edit by hand, run: npx ts-node --transpile-only lambda-edge/cf-function/generate.ts
const ROUTES = {
  defaultVariant: "global",
  countries: {
    "AD": "iberia", "AE": "gcc", "AR": "latam", "AT": "dach", "AU": "anz", "BE": "benelux",
    "BH": "gcc", "BO": "latam", "BR": "latam", "CH": "dach", "CL": "latam", "CO": "latam",
    "CR": "latam", "DE": "dach", "DK": "nordics", "EC": "latam", "ES": "iberia", "FI": "nordics",
    "FJ": "anz", "FO": "nordics", "GB": "uki", "GG": "uki", "GI": "iberia", "GT": "latam",
    "ID": "sea", "IE": "uki", "IM": "uki", "IS": "nordics", "JE": "uki", "KW": "gcc", "LI": "dach",
    "LU": "benelux", "MX": "latam", "MY": "sea", "NL": "benelux", "NO": "nordics", "NZ": "anz",
    "OM": "gcc", "PA": "latam", "PE": "latam", "PG": "anz", "PH": "sea", "PT": "iberia",
    "PY": "latam", "QA": "gcc", "SA": "gcc", "SE": "nordics", "SG": "sea", "TH": "sea",
    "UY": "latam", "VN": "sea", "WS": "anz",
  },
};
// END GENERATED ROUTES

const ROUTED_PREFIX = '/ads/';
const COUNTRY_CODE = /^[A-Za-z]{2}$/;
// Unicode category Cc: C0 controls, DEL and C1 controls.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

function handler(event) {
  try {
    const request = event.request;
    const uri = request.uri;
    if (typeof uri !== 'string') return badRequest();
    // Everything outside /ads/ (including "/ads" itself) is not ours to route or validate.
    if (uri.slice(0, ROUTED_PREFIX.length) !== ROUTED_PREFIX) return request;

    // Keep the viewer's encoding of the rest, so the origin decodes what was validated.
    const rest = uri.slice(ROUTED_PREFIX.length);
    if (!isSafePath(rest)) return badRequest();

    request.uri = ROUTED_PREFIX + selectVariant(firstCountryValue(request)) + '/' + rest;
    return request;
  } catch (e) {
    // A malformed event is answered, never turned into a function error (a 5xx for the viewer).
    return badRequest();
  }
}

// With duplicate headers CloudFront puts the first value in `value` and all of them in
// `multiValue`, so `value` is already "the first value".
function firstCountryValue(request) {
  const header = request.headers ? request.headers['cloudfront-viewer-country'] : undefined;
  return header && typeof header.value === 'string' ? header.value : undefined;
}

// Letters are checked before upper-casing: Unicode case mapping can grow a string
// ('ß' becomes 'SS'), which must not turn a junk value into a listed country.
function selectVariant(countryHeaderValue) {
  if (typeof countryHeaderValue !== 'string') return ROUTES.defaultVariant;
  const trimmed = countryHeaderValue.trim();
  if (!COUNTRY_CODE.test(trimmed)) return ROUTES.defaultVariant;
  const code = trimmed.toUpperCase();
  return Object.prototype.hasOwnProperty.call(ROUTES.countries, code) ? ROUTES.countries[code] : ROUTES.defaultVariant;
}

// Decodes once, as S3 does when it resolves the key, and refuses what could escape the
// variant's prefix or name no object: dot segments, backslashes, control characters and
// empty segments (which covers "//", a bare "/ads/" and a trailing slash).
function isSafePath(encodedRest) {
  let decoded;
  try {
    decoded = decodeURIComponent(encodedRest);
  } catch (e) {
    return false;
  }
  if (CONTROL_CHARACTER.test(decoded) || decoded.indexOf('\\') !== -1) return false;
  const segments = decoded.split('/');
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (segment === '' || segment === '.' || segment === '..') return false;
  }
  return true;
}

function badRequest() {
  return {
    statusCode: 400,
    statusDescription: 'Bad Request',
    headers: { 'cache-control': { value: 'no-store' } },
  };
}
