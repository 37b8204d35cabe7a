import { paginateGetParametersByPath, type SSMClient } from '@aws-sdk/client-ssm';
import { asIamAction } from '../shared/failure-line';

/**
 * Where AWS publishes which Regions offer a service: public SSM parameters under
 * /aws/service/global-infrastructure/services/<service>/regions, one per Region, its value the
 * Region's name (https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-public-parameters-global-infrastructure.html).
 */
export const PCS_REGIONS_PATH = '/aws/service/global-infrastructure/services/pcs/regions';

/**
 * The global-infrastructure path answers only in these Regions (same page); from any other, ask
 * us-east-1, as the page suggests.
 */
const GLOBAL_INFRASTRUCTURE_REGIONS = new Set([
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ap-east-1',
  'ap-south-1',
  'ap-northeast-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-northeast-1',
  'ca-central-1',
  'eu-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-north-1',
  'sa-east-1',
]);

/** The Region to send the global-infrastructure query to, for a stack in `region`. */
export function globalInfrastructureRegion(region: string): string {
  return GLOBAL_INFRASTRUCTURE_REGIONS.has(region) ? region : 'us-east-1';
}

/** The Regions AWS lists for AWS PCS, sorted; empty when the list has no entry for PCS at all. */
export async function pcsRegions(ssm: SSMClient): Promise<string[]> {
  return asIamAction('ssm:GetParametersByPath', async () => {
    const regions: string[] = [];
    for await (const page of paginateGetParametersByPath({ client: ssm }, { Path: PCS_REGIONS_PATH })) {
      regions.push(...(page.Parameters ?? []).flatMap((parameter) => (parameter.Value ? [parameter.Value] : [])));
    }
    return regions.sort();
  });
}
