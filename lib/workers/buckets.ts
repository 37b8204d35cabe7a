import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IConstruct } from 'constructs';
import { customerManagedKey } from '../shared/customer-managed-key';

export interface WorkerBucketsProps {
  /**
   * How long a replaced or deleted upload stays recoverable.
   * @default Duration.days(30)
   */
  readonly noncurrentUploadRetention?: Duration;
  /**
   * How long S3 server access logs are kept.
   * @default Duration.days(365)
   */
  readonly accessLogRetention?: Duration;
}

/**
 * The fleet's buckets: uploads in, thumbnails out, and the server access logs of both. All are
 * private (public access blocked, ACLs off), encrypted at rest, and refuse plain HTTP. Deleting
 * the stack keeps them (the CDK default): they hold data, not infrastructure.
 */
export class WorkerBuckets extends Construct {
  /** Uploads: objects created under `incoming/` become work. */
  public readonly input: s3.Bucket;
  /** Thumbnails written by the workers. */
  public readonly output: s3.Bucket;
  /** Server access logs of the input and output buckets. */
  public readonly accessLogs: s3.Bucket;
  /** Encrypts the input and output buckets: uploaders and workers need it granted. */
  public readonly dataKey: kms.Key;

  constructor(scope: Construct, id: string, props: WorkerBucketsProps = {}) {
    super(scope, id);

    // S3-managed keys here: S3 server access logging delivers only to SSE-S3 buckets.
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      ...privateBucket,
      encryption: s3.BucketEncryption.S3_MANAGED,
      // Versioned so a log object cannot be silently overwritten; old versions go with the logs.
      versioned: true,
      lifecycleRules: [
        {
          expiration: props.accessLogRetention ?? Duration.days(365),
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    acknowledgeAccessLogBucket(this.accessLogs);

    // The data buckets use a customer managed key: reading an upload takes both the S3 and the
    // KMS permission, and every decrypt is in CloudTrail. Bucket keys cut the KMS requests (and
    // their cost) from one per object to one per bucket key lifetime.
    // Retained like the buckets: deleting it would make every object in them unreadable.
    this.dataKey = customerManagedKey(this, 'DataKey', {
      description: 'Encrypts the worker fleet input and output buckets',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const dataEncryption = { encryption: s3.BucketEncryption.KMS, encryptionKey: this.dataKey, bucketKeyEnabled: true };

    this.input = new s3.Bucket(this, 'Input', {
      ...privateBucket,
      ...dataEncryption,
      // Uploads are the only copy of the data: versioning makes an overwrite or delete recoverable.
      versioned: true,
      lifecycleRules: [
        {
          noncurrentVersionExpiration: props.noncurrentUploadRetention ?? Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'input/',
    });
    acknowledge(
      this.input,
      's3_bucket_object_lock_enabled_check',
      'Uploads are work items their owners may replace or delete; versioning with 30 days of noncurrent versions already ' +
        'recovers from mistakes. WORM retention is for compliance regimes and would keep the sandbox bucket from being emptied.',
    );

    acknowledge(
      this.input,
      's3_event_notifications_enabled_check',
      "Notifications ARE configured (objects created under incoming/ go to the upload topic), but through aws-cdk-lib's " +
        "Custom::S3BucketNotifications resource, which the rule cannot see: it only reads the bucket's own NotificationConfiguration.",
    );

    this.output = new s3.Bucket(this, 'Output', {
      ...privateBucket,
      ...dataEncryption,
      // Not versioned on purpose: every thumbnail is derived from an upload and rewritten by
      // processing it again (the output key is a pure function of the input key), so an old
      // version would only cost storage.
      versioned: false,
      lifecycleRules: [{ abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'output/',
    });
    acknowledge(
      this.output,
      's3_bucket_versioning_enabled_check',
      'Thumbnails are derived data: re-uploading (or redriving) the source rewrites the same key, so old versions protect nothing.',
    );
    acknowledge(
      this.output,
      's3_bucket_object_lock_enabled_check',
      'Derived, reproducible data that is rewritten in place by design; WORM retention would make reprocessing fail.',
    );
    acknowledge(
      this.output,
      's3_event_notifications_enabled_check',
      'Nothing in this architecture reacts to new thumbnails; the upload topic is where processing starts. Add a ' +
        'notification here when a consumer of thumbnails exists.',
    );
  }
}

const privateBucket: s3.BucketProps = {
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
  enforceSSL: true,
};

function acknowledge(bucket: IConstruct, rule: string, reason: string): void {
  Validations.of(bucket).acknowledge({ id: `cdk-validator-cfnguard::${rule}`, reason });
}

function acknowledgeAccessLogBucket(bucket: s3.Bucket): void {
  const notIntoItself =
    'This bucket is the server access log destination; logging access to it into itself would log every log delivery, without end.';
  Validations.of(bucket).acknowledge({ id: 'AwsSolutions::AwsSolutions-S1', reason: notIntoItself });
  acknowledge(bucket, 's3_bucket_logging_enabled_check', notIntoItself);
  acknowledge(
    bucket,
    's3_bucket_default_encryption_kms_check',
    'Encrypted at rest with SSE-S3: S3 server access logging delivers only to buckets with S3-managed keys.',
  );
  acknowledge(
    bucket,
    's3_event_notifications_enabled_check',
    'Only S3 log delivery writes here; nothing in this architecture reacts to log objects.',
  );
  acknowledge(
    bucket,
    's3_bucket_object_lock_enabled_check',
    'Logs expire by lifecycle rule and versioning guards against overwrites; WORM retention is for compliance regimes and would ' +
      'keep the sandbox bucket from being emptied. Enable Object Lock when these logs are audit evidence.',
  );
}
