import type { EC2Client, InstanceTypeInfo } from '@aws-sdk/client-ec2';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { LOGIN_INSTANCE_TYPES, type HpcConfig } from '../../lib/config';
import { availabilityZonesOffering, describeInstanceType, findPlacementGroups, firstAvailabilityZone } from './ec2-lookups';
import { pcsRegions } from './pcs-lookups';

/** `info` rows report without judging: they never fail the run. */
export type CheckStatus = 'pass' | 'fail' | 'info';

/** One row of the preflight table. */
export interface CheckResult {
  /** Stable id for scripts reading `--json`. */
  readonly id:
    'availability-zone' | 'offered-in-az' | 'efa-supported' | 'catalog-matches' | 'placement-group' | 'pcs-in-region' | 'login-type-in-az';
  readonly status: CheckStatus;
  readonly detail: string;
}

/** What preflight checked, and for which cluster. */
export interface PreflightReport {
  readonly target: {
    readonly profile: string;
    readonly scheduler: string;
    readonly instanceType: string;
    readonly nodes: number;
    readonly purchaseOption: string;
    readonly region: string;
    /** The AZ checked: the configured one, or the region's first. Unset when the region has none. */
    readonly availabilityZone?: string;
    readonly availabilityZoneSource: 'hpc.availabilityZone' | 'first AZ of the region';
  };
  readonly checks: readonly CheckResult[];
  /** True when no check failed: the exit code is 0 exactly then. */
  readonly ok: boolean;
}

/** Options that are not config keys. */
export interface PreflightOptions {
  /** A placement group name to check for a clash; without it, existing cluster groups are listed. */
  readonly placementGroup?: string;
  /**
   * An SSM client for AWS's list of the Regions each service is offered in; needed for
   * `hpc.scheduler=slurm` only.
   * @default - no PCS check
   */
  readonly ssm?: SSMClient;
}

/**
 * Asks EC2 whether the HPC cluster, as synth would build it from `hpc`, can launch in `region`
 * (the client's region): the AZ, the type's offering there, its EFA support against the
 * catalog the stack sizes its launch templates from, and placement group names.
 */
export async function runPreflight(
  ec2: EC2Client,
  hpc: HpcConfig,
  region: string,
  options: PreflightOptions = {},
): Promise<PreflightReport> {
  const checks: CheckResult[] = [];
  const availabilityZone = hpc.availabilityZone ?? (await firstAvailabilityZone(ec2));
  const availabilityZoneSource = hpc.availabilityZone ? 'hpc.availabilityZone' : 'first AZ of the region';
  checks.push(
    availabilityZone === undefined
      ? { id: 'availability-zone', status: 'fail', detail: `${region} lists no available Availability Zone for this account` }
      : { id: 'availability-zone', status: 'pass', detail: `${availabilityZone} (${availabilityZoneSource})` },
  );

  if (hpc.scheduler === 'slurm' && options.ssm !== undefined) checks.push(await pcsRegionCheck(options.ssm, region));
  if (availabilityZone !== undefined) {
    checks.push(offeringCheck(hpc.instanceType, availabilityZone, region, await availabilityZonesOffering(ec2, hpc.instanceType)));
    if (hpc.scheduler === 'slurm') {
      const loginType = LOGIN_INSTANCE_TYPES[hpc.instance.architecture];
      const offered = offeringCheck(loginType, availabilityZone, region, await availabilityZonesOffering(ec2, loginType));
      checks.push({ ...offered, id: 'login-type-in-az', detail: `login node: ${offered.detail}` });
    }
  }
  const info = await describeInstanceType(ec2, hpc.instanceType);
  checks.push(efaCheck(hpc.instanceType, region, info));
  if (info?.NetworkInfo?.EfaSupported) checks.push(catalogCheck(hpc, info));
  checks.push(await placementGroupCheck(ec2, options.placementGroup));

  return {
    target: {
      profile: hpc.profile,
      scheduler: hpc.scheduler,
      instanceType: hpc.instanceType,
      nodes: hpc.nodes,
      purchaseOption: hpc.purchaseOption,
      region,
      availabilityZone,
      availabilityZoneSource,
    },
    checks,
    ok: checks.every((check) => check.status !== 'fail'),
  };
}

/** AWS PCS must be offered in the Region, or CloudFormation cannot create the cluster. */
async function pcsRegionCheck(ssm: SSMClient, region: string): Promise<CheckResult> {
  const regions = await pcsRegions(ssm);
  if (regions.length === 0) {
    return {
      id: 'pcs-in-region',
      status: 'info',
      detail: "AWS's Region list has no entry for PCS: could not check; see the AWS PCS endpoints page",
    };
  }
  return regions.includes(region)
    ? { id: 'pcs-in-region', status: 'pass', detail: `AWS PCS is offered in ${region}` }
    : { id: 'pcs-in-region', status: 'fail', detail: `AWS PCS is not offered in ${region}; it is in ${regions.join(', ')}` };
}

function offeringCheck(instanceType: string, availabilityZone: string, region: string, offeredIn: string[]): CheckResult {
  if (offeredIn.includes(availabilityZone)) {
    return { id: 'offered-in-az', status: 'pass', detail: `${instanceType} is offered in ${availabilityZone}` };
  }
  const elsewhere =
    offeredIn.length > 0
      ? `; ${region} offers it in ${offeredIn.join(', ')}: set -c hpc.availabilityZone=${offeredIn[0]}`
      : `, nor anywhere else in ${region}: pick another region or instance type`;
  return { id: 'offered-in-az', status: 'fail', detail: `${instanceType} is not offered in ${availabilityZone}${elsewhere}` };
}

function efaCheck(instanceType: string, region: string, info: InstanceTypeInfo | undefined): CheckResult {
  if (info === undefined) return { id: 'efa-supported', status: 'fail', detail: `${region} does not know ${instanceType}` };
  if (!info.NetworkInfo?.EfaSupported)
    return { id: 'efa-supported', status: 'fail', detail: `EC2 says ${instanceType} has no EFA support` };
  const interfaces = info.NetworkInfo.EfaInfo?.MaximumEfaInterfaces;
  return { id: 'efa-supported', status: 'pass', detail: `EFA supported, up to ${interfaces ?? '?'} EFA interfaces per instance` };
}

/**
 * The stack builds one EFA interface per network card from the catalog's figures; if EC2 now
 * says otherwise, the launch template would ask for interfaces the type does not have.
 */
function catalogCheck(hpc: HpcConfig, info: InstanceTypeInfo): CheckResult {
  const live = {
    maxEfaInterfaces: info.NetworkInfo?.EfaInfo?.MaximumEfaInterfaces,
    maximumNetworkCards: info.NetworkInfo?.MaximumNetworkCards,
  };
  const stale = (Object.keys(live) as (keyof typeof live)[]).filter((field) => live[field] !== hpc.instance[field]);
  if (stale.length === 0) {
    const figures = `${hpc.instance.maxEfaInterfaces} EFA interfaces, ${hpc.instance.maximumNetworkCards} network cards`;
    return { id: 'catalog-matches', status: 'pass', detail: `lib/hpc/efa-catalog.json agrees (${figures})` };
  }
  const differences = stale
    .map((field) => `${field} ${hpc.instance[field]} in the catalog, ${live[field] ?? 'unknown'} from EC2`)
    .join('; ');
  return { id: 'catalog-matches', status: 'fail', detail: `${differences}: regenerate with npm run efa-catalog` };
}

async function placementGroupCheck(ec2: EC2Client, name: string | undefined): Promise<CheckResult> {
  const groups = await findPlacementGroups(ec2, name);
  if (name !== undefined) {
    const clash = groups[0];
    return clash === undefined
      ? { id: 'placement-group', status: 'pass', detail: `no placement group named ${name} exists yet` }
      : {
          id: 'placement-group',
          status: 'fail',
          detail: `a ${clash.Strategy ?? ''} placement group named ${name} already exists (${clash.State ?? 'unknown state'}): pick another name`,
        };
  }
  const names = groups.map((group) => group.GroupName ?? group.GroupId ?? '?').sort();
  return {
    id: 'placement-group',
    status: 'info',
    detail:
      'the stack creates its own cluster placement group under a generated name, so no clash is possible; ' +
      (names.length > 0
        ? `existing cluster placement groups in the region: ${names.join(', ')}`
        : 'the region has no cluster placement groups yet'),
  };
}
