import type { HpcClusterStack } from '../../lib/hpc/hpc-cluster-stack';
import { Match, Template } from 'aws-cdk-lib/assertions';
import {
  expectEveryAcknowledgementToGiveAReason,
  onlyResource,
  resourcesOfType,
  synthesizeHpcStack,
  SynthesizedStack,
} from '../support/synth';
import { summarizeTemplate } from '../support/template-summary';

/** The default configuration: sandbox profile (2 x c5n.18xlarge) on AWS Batch multi-node parallel. */
let app: SynthesizedStack<HpcClusterStack>;
let template: Template;
beforeAll(() => {
  app = synthesizeHpcStack();
  template = app.template;
});

test('policy gates: no unacknowledged finding', () => {
  expect(app.unacknowledgedFindings).toEqual([]);
});

test('every acknowledgement written to the template carries a reason', () => {
  expectEveryAcknowledgementToGiveAReason(template);
});

describe('one VPC with flow logs; the cluster in exactly one private subnet', () => {
  test('flow logs capture all traffic into a KMS-encrypted log group', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
    for (const logGroup of Object.values(resourcesOfType(template, 'AWS::Logs::LogGroup'))) {
      expect(logGroup.Properties.KmsKeyId).toBeDefined();
      expect(logGroup.Properties.RetentionInDays).toBeGreaterThanOrEqual(365);
    }
  });

  test('env-agnostic: the one AZ is the region first, resolved at deploy time', () => {
    const subnets = Object.values(resourcesOfType(template, 'AWS::EC2::Subnet'));
    expect(subnets).toHaveLength(2); // one public (NAT gateway), one private (the cluster)
    for (const subnet of subnets) {
      expect(subnet.Properties.AvailabilityZone).toEqual({ 'Fn::Select': [0, { 'Fn::GetAZs': '' }] });
    }
  });
});

describe('ONE security group: all traffic to and from itself, HTTPS out, nothing else', () => {
  const groupRef = () => {
    const [logicalId] = Object.keys(resourcesOfType(template, 'AWS::EC2::SecurityGroup')).filter((id) => id.startsWith('Fabric'));
    return { 'Fn::GetAtt': [logicalId, 'GroupId'] };
  };

  test('self-referencing ingress, protocol -1', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: '-1',
      GroupId: groupRef(),
      SourceSecurityGroupId: groupRef(),
    });
  });

  test('self-referencing egress, protocol -1 (EFA needs both directions)', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      IpProtocol: '-1',
      GroupId: groupRef(),
      DestinationSecurityGroupId: groupRef(),
    });
  });

  test('no other inbound rule anywhere: every rule admits members of its own group only, nothing from outside', () => {
    // Two: the fabric group's, and the job containers' TCP rule on the VPC default group (deploy-rules.test.ts).
    const ingress = Object.values(resourcesOfType(template, 'AWS::EC2::SecurityGroupIngress')).map((rule) => rule.Properties);
    expect(ingress).toHaveLength(2);
    for (const rule of ingress) expect(rule.SourceSecurityGroupId).toEqual(rule.GroupId);
    for (const group of Object.values(resourcesOfType(template, 'AWS::EC2::SecurityGroup'))) {
      expect(group.Properties.SecurityGroupIngress ?? []).toEqual([]);
    }
  });

  test('the only outbound beyond the group is HTTPS', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: Match.anyValue() }],
    });
  });
});

test('ONE cluster placement group', () => {
  expect(onlyResource(template, 'AWS::EC2::PlacementGroup').Properties).toEqual({ Strategy: 'cluster' });
});

describe('launch template', () => {
  const data = () => onlyResource(template, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData;

  test('one EFA interface for c5n.18xlarge, in the cluster subnet and security group, no public IP', () => {
    expect(data().NetworkInterfaces).toEqual([
      expect.objectContaining({
        InterfaceType: 'efa',
        NetworkCardIndex: 0,
        DeviceIndex: 0,
        AssociatePublicIpAddress: false,
        SubnetId: { Ref: expect.stringMatching(/privateSubnet1Subnet/) },
        Groups: [{ 'Fn::GetAtt': [expect.stringMatching(/^FabricSecurityGroup/), 'GroupId'] }],
      }),
    ]);
    expect(data().SecurityGroupIds).toBeUndefined();
  });

  test('IMDSv2 required, hop limit 2 so Batch containers reach it', () => {
    expect(data().MetadataOptions).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 2 });
  });

  test('encrypted gp3 root volume, detailed monitoring, no SSH key', () => {
    expect(data().BlockDeviceMappings).toEqual([
      { DeviceName: '/dev/xvda', Ebs: { DeleteOnTermination: true, Encrypted: true, VolumeSize: 100, VolumeType: 'gp3' } },
    ]);
    expect(data().Monitoring).toEqual({ Enabled: true });
    expect(data().KeyName).toBeUndefined();
  });

  test('MIME multi-part user data that installs EFA and checks fi_info -p efa', () => {
    const userData = JSON.stringify(data().UserData);
    expect(userData).toContain('Content-Type: multipart/mixed');
    expect(userData).toContain('./efa_installer.sh -y');
    expect(userData).toContain('fi_info -p efa');
  });

  test('Batch chooses the AMI, instance type and role: the template sets none of them', () => {
    expect(data().ImageId).toBeUndefined();
    expect(data().InstanceType).toBeUndefined();
    expect(data().IamInstanceProfile).toBeUndefined();
  });
});

describe('AWS Batch multi-node parallel', () => {
  test('managed EC2 compute environment: on demand, from zero vCPUs, one subnet, the placement group, no security group of its own', () => {
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      Type: 'managed',
      ComputeResources: {
        Type: 'EC2',
        MinvCpus: 0,
        MaxvCpus: 2 * 72,
        InstanceTypes: ['c5n.18xlarge'],
        Subnets: [{ Ref: Match.stringLikeRegexp('privateSubnet1Subnet') }],
        PlacementGroup: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FabricPlacementGroup'), 'GroupName'] },
        LaunchTemplate: {
          LaunchTemplateId: { Ref: Match.stringLikeRegexp('^NodeLaunchTemplate') },
          Version: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NodeLaunchTemplate'), 'LatestVersionNumber'] },
        },
        SecurityGroupIds: Match.absent(),
        Ec2Configuration: [{ ImageType: 'ECS_AL2023' }],
      },
    });
  });

  test('a job queue on that compute environment', () => {
    template.hasResourceProperties('AWS::Batch::JobQueue', {
      ComputeEnvironmentOrder: [{ ComputeEnvironment: Match.anyValue(), Order: 1 }],
    });
  });

  const container = () => onlyResource(template, 'AWS::Batch::JobDefinition').Properties.NodeProperties.NodeRangeProperties[0].Container;

  test('a multinode job definition with 2 nodes, main node 0, every node in one open range', () => {
    const jobDefinition = onlyResource(template, 'AWS::Batch::JobDefinition').Properties;
    expect(jobDefinition.Type).toBe('multinode');
    expect(jobDefinition.NodeProperties).toMatchObject({ NumNodes: 2, MainNode: 0, NodeRangeProperties: [{ TargetNodes: '0:' }] });
  });

  test('the container maps the uverbs device of the one EFA interface and sets memlock unlimited', () => {
    // Without Permissions, Batch grants read, write and mknod.
    expect(container().LinuxParameters.Devices).toEqual([
      { HostPath: '/dev/infiniband/uverbs0', ContainerPath: '/dev/infiniband/uverbs0' },
    ]);
    expect(container().Ulimits).toEqual([{ Name: 'memlock', SoftLimit: -1, HardLimit: -1 }]);
  });

  test('each node owns a whole instance and runs the fabric check from the repo Dockerfile', () => {
    const requirements = Object.fromEntries(
      container().ResourceRequirements.map((r: { Type: string; Value: string }) => [r.Type, r.Value]),
    );
    expect(requirements.VCPU).toBe('72');
    expect(Number(requirements.MEMORY)).toBe(Math.floor(196608 * 0.9));
    expect(container().Command).toEqual(['/opt/hpc-job/mnp-run.sh', 'Ref::program']);
    expect(JSON.stringify(container().Image)).toContain('cdk-hnb659fds-container-assets');
  });

  test('outputs: queue and job definition ARNs and a ready-to-paste submit-job command', () => {
    template.hasOutput('JobQueueArn', {});
    template.hasOutput('JobDefinitionArn', {});
    const command = JSON.stringify(template.findOutputs('SubmitJobCommand'));
    expect(command).toContain('aws batch submit-job');
    expect(command).toContain('--job-queue');
    expect(command).toContain('--job-definition');
  });
});

test('outputs the cluster shape npm run smoke reads: scheduler, instance type, node count', () => {
  template.hasOutput('Scheduler', { Value: 'batch' });
  template.hasOutput('InstanceType', { Value: 'c5n.18xlarge' });
  template.hasOutput('NodeCount', { Value: '2' });
});

test('snapshot: the summary of the template, the default configuration (test/support/template-summary.ts)', () => {
  expect(summarizeTemplate(template)).toMatchSnapshot();
});
