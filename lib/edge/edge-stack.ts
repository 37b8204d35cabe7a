import { CfnOutput, Fn, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { EdgeConfig } from '../config';
import { AccessLogBucket } from './access-log-bucket';
import { CloudFrontFunctionGeoRouter } from './cloudfront-function-geo-router';
import { ContentBucket } from './content-bucket';
import { EdgeRuntimeSources, readRouteVariants, SHIPPED_EDGE_SOURCES } from './edge-sources';
import { GeoDistribution } from './geo-distribution';
import { GeoRouter, VIEWER_COUNTRY_HEADER } from './geo-router';
import { LambdaEdgeGeoRouter } from './lambda-edge-geo-router';
import { SampleContent } from './sample-content';
import { SAMPLE_AD_REQUEST_PATH } from './sample-ads';

export interface EdgeStackProps extends StackProps {
  readonly edge: EdgeConfig;
  /**
   * The runtime files the stack is built from.
   * @default SHIPPED_EDGE_SOURCES (routes.json, the Lambda@Edge handler and the CloudFront Function in lambda-edge/)
   */
  readonly sources?: EdgeRuntimeSources;
}

/**
 * Edge processing: CloudFront with geo-routing at the edge to per-country variants in S3.
 * `edge.mode=lambda-edge` routes at origin request (Lambda@Edge, needs the stack in us-east-1),
 * `edge.mode=cloudfront-function` at viewer request (CloudFront Functions).
 */
export class EdgeStack extends Stack {
  public readonly contentBucket: ContentBucket;
  public readonly logBucket: AccessLogBucket;
  public readonly router: GeoRouter;
  public readonly distribution: GeoDistribution;
  public readonly sampleContent: SampleContent;

  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, props);
    const { edge } = props;
    const sources = props.sources ?? SHIPPED_EDGE_SOURCES;

    this.logBucket = new AccessLogBucket(this, 'AccessLogs');
    this.contentBucket = new ContentBucket(this, 'Ads', { accessLogBucket: this.logBucket.bucket });
    this.router =
      edge.mode === 'lambda-edge'
        ? new LambdaEdgeGeoRouter(this, 'GeoRouter', { entry: sources.lambdaEdgeEntry })
        : new CloudFrontFunctionGeoRouter(this, 'GeoRouter', { filePath: sources.cloudFrontFunctionFile });
    this.distribution = new GeoDistribution(this, 'Cdn', {
      contentBucket: this.contentBucket.bucket,
      logBucket: this.logBucket.bucket,
      adsBehavior: this.router.adsBehavior,
      priceClass: edge.priceClass,
      webAclArn: edge.webAclArn,
      customDomain: edge.customDomain,
    });
    this.sampleContent = new SampleContent(this, 'SampleContent', {
      bucket: this.contentBucket.bucket,
      distribution: this.distribution.distribution,
      routes: readRouteVariants(sources.routesFile),
    });
    this.addOutputs(edge);
  }

  private addOutputs(edge: EdgeConfig): void {
    const { distribution } = this.distribution;
    new CfnOutput(this, 'DistributionDomainName', { value: distribution.distributionDomainName });
    new CfnOutput(this, 'DistributionId', { value: distribution.distributionId });
    new CfnOutput(this, 'ContentBucketName', { value: this.contentBucket.bucket.bucketName });
    const host = edge.customDomain?.domainName ?? distribution.distributionDomainName;
    new CfnOutput(this, 'SampleRequest', {
      description:
        `Fetches the banner for your country. CloudFront sets ${VIEWER_COUNTRY_HEADER} from your IP address ` +
        '(a value you send is overwritten), so another variant needs a request from another country.',
      value: Fn.join('', ['curl -sS -D - -o banner.svg https://', host, SAMPLE_AD_REQUEST_PATH]),
    });
    if (this.router instanceof LambdaEdgeGeoRouter) {
      new CfnOutput(this, 'GeoRouterFunctionName', {
        description: 'Retained on stack deletion (edge replicas): delete it by hand a few hours after the distribution is gone',
        value: this.router.function.functionName,
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
