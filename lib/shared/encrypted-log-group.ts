import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { customerManagedKey } from './customer-managed-key';

const LOG_KEY_ID = 'LogEncryptionKey';

/**
 * The stack's one customer managed key for CloudWatch Logs, created on first use. One key per
 * stack keeps the cost at one key however many log groups there are.
 */
export function logEncryptionKey(scope: Construct): kms.Key {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild(LOG_KEY_ID);
  if (existing instanceof kms.Key) return existing;

  const key = customerManagedKey(stack, LOG_KEY_ID, { description: `Encrypts the CloudWatch Logs of ${stack.stackName}` });
  // CloudWatch Logs uses the key on behalf of this account's log groups in this region only.
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*` },
      },
    }),
  );
  return key;
}

export interface EncryptedLogGroupProps {
  /**
   * How long entries are kept. A year is the least that audit controls (AWS Control Tower
   * CT.CLOUDWATCH.PR.2) accept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly retention?: logs.RetentionDays;
}

/** A log group encrypted with the stack's log key, kept a year, deleted with the stack. */
export function encryptedLogGroup(scope: Construct, id: string, props: EncryptedLogGroupProps = {}): logs.LogGroup {
  return new logs.LogGroup(scope, id, {
    encryptionKey: logEncryptionKey(scope),
    retention: props.retention ?? logs.RetentionDays.ONE_YEAR,
    removalPolicy: RemovalPolicy.DESTROY,
  });
}
