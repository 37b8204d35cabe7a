import * as fs from 'node:fs';
import * as path from 'node:path';
import { CustomResource, Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { PCS_SLURM_VERSIONS, type PcsSlurmVersion } from '../config/hpc-slurm';
import { encryptedLogGroup } from '../shared/encrypted-log-group';
import type { EfaInstanceType } from './efa-instance-types';

/** The custom resource's code, shipped inline (a data file: lib/ never imports runtime code). */
export const PCS_SAMPLE_AMI_LOOKUP_FILE = path.join(__dirname, 'pcs-sample-ami', 'lookup.js');

/**
 * The name prefix of AWS's PCS sample AMI for a Slurm version and architecture:
 * `aws-pcs-sample_ami-<os>-<arch>-slurm-<version>` (https://docs.aws.amazon.com/pcs/latest/userguide/working-with_ami_samples.html;
 * the OS is al2023 from Slurm 25.11, amzn2 before it: lib/config/hpc-slurm.ts).
 */
export function pcsSampleAmiNamePrefix(slurmVersion: PcsSlurmVersion, architecture: EfaInstanceType['architecture']): string {
  return `aws-pcs-sample_ami-${PCS_SLURM_VERSIONS[slurmVersion]}-${architecture}-slurm-${slurmVersion}`;
}

export interface PcsSampleAmiProps {
  readonly slurmVersion: PcsSlurmVersion;
  readonly architecture: EfaInstanceType['architecture'];
}

/**
 * The id of the newest PCS sample AMI (the PCS agent, Slurm and the EFA software installed), found
 * at deploy time: AWS publishes no SSM parameter for these AMIs, and synth stays offline. The
 * lookup runs again only when the name prefix changes (a new Slurm version or architecture), so a
 * deploy never moves the nodes to a new AMI on its own. AWS calls these AMIs demonstrations, not
 * for production: `hpc.amiId` takes your own (docs/hpc.md).
 */
export class PcsSampleAmi extends Construct {
  public readonly imageId: string;

  constructor(scope: Construct, id: string, props: PcsSampleAmiProps) {
    super(scope, id);
    const role = new iam.Role(this, 'LookupRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Deploy-time lookup of the AWS PCS sample AMI id: ec2:DescribeImages only',
    });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['ec2:DescribeImages'], resources: ['*'] }));
    const logGroup = encryptedLogGroup(this, 'LookupLogs');
    logGroup.grantWrite(role);

    const lookup = new lambda.Function(this, 'Lookup', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline(fs.readFileSync(PCS_SAMPLE_AMI_LOOKUP_FILE, 'utf8')),
      role,
      logGroup,
      timeout: Duration.minutes(1),
      description: 'Finds the newest AWS PCS sample AMI by name (no SSM parameter exists for it)',
    });

    const resource = new CustomResource(this, 'Resource', {
      serviceToken: lookup.functionArn,
      resourceType: 'Custom::PcsSampleAmi',
      properties: { NamePrefix: pcsSampleAmiNamePrefix(props.slurmVersion, props.architecture) },
    });
    this.imageId = resource.getAttString('ImageId');

    Validations.of(role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'ec2:DescribeImages supports no resource-level permissions; it is read-only and runs once per deploy.',
    });
    const acknowledge = (ruleId: string, reason: string) => Validations.of(lookup).acknowledge({ id: ruleId, reason });
    acknowledge(
      'cdk-validator-cfnguard::lambda_inside_vpc_check',
      'A deploy-time lookup that only calls the public EC2 API once per deploy; a VPC would add endpoints or NAT and protect nothing.',
    );
    acknowledge(
      'AwsSolutions::AwsSolutions-L1',
      'nodejs22.x is pinned on purpose, like every function of this app: the inline code is tested on Node 22 (test/hpc/pcs-sample-ami.test.ts).',
    );
  }
}
