import * as fs from 'node:fs';
import * as path from 'node:path';
import { Size, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { EfaInstanceType } from './efa-instance-types';
import type { EfaFabric } from './efa-fabric';
import { efaInterfaceCount, efaNetworkInterfaces } from './efa-network-interfaces';

/** Shell scripts run on the nodes at boot (data files: lib/ never imports runtime code). */
export const HPC_NODE_SCRIPTS_DIR = path.join(__dirname, '..', '..', 'hpc-node');

/**
 * What a node does when its fabric check fails, so that it never takes work:
 * - `withhold-ecs-agent` (AWS Batch): the ECS agent never starts, so the node never registers
 *   with the compute environment's ECS cluster and no job is placed on it;
 * - `mark-unhealthy` (an Auto Scaling group): the node reports itself Unhealthy and the group
 *   replaces it;
 * - `exit` (an AWS PCS node lifecycle action): the script exits non-zero and PCS terminates the
 *   node before slurmd starts.
 */
export type FabricFailureAction = 'withhold-ecs-agent' | 'mark-unhealthy' | 'exit';

export interface EfaLaunchTemplateProps {
  /** The subnet and security group every interface joins. */
  readonly fabric: EfaFabric;
  /** The catalog entry of the node type: decides how many EFA interfaces each node gets. */
  readonly instance: EfaInstanceType;
  /**
   * The node type, written into the template for a fixed group of nodes.
   * @default - none: AWS Batch chooses the type from its compute environment
   */
  readonly instanceType?: ec2.InstanceType;
  /**
   * The AMI.
   * @default - none: AWS Batch launches its ECS-optimized Amazon Linux 2023 AMI
   */
  readonly machineImage?: ec2.IMachineImage;
  /**
   * The nodes' IAM role.
   * @default - none: AWS Batch attaches its compute environment's instance role
   */
  readonly role?: iam.IRole;
  /**
   * What a node whose fabric check fails does (it never takes work either way).
   * @default 'withhold-ecs-agent'
   */
  readonly onFabricFailure?: FabricFailureAction;
  /**
   * Shell scripts to run at boot after the fabric gate (hpc-node/install-efa.sh). Each runs
   * even when the gate failed, so each must check /var/lib/hpc/fabric-ok itself.
   * @default - none
   */
  readonly bootScripts?: string[];
  /**
   * Run the fabric gate and `bootScripts` as the template's user data. AWS PCS runs them as node
   * lifecycle actions instead, whose failure it acts on (PcsSlurmCluster).
   * @default true
   */
  readonly bootInUserData?: boolean;
  /**
   * The cluster placement group, named in the template itself: for services whose node groups
   * have no placement group setting of their own (AWS PCS).
   * @default - none: AWS Batch and Auto Scaling name the placement group themselves
   */
  readonly placementGroup?: ec2.IPlacementGroup;
  /**
   * Root volume size.
   * @default Size.gibibytes(100)
   */
  readonly rootVolumeSize?: Size;
  /**
   * Request Spot capacity through the template.
   * @default false
   */
  readonly spot?: boolean;
  /**
   * Let containers on the node reach the instance metadata service (IMDSv2 hop limit 2 instead of 1).
   * @default false
   */
  readonly containersReachInstanceMetadata?: boolean;
}

/**
 * The launch template of a cluster node: EFA interfaces on every network card, all in the one
 * subnet and security group; IMDSv2 only; an encrypted gp3 root volume; EFA software installed
 * and checked (`fi_info -p efa`) at boot.
 */
export class EfaLaunchTemplate extends Construct {
  public readonly launchTemplate: ec2.LaunchTemplate;

  constructor(scope: Construct, id: string, props: EfaLaunchTemplateProps) {
    super(scope, id);

    // AWS Batch merges its own boot configuration into the template's user data, which it can
    // only do with MIME multi-part user data; cloud-init runs the same format on a plain ASG.
    let userData: ec2.MultipartUserData | undefined;
    if (props.bootInUserData ?? true) {
      userData = new ec2.MultipartUserData();
      const fabricGate = [
        `export HPC_ON_FABRIC_FAILURE=${props.onFabricFailure ?? 'withhold-ecs-agent'}`,
        `export EFA_INTERFACES_EXPECTED=${efaInterfaceCount(props.instance)}`,
        readNodeScript('install-efa.sh'),
      ].join('\n');
      for (const script of [fabricGate, ...(props.bootScripts ?? [])]) {
        const part = ec2.UserData.forLinux();
        part.addCommands(script);
        userData.addUserDataPart(part, ec2.MultipartBody.SHELL_SCRIPT, true);
      }
    }

    this.launchTemplate = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      instanceType: props.instanceType,
      machineImage: props.machineImage,
      role: props.role,
      userData,
      requireImdsv2: true,
      httpPutResponseHopLimit: props.containersReachInstanceMetadata ? 2 : 1,
      detailedMonitoring: true,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs((props.rootVolumeSize ?? Size.gibibytes(100)).toGibibytes(), {
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            encrypted: true,
            deleteOnTermination: true,
          }),
        },
      ],
      spotOptions: props.spot ? {} : undefined,
      placementGroup: props.placementGroup,
    });

    // The L2 has no network-interface list. With interfaces present, security groups can only
    // be set per interface (never at the top level) and no public IP can be auto-assigned:
    // both fit a private fabric.
    const cfnLaunchTemplate = this.launchTemplate.node.defaultChild as ec2.CfnLaunchTemplate;
    cfnLaunchTemplate.launchTemplateData = {
      ...(cfnLaunchTemplate.launchTemplateData as ec2.CfnLaunchTemplate.LaunchTemplateDataProperty),
      networkInterfaces: efaNetworkInterfaces(props.instance, {
        subnetId: props.fabric.subnet.subnetId,
        securityGroupId: props.fabric.securityGroup.securityGroupId,
      }),
    };

    if (props.containersReachInstanceMetadata) {
      Validations.of(this.launchTemplate).acknowledge({
        id: 'cdk-validator-cfnguard::ec2_launch_template_token_hop_limit_check',
        reason:
          'Containers run one network hop away from the node: the ECS agent and the job containers AWS Batch starts need ' +
          'IMDSv2 with hop limit 2. IMDSv2 (session tokens) stays required.',
      });
    }
  }
}

/** The text of a script from `hpc-node/`. */
export function readNodeScript(fileName: string): string {
  return fs.readFileSync(path.join(HPC_NODE_SCRIPTS_DIR, fileName), 'utf8');
}
