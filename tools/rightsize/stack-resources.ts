import { paginateGetResources, type ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { asIamAction } from '../shared/failure-line';
import type { Log } from '../shared/output';
import { APP_STACKS } from '../shared/app-stacks';

/** The stacks whose resources rightsize reports on by default: the app's three stacks. */
export const DEFAULT_STACKS = APP_STACKS;

/** CloudFormation tags every resource it creates (that supports tags) with its stack's name. */
export const STACK_NAME_TAG = 'aws:cloudformation:stack-name';

/** The resource kinds Compute Optimizer gives rightsizing recommendations for, that the stacks create. */
export type ResourceKind = 'auto-scaling-group' | 'ec2-instance' | 'lambda-function' | 'ecs-service';

/** A resource of one of the stacks. */
export interface StackResource {
  readonly arn: string;
  readonly stack: string;
  readonly kind: ResourceKind;
  /** A short name for the table: the group, instance id, function, or cluster/service. */
  readonly name: string;
}

/** The Tagging API's resource type filters for the kinds above, so it returns nothing else. */
const RESOURCE_TYPE_FILTERS = ['autoscaling:autoScalingGroup', 'ec2:instance', 'lambda:function', 'ecs:service'];

/**
 * The stacks' resources in the client's region, found by CloudFormation's stack-name tag
 * rather than by reading the stacks: one paginated call covers every stack, and it also finds
 * the instances an Auto Scaling group launched (CloudFormation's tags propagate to them).
 */
export async function findStackResources(
  tagging: ResourceGroupsTaggingAPIClient,
  stacks: readonly string[],
  log: Log,
): Promise<StackResource[]> {
  return asIamAction('tag:GetResources', async () => {
    const resources: StackResource[] = [];
    let pages = 0;
    const input = { TagFilters: [{ Key: STACK_NAME_TAG, Values: [...stacks] }], ResourceTypeFilters: RESOURCE_TYPE_FILTERS };
    for await (const page of paginateGetResources({ client: tagging, pageSize: 100 }, input)) {
      for (const mapping of page.ResourceTagMappingList ?? []) {
        const stack = mapping.Tags?.find((tag) => tag.Key === STACK_NAME_TAG)?.Value;
        const parsed = mapping.ResourceARN ? parseResourceArn(mapping.ResourceARN) : undefined;
        if (stack !== undefined && parsed !== undefined) resources.push({ arn: mapping.ResourceARN!, stack, ...parsed });
      }
      pages += 1;
      log(`tag:GetResources: page ${pages}, ${resources.length} resources so far`);
    }
    return resources;
  });
}

/**
 * The kind and short name of a resource ARN, or `undefined` for kinds this tool does not cover.
 * `arn:aws:ecs:us-east-1:123456789012:service/workers/thumbs` -> ecs-service `workers/thumbs`.
 */
export function parseResourceArn(arn: string): { kind: ResourceKind; name: string } | undefined {
  const [, , service, , , ...rest] = arn.split(':');
  const resource = rest.join(':');
  if (service === 'autoscaling' && resource.startsWith('autoScalingGroup:')) {
    return { kind: 'auto-scaling-group', name: resource.split('autoScalingGroupName/')[1] ?? resource };
  }
  if (service === 'ec2' && resource.startsWith('instance/')) return { kind: 'ec2-instance', name: resource.slice('instance/'.length) };
  if (service === 'lambda' && resource.startsWith('function:')) return { kind: 'lambda-function', name: resource.split(':')[1] };
  if (service === 'ecs' && resource.startsWith('service/')) return { kind: 'ecs-service', name: resource.slice('service/'.length) };
  return undefined;
}
