import * as fs from 'node:fs';
import { Template } from 'aws-cdk-lib/assertions';
import { CF_FUNCTION_PATH } from '../../lambda-edge/cf-function/generate';
import { onlyResource, resourcesOfType, synthesize, SynthesizedApp } from '../support/synth';

/** edge.mode=cloudfront-function: the same routing as a CloudFront Function at viewer request. */
let app: SynthesizedApp;
let template: Template;
beforeAll(() => {
  app = synthesize({ 'edge.mode': 'cloudfront-function' });
  template = app.template(app.stacks.edge);
});

const CACHING_OPTIMIZED_POLICY_ID = '658327ea-f89d-4fab-a63d-7e88639e58f6';
const COUNTRY_HEADER = /^cloudfront-viewer-country$/i;

const adsBehavior = () => {
  const behaviors = onlyResource(template, 'AWS::CloudFront::Distribution').Properties.DistributionConfig.CacheBehaviors;
  expect(behaviors).toHaveLength(1);
  expect(behaviors[0].PathPattern).toBe('/ads/*');
  return behaviors[0];
};

test('policy gates: no unacknowledged finding', () => {
  expect(app.unacknowledgedFindings).toEqual([]);
});

test('the CloudFront Function is associated with the viewer-request event on /ads/*', () => {
  const [functionId] = Object.keys(resourcesOfType(template, 'AWS::CloudFront::Function'));
  expect(adsBehavior().FunctionAssociations).toEqual([
    { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [functionId, 'FunctionARN'] } },
  ]);
  expect(adsBehavior().LambdaFunctionAssociations).toBeUndefined();
});

test('the function is lambda-edge/cf-function/geo-router.js, unchanged, on the JS 2.0 runtime, published', () => {
  const fn = onlyResource(template, 'AWS::CloudFront::Function').Properties;
  expect(fn.FunctionConfig.Runtime).toBe('cloudfront-js-2.0');
  expect(fn.AutoPublish).toBe(true);
  expect(fn.FunctionCode).toBe(fs.readFileSync(CF_FUNCTION_PATH, 'utf8'));
});

test('no Lambda@Edge: the only Lambda function is the sample-content deployment handler', () => {
  const functions = Object.keys(resourcesOfType(template, 'AWS::Lambda::Function'));
  expect(functions).toEqual([expect.stringMatching(/^CustomCDKBucketDeployment/)]);
  expect(resourcesOfType(template, 'AWS::Lambda::Version')).toEqual({});
});

test('the cache key is the rewritten URI: CachingOptimized, no country header in any cache policy', () => {
  expect(adsBehavior().CachePolicyId).toBe(CACHING_OPTIMIZED_POLICY_ID);
  for (const policy of Object.values(resourcesOfType(template, 'AWS::CloudFront::CachePolicy'))) {
    const headers: string[] = policy.Properties.CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig.Headers ?? [];
    expect(headers.filter((header) => COUNTRY_HEADER.test(header))).toEqual([]);
  }
});

test('an origin request policy lists the country header, so CloudFront adds it for the function', () => {
  const [policyId] = Object.keys(resourcesOfType(template, 'AWS::CloudFront::OriginRequestPolicy'));
  expect(adsBehavior().OriginRequestPolicyId).toEqual({ Ref: policyId });
  const config = onlyResource(template, 'AWS::CloudFront::OriginRequestPolicy').Properties.OriginRequestPolicyConfig;
  expect(config.HeadersConfig).toEqual({ HeaderBehavior: 'whitelist', Headers: ['CloudFront-Viewer-Country'] });
  expect(config.CookiesConfig).toEqual({ CookieBehavior: 'none' });
  expect(config.QueryStringsConfig).toEqual({ QueryStringBehavior: 'none' });
});

test('no output names a function to delete by hand', () => {
  expect(Object.keys(template.toJSON().Outputs)).not.toContain('GeoRouterFunctionName');
});

test('snapshot', () => {
  // The function code is checked against its file above; leaving it out keeps a routes.json
  // edit from failing the architecture snapshot.
  const json = structuredClone(template.toJSON());
  for (const resource of Object.values(json.Resources as Record<string, any>)) {
    if (resource.Type === 'AWS::CloudFront::Function') resource.Properties.FunctionCode = '<lambda-edge/cf-function/geo-router.js>';
  }
  expect(json).toMatchSnapshot();
});
