import {
  DescribeAvailabilityZonesCommand,
  DescribeInstanceTypesCommand,
  DescribePlacementGroupsCommand,
  type EC2Client,
  type InstanceTypeInfo,
  paginateDescribeInstanceTypeOfferings,
  type PlacementGroup,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import { asIamAction } from '../shared/failure-line';

/**
 * The AZ an env-agnostic HpcClusterStack lands in when `hpc.availabilityZone` is unset: the
 * VPC takes the first of `Fn::GetAZs`, which lists the region's available Availability Zones
 * (not Local or Wavelength Zones) in alphabetical order. `undefined` when the region has none.
 */
export async function firstAvailabilityZone(ec2: EC2Client): Promise<string | undefined> {
  const answer = await asIamAction('ec2:DescribeAvailabilityZones', () =>
    ec2.send(
      new DescribeAvailabilityZonesCommand({
        Filters: [
          { Name: 'zone-type', Values: ['availability-zone'] },
          { Name: 'state', Values: ['available'] },
        ],
      }),
    ),
  );
  return (answer.AvailabilityZones ?? [])
    .map((zone) => zone.ZoneName)
    .filter((name): name is string => name !== undefined)
    .sort()[0];
}

/** The AZs of the client's region that offer `instanceType`, sorted by name. */
export async function availabilityZonesOffering(ec2: EC2Client, instanceType: string): Promise<string[]> {
  return asIamAction('ec2:DescribeInstanceTypeOfferings', async () => {
    const zones: string[] = [];
    const pages = paginateDescribeInstanceTypeOfferings(
      { client: ec2 },
      { LocationType: 'availability-zone', Filters: [{ Name: 'instance-type', Values: [instanceType] }] },
    );
    for await (const page of pages) {
      zones.push(...(page.InstanceTypeOfferings ?? []).flatMap((offering) => (offering.Location ? [offering.Location] : [])));
    }
    return [...new Set(zones)].sort();
  });
}

/**
 * What EC2 says about `instanceType` in the client's region; `undefined` when the region does
 * not know the type at all (EC2 answers that with an InvalidInstanceType error, which here is
 * a finding, not a failure of the tool).
 */
export async function describeInstanceType(ec2: EC2Client, instanceType: string): Promise<InstanceTypeInfo | undefined> {
  return asIamAction('ec2:DescribeInstanceTypes', async () => {
    try {
      // The SDK's enum lags behind new types; EC2 itself takes any name.
      const answer = await ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: [instanceType as _InstanceType] }));
      return answer.InstanceTypes?.[0];
    } catch (error) {
      if ((error as { name?: string }).name === 'InvalidInstanceType') return undefined;
      throw error;
    }
  });
}

/**
 * Placement groups of the client's region: the one named `name` when given, otherwise every
 * available cluster placement group. (EC2 does not say which AZ a cluster group is bound to:
 * it binds on the first launch and the API never reports it.)
 */
export async function findPlacementGroups(ec2: EC2Client, name?: string): Promise<PlacementGroup[]> {
  const filters =
    name === undefined
      ? [
          { Name: 'strategy', Values: ['cluster'] },
          { Name: 'state', Values: ['available'] },
        ]
      : // A filter, not GroupNames: GroupNames fails with InvalidPlacementGroup.Unknown when the name is free.
        [{ Name: 'group-name', Values: [name] }];
  const answer = await asIamAction('ec2:DescribePlacementGroups', () => ec2.send(new DescribePlacementGroupsCommand({ Filters: filters })));
  return answer.PlacementGroups ?? [];
}
