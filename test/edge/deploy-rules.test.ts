/**
 * The AWS rules the edge stack relies on, one test each, named for the rule, read from the
 * synthesized templates. The source of each rule is beside the code that follows it (lib/edge/,
 * lambda-edge/) and in docs/edge.md, "The rules and their sources".
 *
 * Each configuration is synthesized once, here, and every test reads those templates: the three
 * edge modes, bare and with every optional feature (custom domain, WAF, a narrower price class),
 * and the configurations of the other stacks for the logical-id rule.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { CF_FUNCTION_PATH, CF_KVS_FUNCTION_PATH } from '../../lambda-edge/cf-function/generate';
import { KEPT_QUERY_NAMES, MAX_ROUTED_URI_LENGTH } from '../../lambda-edge/geo-router/routing';
import { addEdgeStack, addHpcClusterStack, addWorkerFleetStack } from '../../lib/app';
import {
  AppConfig,
  ConfigError,
  EDGE_MODES,
  EdgeMode,
  HPC_SCHEDULERS,
  loadConfig,
  PRICE_CLASSES,
  PURCHASE_OPTIONS,
  WORKER_COMPUTE_BACKENDS,
} from '../../lib/config';
import { HPC_PROFILE_NAMES } from '../../lib/hpc/profiles';
import { ADS_CONTENT_SECURITY_POLICY, CSP_MAX_CHARACTERS } from '../../lib/edge/ads-response-headers';
import { EdgeStack, ROUTER_IDS } from '../../lib/edge/edge-stack';
import { KEPT_QUERY_STRINGS } from '../../lib/edge/geo-router';
import { DEFAULT_VARIANT_KEY } from '../../lib/edge/kvs-routes';
import { DEFAULT_ENABLED_REGIONS } from '../../lib/edge/lambda-edge-log-retention';
import { acknowledgementsIn, CDK_JSON_CONTEXT, resourcesOfType, synthesizeStack, SynthesizedStack } from '../support/synth';

const CERTIFICATE_ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789';
const WEB_ACL_ARN = 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/ads/0a1b2c3d-4e5f-6789-abcd-ef0123456789';

/** Every optional edge feature on, with a price class that varies by mode. */
const featured = (mode: EdgeMode, index: number) => ({
  'edge.mode': mode,
  'edge.domainName': 'ads.example.com',
  'edge.certificateArn': CERTIFICATE_ARN,
  'edge.webAclArn': WEB_ACL_ARN,
  'edge.priceClass': PRICE_CLASSES[index % PRICE_CLASSES.length],
});

/** Each edge mode bare (defaults) and with every optional feature. */
const EDGE_CONFIGURATIONS: [string, Record<string, unknown>][] = EDGE_MODES.flatMap((mode, index): [string, Record<string, unknown>][] => [
  [`edge ${mode}`, { 'edge.mode': mode }],
  [`edge ${mode}, custom domain, WAF, ${PRICE_CLASSES[index % PRICE_CLASSES.length]}`, featured(mode, index)],
]);

/** The other stacks' configurations: every scheduler x purchase option the config accepts, every compute backend. */
const OTHER_CONFIGURATIONS: [string, (app: any, config: AppConfig) => Stack, Record<string, unknown>][] = [
  ...HPC_SCHEDULERS.flatMap((scheduler, i) =>
    PURCHASE_OPTIONS.map((purchaseOption, j): [string, (app: any, config: AppConfig) => Stack, Record<string, unknown>] => [
      `hpc ${scheduler} ${purchaseOption}`,
      addHpcClusterStack,
      {
        'hpc.scheduler': scheduler,
        'hpc.purchaseOption': purchaseOption,
        'hpc.profile': HPC_PROFILE_NAMES[(i + j) % HPC_PROFILE_NAMES.length],
      },
    ]),
  ).filter(([, , context]) => acceptedByConfig(context)),
  ...WORKER_COMPUTE_BACKENDS.map((compute): [string, (app: any, config: AppConfig) => Stack, Record<string, unknown>] => [
    `workers ${compute}`,
    addWorkerFleetStack,
    { 'workers.compute': compute },
  ]),
];

/** Combinations the config layer refuses (Batch on Spot) are not configurations. */
function acceptedByConfig(context: Record<string, unknown>): boolean {
  try {
    loadConfig({ ...CDK_JSON_CONTEXT, ...context });
    return true;
  } catch (error) {
    if (error instanceof ConfigError) return false;
    throw error;
  }
}

const edge = new Map<string, SynthesizedStack<EdgeStack>>();
const others = new Map<string, SynthesizedStack<Stack>>();
beforeAll(() => {
  for (const [name, context] of EDGE_CONFIGURATIONS) edge.set(name, synthesizeStack(addEdgeStack, context));
  // Without the policy gates: they change no logical id, and those stacks' own tests run them.
  for (const [name, add, context] of OTHER_CONFIGURATIONS) others.set(name, synthesizeStack(add, context, { policyGates: false }));
}, 600_000);

const templateOf = (mode: EdgeMode, withFeatures = false): Template =>
  [...edge.entries()].find(([name]) => name.startsWith(`edge ${mode}`) && name.includes(',') === withFeatures)![1].template;
const everyEdgeTemplate = () => [...edge.values()].map(({ template }) => template);
const resources = (template: Template) =>
  template.toJSON().Resources as Record<string, { Type: string; Properties: any; [key: string]: any }>;
const distributionConfig = (template: Template) =>
  Object.values(resourcesOfType(template, 'AWS::CloudFront::Distribution'))[0].Properties.DistributionConfig;
const adsBehavior = (template: Template) => distributionConfig(template).CacheBehaviors.find((b: any) => b.PathPattern === '/ads/*');
const byRef = (template: Template, ref: unknown) => resources(template)[(ref as { Ref: string }).Ref];

describe('policy gates', () => {
  test('every edge configuration synthesizes with zero unacknowledged findings', () => {
    const findings = Object.fromEntries([...edge].map(([name, synth]) => [name, synth.unacknowledgedFindings]));
    expect(findings).toEqual(Object.fromEntries([...edge.keys()].map((name) => [name, []])));
  });

  test('acknowledgements cite only public sources or files in the repository (no design file outside it)', () => {
    for (const template of everyEdgeTemplate()) {
      for (const { reason } of acknowledgementsIn(template)) expect(reason).not.toMatch(/DESIGN\.md/);
    }
  });
});

describe('fix 1: CloudFormation cannot change the resource type of a logical id in place', () => {
  test('across every configuration of every stack, each logical id keeps one resource type', () => {
    const typesById = new Map<string, Map<string, string[]>>();
    for (const [name, synth] of [...edge, ...others]) {
      const stackName = synth.stack.stackName;
      for (const [logicalId, resource] of Object.entries(resources(synth.template))) {
        const key = `${stackName}/${logicalId}`;
        const seen = typesById.get(key) ?? new Map<string, string[]>();
        seen.set(resource.Type, [...(seen.get(resource.Type) ?? []), name]);
        typesById.set(key, seen);
      }
    }
    const conflicts = [...typesById].filter(([, types]) => types.size > 1).map(([id, types]) => `${id}: ${[...types.keys()].join(' vs ')}`);
    expect(conflicts).toEqual([]);
    expect(typesById.size).toBeGreaterThan(100);
  });

  test('each router has a construct id naming its kind, so a Lambda function and a CloudFront Function never share one', () => {
    expect(new Set(Object.values(ROUTER_IDS)).size).toBe(EDGE_MODES.length);
    expect(Object.keys(resourcesOfType(templateOf('lambda-edge'), 'AWS::Lambda::Function'))).toContainEqual(
      expect.stringMatching(/^LambdaEdgeRouterFunction/),
    );
    expect(Object.keys(resourcesOfType(templateOf('cloudfront-function'), 'AWS::CloudFront::Function'))).toEqual([
      expect.stringMatching(/^FunctionRouterFunction/),
    ]);
    expect(Object.keys(resourcesOfType(templateOf('keyvaluestore'), 'AWS::CloudFront::Function'))).toEqual([
      expect.stringMatching(/^KvsFunctionRouterFunction/),
    ]);
  });

  test("the key value store's logical id is pinned: a new store is seeded only from the import file, losing every push", () => {
    expect(Object.keys(resourcesOfType(templateOf('keyvaluestore'), 'AWS::CloudFront::KeyValueStore'))).toEqual([
      'KvsFunctionRouterRoutesStoreF874BBB5',
    ]);
  });

  test('the Lambda@Edge function and its version are retained when a mode switch or a deletion drops them (replicas outlive them)', () => {
    const template = templateOf('lambda-edge');
    for (const type of ['AWS::Lambda::Version', 'AWS::Lambda::Function']) {
      const [id] = Object.keys(resourcesOfType(template, type)).filter((logicalId) => logicalId.startsWith('LambdaEdgeRouter'));
      expect(resources(template)[id]).toEqual(expect.objectContaining({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' }));
    }
  });
});

describe('fix 2: a missing object is a 404 with a page of ours, never S3 XML', () => {
  test('S3 answers a missing key with 404 only with s3:ListBucket: granted to this distribution alone, on the bucket ARN', () => {
    for (const template of everyEdgeTemplate()) {
      const statements = Object.values(resourcesOfType(template, 'AWS::S3::BucketPolicy')).flatMap(
        (p) => p.Properties.PolicyDocument.Statement,
      );
      const grant = statements.find((s: any) => [].concat(s.Action).includes('s3:ListBucket' as never));
      expect(grant.Principal).toEqual({ Service: 'cloudfront.amazonaws.com' });
      expect(grant.Action).toEqual(['s3:GetObject', 's3:ListBucket']);
      expect(grant.Resource).toContainEqual({ 'Fn::GetAtt': [expect.stringMatching(/^AdsContentBucket/), 'Arn'] });
      expect(JSON.stringify(grant.Condition.StringEquals['AWS:SourceArn'])).toMatch(/:distribution\/.*CdnDistribution/);
    }
  });

  test('404 is mapped to /errors/404.html, cached 10 s on purpose (error caching minimum TTL); no other status is mapped', () => {
    for (const template of everyEdgeTemplate()) {
      expect(distributionConfig(template).CustomErrorResponses).toEqual([
        { ErrorCode: 404, ResponseCode: 404, ResponsePagePath: '/errors/404.html', ErrorCachingMinTTL: 10 },
      ]);
    }
  });

  test('the error page is uploaded with the content, outside /ads/* so no router rewrites it', () => {
    const { stack } = edge.get('edge lambda-edge')!;
    expect(stack.sampleContent.objects.map(({ key }) => key)).toContain('errors/404.html');
    expect('/errors/404.html'.startsWith('/ads/')).toBe(false);
  });

  test('with ListBucket granted, the bucket root is never requested: / is rewritten to index.html', () => {
    for (const template of everyEdgeTemplate()) expect(distributionConfig(template).DefaultRootObject).toBe('index.html');
  });
});

describe('fix 3 and fix 5: the routed URI and the query string', () => {
  test("every router refuses a rewrite past CloudFront's 8,191 characters (held by the shared vectors in routing-contract.test.ts)", () => {
    expect(MAX_ROUTED_URI_LENGTH).toBe(8191);
    for (const file of [CF_FUNCTION_PATH, CF_KVS_FUNCTION_PATH])
      expect(fs.readFileSync(file, 'utf8')).toContain('const MAX_ROUTED_URI_LENGTH = 8191;');
  });

  test('S3 acts on response-* parameters of a signed request: only v reaches the bucket, in every mode', () => {
    expect([...KEPT_QUERY_STRINGS]).toEqual([...KEPT_QUERY_NAMES]);
    for (const file of [CF_FUNCTION_PATH, CF_KVS_FUNCTION_PATH])
      expect(fs.readFileSync(file, 'utf8')).toContain("const KEPT_QUERY_NAMES = ['v'];");
    for (const template of everyEdgeTemplate()) {
      const config = distributionConfig(template);
      for (const behavior of [config.DefaultCacheBehavior, ...config.CacheBehaviors]) {
        const cache = typeof behavior.CachePolicyId === 'string' ? undefined : byRef(template, behavior.CachePolicyId);
        const cacheQuery = cache?.Properties.CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin.QueryStringsConfig;
        if (cacheQuery)
          expect(cacheQuery.QueryStringBehavior === 'none' || cacheQuery.QueryStrings.every((name: string) => name === 'v')).toBe(true);
        const originQuery =
          behavior.OriginRequestPolicyId &&
          byRef(template, behavior.OriginRequestPolicyId).Properties.OriginRequestPolicyConfig.QueryStringsConfig;
        if (originQuery?.QueryStringBehavior === 'all') {
          // Only to a Lambda@Edge function at origin request, which sees the query string only
          // with All (edge-function-restrictions-all.html) and keeps v alone (the shared vectors).
          expect(behavior.LambdaFunctionAssociations).toEqual([expect.objectContaining({ EventType: 'origin-request' })]);
        } else if (originQuery) {
          expect(originQuery.QueryStringBehavior).toBe('none');
        }
      }
    }
  });

  test('the default behavior forwards no query string to S3', () => {
    for (const template of everyEdgeTemplate()) {
      const behavior = distributionConfig(template).DefaultCacheBehavior;
      expect(behavior.CachePolicyId).toBe('658327ea-f89d-4fab-a63d-7e88639e58f6'); // CachingOptimized: no query strings
      expect(behavior.OriginRequestPolicyId).toBeUndefined();
    }
  });
});

describe('fix 4: CloudFront caches what an origin-request function generates, and MinTTL above 0 overrides no-store', () => {
  test('the Lambda@Edge cache policy has MinTTL 0, so its no-store 400 and 414 answers are not kept', () => {
    const policy = byRef(templateOf('lambda-edge'), adsBehavior(templateOf('lambda-edge')).CachePolicyId);
    expect(policy.Properties.CachePolicyConfig.MinTTL).toBe(0);
  });
});

describe('fix 6: the viewer country header', () => {
  test('CloudFront adds it only when a policy lists it: in the cache key at origin request, in the origin request policy at viewer request', () => {
    const lambdaEdge = templateOf('lambda-edge');
    expect(
      byRef(lambdaEdge, adsBehavior(lambdaEdge).CachePolicyId).Properties.CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin
        .HeadersConfig,
    ).toEqual({
      HeaderBehavior: 'whitelist',
      Headers: ['CloudFront-Viewer-Country'],
    });
    for (const mode of ['cloudfront-function', 'keyvaluestore'] as const) {
      const template = templateOf(mode);
      const behavior = adsBehavior(template);
      expect(
        byRef(template, behavior.CachePolicyId).Properties.CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig,
      ).toEqual({ HeaderBehavior: 'none' });
      expect(byRef(template, behavior.OriginRequestPolicyId).Properties.OriginRequestPolicyConfig.HeadersConfig).toEqual({
        HeaderBehavior: 'whitelist',
        Headers: ['CloudFront-Viewer-Country'],
      });
    }
  });

  test('no output claims a viewer cannot choose a variant (not settled for CloudFront Functions; docs/edge.md)', () => {
    for (const template of everyEdgeTemplate()) {
      for (const output of Object.values(template.toJSON().Outputs as Record<string, { Description?: string }>)) {
        expect(output.Description ?? '').not.toMatch(/overwritten|cannot choose|can't choose/i);
      }
    }
  });
});

describe('fix 7: SVG ads, Lambda@Edge logs, alarms', () => {
  test("the ads get a Content-Security-Policy within CloudFront's 1,783 characters, default-src 'none', overriding object metadata", () => {
    expect(ADS_CONTENT_SECURITY_POLICY.length).toBeLessThanOrEqual(CSP_MAX_CHARACTERS);
    for (const template of everyEdgeTemplate()) {
      const policy = byRef(template, adsBehavior(template).ResponseHeadersPolicyId).Properties.ResponseHeadersPolicyConfig
        .SecurityHeadersConfig;
      expect(policy.ContentSecurityPolicy).toEqual({ ContentSecurityPolicy: ADS_CONTENT_SECURITY_POLICY, Override: true });
      expect(policy.ContentSecurityPolicy.ContentSecurityPolicy).toMatch(/default-src 'none'.*sandbox/);
      expect(policy.ContentTypeOptions).toEqual({ Override: true });
    }
  });

  test('Lambda@Edge logs in the Region where it ran: both of its log groups get retention in every default-enabled Region', () => {
    const retentions = Object.values(resourcesOfType(templateOf('lambda-edge'), 'Custom::LogRetention')).map((r) => r.Properties);
    expect(retentions).toHaveLength(DEFAULT_ENABLED_REGIONS.length * 2);
    for (const region of DEFAULT_ENABLED_REGIONS) {
      const inRegion = retentions.filter((r) => r.LogGroupRegion === region);
      expect(inRegion.map((r) => JSON.stringify(r.LogGroupName))).toEqual([
        expect.stringMatching(/\/aws\/lambda\/us-east-1\..*LambdaEdgeRouterFunction/),
        expect.stringMatching(/\/aws\/cloudfront\/LambdaEdge\/.*CdnDistribution/),
      ]);
      for (const r of inRegion) expect(r.RetentionInDays).toBe(365);
    }
    expect(resourcesOfType(templateOf('cloudfront-function'), 'Custom::LogRetention')).toEqual({});
  });

  test('CloudFront metrics have the dimension Region=Global: the 5xx-rate alarm names it (aws/aws-cdk#19245)', () => {
    for (const template of everyEdgeTemplate()) {
      const [alarm] = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties);
      expect(alarm).toEqual(
        expect.objectContaining({
          Namespace: 'AWS/CloudFront',
          MetricName: '5xxErrorRate',
          Statistic: 'Average',
          Dimensions: expect.arrayContaining([
            { Name: 'Region', Value: 'Global' },
            { Name: 'DistributionId', Value: { Ref: expect.stringMatching(/^CdnDistribution/) } },
          ]),
        }),
      );
      expect(alarm.AlarmActions).toHaveLength(1);
      const [topic] = Object.values(resourcesOfType(template, 'AWS::SNS::Topic'));
      expect(topic.Properties.KmsMasterKeyId).toBeDefined();
    }
  });
});

describe('fix 8: price classes', () => {
  test('the default is PriceClass_All: PriceClass_100 and 200 serve South America and Oceania from far away', () => {
    expect(distributionConfig(templateOf('lambda-edge')).PriceClass).toBe('PriceClass_All');
    expect(distributionConfig(templateOf('cloudfront-function', true)).PriceClass).toBe(PRICE_CLASSES[1]);
  });
});

describe('fix 9 and the third mode: what CloudFront Functions accept', () => {
  test.each([
    ['cloudfront-function', CF_FUNCTION_PATH],
    ['keyvaluestore', CF_KVS_FUNCTION_PATH],
  ] as const)(
    '%s: runtime cloudfront-js-2.0, the file unchanged, under the 10 KB code quota, published, on viewer request of /ads/*',
    (mode, file) => {
      const template = templateOf(mode);
      const [[id, fn]] = Object.entries(resourcesOfType(template, 'AWS::CloudFront::Function'));
      expect(fn.Properties.FunctionConfig.Runtime).toBe('cloudfront-js-2.0');
      expect(fn.Properties.FunctionCode).toBe(fs.readFileSync(file, 'utf8'));
      expect(Buffer.byteLength(fn.Properties.FunctionCode, 'utf8')).toBeLessThan(10_240);
      expect(fn.Properties.AutoPublish).toBe(true);
      expect(adsBehavior(template).FunctionAssociations).toEqual([
        { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [id, 'FunctionARN'] } },
      ]);
      expect(adsBehavior(template).LambdaFunctionAssociations).toBeUndefined();
    },
  );

  test('keyvaluestore: one store, seeded from an S3 import source (an asset of routes.json), associated with the function', () => {
    const template = templateOf('keyvaluestore');
    const [[storeId, store]] = Object.entries(resourcesOfType(template, 'AWS::CloudFront::KeyValueStore'));
    expect(store.Properties.ImportSource).toEqual({ SourceType: 'S3', SourceArn: expect.anything() });
    const [fn] = Object.values(resourcesOfType(template, 'AWS::CloudFront::Function'));
    expect(fn.Properties.FunctionConfig.KeyValueStoreAssociations).toEqual([{ KeyValueStoreARN: { 'Fn::GetAtt': [storeId, 'Arn'] } }]);
  });

  test('keyvaluestore: the import file holds every country of routes.json and the default, in the documented format', () => {
    const { template, assemblyDirectory } = edge.get('edge keyvaluestore')!;
    const [store] = Object.values(resourcesOfType(template, 'AWS::CloudFront::KeyValueStore'));
    const objectKey = JSON.stringify(store.Properties.ImportSource.SourceArn).match(/\/([0-9a-f]{64}\.json)/)![1];
    const staged = JSON.parse(fs.readFileSync(path.join(assemblyDirectory, `asset.${objectKey}`), 'utf8'));
    const routes = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'lambda-edge', 'geo-router', 'routes.json'), 'utf8'));
    expect(staged).toEqual({
      data: [
        ...Object.entries(routes.countries as Record<string, string>).map(([key, value]) => ({ key, value })),
        { key: DEFAULT_VARIANT_KEY, value: routes.defaultVariant },
      ],
    });
    expect(fs.readFileSync(CF_KVS_FUNCTION_PATH, 'utf8')).toContain(`const DEFAULT_KEY = '${DEFAULT_VARIANT_KEY}';`);
  });

  test('uploaded content carries Cache-Control: max-age for browsers, s-maxage for CloudFront', () => {
    for (const template of everyEdgeTemplate()) {
      const [deployment] = Object.values(resourcesOfType(template, 'Custom::CDKBucketDeployment'));
      expect(deployment.Properties.SystemMetadata).toEqual({ 'cache-control': 'public, max-age=300, s-maxage=86400' });
    }
  });

  test('a synth writes its generated files inside its own cloud assembly, not into a temporary directory left behind', () => {
    for (const { assemblyDirectory, stack } of edge.values()) {
      const generated = fs.readdirSync(path.join(assemblyDirectory, 'generated'));
      expect(generated).toContainEqual(expect.stringMatching(/^sample-content-[0-9a-f]{16}$/));
      if (stack.router.constructor.name === 'KeyValueStoreGeoRouter')
        expect(generated).toContainEqual(expect.stringMatching(/^kvs-import-/));
    }
  });
});

describe('outputs for trying the stack (and for npm run smoke)', () => {
  test.each(EDGE_MODES)('%s: a sample URL, a missing object, a hostile URI, the mode, the alarm topic', (mode) => {
    const outputs = templateOf(mode).toJSON().Outputs;
    const url = (requestPath: string) => ({
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [expect.stringMatching(/^CdnDistribution/), 'DomainName'] }, requestPath]],
    });
    expect(outputs.SampleUrl.Value).toEqual(url('/ads/banner.svg'));
    expect(outputs.MissingObjectUrl.Value).toEqual(url('/ads/no-such-ad.svg'));
    expect(outputs.HostileUrl.Value).toEqual(url('/ads/%2e%2e/index.html'));
    expect(outputs.EdgeMode.Value).toBe(mode);
    expect(outputs.AlarmTopicArn.Value).toEqual({ Ref: expect.stringMatching(/^AlarmsTopic/) });
    expect('RoutesStoreArn' in outputs).toBe(mode === 'keyvaluestore');
    expect('GeoRouterFunctionName' in outputs).toBe(mode === 'lambda-edge');
  });

  test('with a custom domain, the URLs use it', () => {
    const outputs = templateOf('keyvaluestore', true).toJSON().Outputs;
    expect(outputs.SampleUrl.Value).toBe('https://ads.example.com/ads/banner.svg');
    expect(outputs.RoutesStoreArn.Value).toEqual({ 'Fn::GetAtt': ['KvsFunctionRouterRoutesStoreF874BBB5', 'Arn'] });
  });
});

describe('the optional features: custom domain and WAF', () => {
  test.each(EDGE_MODES)('%s: the TLS, certificate and WAF findings are fixed, not acknowledged', (mode) => {
    const template = templateOf(mode, true);
    const [distributionId] = Object.keys(resourcesOfType(template, 'AWS::CloudFront::Distribution'));
    const acknowledged = acknowledgementsIn(template, distributionId).map(({ id }) => id);
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

  test('the domain is an alias, served with its ACM certificate over SNI, TLSv1.2_2021 at least, behind the web ACL', () => {
    const config = distributionConfig(templateOf('lambda-edge', true));
    expect(config.Aliases).toEqual(['ads.example.com']);
    expect(config.ViewerCertificate).toEqual({
      AcmCertificateArn: CERTIFICATE_ARN,
      MinimumProtocolVersion: 'TLSv1.2_2021',
      SslSupportMethod: 'sni-only',
    });
    expect(config.WebACLId).toBe(WEB_ACL_ARN);
    expect(templateOf('lambda-edge', true).toJSON().Outputs.CustomDomainTarget.Description).toContain('ads.example.com');
  });
});

describe('viewer-request modes', () => {
  test.each(['cloudfront-function', 'keyvaluestore'] as const)('%s: no Lambda@Edge, no log retention custom resources', (mode) => {
    const template = templateOf(mode);
    expect(Object.keys(resourcesOfType(template, 'AWS::Lambda::Function'))).toEqual([expect.stringMatching(/^CustomCDKBucketDeployment/)]);
    expect(resourcesOfType(template, 'AWS::Lambda::Version')).toEqual({});
  });
});
