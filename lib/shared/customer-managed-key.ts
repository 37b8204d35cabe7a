import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface CustomerManagedKeyProps {
  readonly description: string;
  /**
   * What happens to the key when the stack goes. Keep (RETAIN) the key of any data that
   * outlives the stack, or that data becomes unreadable.
   * @default RemovalPolicy.DESTROY (deleted after KMS's waiting period)
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A customer managed KMS key, rotated yearly. Customer managed rather than AWS managed because
 * only a key policy we write can let AWS services (S3, SNS, CloudWatch Logs) use the key on
 * behalf of exactly our resources.
 *
 * Grants let a principal use a key without a key policy change, so only AWS services acting for
 * a resource of this account may create them (AWS Control Tower CT.KMS.PR.3).
 */
export function customerManagedKey(scope: Construct, id: string, props: CustomerManagedKeyProps): kms.Key {
  const key = new kms.Key(scope, id, {
    description: props.description,
    enableKeyRotation: true,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
  });
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
    }),
  );
  return key;
}
