import * as fs from 'node:fs';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { Construct } from 'constructs';
import { CF_FUNCTION_PATH } from './edge-sources';
import { AdsBehaviorOptions, GeoRouter, VIEWER_COUNTRY_HEADER } from './geo-router';

/** CloudFront Functions quota: the function code may be at most 10 KB. */
export const CLOUDFRONT_FUNCTION_MAX_BYTES = 10 * 1024;

export interface CloudFrontFunctionGeoRouterProps {
  /**
   * The function source (JS 2.0 runtime, a top-level `function handler(event)`).
   * @default CF_FUNCTION_PATH (lambda-edge/cf-function/geo-router.js)
   */
  readonly filePath?: string;
}

/**
 * The routing as a CloudFront Function at VIEWER REQUEST: it runs on every request, before the
 * cache, so the rewritten URI (`/ads/<variant>/...`) is itself the cache key. Countries that
 * share a variant share cache entries, and the cache policy must NOT hold the country.
 *
 * CloudFront adds `CloudFront-Viewer-Country` to the request (and so to the function's event)
 * only when a cache policy or an origin request policy lists it. The cache policy must not, so
 * an origin request policy does.
 */
export class CloudFrontFunctionGeoRouter extends Construct implements GeoRouter {
  public readonly function: cloudfront.Function;
  public readonly originRequestPolicy: cloudfront.OriginRequestPolicy;
  public readonly adsBehavior: AdsBehaviorOptions;

  constructor(scope: Construct, id: string, props: CloudFrontFunctionGeoRouterProps = {}) {
    super(scope, id);
    const filePath = props.filePath ?? CF_FUNCTION_PATH;
    const size = fs.statSync(filePath).size;
    if (size > CLOUDFRONT_FUNCTION_MAX_BYTES) {
      // CloudFront would only refuse it at deploy time, after the rest of the stack was built.
      throw new Error(
        `${filePath} is ${size} bytes; CloudFront Functions accept at most ${CLOUDFRONT_FUNCTION_MAX_BYTES} bytes of code. ` +
          'Shrink the routing table in routes.json, or use edge.mode=lambda-edge.',
      );
    }

    this.function = new cloudfront.Function(this, 'Function', {
      comment: 'Geo router (viewer request): rewrites /ads/<path> to /ads/<variant>/<path> by viewer country',
      code: cloudfront.FunctionCode.fromFile({ filePath }),
      runtime: cloudfront.FunctionRuntime.JS_2_0,
    });

    this.originRequestPolicy = new cloudfront.OriginRequestPolicy(this, 'OriginRequestPolicy', {
      comment: 'Geo-routed ads (CloudFront Function): makes CloudFront add the viewer country header for the function',
      headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList(VIEWER_COUNTRY_HEADER),
      queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.none(),
      cookieBehavior: cloudfront.OriginRequestCookieBehavior.none(),
    });

    this.adsBehavior = {
      // The rewritten path alone is the key: one entry per variant, not per country.
      cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
      originRequestPolicy: this.originRequestPolicy,
      functionAssociations: [{ function: this.function, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
    };
  }
}
