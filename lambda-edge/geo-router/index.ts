/**
 * Lambda@Edge ORIGIN-REQUEST handler: sends `/ads/...` requests to the per-country variant of
 * the content and refuses unsafe paths at the edge. The decision itself lives in `routing.ts`;
 * this file only adapts CloudFront's event and response shapes to it.
 *
 * Why origin-request: it runs only on cache misses, so the function is paid for once per
 * object and viewer country, not once per view. The price: the cache lookup happens before routing,
 * so the behaviour's cache policy must put `cloudfront-viewer-country` in the cache key (which
 * is also what makes CloudFront add the header), or one country's variant would be served to all.
 */
import type { CloudFrontRequest, CloudFrontRequestEvent, CloudFrontResultResponse } from 'aws-lambda';
// Inlined by esbuild at bundle time: Lambda@Edge has no environment variables to configure it.
import routes from './routes.json';
import type { RoutesTable } from './routes-table';
import { routeRequest } from './routing';

// Not validated at cold start (a bad table could only become an error at every edge); the
// tests in test/edge validate routes.json before anything is deployed.
const ROUTES: RoutesTable = routes;

/**
 * Routes one origin request. Never throws and never rejects: anything it cannot make sense of,
 * including a malformed event, is answered with a 400 response instead of a 5xx.
 *
 * @returns the request (with a rewritten `uri` when routed) or a generated 400 response
 */
export async function handler(event: CloudFrontRequestEvent): Promise<CloudFrontRequest | CloudFrontResultResponse> {
  try {
    const request = requestOf(event);
    if (request === undefined) return badRequest('event is not a CloudFront request event');

    const decision = routeRequest(request.uri, firstCountryValue(request), ROUTES);
    switch (decision.action) {
      case 'pass':
        return request;
      case 'forward':
        // CloudFront hands each invocation its own event, so rewriting in place is safe.
        request.uri = decision.uri;
        return request;
      case 'reject':
        return badRequest(decision.reason);
    }
  } catch {
    // Only a hostile or corrupted event object (e.g. a throwing getter) can get here.
    return badRequest('event could not be read');
  }
}

/** The request inside the event, or undefined if the event does not have that shape. */
function requestOf(event: unknown): CloudFrontRequest | undefined {
  const records = (event as { Records?: unknown } | null | undefined)?.Records;
  if (!Array.isArray(records) || records.length === 0) return undefined;
  const request = (records[0] as { cf?: { request?: unknown } } | null | undefined)?.cf?.request;
  if (typeof request !== 'object' || request === null) return undefined;
  if (typeof (request as { uri?: unknown }).uri !== 'string') return undefined;
  return request as CloudFrontRequest;
}

/**
 * The first `cloudfront-viewer-country` value. A missing or odd-looking header is not an error:
 * it only means the viewer gets the default variant.
 */
function firstCountryValue(request: CloudFrontRequest): string | undefined {
  const entries: unknown = request.headers?.['cloudfront-viewer-country'];
  if (!Array.isArray(entries)) return undefined;
  const value: unknown = (entries[0] as { value?: unknown } | null | undefined)?.value;
  return typeof value === 'string' ? value : undefined;
}

/**
 * A generated 400 response. `no-store` matters here: CloudFront caches responses generated in
 * origin-request like origin responses, and an edge-made error should not outlive the code
 * or table that produced it (a fixed deployment must not need a cache invalidation).
 */
function badRequest(reason: string): CloudFrontResultResponse {
  return {
    status: '400',
    statusDescription: 'Bad Request',
    headers: {
      'cache-control': [{ key: 'Cache-Control', value: 'no-store' }],
      'content-type': [{ key: 'Content-Type', value: 'text/plain; charset=utf-8' }],
    },
    body: `Bad Request: ${reason}\n`,
  };
}
