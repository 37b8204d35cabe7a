import { type AutoScalingGroup, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, type Instance } from '@aws-sdk/client-ec2';
import { STACK_CHECKS } from '../../../tools/smoke/main';
import { smokeIamStatements } from '../../../tools/smoke/smoke-iam-policy';
import { STATIC_OUTPUTS } from './fixtures';
import { actionsSent, deployStacks, expectDocsExample, mocks, resetMocks, rowsByCheck, runSmoke } from './smoke-harness';

const PLACEMENT_GROUP = 'HpcClusterStack-FabricPlacementGroup-1A2B3C';

afterEach(() => {
  const allowed = smokeIamStatements(['HpcClusterStack'], STACK_CHECKS).flatMap((statement) => statement.actions);
  expect(allowed).toEqual(expect.arrayContaining(actionsSent()));
  resetMocks();
});

interface Node {
  readonly id: string;
  readonly zone?: string;
  readonly placementGroup?: string;
  readonly lifecycle?: string;
  readonly health?: string;
}

/** A static cluster whose group holds `nodes`. */
function answerGroup(nodes: readonly Node[], group: Partial<AutoScalingGroup> = {}): void {
  deployStacks({ HpcClusterStack: STATIC_OUTPUTS });
  mocks.autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({
    AutoScalingGroups: [
      {
        AutoScalingGroupName: STATIC_OUTPUTS.AutoScalingGroupName,
        MinSize: 2,
        MaxSize: 2,
        DesiredCapacity: 2,
        DefaultCooldown: 300,
        AvailabilityZones: ['eu-west-1a'],
        HealthCheckType: 'EC2',
        CreatedTime: new Date(0),
        PlacementGroup: PLACEMENT_GROUP,
        Instances: nodes.map((node) => ({
          InstanceId: node.id,
          InstanceType: 'c5n.18xlarge',
          AvailabilityZone: node.zone ?? 'eu-west-1a',
          LifecycleState: (node.lifecycle ?? 'InService') as 'InService',
          HealthStatus: node.health ?? 'Healthy',
          ProtectedFromScaleIn: false,
        })),
        ...group,
      },
    ],
  });
  const instances: Instance[] = nodes.map((node) => ({
    InstanceId: node.id,
    InstanceType: 'c5n.18xlarge',
    Placement: { AvailabilityZone: node.zone ?? 'eu-west-1a', GroupName: node.placementGroup ?? PLACEMENT_GROUP },
  }));
  mocks.ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: instances }] });
}

const checksOf = async () => rowsByCheck((await runSmoke(['HpcClusterStack', '--region', 'eu-west-1', '--json'])).json().checks);

test('two nodes in service, in one AZ and the placement group: pass', async () => {
  answerGroup([{ id: 'i-0aaa' }, { id: 'i-0bbb' }]);
  const run = await runSmoke(['HpcClusterStack', '--region', 'eu-west-1', '--json']);
  expect(run.exitCode).toBe(0);
  const rows = rowsByCheck(run.json().checks);
  expect(rows['HpcClusterStack instances in service'].detail).toBe('2 of 2 nodes InService and Healthy (c5n.18xlarge)');
  expect(rows['HpcClusterStack one AZ'].detail).toBe('all 2 nodes in eu-west-1a');
  expect(rows['HpcClusterStack placement group'].detail).toBe(`all 2 nodes in ${PLACEMENT_GROUP}`);
  expect(mocks.autoScaling.commandCalls(DescribeAutoScalingGroupsCommand)[0].args[0].input).toEqual({
    AutoScalingGroupNames: [STATIC_OUTPUTS.AutoScalingGroupName],
  });
  expect(mocks.ec2.commandCalls(DescribeInstancesCommand)[0].args[0].input).toEqual({ InstanceIds: ['i-0aaa', 'i-0bbb'] });
  expectDocsExample('docs/hpc.md', 'static', (await runSmoke(['HpcClusterStack', '--region', 'eu-west-1'])).stdout);
});

test('a node being replaced: not in service, named with its state', async () => {
  answerGroup([{ id: 'i-0aaa' }, { id: 'i-0bbb', lifecycle: 'Terminating', health: 'Unhealthy' }]);
  expect((await checksOf())['HpcClusterStack instances in service']).toMatchObject({
    status: 'fail',
    detail: '1 of 2 nodes InService and Healthy; not ready: i-0bbb Terminating/Unhealthy',
  });
});

test('nodes in two AZs', async () => {
  answerGroup([{ id: 'i-0aaa' }, { id: 'i-0bbb', zone: 'eu-west-1b' }]);
  expect((await checksOf())['HpcClusterStack one AZ']).toMatchObject({
    status: 'fail',
    detail: 'the nodes are spread over 2 zones: eu-west-1a: i-0aaa; eu-west-1b: i-0bbb',
  });
});

test('a node outside the placement group, and a group that names none', async () => {
  answerGroup([{ id: 'i-0aaa' }, { id: 'i-0bbb', placementGroup: '' }]);
  expect((await checksOf())['HpcClusterStack placement group']).toMatchObject({
    status: 'fail',
    detail: `not in ${PLACEMENT_GROUP}: i-0bbb (none)`,
  });
  resetMocks();
  answerGroup([{ id: 'i-0aaa' }, { id: 'i-0bbb' }], { PlacementGroup: undefined });
  expect((await checksOf())['HpcClusterStack placement group'].detail).toBe(
    `the Auto Scaling group ${STATIC_OUTPUTS.AutoScalingGroupName} names no placement group`,
  );
});

test('an empty group: every row fails, and no instance is asked about', async () => {
  answerGroup([]);
  const rows = await checksOf();
  expect(rows['HpcClusterStack instances in service'].detail).toBe('0 of 2 nodes InService and Healthy; the group has no instances yet');
  expect(rows['HpcClusterStack one AZ'].detail).toBe('no instances to check');
  expect(mocks.ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
});

test('the group named by the output is gone', async () => {
  deployStacks({ HpcClusterStack: STATIC_OUTPUTS });
  mocks.autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
  expect((await checksOf())['HpcClusterStack static check'].detail).toBe(
    `the Auto Scaling group ${STATIC_OUTPUTS.AutoScalingGroupName} (output AutoScalingGroupName) does not exist`,
  );
});

test('Auto Scaling throttled past the SDK retries: one row naming the action and the attempts', async () => {
  deployStacks({ HpcClusterStack: STATIC_OUTPUTS });
  mocks.autoScaling
    .on(DescribeAutoScalingGroupsCommand)
    .rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { attempts: 3, httpStatusCode: 400 } }));
  expect((await checksOf())['HpcClusterStack static check'].detail).toBe(
    'AWS throttled autoscaling:DescribeAutoScalingGroups and 3 attempts were used up: wait a minute and run again (or raise AWS_MAX_ATTEMPTS).',
  );
});
