import { CfnOutput, Fn, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import type { HpcConfig } from '../config';
import { FlowLoggedVpc } from '../shared/flow-logged-vpc';
import { BatchMultiNodeCluster } from './batch-multi-node-cluster';
import { ClusterSshKey } from './cluster-ssh-key';
import { EfaFabric } from './efa-fabric';
import { EfaLaunchTemplate } from './efa-launch-template';
import { JobContainerNetwork } from './job-container-network';
import { PcsSlurmCluster, SLURM_PARTITION } from './pcs-slurm-cluster';
import { SharedLustre } from './shared-lustre';
import { CLUSTER_TAG_KEY, StaticEfaCluster } from './static-efa-cluster';

export interface HpcClusterStackProps extends StackProps {
  readonly hpc: HpcConfig;
}

/**
 * Tightly coupled HPC: EFA nodes in one subnet, one security group and one cluster placement
 * group, run by AWS Batch multi-node parallel jobs (`hpc.scheduler=batch`), Slurm on AWS PCS
 * (`hpc.scheduler=slurm`) or as a fixed group of nodes (`hpc.scheduler=static`); optionally an
 * FSx for Lustre file system at /fsx on every node (`hpc.sharedStorage=lustre`).
 */
export class HpcClusterStack extends Stack {
  public readonly fabric: EfaFabric;
  /** The SSH key pair MPI starts ranks with, kept in SSM Parameter Store; Batch and static only (Slurm starts ranks itself). */
  public readonly sshKey?: ClusterSshKey;
  /** Set when `hpc.sharedStorage=lustre`. */
  public readonly sharedStorage?: SharedLustre;
  /** Set when `hpc.scheduler=batch`. */
  public readonly batchCluster?: BatchMultiNodeCluster;
  /** Set when `hpc.scheduler=slurm`. */
  public readonly slurmCluster?: PcsSlurmCluster;
  /** Set when `hpc.scheduler=static`. */
  public readonly staticCluster?: StaticEfaCluster;

  constructor(scope: Construct, id: string, props: HpcClusterStackProps) {
    super(scope, id, props);
    const { hpc } = props;

    const network = new FlowLoggedVpc(this, 'Network', {
      availabilityZones: hpc.availabilityZone ? [hpc.availabilityZone] : undefined,
      maxAzs: 1,
    });
    this.fabric = new EfaFabric(this, 'Fabric', { vpc: network.vpc });
    if (hpc.lustre) {
      this.sharedStorage = new SharedLustre(this, 'SharedStorage', {
        fabric: this.fabric,
        sizeGiB: hpc.lustre.sizeGiB,
        dataRepositoryPath: hpc.lustre.dataRepositoryPath,
      });
      this.outputSharedStorage(this.sharedStorage);
    }

    this.outputClusterShape(hpc);

    if (hpc.scheduler === 'slurm') {
      this.slurmCluster = new PcsSlurmCluster(this, 'Slurm', {
        fabric: this.fabric,
        instanceTypeName: hpc.instanceType,
        instance: hpc.instance,
        nodes: hpc.nodes,
        slurm: hpc.slurm!,
        amiId: hpc.amiId,
        sharedStorage: this.sharedStorage,
        spot: hpc.purchaseOption === 'spot',
      });
      this.outputSlurmCommands(this.slurmCluster);
      return;
    }

    const sshKey = new ClusterSshKey(this, 'MpiSshKey');
    this.sshKey = sshKey;
    const machineImage = hpc.amiId ? preinstalledEfaImage(hpc.amiId) : undefined;

    if (hpc.scheduler === 'batch') {
      new JobContainerNetwork(this, 'JobContainerNetwork', { vpc: network.vpc });
      const launchTemplate = new EfaLaunchTemplate(this, 'NodeLaunchTemplate', {
        fabric: this.fabric,
        instance: hpc.instance,
        containersReachInstanceMetadata: true,
        onFabricFailure: 'withhold-ecs-agent',
        bootScripts: this.sharedStorage ? [this.sharedStorage.bootScript('withhold-ecs-agent')] : undefined,
      });
      this.batchCluster = new BatchMultiNodeCluster(this, 'Batch', {
        fabric: this.fabric,
        launchTemplate: launchTemplate.launchTemplate,
        instanceTypeName: hpc.instanceType,
        instance: hpc.instance,
        nodes: hpc.nodes,
        sshKey,
        machineImage,
        sharedStorage: this.sharedStorage,
      });
      this.outputBatchCommands(this.batchCluster);
    } else {
      this.staticCluster = new StaticEfaCluster(this, 'Static', {
        fabric: this.fabric,
        instanceTypeName: hpc.instanceType,
        instance: hpc.instance,
        nodes: hpc.nodes,
        sshKey,
        machineImage,
        spot: hpc.purchaseOption === 'spot',
        sharedStorage: this.sharedStorage,
      });
      this.outputStaticCommands(this.staticCluster);
    }
  }

  /**
   * What the cluster is, for `npm run smoke`: the scheduler selects its check, the instance type
   * the published figures its fabric check is held to, the node count how many nodes must answer.
   */
  private outputClusterShape(hpc: HpcConfig): void {
    new CfnOutput(this, 'Scheduler', { description: 'hpc.scheduler: who runs the jobs', value: hpc.scheduler });
    new CfnOutput(this, 'InstanceType', { value: hpc.instanceType });
    new CfnOutput(this, 'NodeCount', {
      description: 'hpc.nodes: the nodes of one job (batch), of the group (static) or of the compute node group at most (slurm)',
      value: String(hpc.nodes),
    });
  }

  private outputBatchCommands(cluster: BatchMultiNodeCluster): void {
    new CfnOutput(this, 'JobQueueArn', { value: cluster.jobQueue.jobQueueArn });
    new CfnOutput(this, 'JobDefinitionArn', { value: cluster.jobDefinition.jobDefinitionArn });
    new CfnOutput(this, 'JobLogGroup', { value: cluster.jobLogGroup.logGroupName });
    new CfnOutput(this, 'SubmitJobCommand', {
      description: 'Runs the fabric check (fi_info -p efa on every node, then MPI ping-pong and allreduce over all nodes)',
      value: Fn.join('', [
        'aws batch submit-job --region ',
        this.region,
        ' --job-name efa-fabric-check --job-queue ',
        cluster.jobQueue.jobQueueArn,
        ' --job-definition ',
        cluster.jobDefinition.jobDefinitionArn,
      ]),
    });
  }

  private outputSharedStorage(storage: SharedLustre): void {
    new CfnOutput(this, 'LustreFileSystemId', { value: storage.fileSystem.fileSystemId });
    new CfnOutput(this, 'LustreMountName', { value: storage.fileSystem.mountName });
    new CfnOutput(this, 'LustreDnsName', { value: storage.fileSystem.dnsName });
  }

  /** What `npm run smoke` and a person need: the cluster, its queue and node groups, and how to reach the login node. */
  private outputSlurmCommands(slurm: PcsSlurmCluster): void {
    new CfnOutput(this, 'PcsClusterId', { value: slurm.cluster.attrId });
    new CfnOutput(this, 'PcsQueueId', { value: slurm.queue.attrId });
    new CfnOutput(this, 'SlurmPartition', { value: SLURM_PARTITION });
    new CfnOutput(this, 'PcsComputeNodeGroupId', { value: slurm.computeNodeGroup.attrId });
    new CfnOutput(this, 'PcsLoginNodeGroupId', { value: slurm.loginNodeGroup.attrId });
    // The ARNs are what Cloud Control reads these resources by (their schemas' primaryIdentifier is
    // /properties/Arn): npm run smoke checks each one's Status with cloudformation:GetResource.
    new CfnOutput(this, 'PcsClusterArn', { value: slurm.cluster.attrArn });
    new CfnOutput(this, 'PcsQueueArn', { value: slurm.queue.attrArn });
    new CfnOutput(this, 'PcsComputeNodeGroupArn', { value: slurm.computeNodeGroup.attrArn });
    new CfnOutput(this, 'PcsLoginNodeGroupArn', { value: slurm.loginNodeGroup.attrArn });
    // PCS tags each instance with its node group's id (aws:pcs:compute-node-group-id, as AWS's
    // PCS recipe finds its login node: recipes/pcs/getting_started/assets/cluster.yaml).
    new CfnOutput(this, 'LoginNodeCommand', {
      description: 'Prints the login node instance id; open a shell on it with: aws ssm start-session --target <instance id>',
      value: Fn.join('', [
        'aws ec2 describe-instances --region ',
        this.region,
        ' --filters Name=tag:aws:pcs:compute-node-group-id,Values=',
        slurm.loginNodeGroup.attrId,
        ' Name=instance-state-name,Values=running --query "Reservations[].Instances[].InstanceId" --output text',
      ]),
    });
  }

  private outputStaticCommands(cluster: StaticEfaCluster): void {
    new CfnOutput(this, 'AutoScalingGroupName', { value: cluster.autoScalingGroup.autoScalingGroupName });
    new CfnOutput(this, 'ListNodesCommand', {
      description: 'Lists the nodes; open a shell on one with: aws ssm start-session --target <instance id>',
      value: Fn.join('', [
        'aws ec2 describe-instances --region ',
        this.region,
        ` --filters Name=tag:${CLUSTER_TAG_KEY},Values=`,
        cluster.clusterTagValue,
        ' Name=instance-state-name,Values=running --query "Reservations[].Instances[].[InstanceId,PrivateIpAddress]" --output text',
      ]),
    });
  }
}

/**
 * `hpc.amiId`: one AMI id, whatever the region (the stack stays env-agnostic, so an AMI map keyed
 * by region cannot be resolved at synth). The EFA software in it lets the fabric gate skip the
 * download (hpc-node/install-efa.sh).
 */
function preinstalledEfaImage(amiId: string): ec2.IMachineImage {
  return { getImage: () => ({ imageId: amiId, osType: ec2.OperatingSystemType.LINUX, userData: ec2.UserData.forLinux() }) };
}
