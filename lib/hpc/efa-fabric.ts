import { Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

export interface EfaFabricProps {
  readonly vpc: ec2.IVpc;
  /**
   * Where the cluster runs. The selection must resolve to exactly one subnet.
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
}

/**
 * The three things that make a set of EFA instances one fabric, and that the whole cluster shares:
 * - ONE subnet, so ONE Availability Zone. EFA's OS-bypass traffic (SRD over the fabric) is not
 *   IP-routable: it only reaches interfaces in the same subnet.
 * - ONE security group that allows all traffic from itself AND to itself. EFA checks both
 *   directions; an inbound-only rule lets TCP through but the fabric traffic is dropped.
 * - ONE cluster placement group, which packs the nodes close together inside that one AZ for
 *   the lowest latency and full bisection bandwidth.
 */
export class EfaFabric extends Construct {
  public readonly vpc: ec2.IVpc;
  public readonly subnet: ec2.ISubnet;
  public readonly securityGroup: ec2.SecurityGroup;
  public readonly placementGroup: ec2.PlacementGroup;

  constructor(scope: Construct, id: string, props: EfaFabricProps) {
    super(scope, id);
    this.vpc = props.vpc;
    this.subnet = selectExactlyOneSubnet(props.vpc, props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'EFA cluster: all traffic to and from itself; HTTPS out to AWS APIs; nothing else',
      allowAllOutbound: false,
    });
    this.securityGroup.addIngressRule(this.securityGroup, ec2.Port.allTraffic(), 'EFA and MPI: all traffic from cluster members');
    this.securityGroup.addEgressRule(this.securityGroup, ec2.Port.allTraffic(), 'EFA and MPI: all traffic to cluster members');
    // The only other traffic the nodes start: HTTPS to AWS APIs (Batch/ECS agent, ECR, S3,
    // CloudWatch Logs, SSM Session Manager) and the EFA installer. DNS, NTP and instance
    // metadata are link-local and never pass through a security group.
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS service endpoints');

    this.placementGroup = new ec2.PlacementGroup(this, 'PlacementGroup', {
      strategy: ec2.PlacementGroupStrategy.CLUSTER,
    });
  }
}

function selectExactlyOneSubnet(vpc: ec2.IVpc, selection: ec2.SubnetSelection): ec2.ISubnet {
  const { subnets } = vpc.selectSubnets(selection);
  if (subnets.length !== 1) {
    const where = subnets.map((subnet) => (Token.isUnresolved(subnet.availabilityZone) ? subnet.node.path : subnet.availabilityZone));
    throw new Error(
      `EfaFabric: the subnet selection must resolve to exactly one subnet, but it resolved to ${subnets.length}` +
        (where.length > 0 ? ` (${where.join(', ')})` : '') +
        '. EFA traffic is not routable between subnets, and a cluster placement group lives in one Availability Zone.',
    );
  }
  return subnets[0];
}
