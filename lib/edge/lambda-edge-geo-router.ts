import { Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { cfnResourceOf } from './cfn-resource';
import { logEncryptionKey } from '../shared/encrypted-log-group';
import { BUNDLED_HANDLER, bundledLambdaCode } from '../shared/esbuild-bundle';
import { GEO_ROUTER_ENTRY } from './edge-sources';
import { AdsBehaviorOptions, GeoRouter, KEPT_QUERY_STRINGS, VIEWER_COUNTRY_HEADER } from './geo-router';

export interface LambdaEdgeGeoRouterProps {
  /**
   * The handler to bundle (its routes.json is inlined by esbuild).
   * @default GEO_ROUTER_ENTRY (lambda-edge/geo-router/index.ts)
   */
  readonly entry?: string;
  /**
   * How long CloudFront keeps an answer for one object and country when the origin sets no
   * Cache-Control.
   * @default Duration.days(1)
   */
  readonly defaultTtl?: Duration;
}

/**
 * The routing as Lambda@Edge at ORIGIN REQUEST: it runs only on cache misses, so it is paid
 * once per object and country rather than once per view. Since the cache lookup happens before
 * the function, the cache key must hold the viewer country, or the first country's variant
 * would be served to everyone; listing the header in the cache policy is also what makes
 * CloudFront add it to the request.
 *
 * Clean-up: Lambda@Edge replicas outlive the distribution by hours, and a replicated function
 * or version cannot be deleted until they are gone, so both are RETAINED when the stack is
 * deleted. Delete them by hand once the replicas are gone (a few hours after the distribution):
 *   aws lambda delete-function --region us-east-1 --function-name <GeoRouterFunctionName output>
 * (this removes every version). If it still says "replicated function", wait and retry.
 */
export class LambdaEdgeGeoRouter extends Construct implements GeoRouter {
  public readonly function: lambda.Function;
  /** The numbered version CloudFront runs (Lambda@Edge refuses $LATEST and aliases). */
  public readonly version: lambda.IVersion;
  public readonly cachePolicy: cloudfront.CachePolicy;
  public readonly originRequestPolicy: cloudfront.OriginRequestPolicy;
  public readonly adsBehavior: AdsBehaviorOptions;

  constructor(scope: Construct, id: string, props: LambdaEdgeGeoRouterProps = {}) {
    super(scope, id);
    const region = Stack.of(this).region;
    if (Token.isUnresolved(region) || region !== 'us-east-1') {
      throw new Error(
        `LambdaEdgeGeoRouter: the stack region is ${Token.isUnresolved(region) ? 'not set' : region}; ` +
          'Lambda@Edge functions must be created in us-east-1, so pin the stack with env: { region: "us-east-1" }',
      );
    }

    this.function = new lambda.Function(this, 'Function', {
      description: 'Geo router (Lambda@Edge, origin request): rewrites /ads/<path> to /ads/<variant>/<path> by viewer country',
      // Bundled in process by esbuild, routes.json inlined (no environment variables at the edge).
      // Lambda@Edge has a 1 MB package limit for viewer triggers and 50 MB for origin ones: the
      // bundle is a few KB.
      code: bundledLambdaCode(props.entry ?? GEO_ROUTER_ENTRY, { sourcemap: false }),
      handler: BUNDLED_HANDLER,
      // Lambda@Edge restrictions (CloudFront Developer Guide, "Restrictions on Lambda@Edge"):
      // no arm64, environment variables, layers, VPC or provisioned concurrency.
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.X86_64,
      // Routing is a table lookup taking microseconds: the smallest size is plenty, and a
      // short timeout bounds what a stuck invocation costs (origin-request allows up to 30 s).
      memorySize: 128,
      timeout: Duration.seconds(5),
      // A function with replicas at the edge cannot be deleted with the stack: see the class doc.
      currentVersionOptions: { removalPolicy: RemovalPolicy.RETAIN },
    });
    this.function.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.version = this.function.currentVersion;
    encryptDirectInvocationLogs(this.function);
    acknowledgeEdgeFunctionFindings(this.function);

    this.cachePolicy = new cloudfront.CachePolicy(this, 'CachePolicy', {
      comment: 'Geo-routed ads (Lambda@Edge at origin request): one cache entry per object, viewer country and v',
      headerBehavior: cloudfront.CacheHeaderBehavior.allowList(VIEWER_COUNTRY_HEADER),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.allowList(...KEPT_QUERY_STRINGS),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
      // 0, not more: CloudFront caches what an origin-request function generates (the 400s and
      // 414s), and with a minimum TTL above 0 it keeps even a `no-store` response that long
      // (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-generating-http-responses.html,
      // https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Expiration.html).
      minTtl: Duration.seconds(0),
      defaultTtl: props.defaultTtl ?? Duration.days(1),
      maxTtl: Duration.days(365),
    });
    // An origin-request function sees the query string only when a policy forwards All of it
    // (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/edge-function-restrictions-all.html,
    // "Query strings"). The handler needs it to measure the URI it returns, and keeps only
    // KEPT_QUERY_STRINGS of it, so nothing else reaches S3; the cache key stays as above.
    this.originRequestPolicy = new cloudfront.OriginRequestPolicy(this, 'OriginRequestPolicy', {
      comment: 'Geo-routed ads (Lambda@Edge): every query string to the function, which keeps only v',
      headerBehavior: cloudfront.OriginRequestHeaderBehavior.none(),
      queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.all(),
      cookieBehavior: cloudfront.OriginRequestCookieBehavior.none(),
    });

    this.adsBehavior = {
      cachePolicy: this.cachePolicy,
      originRequestPolicy: this.originRequestPolicy,
      edgeLambdas: [{ functionVersion: this.version, eventType: cloudfront.LambdaEdgeEventType.ORIGIN_REQUEST }],
    };
  }
}

/**
 * The log group aws-cdk-lib creates for the function (`/aws/lambda/<name>`, us-east-1) only
 * receives direct invocations such as console tests: edge executions log to
 * `/aws/lambda/us-east-1.<name>` in the region nearest the edge location, created by
 * Lambda@Edge itself, outside this stack (LambdaEdgeLogRetention sets their retention). This one
 * is still encrypted with the stack's log key like every other log group of the stack. A custom
 * log group name (the `logGroup` prop; edge-functions-logs.html documents it for Lambda@Edge now)
 * would not help: Lambda@Edge still writes it in every Region where the function runs.
 */
function encryptDirectInvocationLogs(fn: lambda.Function): void {
  const logGroup = fn.node.tryFindChild('LogGroup');
  if (!(logGroup instanceof logs.LogGroup)) return;
  (logGroup.node.defaultChild as logs.CfnLogGroup).kmsKeyId = logEncryptionKey(fn).keyArn;
  // Goes with the stack like the key that encrypts it; a retained group would outlive its key.
  logGroup.applyRemovalPolicy(RemovalPolicy.DESTROY);
}

function acknowledgeEdgeFunctionFindings(fn: lambda.Function): void {
  Validations.of(cfnResourceOf(fn)).acknowledge({
    id: 'cdk-validator-cfnguard::lambda_inside_vpc_check',
    reason:
      'Lambda@Edge functions cannot be attached to a VPC (CloudFront replicates them to every region); it reaches nothing but the request it is given.',
  });
  Validations.of(cfnResourceOf(fn)).acknowledge({
    id: 'AwsSolutions::AwsSolutions-L1',
    reason:
      'nodejs22.x is pinned on purpose: a Lambda@Edge runtime, supported by Lambda until 2027-04-30 ' +
      '(https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html). Move to nodejs24.x deliberately, after the edge ' +
      'parity tests have run on it: a runtime change republishes to every edge.',
  });
  if (fn.role !== undefined) {
    Validations.of(cfnResourceOf(fn.role)).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        'Only CloudWatch Logs writes. Lambda@Edge creates /aws/lambda/us-east-1.<name> in whichever region serves the request, ' +
        'so the log permissions cannot be scoped to one region or log group known at synth time; the function needs nothing else.',
    });
  }
}
