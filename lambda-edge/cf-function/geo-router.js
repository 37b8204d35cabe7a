// CloudFront Function (runtime cloudfront-js-2.0), VIEWER-REQUEST event: the /ads/ geo routing
// of lambda-edge/geo-router, whose routing.ts states the rules and the AWS pages behind them.
// It cannot import that code, so it repeats it; the tests in test/edge hold the copies together.
// It runs before the cache on every request, so the rewritten URI is the cache key; a response
// it returns goes to the viewer uncached, and `no-store` tells browsers the same. Comments are
// terse on purpose: every byte counts against the 10 KB function size quota.

// BEGIN GENERATED ROUTES from lambda-edge/geo-router/routes.json; do not edit by hand, run: npx ts-node --transpile-only lambda-edge/cf-function/generate.ts
const ROUTES = {
  defaultVariant: "global",
  variants: {
    "anz": "AU FJ NZ PG WS",
    "benelux": "BE LU NL",
    "dach": "AT CH DE LI",
    "gcc": "AE BH KW OM QA SA",
    "iberia": "AD ES GI PT",
    "latam": "AR BO BR CL CO CR EC GT MX PA PE PY UY",
    "nordics": "DK FI FO IS NO SE",
    "sea": "ID MY PH SG TH VN",
    "uki": "GB GG IE IM JE",
  },
};
// END GENERATED ROUTES

const ROUTED_PREFIX = '/ads/';
const KEPT_QUERY_NAMES = ['v'];
const MAX_ROUTED_URI_LENGTH = 8191;
const COUNTRY_CODE = /^[A-Za-z]{2}$/;
// Unicode category Cc: C0 controls, DEL and C1 controls.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

function handler(event) {
  try {
    const request = event.request;
    const uri = request.uri;
    if (typeof uri !== 'string') return reject(400, 'Bad Request');
    dropQueryNames(request.querystring);
    // Everything outside /ads/ (including "/ads" itself) keeps its path: not ours to route.
    if (uri.slice(0, ROUTED_PREFIX.length) !== ROUTED_PREFIX) return request;

    // Keep the viewer's encoding of the rest, so the origin decodes what was validated.
    const rest = uri.slice(ROUTED_PREFIX.length);
    if (!isSafePath(rest)) return reject(400, 'Bad Request');

    const rewritten = ROUTED_PREFIX + selectVariant(firstCountryValue(request)) + '/' + rest;
    const queryLength = queryStringLength(request.querystring);
    if (utf8Length(rewritten) + (queryLength > 0 ? 1 + queryLength : 0) > MAX_ROUTED_URI_LENGTH) return reject(414, 'URI Too Long');
    request.uri = rewritten;
    return request;
  } catch (e) {
    // A malformed event is answered, never turned into a function error (a 5xx for the viewer).
    return reject(400, 'Bad Request');
  }
}

// With duplicate headers CloudFront puts the first value in `value` and all of them in
// `multiValue`, so `value` is already "the first value".
function firstCountryValue(request) {
  const header = request.headers ? request.headers['cloudfront-viewer-country'] : undefined;
  return header && typeof header.value === 'string' ? header.value : undefined;
}

// Letters are checked before upper-casing: Unicode case mapping can grow a string ('ß' becomes
// 'SS'), which must not turn a junk value into a listed country. A checked code is two letters,
// so ' DE ' only ever matches the whole code in a variant's space-separated list.
function selectVariant(countryHeaderValue) {
  if (typeof countryHeaderValue !== 'string') return ROUTES.defaultVariant;
  const trimmed = countryHeaderValue.trim();
  if (!COUNTRY_CODE.test(trimmed)) return ROUTES.defaultVariant;
  const code = ' ' + trimmed.toUpperCase() + ' ';
  for (let variant in ROUTES.variants) {
    if ((' ' + ROUTES.variants[variant] + ' ').indexOf(code) !== -1) return variant;
  }
  return ROUTES.defaultVariant;
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

// Only the allowed names reach the origin, since S3 acts on some parameters of a signed request.
// Deleted in place, as AWS's kvs-jwt-verify sample deletes a parameter it consumed.
function dropQueryNames(querystring) {
  for (let name in querystring) {
    if (KEPT_QUERY_NAMES.indexOf(name) === -1) delete querystring[name];
  }
}

// The length of the query string as name=value pairs joined by '&'.
function queryStringLength(query) {
  let length = 0;
  for (let name in query) {
    const entry = query[name];
    const values = entry.multiValue ? entry.multiValue : [entry];
    for (let i = 0; i < values.length; i++) length += (length > 0 ? 1 : 0) + utf8Length(name) + 1 + utf8Length(String(values[i].value));
  }
  return length;
}

// UTF-8 bytes, never fewer than the characters CloudFront counts; ASCII skips the loop.
function utf8Length(text) {
  if (/^[\u0000-\u007f]*$/.test(text)) return text.length;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit > 0xffff) bytes += 4; // an engine that indexes code points (njs does)
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function reject(statusCode, statusDescription) {
  return { statusCode: statusCode, statusDescription: statusDescription, headers: { 'cache-control': { value: 'no-store' } } };
}
