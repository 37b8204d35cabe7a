import * as fs from 'node:fs';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { Construct } from 'constructs';
import { CF_FUNCTION_PATH } from './edge-sources';
import { functionRouterPolicies } from './function-router-policies';
import { AdsBehaviorOptions, GeoRouter } from './geo-router';

/**
 * CloudFront Functions quota: the function code may be at most 10 KB
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html#limits-functions).
 */
export const CLOUDFRONT_FUNCTION_MAX_BYTES = 10 * 1024;

/** Refuses a function file over the size quota: CloudFront would only refuse it at deploy time. */
export function checkFunctionSize(filePath: string, alternative: string): void {
  const size = fs.statSync(filePath).size;
  if (size > CLOUDFRONT_FUNCTION_MAX_BYTES) {
    throw new Error(
      `${filePath} is ${size} bytes; CloudFront Functions accept at most ${CLOUDFRONT_FUNCTION_MAX_BYTES} bytes of code. ${alternative}`,
    );
  }
}

export interface CloudFrontFunctionGeoRouterProps {
  /**
   * The function source (JS 2.0 runtime, a top-level `function handler(event)`).
   * @default CF_FUNCTION_PATH (lambda-edge/cf-function/geo-router.js)
   */
  readonly filePath?: string;
}

/**
 * The routing as a CloudFront Function at VIEWER REQUEST, with the table in its code: it runs on
 * every request, before the cache, so the rewritten URI (`/ads/<variant>/...`) is itself the
 * cache key (see functionRouterPolicies). A routes.json change is a deployment.
 */
export class CloudFrontFunctionGeoRouter extends Construct implements GeoRouter {
  public readonly function: cloudfront.Function;
  public readonly cachePolicy: cloudfront.CachePolicy;
  public readonly originRequestPolicy: cloudfront.OriginRequestPolicy;
  public readonly adsBehavior: AdsBehaviorOptions;

  constructor(scope: Construct, id: string, props: CloudFrontFunctionGeoRouterProps = {}) {
    super(scope, id);
    const filePath = props.filePath ?? CF_FUNCTION_PATH;
    checkFunctionSize(filePath, 'Shrink the routing table in routes.json, or use edge.mode=keyvaluestore or lambda-edge.');

    this.function = new cloudfront.Function(this, 'Function', {
      comment: 'Geo router (viewer request): rewrites /ads/<path> to /ads/<variant>/<path> by viewer country',
      code: cloudfront.FunctionCode.fromFile({ filePath }),
      runtime: cloudfront.FunctionRuntime.JS_2_0,
    });
    ({ cachePolicy: this.cachePolicy, originRequestPolicy: this.originRequestPolicy } = functionRouterPolicies(this));
    this.adsBehavior = {
      cachePolicy: this.cachePolicy,
      originRequestPolicy: this.originRequestPolicy,
      functionAssociations: [{ function: this.function, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
    };
  }
}
