import { UsageError } from './cli-args';

/** Region names such as `us-east-1`, `eu-central-2`, `us-gov-west-1`, `ap-southeast-5`. */
const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/**
 * What every SDK client of a tool is built from. Fields left undefined fall back to the SDK's
 * own chain (AWS_REGION / AWS_PROFILE / ~/.aws/config), so the tools resolve region and
 * credentials exactly as the AWS CLI does.
 */
export interface AwsSettings {
  readonly region?: string;
  /** Sets the client's `profile`: region and credentials both come from that profile. */
  readonly profile?: string;
}

/** The settings from `--region` and `--profile`, with the region name checked before any call. */
export function awsSettingsFromFlags(flags: { region?: string; profile?: string }): AwsSettings {
  return {
    region: flags.region === undefined ? undefined : checkRegionName(flags.region, '--region'),
    profile: flags.profile,
  };
}

/**
 * Refuses a malformed region name up front: the SDK would otherwise build an endpoint host from
 * it and fail later with a DNS error that does not say which value was wrong.
 */
export function checkRegionName(region: string, source: string): string {
  if (!REGION_NAME.test(region)) {
    throw new UsageError(`${source}=${JSON.stringify(region)} is not an AWS region name such as us-east-1 or eu-west-1`);
  }
  return region;
}

/** Any SDK v3 client: its resolved config exposes the region as an async provider. */
interface ClientWithRegion {
  readonly config: { region: () => Promise<string> };
}

/**
 * The region a client resolved (flag, environment or profile), checked like a flag. The SDK
 * throws "Region is missing" when nothing sets one; the failure printer turns that into one line.
 */
export async function resolvedRegion(client: ClientWithRegion): Promise<string> {
  return checkRegionName(await client.config.region(), "the configured region (AWS_REGION or the profile's region)");
}
