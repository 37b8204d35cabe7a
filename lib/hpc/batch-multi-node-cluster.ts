import * as path from 'node:path';
import { Aws, Duration, Size, Validations } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { encryptedLogGroup } from '../shared/encrypted-log-group';
import type { ClusterSshKey } from './cluster-ssh-key';
import type { EfaInstanceType } from './efa-instance-types';
import type { EfaFabric } from './efa-fabric';
import { efaInterfaceCount } from './efa-network-interfaces';
import type { SharedLustre } from './shared-lustre';

/** The job container's build context (a data directory: lib/ never imports runtime code). */
export const HPC_JOB_IMAGE_DIR = path.join(__dirname, '..', '..', 'hpc-job');

/** What a job runs when the submission names nothing else: the fabric check built into the image. */
export const DEFAULT_MPI_PROGRAM = '/opt/hpc-job/bin/mpi-fabric-check';

export interface BatchMultiNodeClusterProps {
  readonly fabric: EfaFabric;
  readonly launchTemplate: ec2.ILaunchTemplate;
  readonly instanceTypeName: string;
  readonly instance: EfaInstanceType;
  /** Nodes per job: every node of a multi-node parallel job is one whole instance. */
  readonly nodes: number;
  /** The cluster's SSH key: the job role may read its parameter, and nothing else. */
  readonly sshKey: ClusterSshKey;
  /**
   * An AMI with the EFA software preinstalled, built on the ECS-optimized Amazon Linux 2023 AMI
   * (its NVIDIA variant for GPU types).
   * @default - the ECS-optimized Amazon Linux 2023 AMI AWS Batch picks for the image type
   */
  readonly machineImage?: ec2.IMachineImage;
  /**
   * The shared file system: the hosts mount it (their launch template's boot script), and every
   * job container sees the host's mount at the same path.
   * @default - none
   */
  readonly sharedStorage?: SharedLustre;
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

    const imageType = gpuNodes ? batch.EcsMachineImageType.ECS_AL2023_NVIDIA : batch.EcsMachineImageType.ECS_AL2023;
    this.computeEnvironment = new batch.ManagedEc2EcsComputeEnvironment(this, 'ComputeEnvironment', {
      vpc: props.fabric.vpc,
      vpcSubnets: { subnets: [props.fabric.subnet] },
      // An empty list only stops the L2 from creating a group of its own; the property itself is
      // deleted below, because the launch template's interfaces carry the groups.
      securityGroups: [],
      placementGroup: props.fabric.placementGroup,
      launchTemplate: props.launchTemplate,
      instanceRole,
      instanceTypes: [new ec2.InstanceType(props.instanceTypeName)],
      useOptimalInstanceClasses: false,
      images: [{ imageType, image: props.machineImage }],
      // On-demand only: multi-node parallel jobs cannot run on Spot capacity
      // (https://docs.aws.amazon.com/batch/latest/userguide/mnp-ce.html).
      spot: false,
      minvCpus: 0,
      maxvCpus: props.nodes * instance.vcpus,
      // BEST_FIT_PROGRESSIVE (not BEST_FIT) and the default service-linked role are what let a
      // launch template change reach the nodes as an in-place infrastructure update
      // (https://docs.aws.amazon.com/batch/latest/userguide/updating-compute-environments.html).
      allocationStrategy: batch.AllocationStrategy.BEST_FIT_PROGRESSIVE,
    });
    const cfnComputeEnvironment = this.computeEnvironment.node.defaultChild as batch.CfnComputeEnvironment;
    // Batch refuses compute environment security groups beside launch template network
    // interfaces: "Either compute environment Security Groups or Network Interfaces in Launch
    // template are exclusively allowed" (https://github.com/aws/aws-cdk/issues/21577). The
    // property is removed, not sent empty: on an update an empty list means "remove the groups"
    // (https://docs.aws.amazon.com/batch/latest/APIReference/API_ComputeResourceUpdate.html).
    // The EFA interfaces carry the fabric group; the job containers get the VPC's default group
    // (JobContainerNetwork).
    cfnComputeEnvironment.addPropertyDeletionOverride('ComputeResources.SecurityGroupIds');
    // Name the template's version, and name it by LatestVersionNumber: without a version Batch
    // takes $Default and keeps the version it resolved at creation, so a later template change
    // would never reach the nodes; a new number is a changed property, which CloudFormation sends
    // to Batch as an infrastructure update
    // (https://docs.aws.amazon.com/batch/latest/APIReference/API_LaunchTemplateSpecification.html;
    // AWS ParallelCluster passes the same attribute: aws/aws-parallelcluster
    // cli/src/pcluster/templates/awsbatch_builder.py).
    cfnComputeEnvironment.addPropertyOverride('ComputeResources.LaunchTemplate.Version', props.launchTemplate.versionNumber);

    this.jobQueue = new batch.JobQueue(this, 'JobQueue', {
      computeEnvironments: [{ computeEnvironment: this.computeEnvironment, order: 1 }],
    });

    this.jobLogGroup = encryptedLogGroup(this, 'JobLogs');

    const image = new ecrAssets.DockerImageAsset(this, 'JobImage', {
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

    // The job's own identity (the ECS task role): it may read the cluster SSH key parameter and
    // nothing else. The container reaches its credentials through ecs-eth0 (169.254.170.2).
    const jobRole = new iam.Role(this, 'JobRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'MPI job containers: read the cluster SSH key parameter at job start, nothing else',
    });
    props.sshKey.grantRead(jobRole);

    const container = new batch.EcsEc2ContainerDefinition(this, 'MpiContainer', {
      image: ecs.ContainerImage.fromDockerImageAsset(image),
      // Every vCPU of the node, so each node of the job owns one whole instance.
      cpu: instance.vcpus,
      // Leave a tenth of the memory for the OS and the ECS agent, or the job never gets placed.
      memory: Size.mebibytes(Math.floor(instance.memoryMiB * 0.9)),
      gpu: gpuNodes ? instance.gpus : undefined,
      linuxParameters,
      // EFA registers (pins) memory for RDMA: the locked-memory limit must be unlimited.
      ulimits: [{ name: batch.UlimitName.MEMLOCK, softLimit: -1, hardLimit: -1 }],
      jobRole,
      // The program to run over MPI is the job parameter `program` (Batch substitutes Ref::program
      // from the submission's --parameters, else from the default below); a submission can also
      // replace the whole command through node overrides. docs/hpc.md shows both.
      command: ['/opt/hpc-job/mnp-run.sh', 'Ref::program'],
      environment: {
        EFA_INTERFACES_PER_NODE: String(efaInterfaceCount(instance)),
        // One MPI rank per physical core, not per vCPU: a hyperthread pair shares one core's
        // floating-point units (VCpuInfo.DefaultCores:
        // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VCpuInfo.html).
        HPC_RANKS_PER_NODE: String(instance.defaultCores),
        HPC_SSH_KEY_PARAMETER: props.sshKey.parameterName,
        HPC_REGION: Aws.REGION,
        // mnp-run.sh checks that every node of the job sees the same shared file system here.
        ...(props.sharedStorage ? { HPC_SHARED_STORAGE: props.sharedStorage.mountPoint } : {}),
      },
      logging: ecs.LogDriver.awsLogs({ logGroup: this.jobLogGroup, streamPrefix: 'mpi' }),
      // Lustre is mounted on the host and handed to the container as a host volume, the way AWS
      // recommends for ECS on EC2 (https://docs.aws.amazon.com/fsx/latest/LustreGuide/mounting-ecs.html):
      // the container needs no Lustre client, kernel module or extra privilege.
      volumes: props.sharedStorage
        ? [
            batch.EcsVolume.host({
              name: 'fsx',
              hostPath: props.sharedStorage.mountPoint,
              containerPath: props.sharedStorage.mountPoint,
            }),
          ]
        : undefined,
    });

    this.jobDefinition = new batch.MultiNodeJobDefinition(this, 'MpiJob', {
      mainNode: 0,
      containers: [{ startNode: 0, endNode: props.nodes - 1, container }],
      parameters: { program: DEFAULT_MPI_PROGRAM },
      propagateTags: true,
      timeout: props.jobTimeout ?? Duration.hours(1),
    });
    // An open node range ("0:"), so a submission may ask for fewer nodes with
    // --node-overrides numNodes=N: Batch allows numNodes overrides only when the job definition
    // has a range without an upper bound (https://docs.aws.amazon.com/batch/latest/APIReference/API_NodeOverrides.html).
    // The L2 always renders both ends.
    (this.jobDefinition.node.defaultChild as batch.CfnJobDefinition).addPropertyOverride(
      'NodeProperties.NodeRangeProperties.0.TargetNodes',
      '0:',
    );

    Validations.of(container.executionRole).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'The only wildcard is ecr:GetAuthorizationToken, which has no resource-level permissions; image pulls are scoped to the ' +
        'asset repository and log writes to this job log group.',
    });
  }
}
