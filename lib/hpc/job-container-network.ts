import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

export interface JobContainerNetworkProps {
  /** The cluster VPC, whose default security group the job containers' interfaces get. */
  readonly vpc: ec2.Vpc;
}

/**
 * What the AWS Batch job containers may send each other, on the one security group their own
 * network interfaces get: the VPC's default group.
 *
 * Two AWS rules meet here:
 * - A compute environment must not name security groups when its launch template carries
 *   network interfaces: Batch refuses it ("Either compute environment Security Groups or Network
 *   Interfaces in Launch template are exclusively allowed", https://github.com/aws/aws-cdk/issues/21577;
 *   AWS's Batch EFA samples leave the compute environment's groups empty,
 *   https://github.com/aws-samples/aws-batch-efa). The EFA interfaces carry the fabric group instead.
 * - Multi-node parallel containers run in awsvpc mode, each on its own interface, which takes the
 *   compute environment's groups, or the VPC's default group when it names none
 *   (https://docs.aws.amazon.com/batch/latest/userguide/mnp-ce.html; ECS's own awsvpc rule:
 *   https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_AwsVpcConfiguration.html).
 *
 * So the job's SSH (port 2222) and MPI's TCP traffic (launch, out-of-band, TCP transport, all on
 * ports Open MPI picks at run time) cross the default group. FlowLoggedVpc strips that group's
 * stock rules, and they are not put back: the stock "all traffic from itself" rule is exactly
 * what aws-cdk-lib's restrict-default-security-group handler revokes on create and re-adds on
 * delete, so a copy of it would fight that handler. Instead this adds exactly what the job needs:
 * - TCP from and to members of the group itself, the containers of the cluster's jobs;
 * - HTTPS out, for the one AWS call a container makes on its own interface: reading the cluster
 *   SSH key from SSM Parameter Store at job start (images and logs travel on the host's interface).
 * Nothing is allowed in from outside the group.
 */
export class JobContainerNetwork extends Construct {
  /** The id of the group the job containers' interfaces get. */
  public readonly securityGroupId: string;

  constructor(scope: Construct, id: string, props: JobContainerNetworkProps) {
    super(scope, id);
    this.securityGroupId = props.vpc.vpcDefaultSecurityGroup;
    const allTcp = { ipProtocol: 'tcp', fromPort: 0, toPort: 65535 };

    new ec2.CfnSecurityGroupIngress(this, 'TcpFromJobContainers', {
      groupId: this.securityGroupId,
      sourceSecurityGroupId: this.securityGroupId,
      ...allTcp,
      description: 'Batch MNP job containers: SSH (2222) and MPI TCP from containers of the same group',
    });
    new ec2.CfnSecurityGroupEgress(this, 'TcpToJobContainers', {
      groupId: this.securityGroupId,
      destinationSecurityGroupId: this.securityGroupId,
      ...allTcp,
      description: 'Batch MNP job containers: SSH (2222) and MPI TCP to containers of the same group',
    });
    new ec2.CfnSecurityGroupEgress(this, 'HttpsToAwsApis', {
      groupId: this.securityGroupId,
      cidrIp: '0.0.0.0/0',
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      description: 'Batch MNP job containers: HTTPS to SSM Parameter Store for the cluster SSH key',
    });
  }
}
