import { Duration, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { cfnResourceOf } from './cfn-resource';
import type { EdgeConfig, EdgePriceClass } from '../config';
import { ADS_PATH_PATTERN, AdsBehaviorOptions } from './geo-router';
import { INDEX_PAGE_KEY, NOT_FOUND_PAGE_KEY } from './sample-ads';

/**
 * How long CloudFront keeps a 404 before asking S3 again. CloudFront always caches an origin's
 * 404, for the Error Caching Minimum TTL, 10 seconds unless set
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/HTTPStatusCodes.html,
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/custom-error-pages-expiration.html).
 * Set on purpose to that 10 s: an ad uploaded outside a deployment (which invalidates the cache)
 * shows within seconds, while a burst of requests for one missing ad reaches S3 at most once per
 * 10 s per edge cache.
 */
export const NOT_FOUND_ERROR_CACHING = Duration.seconds(10);

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
  /** The response headers policy of `/ads/*` (security headers and the ads' CSP). */
  readonly adsResponseHeadersPolicy: cloudfront.IResponseHeadersPolicy;
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
 * The CloudFront distribution: HTTPS only (HTTP redirects), HTTP/2 and HTTP/3, security headers
 * on every response, standard logs, and two behaviors on one private origin: `/ads/*` routed by
 * country, everything else served as is. A missing object is a 404 with a small page of ours,
 * never S3's XML error.
 */
export class GeoDistribution extends Construct {
  public readonly distribution: cloudfront.Distribution;

  constructor(scope: Construct, id: string, props: GeoDistributionProps) {
    super(scope, id);
    // Grants the distribution (and only it: the bucket policy names its ARN) s3:GetObject on the
    // objects and s3:ListBucket on the bucket. ListBucket is what makes S3 answer a missing key
    // with 404 rather than 403 (S3 API Reference, GetObject, "Permissions":
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html); aws-cdk-lib's
    // AccessLevel.LIST exists for that and writes the statement with the bucket ARN.
    const origin = origins.S3BucketOrigin.withOriginAccessControl(props.contentBucket, {
      originAccessLevels: [cloudfront.AccessLevel.READ, cloudfront.AccessLevel.LIST],
    });
    const common = {
      origin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
      compress: true,
    };

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Geo-routed ads from a private S3 bucket',
      defaultBehavior: {
        ...common,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
      },
      additionalBehaviors: {
        [ADS_PATH_PATTERN]: { ...common, ...props.adsBehavior, responseHeadersPolicy: props.adsResponseHeadersPolicy },
      },
      // `/` shows the landing page (also the Control Tower default-root-object control). With
      // ListBucket granted it also matters more: a request for the bucket root would list it,
      // and this rewrites `/` to the page (CDK's README for AccessLevel.LIST says as much).
      defaultRootObject: INDEX_PAGE_KEY,
      // Custom error responses belong to the whole distribution; the page path must match a
      // behavior, and it is fetched through that behavior (CloudFront Developer Guide,
      // https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/creating-custom-error-pages.html).
      // It lives outside /ads/* so no router rewrites it. Only 404 is mapped: the routers' own
      // 400 and 414 answers stay as generated, and a 403 (now only a real permission fault)
      // stays visible rather than hidden behind a "not found".
      errorResponses: [
        { httpStatus: 404, responseHttpStatus: 404, responsePagePath: `/${NOT_FOUND_PAGE_KEY}`, ttl: NOT_FOUND_ERROR_CACHING },
      ],
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
  const origin = distribution.node.tryFindChild('Origin1');
  if (origin !== undefined) {
    Validations.of(origin).acknowledge({
      id: 'Annotation::@aws-cdk/aws-cloudfront-origins:listBucketSecurityRisk',
      reason:
        'defaultRootObject is index.html, so a request for / never reaches the bucket root, and the /ads/* routers refuse an empty ' +
        'key (/ads/ answers 400); ListBucket is granted only so that a missing object is a 404 rather than a 403.',
    });
  }
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
