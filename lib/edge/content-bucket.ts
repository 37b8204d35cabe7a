import { Duration, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { cfnResourceOf } from './cfn-resource';

export interface ContentBucketProps {
  /** Where S3 server access logs of the content go. */
  readonly accessLogBucket: s3.IBucket;
  /**
   * How long a replaced or deleted object version is kept, to roll back a bad deployment.
   * @default Duration.days(30)
   */
  readonly noncurrentVersionRetention?: Duration;
}

/**
 * The origin: private, versioned, encrypted, TLS only, ACLs off. Nothing reads it directly;
 * the distribution does, through Origin Access Control (granted where the origin is created).
 */
export class ContentBucket extends Construct {
  public readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: ContentBucketProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'ContentBucket', {
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      lifecycleRules: [
        {
          noncurrentVersionExpiration: props.noncurrentVersionRetention ?? Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      serverAccessLogsBucket: props.accessLogBucket,
      serverAccessLogsPrefix: 's3-content/',
    });
    // Every change to the ads becomes an EventBridge event on the default bus (no charge until
    // a rule acts on it): a record of what changed when, and a hook for whoever wants to react.
    // Set on the L1 resource: the L2 option adds a custom resource (another Lambda function)
    // for this one property.
    (this.bucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };

    Validations.of(cfnResourceOf(this.bucket)).acknowledge({
      id: 'cdk-validator-cfnguard::s3_bucket_default_encryption_kms_check',
      reason:
        'Encrypted at rest with SSE-S3. The content is public by design (CloudFront serves it to any viewer); a KMS key would add a ' +
        'key policy trusting CloudFront, a KMS call per cache miss and a monthly key cost without protecting anything further.',
    });
    Validations.of(cfnResourceOf(this.bucket)).acknowledge({
      id: 'cdk-validator-cfnguard::s3_bucket_object_lock_enabled_check',
      reason:
        'Content is replaced by each deployment and old versions expire; versioning already allows a rollback. WORM retention ' +
        'would stop the deployment from pruning old ads and keep the bucket from being emptied when the sandbox is torn down.',
    });
  }
}
