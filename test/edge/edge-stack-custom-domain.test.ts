import { Template } from 'aws-cdk-lib/assertions';
import { acknowledgementsIn, onlyResource, synthesize, SynthesizedApp } from '../support/synth';

/** A custom domain with its ACM certificate, a WAF web ACL and every edge location. */
const DOMAIN = 'ads.example.com';
const CERTIFICATE_ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789';
const WEB_ACL_ARN = 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/ads/0a1b2c3d-4e5f-6789-abcd-ef0123456789';

let app: SynthesizedApp;
let template: Template;
beforeAll(() => {
  app = synthesize({
    'edge.domainName': DOMAIN,
    'edge.certificateArn': CERTIFICATE_ARN,
    'edge.webAclArn': WEB_ACL_ARN,
    'edge.priceClass': 'PriceClass_All',
  });
  template = app.template(app.stacks.edge);
});

const distribution = () => onlyResource(template, 'AWS::CloudFront::Distribution');
const distributionLogicalId = () => Object.keys(template.findResources('AWS::CloudFront::Distribution'))[0];

test('policy gates: no unacknowledged finding', () => {
  expect(app.unacknowledgedFindings).toEqual([]);
});

test('the TLS, certificate and WAF findings are fixed, not acknowledged', () => {
  const acknowledged = acknowledgementsIn(template, distributionLogicalId()).map((acknowledgement) => acknowledgement.id);
  for (const id of [
    'AwsSolutions::AwsSolutions-CFR2',
    'AwsSolutions::AwsSolutions-CFR4',
    'cdk-validator-cfnguard::cloudfront_custom_ssl_certificate_check',
    'cdk-validator-cfnguard::cloudfront_sni_enabled_check',
    'cdk-validator-cfnguard::cloudfront_security_policy_check',
  ]) {
    expect(acknowledged).not.toContain(id);
  }
});

test('the domain is an alias, served with its ACM certificate over SNI, TLSv1.2_2021 at least', () => {
  const config = distribution().Properties.DistributionConfig;
  expect(config.Aliases).toEqual([DOMAIN]);
  expect(config.ViewerCertificate).toEqual({
    AcmCertificateArn: CERTIFICATE_ARN,
    MinimumProtocolVersion: 'TLSv1.2_2021',
    SslSupportMethod: 'sni-only',
  });
});

test('the web ACL is attached and the price class follows the config', () => {
  const config = distribution().Properties.DistributionConfig;
  expect(config.WebACLId).toBe(WEB_ACL_ARN);
  expect(config.PriceClass).toBe('PriceClass_All');
});

test('the sample request uses the custom domain, and an output says where to point it', () => {
  const outputs = template.toJSON().Outputs;
  expect(outputs.SampleRequest.Value).toBe(`curl -sS -D - -o banner.svg https://${DOMAIN}/ads/banner.svg`);
  expect(outputs.CustomDomainTarget.Description).toContain(DOMAIN);
});
