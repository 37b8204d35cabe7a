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
import { CLUSTER_TAG_KEY, StaticEfaCluster } from './static-efa-cluster';

export interface HpcClusterStackProps extends StackProps {
  readonly hpc: HpcConfig;
}

/**
 * Tightly coupled HPC: EFA nodes in one subnet, one security group and one cluster placement
 * group, run by AWS Batch multi-node parallel jobs (`hpc.scheduler=batch`) or as a fixed group
 * of nodes (`hpc.scheduler=static`), with one SSH key pair for MPI kept in SSM Parameter Store.
 */
export class HpcClusterStack extends Stack {
  public readonly fabric: EfaFabric;
  public readonly sshKey: ClusterSshKey;
  /** Set when `hpc.scheduler=batch`. */
  public readonly batchCluster?: BatchMultiNodeCluster;
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
    this.sshKey = new ClusterSshKey(this, 'MpiSshKey');
    const machineImage = hpc.amiId ? preinstalledEfaImage(hpc.amiId) : undefined;
    this.outputClusterShape(hpc);

    if (hpc.scheduler === 'batch') {
      new JobContainerNetwork(this, 'JobContainerNetwork', { vpc: network.vpc });
      const launchTemplate = new EfaLaunchTemplate(this, 'NodeLaunchTemplate', {
        fabric: this.fabric,
        instance: hpc.instance,
        containersReachInstanceMetadata: true,
        onFabricFailure: 'withhold-ecs-agent',
      });
      this.batchCluster = new BatchMultiNodeCluster(this, 'Batch', {
        fabric: this.fabric,
        launchTemplate: launchTemplate.launchTemplate,
        instanceTypeName: hpc.instanceType,
        instance: hpc.instance,
        nodes: hpc.nodes,
        sshKey: this.sshKey,
        machineImage,
      });
      this.outputBatchCommands(this.batchCluster);
    } else {
      this.staticCluster = new StaticEfaCluster(this, 'Static', {
        fabric: this.fabric,
        instanceTypeName: hpc.instanceType,
        instance: hpc.instance,
        nodes: hpc.nodes,
        sshKey: this.sshKey,
        machineImage,
        spot: hpc.purchaseOption === 'spot',
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
      description: 'hpc.nodes: the nodes of one job (batch) or of the group (static)',
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
