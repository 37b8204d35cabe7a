import { type EC2Client, type InstanceTypeInfo, paginateDescribeInstanceTypes } from '@aws-sdk/client-ec2';
import { asIamAction } from '../shared/failure-line';
import type { Log } from '../shared/output';

/** The filter that makes EC2 answer with EFA-capable types only. */
export const EFA_SUPPORTED_FILTER = { Name: 'network-info.efa-supported', Values: ['true'] };

/**
 * Every EFA-capable instance type one region offers, across all pages of DescribeInstanceTypes.
 * Logs one progress line per page: a full listing takes several pages.
 */
export async function describeEfaInstanceTypes(ec2: EC2Client, region: string, log: Log): Promise<InstanceTypeInfo[]> {
  return asIamAction('ec2:DescribeInstanceTypes', async () => {
    const instanceTypes: InstanceTypeInfo[] = [];
    let pages = 0;
    // 100 is the API's largest page size: the fewest round trips.
    for await (const page of paginateDescribeInstanceTypes({ client: ec2, pageSize: 100 }, { Filters: [EFA_SUPPORTED_FILTER] })) {
      instanceTypes.push(...(page.InstanceTypes ?? []));
      pages += 1;
      log(`${region}: page ${pages}, ${instanceTypes.length} EFA instance types so far`);
    }
    return instanceTypes;
  });
}
