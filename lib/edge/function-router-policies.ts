import { Duration } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type { Construct } from 'constructs';
import { KEPT_QUERY_STRINGS, VIEWER_COUNTRY_HEADER } from './geo-router';

/** The cache and origin request policies of the `/ads/*` behavior when a CloudFront Function routes. */
export interface FunctionRouterPolicies {
  readonly cachePolicy: cloudfront.CachePolicy;
  readonly originRequestPolicy: cloudfront.OriginRequestPolicy;
}

/**
 * For a router at VIEWER REQUEST, which runs before the cache lookup:
 * - the cache key is the rewritten URI plus the kept query strings (`v`), never the country:
 *   countries that share a variant share cache entries;
 * - CloudFront adds `CloudFront-Viewer-Country` to a request, and so to the function's event,
 *   only when a cache policy or an origin request policy lists it
 *   (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/adding-cloudfront-headers.html),
 *   so the origin request policy lists it, keeping it out of the key;
 * - no other query string, header or cookie reaches S3.
 */
export function functionRouterPolicies(scope: Construct): FunctionRouterPolicies {
  const cachePolicy = new cloudfront.CachePolicy(scope, 'CachePolicy', {
    comment: 'Geo-routed ads (CloudFront Function): one cache entry per rewritten URI and v',
    headerBehavior: cloudfront.CacheHeaderBehavior.none(),
    queryStringBehavior: cloudfront.CacheQueryStringBehavior.allowList(...KEPT_QUERY_STRINGS),
    cookieBehavior: cloudfront.CacheCookieBehavior.none(),
    enableAcceptEncodingGzip: true,
    enableAcceptEncodingBrotli: true,
    // 0: an origin `no-store` is obeyed (Expiration.html); the content itself carries max-age.
    minTtl: Duration.seconds(0),
    defaultTtl: Duration.days(1),
    maxTtl: Duration.days(365),
  });
  const originRequestPolicy = new cloudfront.OriginRequestPolicy(scope, 'OriginRequestPolicy', {
    comment: 'Geo-routed ads (CloudFront Function): makes CloudFront add the viewer country header for the function',
    headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList(VIEWER_COUNTRY_HEADER),
    queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.none(),
    cookieBehavior: cloudfront.OriginRequestCookieBehavior.none(),
  });
  return { cachePolicy, originRequestPolicy };
}
