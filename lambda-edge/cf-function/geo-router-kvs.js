import cf from 'cloudfront';

// CloudFront Function (runtime cloudfront-js-2.0), VIEWER-REQUEST event: the routing of
// geo-router.js with country -> variant read from the key value store associated with the
// function, so routes change without a deployment (npm run routes -- push) and the file stays
// this size whatever routes.json holds. The store holds one key per country plus "default".
// Per functions-custom-methods.html: import cf in the first lines; cf.kvs().get(key) resolves to
// the value or REJECTS when the key is missing; await one get at a time (combinators cost memory).
// Never a 5xx: a missing key, a bad value, a failing get() or no store (cf.kvs() throws) all end
// in the store's "default", else FALLBACK_VARIANT (generated from routes.json).

// BEGIN GENERATED ROUTES from lambda-edge/geo-router/routes.json; do not edit by hand, run: npx ts-node --transpile-only lambda-edge/cf-function/generate.ts
const FALLBACK_VARIANT = "global";
// END GENERATED ROUTES

const ROUTED_PREFIX = '/ads/';
const DEFAULT_KEY = 'default';
const VARIANT_NAME = /^[a-z0-9-]{1,32}$/;
const KEPT_QUERY_NAMES = ['v'];
const MAX_ROUTED_URI_LENGTH = 8191;
const COUNTRY_CODE = /^[A-Za-z]{2}$/;
// Unicode category Cc: C0 controls, DEL and C1 controls.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

async function handler(event) {
  try {
    const request = event.request;
    const uri = request.uri;
    if (typeof uri !== 'string') return reject(400, 'Bad Request');
    dropQueryNames(request.querystring);
    if (uri.slice(0, ROUTED_PREFIX.length) !== ROUTED_PREFIX) return request;

    const rest = uri.slice(ROUTED_PREFIX.length);
    if (!isSafePath(rest)) return reject(400, 'Bad Request');

    const rewritten = ROUTED_PREFIX + (await selectVariant(countryCode(request))) + '/' + rest;
    const queryLength = queryStringLength(request.querystring);
    if (utf8Length(rewritten) + (queryLength > 0 ? 1 + queryLength : 0) > MAX_ROUTED_URI_LENGTH) return reject(414, 'URI Too Long');
    request.uri = rewritten;
    return request;
  } catch (e) {
    return reject(400, 'Bad Request');
  }
}

async function selectVariant(code) {
  let store;
  try {
    store = cf.kvs();
  } catch (e) {
    return FALLBACK_VARIANT;
  }
  const listed = code === undefined ? undefined : await variantAt(store, code);
  if (listed !== undefined) return listed;
  const fallback = await variantAt(store, DEFAULT_KEY);
  return fallback !== undefined ? fallback : FALLBACK_VARIANT;
}

// undefined when get() rejects or the value is no variant name.
async function variantAt(store, key) {
  try {
    const value = await store.get(key);
    return typeof value === 'string' && VARIANT_NAME.test(value) ? value : undefined;
  } catch (e) {
    return undefined;
  }
}

// Letters checked before upper-casing: 'ß' would become 'SS'.
function countryCode(request) {
  const header = request.headers ? request.headers['cloudfront-viewer-country'] : undefined;
  if (!header || typeof header.value !== 'string') return undefined;
  const trimmed = header.value.trim();
  return COUNTRY_CODE.test(trimmed) ? trimmed.toUpperCase() : undefined;
}

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

function dropQueryNames(querystring) {
  for (let name in querystring) {
    if (KEPT_QUERY_NAMES.indexOf(name) === -1) delete querystring[name];
  }
}

function queryStringLength(query) {
  let length = 0;
  for (let name in query) {
    const entry = query[name];
    const values = entry.multiValue ? entry.multiValue : [entry];
    for (let i = 0; i < values.length; i++) length += (length > 0 ? 1 : 0) + utf8Length(name) + 1 + utf8Length(String(values[i].value));
  }
  return length;
}

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
