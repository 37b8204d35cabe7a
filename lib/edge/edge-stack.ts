import { CfnOutput, Fn, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { EdgeConfig, EdgeMode } from '../config';
import { AccessLogBucket } from './access-log-bucket';
import { AdsResponseHeaders } from './ads-response-headers';
import { CloudFrontFunctionGeoRouter } from './cloudfront-function-geo-router';
import { ContentBucket } from './content-bucket';
import { EdgeAlarms } from './edge-alarms';
import { EdgeRuntimeSources, readRouteVariants, SHIPPED_EDGE_SOURCES } from './edge-sources';
import { GeoDistribution } from './geo-distribution';
import { GeoRouter } from './geo-router';
import { KeyValueStoreGeoRouter } from './key-value-store-geo-router';
import { LambdaEdgeGeoRouter } from './lambda-edge-geo-router';
import { LambdaEdgeLogRetention } from './lambda-edge-log-retention';
import { HOSTILE_AD_REQUEST_PATH, MISSING_AD_REQUEST_PATH, SAMPLE_AD_REQUEST_PATH } from './sample-ads';
import { SampleContent } from './sample-content';

export interface EdgeStackProps extends StackProps {
  readonly edge: EdgeConfig;
  /**
   * The runtime files the stack is built from.
   * @default SHIPPED_EDGE_SOURCES (routes.json, the Lambda@Edge handler and the CloudFront Functions in lambda-edge/)
   */
  readonly sources?: EdgeRuntimeSources;
}

/**
 * The construct id of each router. Each names its kind, so that one logical id never stands for
 * two resource types across modes: CloudFormation refuses to change a resource's type in place
 * ("Update of resource type is not permitted", as in aws/aws-sam-cli#6786), so a shared id made
 * switching edge.mode on a deployed stack fail. Never rename them: KvsFunctionRouter holds the
 * key value store, which a new id would replace with a fresh copy of routes.json.
 */
export const ROUTER_IDS: Readonly<Record<EdgeMode, string>> = {
  'lambda-edge': 'LambdaEdgeRouter',
  'cloudfront-function': 'FunctionRouter',
  keyvaluestore: 'KvsFunctionRouter',
};

/**
 * Edge processing: CloudFront with geo-routing at the edge to per-country variants in S3.
 * `edge.mode=lambda-edge` routes at origin request (Lambda@Edge, needs the stack in us-east-1);
 * `cloudfront-function` and `keyvaluestore` at viewer request (CloudFront Functions, the table in
 * the code or in a key value store).
 */
export class EdgeStack extends Stack {
  public readonly contentBucket: ContentBucket;
  public readonly logBucket: AccessLogBucket;
  public readonly router: GeoRouter;
  public readonly distribution: GeoDistribution;
  public readonly sampleContent: SampleContent;
  public readonly alarms: EdgeAlarms;

  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, props);
    const { edge } = props;
    const sources = props.sources ?? SHIPPED_EDGE_SOURCES;

    this.logBucket = new AccessLogBucket(this, 'AccessLogs');
    this.contentBucket = new ContentBucket(this, 'Ads', { accessLogBucket: this.logBucket.bucket });
    this.router = this.addRouter(edge.mode, sources);
    this.distribution = new GeoDistribution(this, 'Cdn', {
      contentBucket: this.contentBucket.bucket,
      logBucket: this.logBucket.bucket,
      adsBehavior: this.router.adsBehavior,
      adsResponseHeadersPolicy: new AdsResponseHeaders(this, 'AdsHeaders').policy,
      priceClass: edge.priceClass,
      webAclArn: edge.webAclArn,
      customDomain: edge.customDomain,
    });
    const { distributionId } = this.distribution.distribution;
    if (this.router instanceof LambdaEdgeGeoRouter) {
      new LambdaEdgeLogRetention(this, 'LambdaEdgeLogs', { functionName: this.router.function.functionName, distributionId });
    }
    this.sampleContent = new SampleContent(this, 'SampleContent', {
      bucket: this.contentBucket.bucket,
      distribution: this.distribution.distribution,
      routes: readRouteVariants(sources.routesFile),
    });
    this.alarms = new EdgeAlarms(this, 'Alarms', { distributionId });
    this.addOutputs(edge);
  }

  private addRouter(mode: EdgeMode, sources: EdgeRuntimeSources): GeoRouter {
    const id = ROUTER_IDS[mode];
    switch (mode) {
      case 'lambda-edge':
        return new LambdaEdgeGeoRouter(this, id, { entry: sources.lambdaEdgeEntry });
      case 'cloudfront-function':
        return new CloudFrontFunctionGeoRouter(this, id, { filePath: sources.cloudFrontFunctionFile });
      case 'keyvaluestore':
        return new KeyValueStoreGeoRouter(this, id, { filePath: sources.keyValueStoreFunctionFile, routesFile: sources.routesFile });
    }
  }

  /**
   * What an operator, and `npm run smoke`, need to try the stack: URLs whose answers are known
   * (a banner, a missing ad, a refused path), the mode that answers them, and what to clean up.
   */
  private addOutputs(edge: EdgeConfig): void {
    const { distribution } = this.distribution;
    const host = edge.customDomain?.domainName ?? distribution.distributionDomainName;
    const url = (requestPath: string) => Fn.join('', ['https://', host, requestPath]);
    new CfnOutput(this, 'DistributionDomainName', { value: distribution.distributionDomainName });
    new CfnOutput(this, 'DistributionId', { value: distribution.distributionId });
    new CfnOutput(this, 'ContentBucketName', { value: this.contentBucket.bucket.bucketName });
    new CfnOutput(this, 'EdgeMode', { description: 'Where the routing runs (edge.mode)', value: edge.mode });
    new CfnOutput(this, 'SampleRequest', {
      description:
        'Fetches the banner for your country, which CloudFront derives from your IP address; another variant needs a request ' +
        'from another country (docs/edge.md, "The viewer country").',
      value: Fn.join('', ['curl -sS -D - -o banner.svg https://', host, SAMPLE_AD_REQUEST_PATH]),
    });
    new CfnOutput(this, 'SampleUrl', {
      description: 'A banner: 200, image/svg+xml, your country’s variant',
      value: url(SAMPLE_AD_REQUEST_PATH),
    });
    new CfnOutput(this, 'MissingObjectUrl', {
      description: 'No such ad: 404 with the not-found page, never S3’s XML',
      value: url(MISSING_AD_REQUEST_PATH),
    });
    new CfnOutput(this, 'HostileUrl', {
      description: 'An encoded dot-dot segment: 400 from the router, never forwarded',
      value: url(HOSTILE_AD_REQUEST_PATH),
    });
    new CfnOutput(this, 'AlarmTopicArn', { description: 'Subscribe to it for the 5xx-rate alarm', value: this.alarms.topic.topicArn });
    if (this.router instanceof LambdaEdgeGeoRouter) {
      new CfnOutput(this, 'GeoRouterFunctionName', {
        description: 'Retained on stack deletion (edge replicas): delete it by hand a few hours after the distribution is gone',
        value: this.router.function.functionName,
      });
    }
    if (this.router instanceof KeyValueStoreGeoRouter) {
      new CfnOutput(this, 'RoutesStoreArn', {
        description: 'The key value store of the routes: npm run routes -- diff --kvs-arn <this>',
        value: this.router.store.keyValueStoreArn,
      });
    }
    if (edge.customDomain) {
      new CfnOutput(this, 'CustomDomainTarget', {
        description: `Point ${edge.customDomain.domainName} at this name (CNAME, or a Route 53 alias)`,
        value: distribution.distributionDomainName,
      });
    }
  }
}
