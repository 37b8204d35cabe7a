/**
 * The AWS rules a deploy of HpcClusterStack depends on, one test per rule, each read from the
 * synthesized template of every HPC configuration it applies to. The source of each rule is
 * cited beside the code that follows it (lib/hpc/, lib/config/hpc.ts) and repeated here.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { HPC_SUBNET_PREFIX_LENGTH, HPC_SUBNET_USABLE_ADDRESSES, loadConfig } from '../../lib/config';
import { findEfaInstanceType } from '../../lib/hpc/efa-instance-types';
import { networkInterfaceCount } from '../../lib/hpc/efa-network-interfaces';
import { resourcesOfType, synthesizeHpcStack } from '../support/synth';
import { configErrorFor } from '../support/config-error';

interface Configuration {
  readonly name: string;
  readonly context: Record<string, string>;
  readonly scheduler: 'batch' | 'static';
  readonly instanceType: string;
}

const CONFIGURATIONS: Configuration[] = [
  { name: 'batch sandbox (default)', context: {}, scheduler: 'batch', instanceType: 'c5n.18xlarge' },
  { name: 'batch ml', context: { 'hpc.profile': 'ml' }, scheduler: 'batch', instanceType: 'p5.48xlarge' },
  { name: 'batch cfd', context: { 'hpc.profile': 'cfd' }, scheduler: 'batch', instanceType: 'hpc7a.96xlarge' },
  { name: 'batch with hpc.amiId', context: { 'hpc.amiId': 'ami-0123456789abcdef0' }, scheduler: 'batch', instanceType: 'c5n.18xlarge' },
  { name: 'static sandbox', context: { 'hpc.scheduler': 'static' }, scheduler: 'static', instanceType: 'c5n.18xlarge' },
  { name: 'static ml', context: { 'hpc.scheduler': 'static', 'hpc.profile': 'ml' }, scheduler: 'static', instanceType: 'p5.48xlarge' },
  {
    name: 'static with hpc.amiId',
    context: { 'hpc.scheduler': 'static', 'hpc.amiId': 'ami-0123456789abcdef0' },
    scheduler: 'static',
    instanceType: 'c5n.18xlarge',
  },
];

const synthesized = new Map<string, { template: Template; unacknowledgedFindings: string[] }>();
beforeAll(() => {
  for (const configuration of CONFIGURATIONS) synthesized.set(configuration.name, synthesizeHpcStack(configuration.context));
});
const templateOf = (configuration: Configuration) => synthesized.get(configuration.name)!.template;
const batch = CONFIGURATIONS.filter((configuration) => configuration.scheduler === 'batch');
const staticMode = CONFIGURATIONS.filter((configuration) => configuration.scheduler === 'static');
const only = (template: Template, type: string) => {
  const found = Object.values(resourcesOfType(template, type));
  expect(found).toHaveLength(1);
  return found[0].Properties;
};
const idOf = (template: Template, type: string, prefix: string) => {
  const ids = Object.keys(resourcesOfType(template, type)).filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0];
};

describe.each(CONFIGURATIONS)('every HPC configuration: $name', (configuration) => {
  test('policy gates: zero unacknowledged findings', () => {
    expect(synthesized.get(configuration.name)!.unacknowledgedFindings).toEqual([]);
  });

  // EC2: with network interfaces in a launch template, security groups go on each interface,
  // never at the template's top level (awsdocs/aws-cloudformation-user-guide issue 204;
  // https://docs.aws.amazon.com/pcs/latest/userguide/working-with_networking_efa_create-lt.html).
  test('EC2: no launch template has top-level security groups beside its network interfaces', () => {
    const data = only(templateOf(configuration), 'AWS::EC2::LaunchTemplate').LaunchTemplateData;
    expect(data.NetworkInterfaces.length).toBeGreaterThan(0);
    expect(data.SecurityGroupIds).toBeUndefined();
    expect(data.SecurityGroups).toBeUndefined();
  });

  // EFA's OS-bypass traffic needs a group that allows all traffic from and to itself
  // (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-start.html, "Prepare an EFA-enabled security group").
  test('EFA: every interface carries the fabric group, which allows all traffic from and to itself', () => {
    const template = templateOf(configuration);
    const fabric = { 'Fn::GetAtt': [idOf(template, 'AWS::EC2::SecurityGroup', 'FabricSecurityGroup'), 'GroupId'] };
    for (const nic of only(template, 'AWS::EC2::LaunchTemplate').LaunchTemplateData.NetworkInterfaces) expect(nic.Groups).toEqual([fabric]);
    const ingress = Object.values(resourcesOfType(template, 'AWS::EC2::SecurityGroupIngress')).map((rule) => rule.Properties);
    const egress = Object.values(resourcesOfType(template, 'AWS::EC2::SecurityGroupEgress')).map((rule) => rule.Properties);
    expect(ingress).toContainEqual(expect.objectContaining({ GroupId: fabric, SourceSecurityGroupId: fabric, IpProtocol: '-1' }));
    expect(egress).toContainEqual(expect.objectContaining({ GroupId: fabric, DestinationSecurityGroupId: fabric, IpProtocol: '-1' }));
  });

  // The key pair's private key lives in SSM as /ec2/keypair/<id>
  // (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-keypair.html);
  // the template never carries key material, and no instance gets the key as its launch key.
  test('keys: one AWS::EC2::KeyPair created by CloudFormation, no key material in the template, no KeyName on nodes', () => {
    const template = templateOf(configuration);
    expect(only(template, 'AWS::EC2::KeyPair')).toEqual({ KeyFormat: 'pem', KeyName: expect.any(String), KeyType: 'ed25519' });
    expect(JSON.stringify(template.toJSON())).not.toMatch(/PRIVATE KEY|PublicKeyMaterial/);
    expect(only(template, 'AWS::EC2::LaunchTemplate').LaunchTemplateData.KeyName).toBeUndefined();
  });

  test('keys: the only principal that may read the key parameter is the job (Batch) or node (static) role, for that one parameter', () => {
    const template = templateOf(configuration);
    const keyParameter = {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':ssm:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':parameter/ec2/keypair/',
          { 'Fn::GetAtt': [idOf(template, 'AWS::EC2::KeyPair', 'MpiSshKey'), 'KeyPairId'] },
        ],
      ],
    };
    const ssmStatements = Object.entries(resourcesOfType(template, 'AWS::IAM::Policy')).flatMap(([id, policy]) =>
      (policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
        .filter((statement) => JSON.stringify(statement.Action).includes('ssm:'))
        .map((statement) => ({ id, resource: statement.Resource })),
    );
    const reader = configuration.scheduler === 'batch' ? /^BatchJobRoleDefaultPolicy/ : /^StaticNodeRoleDefaultPolicy/;
    expect(ssmStatements).toEqual([{ id: expect.stringMatching(reader), resource: keyParameter }]);
  });

  // Every `efa` interface takes an address in the subnet (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa.html);
  // config refuses node counts that do not fit the /20 the stack builds.
  test(`subnet: the cluster subnet is the /${HPC_SUBNET_PREFIX_LENGTH} the config layer sizes node counts against`, () => {
    const subnets = Object.entries(resourcesOfType(templateOf(configuration), 'AWS::EC2::Subnet')).filter(([id]) => id.includes('private'));
    expect(subnets).toHaveLength(1);
    expect(subnets[0][1].Properties.CidrBlock).toMatch(new RegExp(`/${HPC_SUBNET_PREFIX_LENGTH}$`));
  });

  // EC2 limits user data to 16 KB (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html).
  test('EC2: the boot scripts fit in 16 KB of user data', () => {
    const userData = only(templateOf(configuration), 'AWS::EC2::LaunchTemplate').LaunchTemplateData.UserData['Fn::Base64'];
    const parts: unknown[] = typeof userData === 'string' ? [userData] : userData['Fn::Join'][1];
    // A deploy-time value (a key pair id, a stack name) counts as 64 characters, more than any of them takes.
    const size = parts.reduce<number>((total, part) => total + (typeof part === 'string' ? Buffer.byteLength(part) : 64), 0);
    expect(size).toBeLessThanOrEqual(16 * 1024);
  });
});

describe.each(batch)('AWS Batch: $name', (configuration) => {
  // "Either compute environment Security Groups or Network Interfaces in Launch template are
  // exclusively allowed" (https://github.com/aws/aws-cdk/issues/21577; aws-samples/aws-batch-efa).
  test('Batch: the compute environment names no security group, because its launch template carries network interfaces', () => {
    const resources = only(templateOf(configuration), 'AWS::Batch::ComputeEnvironment').ComputeResources;
    expect(Object.keys(resources)).not.toContain('SecurityGroupIds');
    expect(Object.keys(resources)).toContain('LaunchTemplate');
  });

  // Without a version Batch uses $Default, fixed when the environment is created
  // (https://docs.aws.amazon.com/batch/latest/APIReference/API_LaunchTemplateSpecification.html).
  test("Batch: the compute environment names the launch template's LatestVersionNumber, so a template change reaches the nodes", () => {
    const template = templateOf(configuration);
    const launchTemplate = idOf(template, 'AWS::EC2::LaunchTemplate', 'NodeLaunchTemplate');
    expect(only(template, 'AWS::Batch::ComputeEnvironment').ComputeResources.LaunchTemplate).toEqual({
      LaunchTemplateId: { Ref: launchTemplate },
      Version: { 'Fn::GetAtt': [launchTemplate, 'LatestVersionNumber'] },
    });
  });

  // Infrastructure updates need BEST_FIT_PROGRESSIVE or SPOT_CAPACITY_OPTIMIZED
  // (https://docs.aws.amazon.com/batch/latest/userguide/updating-compute-environments.html).
  test('Batch: BEST_FIT_PROGRESSIVE, so a new template version is an in-place infrastructure update', () => {
    expect(only(templateOf(configuration), 'AWS::Batch::ComputeEnvironment').ComputeResources.AllocationStrategy).toBe(
      'BEST_FIT_PROGRESSIVE',
    );
  });

  // MNP containers' interfaces take the compute environment's groups, else the VPC's default
  // group (https://docs.aws.amazon.com/batch/latest/userguide/mnp-ce.html). The stock "all
  // traffic from itself" rule is the one aws-cdk-lib's restrict handler revokes, so it must not return.
  test("Batch MNP: the job containers' group (the VPC default) allows TCP from and to itself and HTTPS out, nothing from outside", () => {
    const template = templateOf(configuration);
    const defaultGroup = { 'Fn::GetAtt': [idOf(template, 'AWS::EC2::VPC', 'NetworkVpc'), 'DefaultSecurityGroup'] };
    const onDefault = (type: string) =>
      Object.values(resourcesOfType(template, type))
        .map((rule) => rule.Properties)
        .filter((rule) => JSON.stringify(rule.GroupId) === JSON.stringify(defaultGroup))
        .map(({ Description: _description, ...rule }) => rule);
    const allTcp = { IpProtocol: 'tcp', FromPort: 0, ToPort: 65535 };
    expect(onDefault('AWS::EC2::SecurityGroupIngress')).toEqual([
      { GroupId: defaultGroup, SourceSecurityGroupId: defaultGroup, ...allTcp },
    ]);
    expect(onDefault('AWS::EC2::SecurityGroupEgress')).toEqual(
      expect.arrayContaining([
        { GroupId: defaultGroup, DestinationSecurityGroupId: defaultGroup, ...allTcp },
        { GroupId: defaultGroup, CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 },
      ]),
    );
    expect(onDefault('AWS::EC2::SecurityGroupEgress')).toHaveLength(2);
  });

  // numNodes can be overridden only with an open-ended node range
  // (https://docs.aws.amazon.com/batch/latest/APIReference/API_NodeOverrides.html).
  test('Batch MNP: the node range is open-ended ("0:"), so a submission can ask for fewer nodes', () => {
    const nodeProperties = only(templateOf(configuration), 'AWS::Batch::JobDefinition').NodeProperties;
    expect(nodeProperties.NodeRangeProperties.map((range: { TargetNodes: string }) => range.TargetNodes)).toEqual(['0:']);
    expect(nodeProperties.MainNode).toBe(0);
  });

  test('Batch MNP: the program is a job parameter (Ref::program), the fabric check by default', () => {
    const jobDefinition = only(templateOf(configuration), 'AWS::Batch::JobDefinition');
    expect(jobDefinition.Parameters).toEqual({ program: '/opt/hpc-job/bin/mpi-fabric-check' });
    expect(jobDefinition.NodeProperties.NodeRangeProperties[0].Container.Command).toEqual(['/opt/hpc-job/mnp-run.sh', 'Ref::program']);
  });

  test('Batch MNP: ranks per node = physical cores (VCpuInfo.DefaultCores), the key parameter and region for the job role', () => {
    const container = only(templateOf(configuration), 'AWS::Batch::JobDefinition').NodeProperties.NodeRangeProperties[0].Container;
    const environment = Object.fromEntries(
      container.Environment.map((variable: { Name: string; Value: unknown }) => [variable.Name, variable.Value]),
    );
    expect(environment.HPC_RANKS_PER_NODE).toBe(String(findEfaInstanceType(configuration.instanceType)!.defaultCores));
    expect(JSON.stringify(environment.HPC_SSH_KEY_PARAMETER)).toContain('/ec2/keypair/');
    expect(environment.HPC_REGION).toEqual({ Ref: 'AWS::Region' });
    expect(environment.FI_PROVIDER).toBeUndefined(); // efa, the entry point's default; only the local harness sets tcp
    expect(container.JobRoleArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^BatchJobRole/), 'Arn'] });
  });

  test('failed nodes: a node whose fabric check fails never starts its ECS agent', () => {
    const userData = JSON.stringify(only(templateOf(configuration), 'AWS::EC2::LaunchTemplate').LaunchTemplateData.UserData);
    expect(userData).toContain('export HPC_ON_FABRIC_FAILURE=withhold-ecs-agent');
    expect(userData).toContain('ConditionPathExists=/var/lib/hpc/fabric-ok');
  });
});

describe.each(staticMode)('static cluster: $name', (configuration) => {
  test('failed nodes: a node whose fabric check fails marks itself Unhealthy, allowed for its own group only', () => {
    const template = templateOf(configuration);
    const userData = JSON.stringify(only(template, 'AWS::EC2::LaunchTemplate').LaunchTemplateData.UserData);
    expect(userData).toContain('export HPC_ON_FABRIC_FAILURE=mark-unhealthy');
    const statements = Object.values(resourcesOfType(template, 'AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement,
    );
    const health = statements.filter((statement) => statement.Action === 'autoscaling:SetInstanceHealth');
    expect(health).toHaveLength(1);
    expect(JSON.stringify(health[0].Resource)).toContain(':autoScalingGroup:*:autoScalingGroupName/');
    expect(JSON.stringify(health[0].Resource)).toContain(idOf(template, 'AWS::AutoScaling::AutoScalingGroup', 'StaticNodes'));
  });

  // Without an UpdatePolicy, instances keep the old launch template version
  // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatepolicy.html).
  test('Auto Scaling: a template change (a new AMI at deploy) replaces every node in one batch', () => {
    const nodes = Object.values(templateOf(configuration).findResources('AWS::AutoScaling::AutoScalingGroup'))[0];
    expect(nodes.UpdatePolicy.AutoScalingRollingUpdate).toMatchObject({ MaxBatchSize: 2, MinInstancesInService: 0 });
  });

  test('MPI: hostfile slots = physical cores (VCpuInfo.DefaultCores), not vCPUs', () => {
    const userData = JSON.stringify(only(templateOf(configuration), 'AWS::EC2::LaunchTemplate').LaunchTemplateData.UserData);
    expect(userData).toContain(`SLOTS_PER_NODE=${findEfaInstanceType(configuration.instanceType)!.defaultCores}`);
  });
});

describe('AMIs', () => {
  const imageParameter = (configuration: Configuration) => {
    const template = templateOf(configuration);
    const imageId = only(template, 'AWS::EC2::LaunchTemplate').LaunchTemplateData.ImageId;
    return template.toJSON().Parameters[imageId.Ref].Default;
  };

  // Plain AL2023 has no NVIDIA driver; the Deep Learning Base OSS NVIDIA Driver GPU AMI has it
  // and the EFA software (https://docs.aws.amazon.com/dlami/latest/devguide/find-dlami-id.html).
  test('static: a GPU type boots the Deep Learning GPU AMI (NVIDIA driver, EFA), resolved from SSM at deploy', () => {
    expect(imageParameter(staticMode.find((configuration) => configuration.name === 'static ml')!)).toBe(
      '/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-amazon-linux-2023/latest/ami-id',
    );
  });

  test('static: a CPU type boots Amazon Linux 2023', () => {
    expect(imageParameter(staticMode.find((configuration) => configuration.name === 'static sandbox')!)).toMatch(
      /^\/aws\/service\/ami-amazon-linux-latest\/al2023-ami-kernel-[\d.]+-x86_64$/,
    );
  });

  test('Batch: GPU types run the ECS GPU image type (ECS_AL2023_NVIDIA)', () => {
    const resources = only(templateOf(batch.find((configuration) => configuration.name === 'batch ml')!), 'AWS::Batch::ComputeEnvironment');
    expect(resources.ComputeResources.Ec2Configuration).toEqual([{ ImageType: 'ECS_AL2023_NVIDIA' }]);
  });

  test('hpc.amiId: Batch overrides the image type AMI with it; the static launch template boots it', () => {
    const batchResources = only(
      templateOf(batch.find((configuration) => configuration.name === 'batch with hpc.amiId')!),
      'AWS::Batch::ComputeEnvironment',
    ).ComputeResources;
    expect(batchResources.Ec2Configuration).toEqual([{ ImageType: 'ECS_AL2023', ImageIdOverride: 'ami-0123456789abcdef0' }]);
    const staticData = only(
      templateOf(staticMode.find((configuration) => configuration.name === 'static with hpc.amiId')!),
      'AWS::EC2::LaunchTemplate',
    ).LaunchTemplateData;
    expect(staticData.ImageId).toBe('ami-0123456789abcdef0');
  });
});

describe('limits the config layer refuses, one line each', () => {
  const refusal = (context: Record<string, string>) => configErrorFor(context).message;

  // https://docs.aws.amazon.com/batch/latest/userguide/mnp-node-groups.html
  test('Batch MNP: at most 1,000 nodes in one job', () => {
    expect(refusal({ 'hpc.nodes': '1024' })).toBe(
      'Invalid config hpc.nodes="1024": AWS Batch runs at most 1000 nodes in one multi-node parallel job; use 1000 or fewer, or hpc.scheduler=slurm or static',
    );
    expect(loadConfig({ 'hpc.nodes': '1000' }).hpc.nodes).toBe(1000);
    expect(loadConfig({ 'hpc.nodes': '1024', 'hpc.scheduler': 'static' }).hpc.nodes).toBe(1024);
  });

  // Every interface takes an address, the job container one more
  // (https://docs.aws.amazon.com/batch/latest/userguide/mnp-ce.html); 5 addresses of each
  // subnet are AWS's (https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html).
  test('subnet: nodes x (interfaces + 1) addresses must fit, or the one line says how many nodes fit', () => {
    const message = refusal({ 'hpc.profile': 'ml', 'hpc.nodes': '1000' });
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toBe(
      'Invalid config hpc.nodes="1000": each p5.48xlarge node takes 33 addresses in the cluster subnet ' +
        '(32 network interfaces + 1 for its job container), and the /20 subnet has 4091 usable: at most 123 nodes fit',
    );
    const perNode = networkInterfaceCount(findEfaInstanceType('p5.48xlarge')!) + 1;
    expect(Math.floor(HPC_SUBNET_USABLE_ADDRESSES / perNode)).toBe(123);
    expect(loadConfig({ 'hpc.profile': 'ml', 'hpc.nodes': '123' }).hpc.nodes).toBe(123);
    expect(refusal({ 'hpc.profile': 'ml', 'hpc.nodes': '124' })).toContain('at most 123 nodes fit');
    // Static nodes have no job container: 4091 / 32.
    expect(loadConfig({ 'hpc.profile': 'ml', 'hpc.nodes': '127', 'hpc.scheduler': 'static' }).hpc.nodes).toBe(127);
    expect(refusal({ 'hpc.profile': 'ml', 'hpc.nodes': '128', 'hpc.scheduler': 'static' })).toContain(
      '(32 network interfaces), and the /20 subnet has 4091 usable: at most 127 nodes fit',
    );
  });
});
