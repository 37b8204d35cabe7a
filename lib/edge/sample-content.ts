import { CfnResource, DefaultStackSynthesizer, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { cfnResourceOf } from './cfn-resource';
import { encryptedLogGroup } from '../shared/encrypted-log-group';
import { readRouteVariants, RouteVariants } from './edge-sources';
import { writeGeneratedFiles } from './generated-files';
import { SampleObject, sampleObjects } from './sample-ads';

/**
 * The Cache-Control every uploaded object carries. `max-age` is for browsers (5 minutes, so a
 * replaced ad reaches returning viewers soon); `s-maxage` for CloudFront, which prefers it to
 * max-age within the behavior's minimum and maximum TTL (Expiration.html, "Specify the amount of
 * time that CloudFront caches objects":
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Expiration.html); a day,
 * since each deployment invalidates the cache anyway.
 */
export const CONTENT_CACHE_CONTROL = [
  s3deploy.CacheControl.setPublic(),
  s3deploy.CacheControl.maxAge(Duration.minutes(5)),
  s3deploy.CacheControl.sMaxAge(Duration.days(1)),
];

export interface SampleContentProps {
  readonly bucket: s3.Bucket;
  /** Invalidated after each content change, so no edge keeps serving the old banners. */
  readonly distribution: cloudfront.IDistribution;
  /**
   * The variants to draw a banner for.
   * @default readRouteVariants() (every variant in routes.json, the default included)
   */
  readonly routes?: RouteVariants;
}

/**
 * Uploads a sample banner per variant (generated from routes.json, so a new variant gets one
 * automatically) and the landing page, with the stack.
 */
export class SampleContent extends Construct {
  public readonly objects: SampleObject[];
  public readonly deployment: s3deploy.BucketDeployment;

  constructor(scope: Construct, id: string, props: SampleContentProps) {
    super(scope, id);
    this.objects = sampleObjects(props.routes ?? readRouteVariants());

    this.deployment = new s3deploy.BucketDeployment(this, 'Deployment', {
      // One asset for all files (Source.data would make one asset per file).
      sources: [
        s3deploy.Source.asset(
          writeGeneratedFiles(
            this,
            'sample-content',
            this.objects.map(({ key, body }) => ({ path: key, body })),
          ),
        ),
      ],
      cacheControl: CONTENT_CACHE_CONTROL,
      destinationBucket: props.bucket,
      distribution: props.distribution,
      distributionPaths: ['/*'],
      logGroup: encryptedLogGroup(this, 'DeploymentLogs'),
    });
    acknowledgeDeploymentHandlerFindings(this.deployment, props.bucket);
  }
}

/**
 * BucketDeployment runs aws-cdk-lib's own handler (one per stack) at deploy time; its role,
 * policy and runtime are chosen by aws-cdk-lib, so its findings are acknowledged on that handler
 * and its role, not fixed.
 */
function acknowledgeDeploymentHandlerFindings(deployment: s3deploy.BucketDeployment, bucket: s3.Bucket): void {
  const role = deployment.handlerRole;
  const handler = role.node.scope;
  if (handler === undefined) return;
  const stack = Stack.of(deployment);
  const qualifier = stack.node.tryGetContext('@aws-cdk/core:bootstrapQualifier') ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
  const bucketLogicalId = stack.getLogicalId(bucket.node.defaultChild as CfnResource);
  const handlerOnly = 'aws-cdk-lib BucketDeployment handler, run only while CloudFormation deploys the sample content';

  Validations.of(cfnResourceOf(handler)).acknowledge({
    id: 'cdk-validator-cfnguard::lambda_inside_vpc_check',
    reason: `${handlerOnly}: it calls only the S3 and CloudFront APIs, and this stack has no VPC to put it in.`,
  });
  Validations.of(cfnResourceOf(handler)).acknowledge({
    id: 'AwsSolutions::AwsSolutions-L1',
    reason: `${handlerOnly}: aws-cdk-lib pins its Python runtime and updates it with the library.`,
  });
  Validations.of(cfnResourceOf(role)).acknowledge({
    id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: `${handlerOnly}: the managed policy only lets it write its own CloudWatch logs.`,
  });
  const wildcards: [string, string][] = [
    ['Action::s3:GetBucket*', 'read the CDK asset bucket and the content bucket'],
    ['Action::s3:GetObject*', 'read the uploaded asset and the current content'],
    ['Action::s3:List*', 'list both buckets to sync and prune the content'],
    ['Action::s3:Abort*', 'abort its own multipart uploads into the content bucket'],
    ['Action::s3:DeleteObject*', 'prune content objects that are no longer in the sample set'],
    [
      `Resource::arn:aws:s3:::cdk-${qualifier}-assets-<AWS::AccountId>-${stack.region}/*`,
      'read the zipped content from the CDK asset bucket',
    ],
    [`Resource::<${bucketLogicalId}.Arn>/*`, 'write every object of the content bucket it manages'],
    [
      'Resource::*',
      'invalidate the cache after an upload (cloudfront:CreateInvalidation/GetInvalidation, granted on * by aws-cdk-lib; it only names this distribution)',
    ],
  ];
  const policy = role.node.tryFindChild('DefaultPolicy');
  if (policy === undefined) return;
  for (const [finding, why] of wildcards) {
    Validations.of(cfnResourceOf(policy)).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[${finding}]`,
      reason: `${handlerOnly}: aws-cdk-lib's grant, used to ${why}.`,
    });
  }
}
