import * as fs from 'node:fs';
import * as path from 'node:path';
import { Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ROUTES_JSON_PATH } from '../../lambda-edge/cf-function/generate';
import { assertRoutesTable, listVariants } from '../../lambda-edge/geo-router/routes-table';
import { addEdgeStack } from '../../lib/app';
import type { EdgeStack } from '../../lib/edge/edge-stack';
import {
  acknowledgementsIn,
  expectEveryAcknowledgementToGiveAReason,
  onlyResource,
  resourcesOfType,
  synthesizeStack,
  SynthesizedStack,
} from '../support/synth';
import { summarizeTemplate } from '../support/template-summary';

/**
 * The default configuration: edge.mode=lambda-edge, PriceClass_All, no custom domain, no WAF.
 * The AWS rules, and the other modes and features, are in deploy-rules.test.ts.
 */
let app: SynthesizedStack<EdgeStack>;
let template: Template;
beforeAll(() => {
  app = synthesizeStack(addEdgeStack);
  template = app.template;
});

// AWS managed policies, by their documented ids.
const SECURITY_HEADERS_POLICY_ID = '67f7725c-6f97-4210-82d7-5512b31e9d03';
const CACHING_OPTIMIZED_POLICY_ID = '658327ea-f89d-4fab-a63d-7e88639e58f6';

const logicalIdOf = (type: string, prefix: string): string => {
  const ids = Object.keys(resourcesOfType(template, type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} starting with ${prefix}, found ${ids.join(', ') || 'none'}`);
  return ids[0];
};
const distributionConfig = () => onlyResource(template, 'AWS::CloudFront::Distribution').Properties.DistributionConfig;
const adsBehavior = () => {
  const behaviors = distributionConfig().CacheBehaviors;
  expect(behaviors).toHaveLength(1);
  expect(behaviors[0].PathPattern).toBe('/ads/*');
  return behaviors[0];
};
const suppressionsOf = (logicalId: string) => acknowledgementsIn(template, logicalId);

describe('policy gates', () => {
  test('no unacknowledged finding', () => {
    expect(app.unacknowledgedFindings).toEqual([]);
  });

  test('every acknowledgement written to the template carries a reason', () => {
    expectEveryAcknowledgementToGiveAReason(template);
  });

  test('without a custom domain, the default-certificate findings are acknowledged with the way out', () => {
    const distribution = suppressionsOf(logicalIdOf('AWS::CloudFront::Distribution', 'Cdn'));
    const tls = distribution.find((s) => s.id === 'AwsSolutions::AwsSolutions-CFR4');
    expect(tls?.reason).toMatch(/TLSv1 for viewer compatibility/);
    expect(tls?.reason).toMatch(/edge\.domainName and edge\.certificateArn/);
    expect(tls?.reason).toMatch(/TLSv1\.2_2021/);
    expect(distribution.map((s) => s.id)).toEqual(
      expect.arrayContaining(['AwsSolutions::AwsSolutions-CFR1', 'AwsSolutions::AwsSolutions-CFR2']),
    );
  });
});

test('region pinned to us-east-1 (Lambda@Edge), account left to deploy time', () => {
  const { stack } = app;
  expect(stack.region).toBe('us-east-1');
  expect(Token.isUnresolved(stack.account)).toBe(true);
  const manifest = JSON.parse(fs.readFileSync(path.join(app.assemblyDirectory, 'manifest.json'), 'utf8'));
  expect(manifest.artifacts[stack.artifactId].environment).toBe('aws://unknown-account/us-east-1');
});

describe('content bucket: private, read only by this distribution through OAC', () => {
  const bucketId = () => logicalIdOf('AWS::S3::Bucket', 'AdsContentBucket');
  const bucket = () => resourcesOfType(template, 'AWS::S3::Bucket')[bucketId()].Properties;

  test('encrypted, versioned, Block Public Access, ACLs off, server access logs to the log bucket', () => {
    expect(bucket().BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
    ]);
    expect(bucket().VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket().PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket().OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(bucket().LoggingConfiguration.DestinationBucketName).toEqual({ Ref: logicalIdOf('AWS::S3::Bucket', 'AccessLogsLogBucket') });
  });

  test('an origin access control signs every request, and the origin uses it', () => {
    const oac = onlyResource(template, 'AWS::CloudFront::OriginAccessControl').Properties.OriginAccessControlConfig;
    expect(oac).toEqual(
      expect.objectContaining({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' }),
    );
    const oacId = logicalIdOf('AWS::CloudFront::OriginAccessControl', 'Cdn');
    expect(distributionConfig().Origins).toEqual([
      expect.objectContaining({
        DomainName: { 'Fn::GetAtt': [bucketId(), 'RegionalDomainName'] },
        OriginAccessControlId: { 'Fn::GetAtt': [oacId, 'Id'] },
        S3OriginConfig: { OriginAccessIdentity: '' },
      }),
    ]);
  });

  test('the bucket policy: TLS only, and s3:GetObject and s3:ListBucket for CloudFront on behalf of this distribution only', () => {
    const distributionId = logicalIdOf('AWS::CloudFront::Distribution', 'Cdn');
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId() },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          {
            Effect: 'Allow',
            Action: ['s3:GetObject', 's3:ListBucket'],
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Resource: [{ 'Fn::GetAtt': [bucketId(), 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId(), 'Arn'] }, '/*']] }],
            Condition: {
              StringEquals: {
                'AWS:SourceArn': {
                  'Fn::Join': [
                    '',
                    [
                      'arn:',
                      { Ref: 'AWS::Partition' },
                      ':cloudfront::',
                      { Ref: 'AWS::AccountId' },
                      ':distribution/',
                      { Ref: distributionId },
                    ],
                  ],
                },
              },
            },
          },
        ]),
      },
    });
  });
});

describe('log bucket', () => {
  const bucketId = () => logicalIdOf('AWS::S3::Bucket', 'AccessLogsLogBucket');

  test('ACLs enabled for CloudFront standard logging, S3-managed keys, expiring logs, TLS only', () => {
    const bucket = resourcesOfType(template, 'AWS::S3::Bucket')[bucketId()].Properties;
    expect(bucket.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] });
    expect(bucket.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
    ]);
    expect(bucket.LifecycleConfiguration.Rules).toEqual([expect.objectContaining({ ExpirationInDays: 365, Status: 'Enabled' })]);
    expect(bucket.PublicAccessBlockConfiguration.BlockPublicAcls).toBe(true);
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId() },
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  test('the distribution writes its standard logs there', () => {
    expect(distributionConfig().Logging).toEqual({ Bucket: { 'Fn::GetAtt': [bucketId(), 'RegionalDomainName'] }, Prefix: 'cloudfront/' });
  });
});

describe('distribution', () => {
  test('HTTP/2 and HTTP/3, price class from config, default certificate, no alias, no web ACL', () => {
    const config = distributionConfig();
    expect(config.HttpVersion).toBe('http2and3');
    expect(config.PriceClass).toBe('PriceClass_All');
    expect(config.Aliases).toBeUndefined();
    expect(config.ViewerCertificate).toBeUndefined();
    expect(config.WebACLId).toBeUndefined();
  });

  test('every behavior redirects HTTP to HTTPS and allows GET/HEAD only; security headers everywhere, with a CSP on the ads', () => {
    const config = distributionConfig();
    for (const behavior of [config.DefaultCacheBehavior, ...config.CacheBehaviors]) {
      expect(behavior.ViewerProtocolPolicy).toBe('redirect-to-https');
      expect(behavior.AllowedMethods).toEqual(['GET', 'HEAD']);
    }
    expect(config.DefaultCacheBehavior.ResponseHeadersPolicyId).toBe(SECURITY_HEADERS_POLICY_ID);
    expect(adsBehavior().ResponseHeadersPolicyId).toEqual({ Ref: logicalIdOf('AWS::CloudFront::ResponseHeadersPolicy', 'AdsHeaders') });
  });

  test('the default behavior serves the bucket with CachingOptimized and no function', () => {
    const behavior = distributionConfig().DefaultCacheBehavior;
    expect(behavior.CachePolicyId).toBe(CACHING_OPTIMIZED_POLICY_ID);
    expect(behavior.LambdaFunctionAssociations).toBeUndefined();
    expect(behavior.FunctionAssociations).toBeUndefined();
    expect(distributionConfig().DefaultRootObject).toBe('index.html');
  });
});

describe('edge.mode=lambda-edge: the router at ORIGIN REQUEST on /ads/*', () => {
  const functionId = () => logicalIdOf('AWS::Lambda::Function', 'LambdaEdgeRouter');
  const versionId = () => logicalIdOf('AWS::Lambda::Version', 'LambdaEdgeRouter');

  test('a numbered version is associated with the origin-request event, and nothing at viewer request', () => {
    expect(adsBehavior().LambdaFunctionAssociations).toEqual([{ EventType: 'origin-request', LambdaFunctionARN: { Ref: versionId() } }]);
    expect(adsBehavior().FunctionAssociations).toBeUndefined();
    expect(resourcesOfType(template, 'AWS::CloudFront::Function')).toEqual({});
  });

  test('the cache key holds the viewer country and v (nothing else of the request), so each country is cached apart', () => {
    const policyId = logicalIdOf('AWS::CloudFront::CachePolicy', 'LambdaEdgeRouter');
    expect(adsBehavior().CachePolicyId).toEqual({ Ref: policyId });
    const parameters = resourcesOfType(template, 'AWS::CloudFront::CachePolicy')[policyId].Properties.CachePolicyConfig
      .ParametersInCacheKeyAndForwardedToOrigin;
    expect(parameters.HeadersConfig).toEqual({ HeaderBehavior: 'whitelist', Headers: ['CloudFront-Viewer-Country'] });
    expect(parameters.CookiesConfig).toEqual({ CookieBehavior: 'none' });
    expect(parameters.QueryStringsConfig).toEqual({ QueryStringBehavior: 'whitelist', QueryStrings: ['v'] });
  });

  test('the origin request policy hands every query string to the function (which keeps only v), and nothing else', () => {
    const policyId = logicalIdOf('AWS::CloudFront::OriginRequestPolicy', 'LambdaEdgeRouter');
    expect(adsBehavior().OriginRequestPolicyId).toEqual({ Ref: policyId });
    const config = resourcesOfType(template, 'AWS::CloudFront::OriginRequestPolicy')[policyId].Properties.OriginRequestPolicyConfig;
    expect(config.QueryStringsConfig).toEqual({ QueryStringBehavior: 'all' });
    expect(config.HeadersConfig).toEqual({ HeaderBehavior: 'none' });
    expect(config.CookiesConfig).toEqual({ CookieBehavior: 'none' });
  });

  test('nodejs22.x on x86_64, 128 MB, at most 5 s, no environment variables', () => {
    const fn = resourcesOfType(template, 'AWS::Lambda::Function')[functionId()].Properties;
    expect(fn.Runtime).toBe('nodejs22.x');
    expect(fn.Architectures).toEqual(['x86_64']);
    expect(fn.MemorySize).toBe(128);
    expect(fn.Timeout).toBeLessThanOrEqual(5);
    expect(fn.Environment).toBeUndefined();
    expect(fn.VpcConfig).toBeUndefined();
    expect(fn.Layers).toBeUndefined();
  });

  test('the function and its version are retained on delete (edge replicas outlive the distribution)', () => {
    const resources = template.toJSON().Resources;
    expect(resources[functionId()]).toEqual(expect.objectContaining({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' }));
    expect(resources[versionId()]).toEqual(expect.objectContaining({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' }));
    expect(resources[versionId()].Properties.FunctionName).toEqual({ Ref: functionId() });
  });

  test('the execution role is assumable by lambda.amazonaws.com and edgelambda.amazonaws.com', () => {
    const roleId = (resourcesOfType(template, 'AWS::Lambda::Function')[functionId()].Properties.Role as any)['Fn::GetAtt'][0];
    const trust = resourcesOfType(template, 'AWS::IAM::Role')[roleId].Properties.AssumeRolePolicyDocument.Statement;
    expect(trust).toEqual([
      expect.objectContaining({
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: ['edgelambda.amazonaws.com', 'lambda.amazonaws.com'] },
      }),
    ]);
  });

  test('the bundle is built by local esbuild with routes.json inlined (no file read at run time)', () => {
    const key: string = resourcesOfType(template, 'AWS::Lambda::Function')[functionId()].Properties.Code.S3Key;
    const bundle = fs.readFileSync(path.join(app.assemblyDirectory, `asset.${key.replace(/\.zip$/, '')}`, 'index.js'), 'utf8');
    expect(bundle).toContain('defaultVariant:"global"');
    expect(bundle).toContain('DE:"dach"');
    expect(bundle).not.toMatch(/require\(["'][^"']*routes\.json["']\)/);
    expect(bundle.length).toBeLessThan(50 * 1024);
  });
});

describe('sample content', () => {
  const table: unknown = JSON.parse(fs.readFileSync(ROUTES_JSON_PATH, 'utf8'));

  test('a banner for every variant in routes.json, the default included, plus the not-found and landing pages', () => {
    assertRoutesTable(table);
    const keys = app.stack.sampleContent.objects.map((object) => object.key);
    expect(keys).toEqual([...listVariants(table).map((variant) => `ads/${variant}/banner.svg`), 'errors/404.html', 'index.html']);
    expect(keys).toContain(`ads/${table.defaultVariant}/banner.svg`);
  });

  test('the deployed asset holds exactly those files, and the upload invalidates the cache', () => {
    const deployment = onlyResource(template, 'Custom::CDKBucketDeployment').Properties;
    expect(deployment.DestinationBucketName).toEqual({ Ref: logicalIdOf('AWS::S3::Bucket', 'AdsContentBucket') });
    expect(deployment.DistributionId).toEqual({ Ref: logicalIdOf('AWS::CloudFront::Distribution', 'Cdn') });
    expect(deployment.DistributionPaths).toEqual(['/*']);
    expect(deployment.SourceObjectKeys).toHaveLength(1);
    const assetDir = path.join(app.assemblyDirectory, `asset.${deployment.SourceObjectKeys[0].replace(/\.zip$/, '')}`);
    const files = (fs.readdirSync(assetDir, { recursive: true }) as string[])
      .filter((file) => fs.statSync(path.join(assetDir, file)).isFile())
      .map((file) => file.split(path.sep).join('/'))
      .sort();
    expect(files).toEqual(app.stack.sampleContent.objects.map((object) => object.key).sort());
    const banner = fs.readFileSync(path.join(assetDir, 'ads', 'dach', 'banner.svg'), 'utf8');
    expect(banner).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(banner).toContain('>dach<');
  });
});

test('outputs: domain name, bucket name, a curl command for the banner, the function to delete by hand', () => {
  const outputs = template.toJSON().Outputs;
  const distributionId = logicalIdOf('AWS::CloudFront::Distribution', 'Cdn');
  expect(outputs.DistributionDomainName.Value).toEqual({ 'Fn::GetAtt': [distributionId, 'DomainName'] });
  expect(outputs.ContentBucketName.Value).toEqual({ Ref: logicalIdOf('AWS::S3::Bucket', 'AdsContentBucket') });
  expect(outputs.SampleRequest.Value).toEqual({
    'Fn::Join': ['', [expect.stringMatching(/^curl .*https:\/\/$/), { 'Fn::GetAtt': [distributionId, 'DomainName'] }, '/ads/banner.svg']],
  });
  expect(outputs.SampleRequest.Description).toMatch(/from your IP address/);
  expect(outputs.GeoRouterFunctionName.Value).toEqual({ Ref: logicalIdOf('AWS::Lambda::Function', 'LambdaEdgeRouter') });
});

test('snapshot: the summary of the template, the default configuration (test/support/template-summary.ts)', () => {
  expect(summarizeTemplate(template)).toMatchSnapshot();
});
