import type { HpcClusterStack } from '../../lib/hpc/hpc-cluster-stack';
import { Template } from 'aws-cdk-lib/assertions';
import {
  expectEveryAcknowledgementToGiveAReason,
  onlyResource,
  resourcesOfType,
  synthesizeHpcStack,
  SynthesizedStack,
} from '../support/synth';
import { summarizeTemplate } from '../support/template-summary';

/** hpc.scheduler=static: a fixed Auto Scaling group instead of AWS Batch. */
let app: SynthesizedStack<HpcClusterStack>;
let template: Template;
beforeAll(() => {
  app = synthesizeHpcStack({ 'hpc.scheduler': 'static' });
  template = app.template;
});

test('policy gates: no unacknowledged finding', () => {
  expect(app.unacknowledgedFindings).toEqual([]);
});

test('every acknowledgement written to the template carries a reason', () => {
  expectEveryAcknowledgementToGiveAReason(template);
});

test('no AWS Batch resources', () => {
  expect(Object.keys(resourcesOfType(template, 'AWS::Batch::ComputeEnvironment'))).toEqual([]);
});

test('min = max = nodes, in exactly one subnet and the cluster placement group', () => {
  const group = onlyResource(template, 'AWS::AutoScaling::AutoScalingGroup').Properties;
  expect(group.MinSize).toBe('2');
  expect(group.MaxSize).toBe('2');
  expect(group.VPCZoneIdentifier).toEqual([{ Ref: expect.stringMatching(/privateSubnet1Subnet/) }]);
  expect(group.PlacementGroup).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^FabricPlacementGroup/), 'GroupName'] });
  expect(group.LaunchTemplate.LaunchTemplateId).toEqual({ Ref: expect.stringMatching(/LaunchTemplate/) });
});

test('the nodes carry the cluster tag they find each other by', () => {
  const tags = onlyResource(template, 'AWS::AutoScaling::AutoScalingGroup').Properties.Tags;
  expect(tags).toContainEqual({
    Key: 'hpc-cluster',
    PropagateAtLaunch: true,
    Value: { 'Fn::Join': ['', [{ Ref: 'AWS::StackName' }, '-static']] },
  });
});

describe('launch template for hosts without containers', () => {
  const data = () => onlyResource(template, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData;

  test('IMDSv2 with hop limit 1: nothing runs a network hop away', () => {
    expect(data().MetadataOptions).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
  });

  test('the instance type, an Amazon Linux 2023 AMI from SSM and the node role are in the template', () => {
    expect(data().InstanceType).toBe('c5n.18xlarge');
    const [parameterId] = Object.values(data().ImageId) as string[];
    expect(template.toJSON().Parameters[parameterId].Default).toMatch(
      /^\/aws\/service\/ami-amazon-linux-latest\/al2023-ami-kernel-[\d.]+-x86_64$/,
    );
    expect(data().IamInstanceProfile).toBeDefined();
  });

  test('user data installs EFA, then writes the MPI hostfile from the cluster tag', () => {
    const userData = JSON.stringify(data().UserData);
    expect(userData).toContain('./efa_installer.sh -y');
    expect(userData).toContain('CLUSTER_NODES=2');
    expect(userData).toContain('SLOTS_PER_NODE=36'); // c5n.18xlarge: 36 physical cores, 72 vCPUs
    expect(userData).toContain('systemd-run --unit=mpi-hostfile /usr/local/bin/mpi-hostfile');
    expect(userData).toContain('HPC_SSH_KEY_PARAMETER=/ec2/keypair/');
    expect(userData).toContain('Name=tag:${CLUSTER_TAG_KEY},Values=${CLUSTER_TAG_VALUE}');
  });
});

test('the node role may only describe instances, read the key parameter and mark its own group unhealthy beyond Session Manager', () => {
  const statements = Object.values(resourcesOfType(template, 'AWS::IAM::Policy')).flatMap(
    (policy) => policy.Properties.PolicyDocument.Statement,
  );
  expect(statements.filter((statement) => JSON.stringify(statement.Action).includes('ec2:'))).toEqual([
    { Action: 'ec2:DescribeInstances', Effect: 'Allow', Resource: '*' },
  ]);
  const nodeRoleStatements = Object.values(resourcesOfType(template, 'AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes('StaticNodeRole'))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
  expect(nodeRoleStatements.map((statement) => statement.Action).sort()).toEqual([
    'autoscaling:SetInstanceHealth',
    'ec2:DescribeInstances',
    ['ssm:DescribeParameters', 'ssm:GetParameter', 'ssm:GetParameterHistory', 'ssm:GetParameters'],
  ]);
});

test('outputs a command that lists the nodes, the group and the shape npm run smoke checks', () => {
  expect(JSON.stringify(template.findOutputs('ListNodesCommand'))).toContain('aws ec2 describe-instances');
  template.hasOutput('AutoScalingGroupName', {});
  template.hasOutput('Scheduler', { Value: 'static' });
  template.hasOutput('NodeCount', { Value: '2' });
});

test('snapshot: the summary of the template, hpc.scheduler=static (test/support/template-summary.ts)', () => {
  expect(summarizeTemplate(template)).toMatchSnapshot();
});
