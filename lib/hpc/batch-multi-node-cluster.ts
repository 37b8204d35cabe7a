import * as path from 'node:path';
import { Duration, Size, Validations } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { encryptedLogGroup } from '../shared/encrypted-log-group';
import type { EfaInstanceType } from './efa-instance-types';
import type { EfaFabric } from './efa-fabric';
import { efaInterfaceCount } from './efa-network-interfaces';

/** The job container's build context (a data directory: lib/ never imports runtime code). */
export const HPC_JOB_IMAGE_DIR = path.join(__dirname, '..', '..', 'hpc-job');

export interface BatchMultiNodeClusterProps {
  readonly fabric: EfaFabric;
  readonly launchTemplate: ec2.ILaunchTemplate;
  readonly instanceTypeName: string;
  readonly instance: EfaInstanceType;
  /** Nodes per job: every node of a multi-node parallel job is one whole instance. */
  readonly nodes: number;
  /**
   * How long one job may run before Batch stops it.
   * @default Duration.hours(1)
   */
  readonly jobTimeout?: Duration;
}

/**
 * AWS Batch multi-node parallel (MNP) jobs: Batch launches all the job's nodes together into
 * the placement group, starts one container per node, tells each container the main node's
 * address, and releases the instances when the job ends. The compute environment scales from
 * zero vCPUs, so an idle cluster costs nothing for compute.
 */
export class BatchMultiNodeCluster extends Construct {
  public readonly computeEnvironment: batch.ManagedEc2EcsComputeEnvironment;
  public readonly jobQueue: batch.JobQueue;
  public readonly jobDefinition: batch.MultiNodeJobDefinition;
  public readonly jobLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: BatchMultiNodeClusterProps) {
    super(scope, id);
    const { instance } = props;
    const gpuNodes = instance.gpus > 0;

    const instanceRole = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'EFA cluster node: ECS agent for AWS Batch, and SSM Session Manager instead of SSH',
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonEC2ContainerServiceforEC2Role'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'),
      ],
    });
    Validations.of(instanceRole).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role]',
      reason: 'The instance policy AWS Batch documents for the ECS agent on its nodes; AWS keeps it in step with the agent.',
    });
    Validations.of(instanceRole).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
      reason: 'The documented minimum for SSM Session Manager, which replaces SSH on the nodes.',
    });

    this.computeEnvironment = new batch.ManagedEc2EcsComputeEnvironment(this, 'ComputeEnvironment', {
      vpc: props.fabric.vpc,
      vpcSubnets: { subnets: [props.fabric.subnet] },
      // The fabric's one group, here too: multi-node parallel containers run in awsvpc mode and
      // take the compute environment's groups, so MPI's TCP side (and the job's SSH on port
      // 2222) must be allowed by the same self-referencing group as EFA. Naming none would fall
      // back to the VPC's default group, whose rules FlowLoggedVpc removes.
      securityGroups: [props.fabric.securityGroup],
      placementGroup: props.fabric.placementGroup,
      launchTemplate: props.launchTemplate,
      instanceRole,
      instanceTypes: [new ec2.InstanceType(props.instanceTypeName)],
      useOptimalInstanceClasses: false,
      images: [{ imageType: gpuNodes ? batch.EcsMachineImageType.ECS_AL2023_NVIDIA : batch.EcsMachineImageType.ECS_AL2023 }],
      // On-demand only: multi-node parallel jobs cannot run on Spot capacity.
      spot: false,
      minvCpus: 0,
      maxvCpus: props.nodes * instance.vcpus,
      allocationStrategy: batch.AllocationStrategy.BEST_FIT_PROGRESSIVE,
    });

    this.jobQueue = new batch.JobQueue(this, 'JobQueue', {
      computeEnvironments: [{ computeEnvironment: this.computeEnvironment, order: 1 }],
    });

    this.jobLogGroup = encryptedLogGroup(this, 'JobLogs');

    const image = new ecrAssets.DockerImageAsset(this, 'FabricCheckImage', {
      directory: HPC_JOB_IMAGE_DIR,
      platform: instance.architecture === 'arm64' ? ecrAssets.Platform.LINUX_ARM64 : ecrAssets.Platform.LINUX_AMD64,
    });

    const linuxParameters = new batch.LinuxParameters(this, 'LinuxParameters', {
      // MPI ranks on one node exchange data through /dev/shm; Docker's 64 MiB default is too small.
      sharedMemorySize: Size.gibibytes(8),
      initProcessEnabled: true,
    });
    // One uverbs device per EFA interface: the container talks to the EFA hardware directly.
    // No explicit permissions: Batch then grants read, write and mknod, all that EFA needs.
    // (aws-cdk-lib's DevicePermission renders lowercase, the Batch API documents uppercase.)
    linuxParameters.addDevices(
      ...Array.from({ length: efaInterfaceCount(instance) }, (_, index) => ({
        hostPath: `/dev/infiniband/uverbs${index}`,
        containerPath: `/dev/infiniband/uverbs${index}`,
      })),
    );

    const container = new batch.EcsEc2ContainerDefinition(this, 'FabricCheckContainer', {
      image: ecs.ContainerImage.fromDockerImageAsset(image),
      // Every vCPU of the node, so each node of the job owns one whole instance.
      cpu: instance.vcpus,
      // Leave a tenth of the memory for the OS and the ECS agent, or the job never gets placed.
      memory: Size.mebibytes(Math.floor(instance.memoryMiB * 0.9)),
      gpu: gpuNodes ? instance.gpus : undefined,
      linuxParameters,
      // EFA registers (pins) memory for RDMA: the locked-memory limit must be unlimited.
      ulimits: [{ name: batch.UlimitName.MEMLOCK, softLimit: -1, hardLimit: -1 }],
      command: ['/opt/hpc-job/mnp-run.sh'],
      environment: { EFA_INTERFACES_PER_NODE: String(efaInterfaceCount(instance)) },
      logging: ecs.LogDriver.awsLogs({ logGroup: this.jobLogGroup, streamPrefix: 'fabric-check' }),
    });

    this.jobDefinition = new batch.MultiNodeJobDefinition(this, 'FabricCheckJob', {
      mainNode: 0,
      containers: [{ startNode: 0, endNode: props.nodes - 1, container }],
      propagateTags: true,
      timeout: props.jobTimeout ?? Duration.hours(1),
    });

    Validations.of(container.executionRole).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'The only wildcard is ecr:GetAuthorizationToken, which has no resource-level permissions; image pulls are scoped to the ' +
        'asset repository and log writes to this job log group.',
    });
  }
}
