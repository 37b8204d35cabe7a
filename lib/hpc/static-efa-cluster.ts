import { Aws, Tags, Validations } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { EfaInstanceType } from './efa-instance-types';
import type { EfaFabric } from './efa-fabric';
import { EfaLaunchTemplate, readNodeScript } from './efa-launch-template';

/** The tag by which static nodes find each other for the MPI hostfile. */
export const CLUSTER_TAG_KEY = 'hpc-cluster';

export interface StaticEfaClusterProps {
  readonly fabric: EfaFabric;
  readonly instanceTypeName: string;
  readonly instance: EfaInstanceType;
  /** The fixed node count: the group's minimum, maximum and desired capacity. */
  readonly nodes: number;
  /**
   * Run the nodes on Spot capacity (an interruption stalls the whole job: for experiments only).
   * @default false
   */
  readonly spot?: boolean;
}

/**
 * A fixed set of EFA nodes, always on, for MPI jobs launched by hand or by your own scheduler:
 * an Auto Scaling group with min = max = nodes, in the fabric's one subnet and placement group.
 * At boot each node installs EFA, then writes `/etc/hpc/hostfile` listing every node that carries
 * this cluster's tag, once all of them run.
 */
export class StaticEfaCluster extends Construct {
  public readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  public readonly launchTemplate: EfaLaunchTemplate;
  public readonly role: iam.Role;
  /** The value of the `hpc-cluster` tag on every node of this cluster. */
  public readonly clusterTagValue: string;

  constructor(scope: Construct, id: string, props: StaticEfaClusterProps) {
    super(scope, id);
    this.clusterTagValue = `${Aws.STACK_NAME}-static`;

    this.role = new iam.Role(this, 'NodeRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'Static EFA node: SSM Session Manager instead of SSH, and discovery of its peers by tag',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:DescribeInstances'],
        resources: ['*'],
      }),
    );
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
      reason: 'The documented minimum for SSM Session Manager, which replaces SSH on these nodes.',
    });
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'ec2:DescribeInstances supports no resource-level permissions; it is read-only and used to find peer nodes by tag.',
    });

    const slotsPerNode = props.instance.vcpus;
    this.launchTemplate = new EfaLaunchTemplate(this, 'LaunchTemplate', {
      fabric: props.fabric,
      instance: props.instance,
      instanceType: new ec2.InstanceType(props.instanceTypeName),
      machineImage: ec2.MachineImage.latestAmazonLinux2023({
        cpuType: props.instance.architecture === 'arm64' ? ec2.AmazonLinuxCpuType.ARM_64 : ec2.AmazonLinuxCpuType.X86_64,
      }),
      role: this.role,
      spot: props.spot,
      bootScripts: [
        [
          'install -d /etc/hpc',
          'cat > /etc/hpc/cluster.env <<ENV',
          `CLUSTER_TAG_KEY=${CLUSTER_TAG_KEY}`,
          `CLUSTER_TAG_VALUE=${this.clusterTagValue}`,
          `CLUSTER_NODES=${props.nodes}`,
          `SLOTS_PER_NODE=${slotsPerNode}`,
          'ENV',
          "cat > /usr/local/bin/mpi-hostfile <<'SCRIPT'",
          readNodeScript('mpi-hostfile.sh').trimEnd(),
          'SCRIPT',
          'chmod 0755 /usr/local/bin/mpi-hostfile',
          // In the background, as a logged unit: waiting for the other nodes must not hold up boot.
          'systemd-run --unit=mpi-hostfile /usr/local/bin/mpi-hostfile',
        ].join('\n'),
      ],
    });

    this.autoScalingGroup = new autoscaling.AutoScalingGroup(this, 'Nodes', {
      vpc: props.fabric.vpc,
      vpcSubnets: { subnets: [props.fabric.subnet] },
      launchTemplate: this.launchTemplate.launchTemplate,
      // min = max: the group only replaces failed nodes, it never scales.
      minCapacity: props.nodes,
      maxCapacity: props.nodes,
    });
    // The L2 has no placement-group property; the group's own PlacementGroup field keeps every
    // replacement node in the same placement group too.
    const cfnGroup = this.autoScalingGroup.node.defaultChild as autoscaling.CfnAutoScalingGroup;
    cfnGroup.placementGroup = props.fabric.placementGroup.placementGroupName;
    Tags.of(this.autoScalingGroup).add(CLUSTER_TAG_KEY, this.clusterTagValue, { applyToLaunchedInstances: true });

    const acknowledge = (id: string, reason: string) => Validations.of(this.autoScalingGroup).acknowledge({ id, reason });
    acknowledge(
      'cdk-validator-cfnguard::autoscaling_multiple_az_check',
      'Deliberately one AZ: the nodes share a cluster placement group, which lives in one AZ, and EFA traffic does not cross subnets.',
    );
    acknowledge(
      'cdk-validator-cfnguard::autoscaling_mixed_instances_policy_multiple_instance_types_check',
      'Deliberately one instance type: MPI ranks run in lockstep, so every node of a tightly coupled job must be the same type.',
    );
    acknowledge(
      'AwsSolutions::AwsSolutions-AS3',
      'A fixed-size group (min = max) whose only scaling events are node replacements; those are in the group activity ' +
        'history and on EventBridge, which is where an operator of this reference looks.',
    );
  }
}
