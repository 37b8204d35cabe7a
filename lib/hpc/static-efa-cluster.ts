import { ArnFormat, Aws, Stack, Tags, Validations } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { ClusterSshKey } from './cluster-ssh-key';
import type { EfaInstanceType } from './efa-instance-types';
import type { EfaFabric } from './efa-fabric';
import { EfaLaunchTemplate, readNodeScript } from './efa-launch-template';
import type { SharedLustre } from './shared-lustre';

/** The tag by which static nodes find each other for the MPI hostfile. */
export const CLUSTER_TAG_KEY = 'hpc-cluster';

/** The user MPI jobs run as on Amazon Linux 2023 and on the Deep Learning AMIs built on it. */
export const STATIC_MPI_USER = 'ec2-user';

/**
 * The Deep Learning Base OSS NVIDIA Driver GPU AMI (Amazon Linux 2023), which ships the NVIDIA
 * driver, CUDA and the EFA software. AWS publishes its id under this SSM parameter
 * (https://docs.aws.amazon.com/dlami/latest/devguide/find-dlami-id.html); the AMI is resolved at
 * deploy time, so synth stays offline.
 */
export function deepLearningGpuAmiParameter(architecture: EfaInstanceType['architecture']): string {
  return `/aws/service/deeplearning/ami/${architecture}/base-oss-nvidia-driver-gpu-amazon-linux-2023/latest/ami-id`;
}

export interface StaticEfaClusterProps {
  readonly fabric: EfaFabric;
  readonly instanceTypeName: string;
  readonly instance: EfaInstanceType;
  /** The fixed node count: the group's minimum, maximum and desired capacity. */
  readonly nodes: number;
  /** The cluster's SSH key: the nodes' role may read its parameter. */
  readonly sshKey: ClusterSshKey;
  /**
   * The nodes' AMI.
   * @default - Amazon Linux 2023 for CPU types; for GPU types the Deep Learning Base OSS NVIDIA
   * Driver GPU AMI (Amazon Linux 2023), which has the NVIDIA driver plain AL2023 lacks. Both are
   * resolved from SSM at each deploy.
   */
  readonly machineImage?: ec2.IMachineImage;
  /**
   * Run the nodes on Spot capacity (an interruption stalls the whole job: for experiments only).
   * @default false
   */
  readonly spot?: boolean;
  /**
   * The shared file system, mounted at /fsx before a node joins; a node that cannot mount it
   * marks itself Unhealthy and is replaced.
   * @default - none
   */
  readonly sharedStorage?: SharedLustre;
}

/**
 * A fixed set of EFA nodes, always on, for MPI jobs launched by hand or by your own scheduler:
 * an Auto Scaling group with min = max = nodes, in the fabric's one subnet and placement group.
 * At boot each node passes the fabric gate (or marks itself Unhealthy and is replaced), sets up
 * the cluster SSH key from SSM, then writes `/etc/hpc/hostfile` listing every node that is ready.
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
      description: 'Static EFA node: SSM Session Manager, peer discovery by tag, the cluster SSH key, its own health',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['ec2:DescribeInstances'], resources: ['*'] }));
    props.sshKey.grantRead(this.role);
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
      reason: 'The documented minimum for SSM Session Manager, which replaces SSH on these nodes.',
    });
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'ec2:DescribeInstances supports no resource-level permissions; it is read-only and used to find peer nodes by tag.',
    });

    // One MPI rank per physical core (VCpuInfo.DefaultCores), not per vCPU: hyperthreads of one
    // core share its floating-point units (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VCpuInfo.html).
    const slotsPerNode = props.instance.defaultCores;
    const machineImage =
      props.machineImage ??
      (props.instance.gpus > 0
        ? ec2.MachineImage.fromSsmParameter(deepLearningGpuAmiParameter(props.instance.architecture))
        : ec2.MachineImage.latestAmazonLinux2023({
            cpuType: props.instance.architecture === 'arm64' ? ec2.AmazonLinuxCpuType.ARM_64 : ec2.AmazonLinuxCpuType.X86_64,
          }));
    const installScript = (name: string, source: string) => [
      `cat > /usr/local/bin/${name} <<'SCRIPT'`,
      readNodeScript(source).trimEnd(),
      'SCRIPT',
      `chmod 0755 /usr/local/bin/${name}`,
    ];

    this.launchTemplate = new EfaLaunchTemplate(this, 'LaunchTemplate', {
      fabric: props.fabric,
      instance: props.instance,
      instanceType: new ec2.InstanceType(props.instanceTypeName),
      machineImage,
      role: this.role,
      spot: props.spot,
      onFabricFailure: 'mark-unhealthy',
      bootScripts: [
        ...(props.sharedStorage ? [props.sharedStorage.bootScript('mark-unhealthy')] : []),
        [
          'install -d /etc/hpc',
          'cat > /etc/hpc/cluster.env <<ENV',
          `CLUSTER_TAG_KEY=${CLUSTER_TAG_KEY}`,
          `CLUSTER_TAG_VALUE=${this.clusterTagValue}`,
          `CLUSTER_NODES=${props.nodes}`,
          `SLOTS_PER_NODE=${slotsPerNode}`,
          `HPC_SSH_KEY_PARAMETER=${props.sshKey.parameterName}`,
          `HPC_MPI_USER=${STATIC_MPI_USER}`,
          ...(props.sharedStorage ? [`HPC_SHARED_STORAGE=${props.sharedStorage.mountPoint}`] : []),
          'ENV',
          ...installScript('mpi-hostfile', 'mpi-hostfile.sh'),
          ...installScript('hpc-mpirun', 'hpc-mpirun.sh'),
          readNodeScript('static-node.sh'),
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
      // A launch template change (a new AMI resolved at deploy, a new boot script) replaces every
      // node in one batch. Without an update policy existing instances keep the old template
      // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatepolicy.html),
      // and an MPI cluster of mixed AMIs is not one cluster. One batch: every node is replaced together.
      updatePolicy: autoscaling.UpdatePolicy.rollingUpdate({ maxBatchSize: props.nodes, minInstancesInService: 0 }),
    });
    // The L2 has no placement-group property; the group's own PlacementGroup field keeps every
    // replacement node in the same placement group too.
    const cfnGroup = this.autoScalingGroup.node.defaultChild as autoscaling.CfnAutoScalingGroup;
    cfnGroup.placementGroup = props.fabric.placementGroup.placementGroupName;
    Tags.of(this.autoScalingGroup).add(CLUSTER_TAG_KEY, this.clusterTagValue, { applyToLaunchedInstances: true });

    // A node whose fabric check fails marks itself Unhealthy so the group replaces it
    // (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_SetInstanceHealth.html).
    // The permission names this group alone; it is a policy of its own, because the launch
    // template waits for the role's default policy and the group for the template.
    const markSelfUnhealthy = new iam.Policy(this, 'MarkSelfUnhealthy', {
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          actions: ['autoscaling:SetInstanceHealth'],
          resources: [
            Stack.of(this).formatArn({
              service: 'autoscaling',
              resource: 'autoScalingGroup',
              resourceName: `*:autoScalingGroupName/${this.autoScalingGroup.autoScalingGroupName}`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        }),
      ],
    });
    Validations.of(markSelfUnhealthy).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:autoscaling:<AWS::Region>:<AWS::AccountId>:autoScalingGroup:*:autoScalingGroupName/<StaticNodesASG82C93506>]',
      reason:
        "The one wildcard is the group's id, which CloudFormation does not return; the ARN names this cluster's group, " +
        'and autoscaling:SetInstanceHealth on it is all a node needs to have a node with a failed fabric check replaced.',
    });

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
