import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';

/** The path pattern the geo routing owns; everything else is served from the bucket as is. */
export const ADS_PATH_PATTERN = '/ads/*';

/** The CloudFront header that carries the viewer's country (ISO 3166-1 alpha-2). */
export const VIEWER_COUNTRY_HEADER = 'CloudFront-Viewer-Country';

/**
 * The query string names that may reach the bucket and the cache key: `v`, for cache busting.
 * The routers keep the same list (KEPT_QUERY_NAMES in lambda-edge/; a test holds them equal):
 * S3 acts on other parameters of the requests OAC signs, such as `response-content-type`
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html).
 */
export const KEPT_QUERY_STRINGS = ['v'] as const;

/**
 * What a routing implementation contributes to the `/ads/*` behavior: its cache (and maybe
 * origin request) policy and its function association. The implementations differ exactly
 * here, so the distribution stays the same for all of them.
 */
export type AdsBehaviorOptions = Pick<
  cloudfront.BehaviorOptions,
  'cachePolicy' | 'originRequestPolicy' | 'edgeLambdas' | 'functionAssociations'
>;

/** A way of running the per-country routing at the edge. */
export interface GeoRouter {
  readonly adsBehavior: AdsBehaviorOptions;
}
