import { type AutoScalingGroup, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, type Instance } from '@aws-sdk/client-ec2';
import { ActionableError, asIamAction } from '../../shared/failure-line';
import { type CheckRow, fail, pass } from '../check-result';
import type { StackCheckContext } from '../stack-check';
import { requireOutputs } from '../stack-outputs';
import type { ClusterShape, SchedulerSmokeCheck } from './scheduler-check';

/**
 * `hpc.scheduler=static`: the fixed Auto Scaling group has every node in service, all in one
 * Availability Zone and in the group's cluster placement group.
 */
export const staticClusterCheck: SchedulerSmokeCheck = {
  scheduler: 'static',
  iamStatements: [
    {
      sid: 'SmokeHpcStaticRead',
      // Neither supports resource-level permissions (Service Authorization Reference, Amazon EC2 Auto
      // Scaling and Amazon EC2).
      actions: ['autoscaling:DescribeAutoScalingGroups', 'ec2:DescribeInstances'],
      resources: ['*'],
    },
  ],

  async run(context, cluster) {
    const { AutoScalingGroupName: groupName } = requireOutputs(context.stack, ['AutoScalingGroupName']);
    const group = await describeGroup(context, groupName);
    const members = group.Instances ?? [];
    const instances =
      members.length === 0
        ? []
        : await describeInstances(
            context,
            members.map((member) => member.InstanceId ?? ''),
          );
    return [inServiceRow(group, cluster), availabilityZoneRow(instances), placementGroupRow(group, instances)];
  },
};

async function describeGroup(context: StackCheckContext, name: string): Promise<AutoScalingGroup> {
  const { AutoScalingGroups } = await asIamAction('autoscaling:DescribeAutoScalingGroups', () =>
    context.clients.autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })),
  );
  const group = AutoScalingGroups?.[0];
  if (group === undefined) throw new ActionableError(`the Auto Scaling group ${name} (output AutoScalingGroupName) does not exist`);
  return group;
}

async function describeInstances(context: StackCheckContext, instanceIds: string[]): Promise<Instance[]> {
  const { Reservations } = await asIamAction('ec2:DescribeInstances', () =>
    context.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: instanceIds })),
  );
  return (Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []);
}

/**
 * In service means the group's lifecycle state InService and health Healthy
 * (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_Instance.html): a node whose fabric
 * check failed marks itself Unhealthy and is replaced.
 */
function inServiceRow(group: AutoScalingGroup, cluster: ClusterShape): CheckRow {
  const members = group.Instances ?? [];
  const ready = members.filter((member) => member.LifecycleState === 'InService' && member.HealthStatus === 'Healthy');
  const wrongType = members.filter((member) => member.InstanceType !== undefined && member.InstanceType !== cluster.instanceType);
  const detail = `${ready.length} of ${cluster.nodes} nodes InService and Healthy`;
  const others = members
    .filter((member) => !ready.includes(member))
    .map((member) => `${member.InstanceId} ${member.LifecycleState}/${member.HealthStatus}`);
  if (ready.length === cluster.nodes && others.length === 0 && wrongType.length === 0) {
    return pass('instances in service', `${detail} (${cluster.instanceType})`, { value: ready.length, unit: 'nodes' });
  }
  const why = [
    others.length > 0 ? `not ready: ${others.join(', ')}` : '',
    wrongType.length > 0
      ? `not ${cluster.instanceType}: ${wrongType.map((member) => `${member.InstanceId} ${member.InstanceType}`).join(', ')}`
      : '',
    members.length === 0 ? 'the group has no instances yet' : '',
  ].filter((part) => part !== '');
  return fail('instances in service', `${detail}${why.length > 0 ? `; ${why.join('; ')}` : ''}`, { value: ready.length, unit: 'nodes' });
}

function availabilityZoneRow(instances: readonly Instance[]): CheckRow {
  if (instances.length === 0) return fail('one AZ', 'no instances to check');
  const zones = groupBy(instances, (instance) => instance.Placement?.AvailabilityZone ?? 'unknown');
  if (zones.size === 1) return pass('one AZ', `all ${instances.length} nodes in ${[...zones.keys()][0]}`);
  return fail('one AZ', `the nodes are spread over ${zones.size} zones: ${describeGroups(zones)}`);
}

/** Every node in the placement group the Auto Scaling group launches into (the stack's cluster placement group). */
function placementGroupRow(group: AutoScalingGroup, instances: readonly Instance[]): CheckRow {
  const expected = group.PlacementGroup;
  if (expected === undefined || expected === '')
    return fail('placement group', `the Auto Scaling group ${group.AutoScalingGroupName} names no placement group`);
  if (instances.length === 0) return fail('placement group', 'no instances to check');
  const elsewhere = instances.filter((instance) => instance.Placement?.GroupName !== expected);
  if (elsewhere.length === 0) return pass('placement group', `all ${instances.length} nodes in ${expected}`);
  return fail(
    'placement group',
    `not in ${expected}: ${elsewhere.map((instance) => `${instance.InstanceId} (${instance.Placement?.GroupName || 'none'})`).join(', ')}`,
  );
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

function describeGroups(groups: Map<string, Instance[]>): string {
  return [...groups].map(([zone, members]) => `${zone}: ${members.map((instance) => instance.InstanceId).join(' ')}`).join('; ');
}
