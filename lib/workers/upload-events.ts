import { Aws, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { customerManagedKey } from '../shared/customer-managed-key';

export interface UploadEventsProps {
  /** The bucket whose uploads are announced. */
  readonly bucket: s3.Bucket;
  /** Only objects created under this prefix are announced. */
  readonly prefix: string;
}

/**
 * Announces every object created under `prefix` of the bucket on an SNS topic: the fan-out
 * point. The work queue is one subscriber; anything else that cares about uploads (an audit
 * log, a second pipeline) subscribes to the same topic without touching the bucket, which has
 * only one notification configuration per event type and prefix.
 */
export class UploadEvents extends Construct {
  public readonly topic: sns.Topic;
  /** Encrypts the topic's messages at rest. */
  public readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: UploadEventsProps) {
    super(scope, id);

    this.key = customerManagedKey(this, 'Key', { description: 'Encrypts the upload notifications topic' });
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Uploads to the worker fleet input bucket',
      masterKey: this.key,
      enforceSSL: true,
    });

    props.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new ScopedSnsDestination(this.topic, this.key), {
      prefix: props.prefix,
    });
    acknowledgeNotificationsHandler(this);
  }
}

/**
 * aws-cdk-lib writes a bucket's notification configuration through a custom resource whose
 * handler it creates once per stack (BucketNotificationsHandler...): CloudFormation alone cannot
 * express "S3 may publish to this topic" before the bucket exists.
 */
function acknowledgeNotificationsHandler(scope: Construct): void {
  const handler = Stack.of(scope).node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834');
  if (handler === undefined) return;
  Validations.of(handler).acknowledge({
    id: 'cdk-validator-cfnguard::lambda_inside_vpc_check',
    reason:
      'aws-cdk-lib runs this handler only during deployments, to call s3:PutBucketNotificationConfiguration; it reaches nothing inside a VPC.',
  });
  Validations.of(handler).acknowledge({
    id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: 'The role aws-cdk-lib gives its deployment-time notifications handler; it only writes its own logs with it.',
  });
}

/**
 * Like aws-s3-notifications' SnsDestination, but the KMS permission it gives S3 is scoped to this
 * bucket in this account. (SnsDestination lets s3.amazonaws.com use the key on behalf of ANY
 * bucket, of any account, whenever @aws-cdk/s3-notifications:addS3TrustKeyPolicyForSnsSubscriptions
 * is on.) S3 publishes to an encrypted topic only if it may generate data keys with the topic's key.
 */
class ScopedSnsDestination implements s3.IBucketNotificationDestination {
  constructor(
    private readonly topic: sns.Topic,
    private readonly key: kms.Key,
  ) {}

  bind(_scope: Construct, bucket: s3.IBucket): s3.BucketNotificationDestinationConfig {
    const fromThisBucket = {
      ArnLike: { 'aws:SourceArn': bucket.bucketArn },
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
    };
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: fromThisBucket,
      }),
    );
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: fromThisBucket,
      }),
    );
    // S3 checks that it may publish when the notification is configured: the topic policy first.
    return { arn: this.topic.topicArn, type: s3.BucketNotificationDestinationType.TOPIC, dependencies: [this.topic] };
  }
}
