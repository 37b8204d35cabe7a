/**
 * The AWS rules a deploy of Slurm on AWS PCS (`hpc.scheduler=slurm`) and of the shared FSx for
 * Lustre file system (`hpc.sharedStorage=lustre`, all three schedulers) depends on, one test per
 * rule, read from the synthesized templates. The source of each rule is cited beside the code
 * that follows it (lib/hpc/pcs-slurm-cluster.ts, lib/hpc/shared-lustre.ts, lib/config/) and here.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { expectEveryAcknowledgementToGiveAReason, resourcesOfType, synthesizeHpcStack } from '../support/synth';
import { configErrorFor } from '../support/config-error';
import { summarizeTemplate } from '../support/template-summary';

const REPO = path.join(__dirname, '..', '..');
const CONFIGURATIONS = {
  /** The defaults: SMALL, Slurm 25.11, 2 x c5n.18xlarge, Lustre, the sample AMI. */
  slurm: { 'hpc.scheduler': 'slurm' },
  /** Graviton nodes, your own AMI, no shared storage. */
  slurmArm: {
    'hpc.scheduler': 'slurm',
    'hpc.instanceType': 'hpc7g.16xlarge',
    'hpc.amiId': 'ami-0123456789abcdef0',
    'hpc.sharedStorage': 'none',
  },
  /** AWS Batch with Lustre linked to S3. */
  batchLustre: { 'hpc.sharedStorage': 'lustre', 'hpc.lustreBucket': 'my-hpc-data/project-a', 'hpc.lustreSizeGiB': '2400' },
  /** The static cluster with Lustre. */
  staticLustre: { 'hpc.scheduler': 'static', 'hpc.sharedStorage': 'lustre' },
} as const;
type Name = keyof typeof CONFIGURATIONS;

const synthesized = new Map<Name, { template: Template; unacknowledgedFindings: string[] }>();
beforeAll(() => {
  for (const name of Object.keys(CONFIGURATIONS) as Name[]) synthesized.set(name, synthesizeHpcStack(CONFIGURATIONS[name]));
});
const templateOf = (name: Name) => synthesized.get(name)!.template;
const propertiesOf = (name: Name, type: string) => Object.values(resourcesOfType(templateOf(name), type)).map((r) => r.Properties);
const only = (name: Name, type: string) => {
  const found = propertiesOf(name, type);
  expect(found).toHaveLength(1);
  return found[0];
};
const idOf = (name: Name, type: string, prefix: string) => {
  const ids = Object.keys(resourcesOfType(templateOf(name), type)).filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0];
};
const nodeGroup = (name: Name, groupName: 'compute' | 'login') =>
  propertiesOf(name, 'AWS::PCS::ComputeNodeGroup').find((group) => group.Name === groupName)!;
const fabricGroup = (name: Name) => ({ 'Fn::GetAtt': [idOf(name, 'AWS::EC2::SecurityGroup', 'FabricSecurityGroup'), 'GroupId'] });
const clusterSubnet = { Ref: expect.stringMatching(/privateSubnet1Subnet/) };

test.each(Object.keys(CONFIGURATIONS) as Name[])('policy gates: zero unacknowledged findings (%s)', (name) => {
  expect(synthesized.get(name)!.unacknowledgedFindings).toEqual([]);
});

test.each(Object.keys(CONFIGURATIONS) as Name[])('every acknowledgement written to the template carries a reason (%s)', (name) => {
  expectEveryAcknowledgementToGiveAReason(templateOf(name));
});

describe('AWS PCS', () => {
  // The role of a PCS node's instance profile must be on the path /aws-pcs/ or named AWSPCS...,
  // and have pcs:RegisterComputeNodeGroupInstance, which AWSPCSComputeNodePolicy grants
  // (https://docs.aws.amazon.com/pcs/latest/userguide/security-instance-profiles_create.html;
  // https://docs.aws.amazon.com/pcs/latest/userguide/security-iam-awsmanpol.html).
  test('PCS IAM: the node role is on the path /aws-pcs/ and has AWSPCSComputeNodePolicy; both groups use its profile', () => {
    const roles = propertiesOf('slurm', 'AWS::IAM::Role').filter((r) => r.Path === '/aws-pcs/');
    expect(roles).toHaveLength(1);
    const role = roles[0];
    expect(role.RoleName).toBeUndefined(); // the path, not a fixed name: two stacks never clash
    expect(JSON.stringify(role.ManagedPolicyArns)).toContain(':iam::aws:policy/AWSPCSComputeNodePolicy');
    expect(role.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ Service: 'ec2.amazonaws.com' });
    const profile = only('slurm', 'AWS::IAM::InstanceProfile');
    expect(profile.Path).toBe('/aws-pcs/');
    const profileArn = { 'Fn::GetAtt': [idOf('slurm', 'AWS::IAM::InstanceProfile', 'SlurmNodeInstanceProfile'), 'Arn'] };
    for (const group of ['compute', 'login'] as const) expect(nodeGroup('slurm', group).IamInstanceProfileArn).toEqual(profileArn);
  });

  // Cluster sizes cap the compute nodes (SMALL 32, MEDIUM 512, LARGE 2048); Slurm's version is
  // one PCS offers (AWS::PCS::Cluster Size, Scheduler:
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-pcs-cluster.html).
  test('PCS cluster: Slurm 25.11, size SMALL, in the one subnet and the fabric group; no accounting (slurmdbd) by default', () => {
    expect(only('slurm', 'AWS::PCS::Cluster')).toEqual({
      Size: 'SMALL',
      Scheduler: { Type: 'SLURM', Version: '25.11' },
      Networking: { SubnetIds: [clusterSubnet], SecurityGroupIds: [fabricGroup('slurm')] },
    });
  });

  // Version is required on CustomLaunchTemplate
  // (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-pcs-computenodegroup-customlaunchtemplate.html);
  // LatestVersionNumber makes a template change a changed property.
  test("PCS compute nodes: 0 to hpc.nodes on the EFA launch template's LatestVersionNumber, in the one subnet", () => {
    const compute = nodeGroup('slurm', 'compute');
    const launchTemplate = idOf('slurm', 'AWS::EC2::LaunchTemplate', 'SlurmComputeLaunchTemplate');
    expect(compute).toMatchObject({
      ScalingConfiguration: { MinInstanceCount: 0, MaxInstanceCount: 2 },
      CustomLaunchTemplate: { TemplateId: { Ref: launchTemplate }, Version: { 'Fn::GetAtt': [launchTemplate, 'LatestVersionNumber'] } },
      InstanceConfigs: [{ InstanceType: 'c5n.18xlarge' }],
      SubnetIds: [clusterSubnet],
      PurchaseOption: 'ONDEMAND',
    });
    const data = resourcesOfType(templateOf('slurm'), 'AWS::EC2::LaunchTemplate')[launchTemplate].Properties.LaunchTemplateData;
    expect(data.NetworkInterfaces).toEqual([
      expect.objectContaining({ InterfaceType: 'efa', Groups: [fabricGroup('slurm')], SubnetId: clusterSubnet }),
    ]);
  });

  // PCS node groups have no placement group setting: it goes in the launch template, as AWS's
  // PCS EFA recipe does (aws-samples/aws-hpc-recipes recipes/pcs/enable_efa/assets/pcs-lt-efa.yaml).
  test('PCS compute nodes: the one cluster placement group is named in their launch template', () => {
    const data = resourcesOfType(templateOf('slurm'), 'AWS::EC2::LaunchTemplate')[
      idOf('slurm', 'AWS::EC2::LaunchTemplate', 'SlurmComputeLaunchTemplate')
    ].Properties.LaunchTemplateData;
    expect(data.Placement).toEqual({
      GroupName: { 'Fn::GetAtt': [idOf('slurm', 'AWS::EC2::PlacementGroup', 'FabricPlacementGroup'), 'GroupName'] },
    });
    expect(only('slurm', 'AWS::EC2::PlacementGroup')).toEqual({ Strategy: 'cluster' });
  });

  test('PCS queue: one queue, the Slurm partition "efa", on the compute node group only', () => {
    expect(only('slurm', 'AWS::PCS::Queue')).toEqual({
      ClusterId: { 'Fn::GetAtt': [idOf('slurm', 'AWS::PCS::Cluster', 'SlurmCluster'), 'Id'] },
      Name: 'efa',
      ComputeNodeGroupConfigurations: [
        { ComputeNodeGroupId: { 'Fn::GetAtt': [idOf('slurm', 'AWS::PCS::ComputeNodeGroup', 'SlurmComputeNodes'), 'Id'] } },
      ],
    });
  });

  // A login node is a compute node group that no queue names
  // (https://docs.aws.amazon.com/pcs/latest/userguide/getting-started_create-cng.html).
  test('PCS login node: one small instance without EFA, in the fabric group, IMDSv2, reached by Session Manager only', () => {
    const login = nodeGroup('slurm', 'login');
    expect(login).toMatchObject({
      ScalingConfiguration: { MinInstanceCount: 1, MaxInstanceCount: 1 },
      InstanceConfigs: [{ InstanceType: 'c6i.large' }],
    });
    expect(nodeGroup('slurmArm', 'login').InstanceConfigs).toEqual([{ InstanceType: 'c6g.large' }]);
    const launchTemplate = idOf('slurm', 'AWS::EC2::LaunchTemplate', 'SlurmLoginLaunchTemplate');
    expect(login.CustomLaunchTemplate.Version).toEqual({ 'Fn::GetAtt': [launchTemplate, 'LatestVersionNumber'] });
    const data = resourcesOfType(templateOf('slurm'), 'AWS::EC2::LaunchTemplate')[launchTemplate].Properties.LaunchTemplateData;
    expect(data.NetworkInterfaces).toBeUndefined();
    expect(data.SecurityGroupIds).toEqual([fabricGroup('slurm')]);
    expect(data.MetadataOptions).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
    expect(data.KeyName).toBeUndefined();
    expect(JSON.stringify(propertiesOf('slurm', 'AWS::IAM::Role'))).toContain('AmazonSSMManagedInstanceCore');
  });

  test('EC2: with network interfaces, no launch template has top-level security groups (EFA template); IMDSv2 on both', () => {
    for (const launchTemplate of propertiesOf('slurm', 'AWS::EC2::LaunchTemplate')) {
      const data = launchTemplate.LaunchTemplateData;
      if (data.NetworkInterfaces) expect(data.SecurityGroupIds).toBeUndefined();
      expect(data.MetadataOptions.HttpTokens).toBe('required');
    }
  });

  // Node lifecycle actions run before slurmd starts; OnError TERMINATE ends a node whose script
  // fails; Checksum is the script's SHA-256 (AWS::PCS::ComputeNodeGroup NodeLifecycleActions:
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-pcs-computenodegroup.html).
  test('PCS failed nodes: the fabric check and the /fsx mount run before slurmd, checked by SHA-256, and a failure terminates the node', () => {
    const sha256 = (file: string) =>
      crypto
        .createHash('sha256')
        .update(fs.readFileSync(path.join(REPO, 'hpc-node', file)))
        .digest('hex');
    const compute = nodeGroup('slurm', 'compute').NodeLifecycleActions.Stages.NodeBootstrapped;
    expect(compute.map((action: { Name: string }) => action.Name)).toEqual(['FabricCheck', 'MountLustre']);
    expect(compute[0]).toMatchObject({
      Arguments: ['--on-fabric-failure', 'exit', '--efa-interfaces', '1'],
      OnError: 'TERMINATE',
      ScriptSource: { Checksum: sha256('install-efa.sh') },
    });
    expect(compute[1]).toMatchObject({ OnError: 'TERMINATE', ScriptSource: { Checksum: sha256('mount-lustre.sh') } });
    expect(compute[0].ScriptSource.ScriptLocation['Fn::Sub']).toMatch(
      /^s3:\/\/cdk-[a-z0-9]+-assets-\$\{AWS::AccountId\}-\$\{AWS::Region\}\/[0-9a-f]{64}\.sh$/,
    );
    const login = nodeGroup('slurm', 'login').NodeLifecycleActions.Stages.NodeBootstrapped;
    expect(login.map((action: { Name: string }) => action.Name)).toEqual(['MountLustre']);
    expect(nodeGroup('slurmArm', 'login').NodeLifecycleActions).toBeUndefined();
    // The compute template has no user data: the boot scripts run as lifecycle actions alone.
    for (const launchTemplate of propertiesOf('slurm', 'AWS::EC2::LaunchTemplate'))
      expect(launchTemplate.LaunchTemplateData.UserData).toBeUndefined();
  });

  test('PCS IAM: the nodes may read their boot scripts, each by its exact S3 key, and nothing else of the assets bucket', () => {
    const statements = propertiesOf('slurm', 'AWS::IAM::Policy').flatMap((policy) => policy.PolicyDocument.Statement);
    const s3 = statements.filter((statement) => JSON.stringify(statement.Action).includes('s3:'));
    expect(s3).toHaveLength(1);
    expect(s3[0].Action).toBe('s3:GetObject');
    expect(s3[0].Resource).toHaveLength(2); // the fabric check and the mount script
    for (const resource of s3[0].Resource) expect(JSON.stringify(resource)).toMatch(/\/[0-9a-f]{64}\.sh"/);
  });

  // The sample AMIs have no SSM parameter and are named aws-pcs-sample_ami-<os>-<arch>-slurm-<version>
  // (https://docs.aws.amazon.com/pcs/latest/userguide/working-with_ami_samples.html).
  test('PCS AMI: hpc.amiId when set; otherwise the newest sample AMI for the Slurm version and architecture, found at deploy time', () => {
    const lookup = only('slurm', 'Custom::PcsSampleAmi');
    expect(lookup.NamePrefix).toBe('aws-pcs-sample_ami-al2023-x86_64-slurm-25.11');
    const sampleAmi = { 'Fn::GetAtt': [idOf('slurm', 'Custom::PcsSampleAmi', 'SlurmSampleAmi'), 'ImageId'] };
    for (const group of ['compute', 'login'] as const) expect(nodeGroup('slurm', group).AmiId).toEqual(sampleAmi);
    for (const group of ['compute', 'login'] as const) expect(nodeGroup('slurmArm', group).AmiId).toBe('ami-0123456789abcdef0');
    expect(propertiesOf('slurmArm', 'Custom::PcsSampleAmi')).toEqual([]);
    const lookupRole = propertiesOf('slurm', 'AWS::IAM::Policy').flatMap((policy) => policy.PolicyDocument.Statement);
    expect(lookupRole).toContainEqual(expect.objectContaining({ Action: 'ec2:DescribeImages', Resource: '*' }));
  });

  test('outputs for a smoke test and a person: cluster id, queue, node groups, partition, how to find the login node', () => {
    const outputs = templateOf('slurm').toJSON().Outputs;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining([
        'PcsClusterId',
        'PcsQueueId',
        'SlurmPartition',
        'PcsComputeNodeGroupId',
        'PcsLoginNodeGroupId',
        'LoginNodeCommand',
        'Scheduler',
        'InstanceType',
        'NodeCount',
        'PcsClusterArn',
        'PcsQueueArn',
        'PcsComputeNodeGroupArn',
        'PcsLoginNodeGroupArn',
      ]),
    );
    expect(outputs.Scheduler.Value).toBe('slurm');
    // Cloud Control reads a PCS resource by its ARN (primaryIdentifier /properties/Arn of
    // AWS::PCS::Cluster, ::Queue and ::ComputeNodeGroup), so npm run smoke gets the ARNs.
    expect(outputs.PcsClusterArn.Value).toEqual({ 'Fn::GetAtt': [idOf('slurm', 'AWS::PCS::Cluster', 'SlurmCluster'), 'Arn'] });
    expect(JSON.stringify(outputs.LoginNodeCommand)).toContain('Name=tag:aws:pcs:compute-node-group-id,Values=');
    expect(Object.keys(resourcesOfType(templateOf('slurm'), 'AWS::EC2::KeyPair'))).toEqual([]);
  });
});

/**
 * Whether the template's rules let TCP `port` from a member of `group` reach another member:
 * ingress on the receiver AND egress on the sender, as a security group checks both.
 */
function tcpAllowedWithin(name: Name, port: number): boolean {
  const group = JSON.stringify(fabricGroup(name));
  const covers = (rule: Record<string, any>) =>
    rule.IpProtocol === '-1' || (rule.IpProtocol === 'tcp' && rule.FromPort <= port && port <= rule.ToPort);
  const ingress = propertiesOf(name, 'AWS::EC2::SecurityGroupIngress').filter(
    (rule) => JSON.stringify(rule.GroupId) === group && JSON.stringify(rule.SourceSecurityGroupId) === group && covers(rule),
  );
  const egress = propertiesOf(name, 'AWS::EC2::SecurityGroupEgress').filter(
    (rule) => JSON.stringify(rule.GroupId) === group && JSON.stringify(rule.DestinationSecurityGroupId) === group && covers(rule),
  );
  return ingress.length > 0 && egress.length > 0;
}

describe('ports: the one fabric group carries every PCS and Lustre port, both ways, and nothing comes in from outside', () => {
  // slurmctld 6817, slurmd 6818, slurmdbd 6819 (Slurm's defaults: https://slurm.schedmd.com/network.html),
  // srun's 60001-63000 (aws-samples/aws-hpc-recipes recipes/pcs/isolated_pcs/assets/networking/pcs-isolated-sgs.yaml,
  // SrunPortRange); Lustre's 988 and 1018-1023 (https://docs.aws.amazon.com/fsx/latest/LustreGuide/cannot-create-fs.html).
  test.each([
    ['slurmctld (nodes to the controller)', 6817],
    ['slurmd (controller and login node to compute nodes)', 6818],
    ['slurmdbd (accounting, if ever enabled)', 6819],
    ['srun I/O, lowest port', 60001],
    ['srun I/O, highest port', 63000],
    ['Lustre LNET', 988],
    ['Lustre, lowest client port', 1018],
    ['Lustre, highest client port', 1023],
  ])('%s: TCP %i within the group', (_what, port) => {
    expect(tcpAllowedWithin('slurm', port)).toBe(true);
  });

  test('EFA: all traffic to and from itself is still the one group of controller, login and compute nodes and file servers', () => {
    const group = fabricGroup('slurm');
    expect(only('slurm', 'AWS::PCS::Cluster').Networking.SecurityGroupIds).toEqual([group]);
    expect(only('slurm', 'AWS::FSx::FileSystem').SecurityGroupIds).toEqual([group]);
    expect(Object.keys(resourcesOfType(templateOf('slurm'), 'AWS::EC2::SecurityGroup'))).toHaveLength(1);
  });

  // PCS lists all-traffic outbound to 0.0.0.0/0 for the cluster group
  // (https://docs.aws.amazon.com/pcs/latest/APIReference/API_Networking.html); AWS's isolated PCS
  // recipe (pcs-isolated-sgs.yaml) runs the controller's group with Slurm's ports alone. Both are
  // met: every member is reachable on every port through the self rules, and HTTPS reaches the
  // AWS APIs (the PCS endpoint nodes register with); nothing else leaves, nothing enters from outside.
  test('no rule admits anything from outside the group; the only outbound beyond it is HTTPS', () => {
    const group = JSON.stringify(fabricGroup('slurm'));
    for (const rule of propertiesOf('slurm', 'AWS::EC2::SecurityGroupIngress')) {
      if (JSON.stringify(rule.GroupId) === group) expect(JSON.stringify(rule.SourceSecurityGroupId)).toBe(group);
    }
    const fabric = only('slurm', 'AWS::EC2::SecurityGroup');
    expect(fabric.SecurityGroupIngress ?? []).toEqual([]);
    expect(fabric.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
    ]);
  });
});

describe('FSx for Lustre', () => {
  const lustreConfigurations: Name[] = ['slurm', 'batchLustre', 'staticLustre'];

  // SCRATCH_2 takes 1200, 2400 or multiples of 2400 GiB; FileSystemTypeVersion defaults to 2.10
  // for scratch, 2.15 is recommended for new file systems (AWS::FSx::FileSystem:
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-fsx-filesystem.html).
  test.each(lustreConfigurations)(
    'FSx: SCRATCH_2 on Lustre 2.15 (set, not defaulted), in the one subnet and the fabric group (%s)',
    (name) => {
      expect(only(name, 'AWS::FSx::FileSystem')).toMatchObject({
        FileSystemType: 'LUSTRE',
        FileSystemTypeVersion: '2.15',
        LustreConfiguration: { DeploymentType: 'SCRATCH_2' },
        SubnetIds: [clusterSubnet],
        SecurityGroupIds: [fabricGroup(name)],
      });
    },
  );

  test('FSx: the smallest scratch capacity by default, hpc.lustreSizeGiB otherwise', () => {
    expect(only('slurm', 'AWS::FSx::FileSystem').StorageCapacity).toBe(1200);
    expect(only('batchLustre', 'AWS::FSx::FileSystem').StorageCapacity).toBe(2400);
    expect(propertiesOf('slurmArm', 'AWS::FSx::FileSystem')).toEqual([]);
  });

  // Data repository associations work on 2.12 and 2.15 file systems except SCRATCH_1
  // (https://docs.aws.amazon.com/fsx/latest/APIReference/API_CreateDataRepositoryAssociation.html);
  // "/" may be the path of a file system's first association only (API_DataRepositoryAssociation).
  test('FSx S3 link: one data repository association at "/", importing and exporting every change; none without hpc.lustreBucket', () => {
    expect(only('batchLustre', 'AWS::FSx::DataRepositoryAssociation')).toEqual({
      FileSystemId: { Ref: idOf('batchLustre', 'AWS::FSx::FileSystem', 'SharedStorageFileSystem') },
      FileSystemPath: '/',
      DataRepositoryPath: 's3://my-hpc-data/project-a/',
      BatchImportMetaDataOnCreate: true,
      S3: { AutoImportPolicy: { Events: ['NEW', 'CHANGED', 'DELETED'] }, AutoExportPolicy: { Events: ['NEW', 'CHANGED', 'DELETED'] } },
    });
    expect(only('batchLustre', 'AWS::FSx::FileSystem').LustreConfiguration.ImportPath).toBeUndefined();
    expect(propertiesOf('slurm', 'AWS::FSx::DataRepositoryAssociation')).toEqual([]);
  });

  // For ECS on EC2, AWS recommends mounting Lustre on the host and handing the mount point to the
  // containers (https://docs.aws.amazon.com/fsx/latest/LustreGuide/mounting-ecs.html).
  test('Batch: the hosts mount /fsx at boot (the ECS agent waits for it), and every job container gets it as a volume', () => {
    const userData = JSON.stringify(only('batchLustre', 'AWS::EC2::LaunchTemplate').LaunchTemplateData.UserData);
    expect(userData).toContain('export HPC_ON_STORAGE_FAILURE=withhold-ecs-agent');
    expect(userData).toContain('ConditionPathExists=/var/lib/hpc/shared-storage-ok');
    const container = only('batchLustre', 'AWS::Batch::JobDefinition').NodeProperties.NodeRangeProperties[0].Container;
    expect(container.Volumes).toEqual([{ Name: 'fsx', Host: { SourcePath: '/fsx' } }]);
    expect(container.MountPoints).toEqual([{ SourceVolume: 'fsx', ContainerPath: '/fsx' }]); // read-write
    expect(container.Environment).toContainEqual({ Name: 'HPC_SHARED_STORAGE', Value: '/fsx' });
  });

  test('static: a node mounts /fsx before it joins, and one that cannot marks itself Unhealthy', () => {
    const userData = JSON.stringify(only('staticLustre', 'AWS::EC2::LaunchTemplate').LaunchTemplateData.UserData);
    expect(userData).toContain('export HPC_ON_STORAGE_FAILURE=mark-unhealthy');
    expect(userData).toContain('HPC_SHARED_STORAGE=/fsx');
    expect(userData.indexOf('mount-lustre.sh')).toBeLessThan(userData.indexOf('NOT JOINING'));
  });

  test.each(['batchLustre', 'staticLustre'] as Name[])(
    'every node mounts the same file system: its DNS name and mount name (%s)',
    (name) => {
      const fileSystem = idOf(name, 'AWS::FSx::FileSystem', 'SharedStorageFileSystem');
      const userData = JSON.stringify(only(name, 'AWS::EC2::LaunchTemplate').LaunchTemplateData.UserData);
      expect(userData).toContain(`{"Fn::GetAtt":["${fileSystem}","LustreMountName"]}`);
      expect(userData).toContain(`{"Ref":"${fileSystem}"},".fsx.",{"Ref":"AWS::Region"}`);
    },
  );

  // EC2 limits user data to 16 KB (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html).
  test.each(['batchLustre', 'staticLustre'] as Name[])('EC2: the boot scripts with the Lustre mount still fit in 16 KB (%s)', (name) => {
    const userData = only(name, 'AWS::EC2::LaunchTemplate').LaunchTemplateData.UserData['Fn::Base64'];
    const parts: unknown[] = userData['Fn::Join'][1];
    const size = parts.reduce<number>((total, part) => total + (typeof part === 'string' ? Buffer.byteLength(part) : 64), 0);
    expect(size).toBeLessThanOrEqual(16 * 1024);
  });

  test('outputs: the file system id, mount name and DNS name', () => {
    expect(Object.keys(templateOf('batchLustre').toJSON().Outputs)).toEqual(
      expect.arrayContaining(['LustreFileSystemId', 'LustreMountName', 'LustreDnsName']),
    );
  });
});

describe('what PCS and FSx would refuse is refused at synth, one line each', () => {
  const refusal = (context: Record<string, string>) => configErrorFor(context).message;

  test('PCS: more compute nodes than the cluster size manages', () => {
    expect(refusal({ 'hpc.scheduler': 'slurm', 'hpc.nodes': '32' })).toBe(
      'Invalid config hpc.nodes="32": an AWS PCS cluster of size SMALL manages at most 32 compute nodes, the login node included: use 31 or fewer, or hpc.pcsSize=MEDIUM',
    );
  });

  test('PCS: a Slurm version it does not offer', () => {
    expect(refusal({ 'hpc.scheduler': 'slurm', 'hpc.slurmVersion': '23.11' })).toBe(
      'Invalid config hpc.slurmVersion="23.11": must be one of 24.11, 25.05, 25.11',
    );
  });

  test('FSx: a SCRATCH_2 capacity off the 1200 / 2400 / 2400-step scale', () => {
    expect(refusal({ 'hpc.sharedStorage': 'lustre', 'hpc.lustreSizeGiB': '3600' })).toContain('must be 1200, 2400 or a multiple of 2400');
  });

  test('FSx: an S3 link without a file system', () => {
    expect(refusal({ 'hpc.lustreBucket': 'my-hpc-data' })).toContain('needs a Lustre file system: set hpc.sharedStorage=lustre');
  });
});

test('snapshot: the summary of the Slurm default template (test/support/template-summary.ts)', () => {
  expect(summarizeTemplate(templateOf('slurm'))).toMatchSnapshot();
});
