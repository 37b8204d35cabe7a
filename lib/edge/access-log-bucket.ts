import { Duration, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { cfnResourceOf } from './cfn-resource';

export interface AccessLogBucketProps {
  /**
   * How long access logs are kept.
   * @default Duration.days(365)
   */
  readonly retention?: Duration;
}

/**
 * Receives the distribution's standard logs and the content bucket's server access logs.
 *
 * CloudFront standard logging writes with an ACL grant to its log delivery account, so this
 * bucket keeps ACLs enabled (BUCKET_OWNER_PREFERRED) and uses S3-managed keys; every other
 * bucket of the stack has ACLs off.
 */
export class AccessLogBucket extends Construct {
  public readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: AccessLogBucketProps = {}) {
    super(scope, id);
    const retention = props.retention ?? Duration.days(365);
    this.bucket = new s3.Bucket(this, 'LogBucket', {
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      lifecycleRules: [
        {
          expiration: retention,
          // Versioning guards the logs against overwrites; old versions go with the logs.
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });

    const logs = Validations.of(cfnResourceOf(this.bucket));
    logs.acknowledge({
      id: 'cdk-validator-cfnguard::s3_bucket_default_encryption_kms_check',
      reason:
        'Encrypted at rest with SSE-S3: two AWS log delivery services write here (CloudFront standard logs, S3 server access logs), ' +
        'and S3-managed keys need no key policy that trusts them.',
    });
    logs.acknowledge({
      id: 'cdk-validator-cfnguard::s3_bucket_logging_enabled_check',
      reason: 'This is the access log bucket: logging it into itself would log its own log deliveries without end.',
    });
    logs.acknowledge({
      id: 'cdk-validator-cfnguard::s3_event_notifications_enabled_check',
      reason: 'Only AWS log delivery writes here, many small objects a day; nothing in this architecture reacts to them.',
    });
    logs.acknowledge({
      id: 'cdk-validator-cfnguard::s3_bucket_object_lock_enabled_check',
      reason:
        'Logs expire by lifecycle rule and versioning guards against overwrites; WORM retention is for compliance regimes and would ' +
        'keep the sandbox bucket from being emptied. Enable Object Lock when the logs are audit evidence.',
    });
  }
}
