import { Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { cfnResourceOf } from './cfn-resource';
import type { EdgeConfig, EdgePriceClass } from '../config';
import { ADS_PATH_PATTERN, AdsBehaviorOptions } from './geo-router';
import { INDEX_PAGE_KEY } from './sample-ads';

const PRICE_CLASSES: Record<EdgePriceClass, cloudfront.PriceClass> = {
  PriceClass_100: cloudfront.PriceClass.PRICE_CLASS_100,
  PriceClass_200: cloudfront.PriceClass.PRICE_CLASS_200,
  PriceClass_All: cloudfront.PriceClass.PRICE_CLASS_ALL,
};

export interface GeoDistributionProps {
  /** The private origin; read through Origin Access Control only. */
  readonly contentBucket: s3.IBucket;
  /** Receives the standard (access) logs; needs ACLs enabled. */
  readonly logBucket: s3.IBucket;
  /** The geo router's contribution to the `/ads/*` behavior. */
  readonly adsBehavior: AdsBehaviorOptions;
  readonly priceClass: EdgePriceClass;
  /**
   * A WAF web ACL (scope CLOUDFRONT) to attach.
   * @default - no web ACL
   */
  readonly webAclArn?: string;
  /**
   * A custom domain and its ACM certificate in us-east-1; enables TLSv1.2_2021 as the minimum
   * viewer protocol.
   * @default - the distribution's *.cloudfront.net name and default certificate
   */
  readonly customDomain?: EdgeConfig['customDomain'];
}

/**
 * The CloudFront distribution: HTTPS only (HTTP redirects), HTTP/2 and HTTP/3, the managed
 * security headers on every response, standard logs, and two behaviors on one private origin:
 * `/ads/*` routed by country, everything else served as is.
 */
export class GeoDistribution extends Construct {
  public readonly distribution: cloudfront.Distribution;

  constructor(scope: Construct, id: string, props: GeoDistributionProps) {
    super(scope, id);
    // Grants the distribution (and only it: the bucket policy names its ARN) s3:GetObject.
    const origin = origins.S3BucketOrigin.withOriginAccessControl(props.contentBucket);
    const common = {
      origin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
      responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
      compress: true,
    };

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Geo-routed ads from a private S3 bucket',
      defaultBehavior: { ...common, cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED },
      additionalBehaviors: { [ADS_PATH_PATTERN]: { ...common, ...props.adsBehavior } },
      // `/` shows the landing page (also the Control Tower default-root-object control).
      defaultRootObject: INDEX_PAGE_KEY,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableIpv6: true,
      priceClass: PRICE_CLASSES[props.priceClass],
      enableLogging: true,
      logBucket: props.logBucket,
      logFilePrefix: 'cloudfront/',
      webAclId: props.webAclArn,
      ...(props.customDomain && {
        domainNames: [props.customDomain.domainName],
        certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', props.customDomain.certificateArn),
        minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
        sslSupportMethod: cloudfront.SSLMethod.SNI,
      }),
    });
    acknowledgeDistributionFindings(this.distribution, props);
  }
}

function acknowledgeDistributionFindings(distribution: cloudfront.Distribution, props: GeoDistributionProps): void {
  const findings = Validations.of(cfnResourceOf(distribution));
  findings.acknowledge({
    id: 'AwsSolutions::AwsSolutions-CFR1',
    reason:
      'The point of this distribution is to serve every country its own variant; a geo restriction would refuse the very viewers ' +
      'it routes. Countries without a route get the default variant.',
  });
  findings.acknowledge({
    id: 'cdk-validator-cfnguard::cloudfront_origin_failover_enabled_check',
    reason:
      'One origin bucket in one region: failover needs a second bucket kept in sync by S3 replication, which this reference leaves ' +
      'out; objects already cached at the edge stay available during an origin outage.',
  });
  if (props.webAclArn === undefined) {
    findings.acknowledge({
      id: 'AwsSolutions::AwsSolutions-CFR2',
      reason:
        'A WAF web ACL is optional here: set edge.webAclArn to attach one (scope CLOUDFRONT, us-east-1). The distribution only serves ' +
        'static objects with GET/HEAD, and a web ACL costs from $5 a month plus requests.',
    });
  }
  if (props.customDomain === undefined) {
    const defaultCertificate =
      'No custom domain is configured, so the distribution uses its *.cloudfront.net default certificate, which CloudFront pins to ' +
      'minimum protocol TLSv1 for viewer compatibility and which cannot be set otherwise or bound to SNI. ' +
      'Set edge.domainName and edge.certificateArn (ACM, us-east-1) and the distribution uses that certificate with SNI and TLSv1.2_2021.';
    for (const id of [
      'AwsSolutions::AwsSolutions-CFR4',
      'cdk-validator-cfnguard::cloudfront_custom_ssl_certificate_check',
      'cdk-validator-cfnguard::cloudfront_sni_enabled_check',
      'cdk-validator-cfnguard::cloudfront_security_policy_check',
    ]) {
      findings.acknowledge({ id, reason: defaultCertificate });
    }
  }
}
