import { Duration } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { Construct } from 'constructs';

/**
 * The Content-Security-Policy of every ad. An ad may be an SVG, and an SVG opened as a page of
 * its own (a direct link to /ads/...) runs the scripts inside it; this policy loads nothing
 * (`default-src 'none'`) but the SVG's inline styles and embedded images, and `sandbox` puts
 * the document in a unique origin with scripts off (MDN, Content-Security-Policy:
 * https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Content-Security-Policy). An ad shown
 * through <img> is not a document, so the policy does not change how publishers display it.
 */
export const ADS_CONTENT_SECURITY_POLICY = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox";

/**
 * CloudFront's quota on a Content-Security-Policy value in a response headers policy
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html, "Quotas on headers").
 */
export const CSP_MAX_CHARACTERS = 1783;

/** How long browsers keep to HTTPS for the distribution's host (Strict-Transport-Security max-age). */
export const ADS_HSTS_MAX_AGE = Duration.days(365);

/** The ads may be framed by pages of the same origin only. */
export const ADS_FRAME_OPTION = cloudfront.HeadersFrameOption.SAMEORIGIN;

/** Other sites see the origin of a page that loads an ad, never its path. */
export const ADS_REFERRER_POLICY = cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN;

export interface AdsResponseHeadersProps {
  /**
   * The Content-Security-Policy to send with every ad.
   * @default ADS_CONTENT_SECURITY_POLICY
   */
  readonly contentSecurityPolicy?: string;
}

/**
 * The response headers policy of `/ads/*`: security headers in the spirit of CloudFront's
 * managed SecurityHeadersPolicy (which the other behaviors use), plus the CSP above. Every
 * header overrides what the object carries, so object metadata set at upload cannot weaken it.
 */
export class AdsResponseHeaders extends Construct {
  public readonly policy: cloudfront.ResponseHeadersPolicy;

  constructor(scope: Construct, id: string, props: AdsResponseHeadersProps = {}) {
    super(scope, id);
    const contentSecurityPolicy = props.contentSecurityPolicy ?? ADS_CONTENT_SECURITY_POLICY;
    if (contentSecurityPolicy.length > CSP_MAX_CHARACTERS) {
      throw new Error(
        `The ads Content-Security-Policy is ${contentSecurityPolicy.length} characters; CloudFront accepts at most ${CSP_MAX_CHARACTERS}.`,
      );
    }
    this.policy = new cloudfront.ResponseHeadersPolicy(this, 'Policy', {
      comment: 'Geo-routed ads: security headers and a CSP that keeps a directly opened SVG from running scripts',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: ADS_FRAME_OPTION, override: true },
        referrerPolicy: { referrerPolicy: ADS_REFERRER_POLICY, override: true },
        strictTransportSecurity: { accessControlMaxAge: ADS_HSTS_MAX_AGE, override: true },
      },
    });
  }
}
