import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';

/** The path pattern the geo routing owns; everything else is served from the bucket as is. */
export const ADS_PATH_PATTERN = '/ads/*';

/** The CloudFront header that carries the viewer's country (ISO 3166-1 alpha-2). */
export const VIEWER_COUNTRY_HEADER = 'CloudFront-Viewer-Country';

/**
 * What a routing implementation contributes to the `/ads/*` behavior: its cache (and maybe
 * origin request) policy and its function association. The two implementations differ exactly
 * here, so the distribution stays the same for both.
 */
export type AdsBehaviorOptions = Pick<
  cloudfront.BehaviorOptions,
  'cachePolicy' | 'originRequestPolicy' | 'edgeLambdas' | 'functionAssociations'
>;

/** A way of running the per-country routing at the edge. */
export interface GeoRouter {
  readonly adsBehavior: AdsBehaviorOptions;
}
