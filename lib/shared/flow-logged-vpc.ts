import { Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { encryptedLogGroup } from './encrypted-log-group';

export interface FlowLoggedVpcProps {
  /**
   * The AZs to use, by name. Pinning names requires a stack whose region is known.
   * @default - the first `maxAzs` AZs of the stack's region, resolved at deploy time
   */
  readonly availabilityZones?: string[];
  /**
   * How many AZs to span when `availabilityZones` is not given.
   * @default 1
   */
  readonly maxAzs?: number;
  /**
   * How long flow logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly flowLogRetention?: logs.RetentionDays;
}

/**
 * A VPC with one public subnet (for a single NAT gateway) and one private subnet per AZ, and
 * every flow (accepted and rejected) logged to CloudWatch Logs. Workloads run in the private
 * subnets: nothing in them has a public address.
 */
export class FlowLoggedVpc extends Construct {
  public readonly vpc: ec2.Vpc;
  public readonly flowLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: FlowLoggedVpcProps = {}) {
    super(scope, id);
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr('10.0.0.0/16'),
      ...(props.availabilityZones ? { availabilityZones: props.availabilityZones } : { maxAzs: props.maxAzs ?? 1 }),
      // One NAT gateway: the private nodes reach AWS APIs and package repositories through it.
      // A sandbox does not need one per AZ; production would (see README).
      natGateways: 1,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
      ],
      restrictDefaultSecurityGroup: true,
    });
    // S3 traffic (container layers from ECR, package repositories, job data) skips the NAT gateway.
    this.vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });

    this.flowLogGroup = encryptedLogGroup(this, 'FlowLogs', { retention: props.flowLogRetention });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
    acknowledgeRestrictDefaultSecurityGroupHandler(this);
  }
}

/**
 * `restrictDefaultSecurityGroup` strips the default security group's rules through a custom
 * resource whose handler aws-cdk-lib creates once per stack.
 */
function acknowledgeRestrictDefaultSecurityGroupHandler(scope: Construct): void {
  const provider = Stack.of(scope).node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider');
  if (provider === undefined) return;
  Validations.of(provider).acknowledge({
    id: 'cdk-validator-cfnguard::lambda_inside_vpc_check',
    reason:
      'aws-cdk-lib runs this handler once per deployment to remove the default security group rules; it only calls the EC2 API, ' +
      'reaches nothing inside the VPC, and running it inside the VPC would make it depend on the NAT gateway it is configuring around.',
  });
}
