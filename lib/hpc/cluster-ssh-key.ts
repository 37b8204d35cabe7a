import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * The one SSH key pair of a cluster, with which MPI launchers start ranks on the other nodes.
 *
 * CloudFormation creates it (`AWS::EC2::KeyPair` without `PublicKeyMaterial`) and keeps the
 * private key in SSM Parameter Store as the SecureString `/ec2/keypair/<key pair id>`, deleted
 * with the stack (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-keypair.html).
 * So no private key is in any image, file or template: each node reads it at start, through a
 * role allowed to read that one parameter (`grantRead`), and derives the public key from it.
 * The same key is the nodes' SSH host key, so a node only talks to peers that hold it.
 *
 * The key is never attached to an instance (no `KeyName` in any launch template): people reach
 * nodes through SSM Session Manager, never SSH.
 */
export class ClusterSshKey extends Construct {
  public readonly keyPair: ec2.KeyPair;
  /** The SSM parameter holding the private key: `/ec2/keypair/<key pair id>`, resolved at deploy time. */
  public readonly parameterName: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.keyPair = new ec2.KeyPair(this, 'KeyPair', { type: ec2.KeyPairType.ED25519 });
    this.parameterName = this.keyPair.privateKey.parameterName;
  }

  /** Lets `grantee` read the private key parameter, and nothing else in Parameter Store. */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    // SecureString parameters under the AWS managed key aws/ssm need no kms:Decrypt statement:
    // that key's policy already lets every principal of the account decrypt through SSM
    // (https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-restrict-decryption.html).
    return this.keyPair.privateKey.grantRead(grantee);
  }
}
