import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Size, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as pcs from 'aws-cdk-lib/aws-pcs';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { LOGIN_INSTANCE_TYPES, type SlurmConfig } from '../config/hpc-slurm';
import type { EfaInstanceType } from './efa-instance-types';
import type { EfaFabric } from './efa-fabric';
import { EfaLaunchTemplate, HPC_NODE_SCRIPTS_DIR } from './efa-launch-template';
import { efaInterfaceCount } from './efa-network-interfaces';
import { PcsSampleAmi } from './pcs-sample-ami';
import type { SharedLustre } from './shared-lustre';

/** The Slurm partition jobs are submitted to: the PCS queue's name. */
export const SLURM_PARTITION = 'efa';

export interface PcsSlurmClusterProps {
  readonly fabric: EfaFabric;
  readonly instanceTypeName: string;
  readonly instance: EfaInstanceType;
  /** The compute node group's maximum: it scales from 0 to this many nodes. */
  readonly nodes: number;
  readonly slurm: SlurmConfig;
  /**
   * An AMI with the PCS agent, Slurm (of `slurm.slurmVersion`) and the EFA software.
   * @default - AWS's PCS sample AMI for the Slurm version and architecture, found at deploy time
   */
  readonly amiId?: string;
  /**
   * The shared file system, mounted at /fsx on the login and compute nodes.
   * @default - none
   */
  readonly sharedStorage?: SharedLustre;
  /**
   * Run the compute nodes on Spot capacity.
   * @default false
   */
  readonly spot?: boolean;
}

/**
 * Slurm on AWS Parallel Computing Service: PCS runs the Slurm controller (in its own account, with
 * an interface in the cluster subnet) and launches the nodes in this account.
 *
 * - One PCS cluster in the fabric's subnet and security group.
 * - A compute node group on the EFA launch template (its LatestVersionNumber, so a template
 *   change reaches new nodes), in the one subnet and, through the template, the one cluster
 *   placement group; from 0 nodes (nothing runs while no job waits) to `nodes`.
 * - One queue (the Slurm partition `efa`) on that group.
 * - A login node group of one small instance without EFA, reached through SSM Session Manager
 *   (nothing is allowed in from outside the group).
 * - Before slurmd starts, each node runs the fabric check (compute) and mounts /fsx (both) as node
 *   lifecycle actions, scripts PCS fetches from S3 and checks by SHA-256; a node whose script
 *   fails is terminated (OnError TERMINATE), so it never takes a job.
 */
export class PcsSlurmCluster extends Construct {
  public readonly cluster: pcs.CfnCluster;
  public readonly computeNodeGroup: pcs.CfnComputeNodeGroup;
  public readonly loginNodeGroup: pcs.CfnComputeNodeGroup;
  public readonly queue: pcs.CfnQueue;
  public readonly nodeRole: iam.Role;
  public readonly computeLaunchTemplate: EfaLaunchTemplate;
  public readonly loginLaunchTemplate: ec2.LaunchTemplate;
  /** The AMI both node groups boot. */
  public readonly amiId: string;

  constructor(scope: Construct, id: string, props: PcsSlurmClusterProps) {
    super(scope, id);
    const { fabric, instance, slurm } = props;

    // PCS accepts only an instance profile whose role is on the path /aws-pcs/ or named AWSPCS...,
    // and the role needs pcs:RegisterComputeNodeGroupInstance, which the AWS managed policy
    // AWSPCSComputeNodePolicy grants (https://docs.aws.amazon.com/pcs/latest/userguide/security-instance-profiles_create.html;
    // https://docs.aws.amazon.com/pcs/latest/userguide/security-iam-awsmanpol.html). The path
    // keeps the name CloudFormation's to generate, so two stacks never clash.
    this.nodeRole = new iam.Role(this, 'NodeRole', {
      path: '/aws-pcs/',
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'AWS PCS node: register with the cluster, SSM Session Manager, read its boot scripts',
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('AWSPCSComputeNodePolicy'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'),
      ],
    });
    const instanceProfile = new iam.InstanceProfile(this, 'NodeInstanceProfile', { role: this.nodeRole, path: '/aws-pcs/' });
    Validations.of(this.nodeRole).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AWSPCSComputeNodePolicy]',
      reason:
        'The policy AWS PCS documents for its nodes: pcs:RegisterComputeNodeGroupInstance, which every node calls to join its cluster.',
    });
    Validations.of(this.nodeRole).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
      reason: 'The documented minimum for SSM Session Manager, which replaces SSH to the login node.',
    });

    this.amiId =
      props.amiId ?? new PcsSampleAmi(this, 'SampleAmi', { slurmVersion: slurm.slurmVersion, architecture: instance.architecture }).imageId;

    // PCS keeps the controller; its interface in the cluster subnet carries the fabric group, whose
    // all-traffic rules to and from itself reach every node (PcsSlurmCluster ports: docs/hpc.md).
    this.cluster = new pcs.CfnCluster(this, 'Cluster', {
      size: slurm.clusterSize,
      scheduler: { type: 'SLURM', version: slurm.slurmVersion },
      networking: { subnetIds: [fabric.subnet.subnetId], securityGroupIds: [fabric.securityGroup.securityGroupId] },
    });

    const fabricCheck = this.lifecycleScript('FabricCheck', 'install-efa.sh', [
      '--on-fabric-failure',
      'exit',
      '--efa-interfaces',
      String(efaInterfaceCount(instance)),
    ]);
    const mountShared =
      props.sharedStorage === undefined
        ? []
        : [this.lifecycleScript('MountLustre', 'mount-lustre.sh', props.sharedStorage.mountArguments())];

    // Compute: EFA interfaces in the one subnet and group, the placement group in the template
    // (PCS node groups have no placement setting of their own; AWS's PCS EFA recipe,
    // recipes/pcs/enable_efa/assets/pcs-lt-efa.yaml, sets it the same way). No user data: the
    // boot scripts run as lifecycle actions, whose failure PCS acts on.
    this.computeLaunchTemplate = new EfaLaunchTemplate(this, 'ComputeLaunchTemplate', {
      fabric,
      instance,
      placementGroup: fabric.placementGroup,
      bootInUserData: false,
    });
    this.computeNodeGroup = new pcs.CfnComputeNodeGroup(this, 'ComputeNodes', {
      clusterId: this.cluster.attrId,
      name: 'compute',
      scalingConfiguration: { minInstanceCount: 0, maxInstanceCount: props.nodes },
      iamInstanceProfileArn: instanceProfile.instanceProfileArn,
      // LatestVersionNumber, not a fixed version: a template change is then a changed property
      // (`Version` is required: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-pcs-computenodegroup-customlaunchtemplate.html).
      customLaunchTemplate: {
        templateId: this.computeLaunchTemplate.launchTemplate.launchTemplateId!,
        version: this.computeLaunchTemplate.launchTemplate.versionNumber,
      },
      instanceConfigs: [{ instanceType: props.instanceTypeName }],
      subnetIds: [fabric.subnet.subnetId],
      amiId: this.amiId,
      purchaseOption: props.spot ? 'SPOT' : 'ONDEMAND',
      nodeLifecycleActions: { stages: { nodeBootstrapped: [fabricCheck, ...mountShared] } },
    });

    this.loginLaunchTemplate = new ec2.LaunchTemplate(this, 'LoginLaunchTemplate', {
      // No network interfaces, so the group goes at the template's top level.
      securityGroup: fabric.securityGroup,
      requireImdsv2: true,
      httpPutResponseHopLimit: 1,
      detailedMonitoring: true,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(Size.gibibytes(64).toGibibytes(), {
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            encrypted: true,
            deleteOnTermination: true,
          }),
        },
      ],
    });
    this.loginNodeGroup = new pcs.CfnComputeNodeGroup(this, 'LoginNodes', {
      clusterId: this.cluster.attrId,
      name: 'login',
      scalingConfiguration: { minInstanceCount: 1, maxInstanceCount: 1 },
      iamInstanceProfileArn: instanceProfile.instanceProfileArn,
      customLaunchTemplate: {
        templateId: this.loginLaunchTemplate.launchTemplateId!,
        version: this.loginLaunchTemplate.versionNumber,
      },
      instanceConfigs: [{ instanceType: LOGIN_INSTANCE_TYPES[instance.architecture] }],
      subnetIds: [fabric.subnet.subnetId],
      amiId: this.amiId,
      purchaseOption: 'ONDEMAND',
      nodeLifecycleActions: mountShared.length > 0 ? { stages: { nodeBootstrapped: mountShared } } : undefined,
    });

    this.queue = new pcs.CfnQueue(this, 'Queue', {
      clusterId: this.cluster.attrId,
      name: SLURM_PARTITION,
      computeNodeGroupConfigurations: [{ computeNodeGroupId: this.computeNodeGroup.attrId }],
    });
  }

  /**
   * A node lifecycle action running one script of hpc-node/. The script is an S3 asset the nodes'
   * role may read; PCS checks its SHA-256 before running it, and terminates a node whose script
   * fails (OnError TERMINATE), before slurmd starts (AWS::PCS::ComputeNodeGroup NodeLifecycleActions:
   * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-pcs-computenodegroup.html).
   */
  private lifecycleScript(id: string, fileName: string, args: string[]): pcs.CfnComputeNodeGroup.NodeLifecycleScriptProperty {
    const file = path.join(HPC_NODE_SCRIPTS_DIR, fileName);
    const asset = new s3assets.Asset(this, `${id}Script`, { path: file });
    // That one object, nothing else of the assets bucket (grantRead would allow List* and every key).
    this.nodeRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [asset.bucket.arnForObjects(asset.s3ObjectKey)] }),
    );
    return {
      name: id,
      scriptSource: {
        scriptLocation: asset.s3ObjectUrl,
        checksum: crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex'),
      },
      arguments: args,
      onError: 'TERMINATE',
      executionPolicy: 'FIRST_BOOT_ONLY',
    };
  }
}
