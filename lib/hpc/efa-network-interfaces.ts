import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { EfaInstanceType } from './efa-instance-types';

/** Where every interface of a node goes: the fabric's one subnet and one security group. */
export interface EfaInterfacePlacement {
  readonly subnetId: string;
  readonly securityGroupId: string;
}

/** One interface of the layout, before it becomes launch template data. */
interface PlannedInterface {
  readonly networkCardIndex: number;
  readonly deviceIndex: number;
  readonly interfaceType: 'efa' | 'interface';
}

/**
 * The interfaces of one node: one per network card, EFA wherever the type allows it.
 *
 * - Card 0 carries the primary interface (device index 0), which gives the node its IP address.
 * - Every further card gets one EFA interface at device index 1.
 * - A type with fewer EFA interfaces than cards (p6-b300.48xlarge: 17 cards, 16 EFA) has no EFA
 *   on card 0: its primary interface is plain ENA and the EFA interfaces take cards 1 to 16.
 *   (EC2 User Guide, "Maximize network bandwidth on Amazon EC2 instances with multiple network
 *   cards": https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html)
 *
 * One interface per card fits every card's limit, including hpc6id.32xlarge's cards that take
 * one interface each; planInterfaces() checks the limits anyway, so a future layout change that
 * broke them fails at synth, not at launch.
 */
function planInterfaces(instance: EfaInstanceType): PlannedInterface[] {
  const cards = instance.maximumNetworkCards;
  const efaCards = Math.min(instance.maxEfaInterfaces, cards);
  const firstEfaCard = cards - efaCards;
  const plan = Array.from({ length: cards }, (_, card) => ({
    networkCardIndex: card,
    deviceIndex: card === 0 ? 0 : 1,
    interfaceType: card >= firstEfaCard ? ('efa' as const) : ('interface' as const),
  }));
  // Cards before the first EFA card other than card 0 would carry plain ENA interfaces that add
  // nothing to the fabric: leave them out.
  const layout = plan.filter((nic) => nic.networkCardIndex === 0 || nic.interfaceType === 'efa');
  assertWithinCardLimits(instance, layout);
  return layout;
}

function assertWithinCardLimits(instance: EfaInstanceType, layout: readonly PlannedInterface[]): void {
  const perCard = new Map<number, number>();
  for (const nic of layout) perCard.set(nic.networkCardIndex, (perCard.get(nic.networkCardIndex) ?? 0) + 1);
  const overfull = [...perCard].find(([, count]) => count > instance.maximumNetworkInterfacesPerCard);
  if (layout.length > instance.maximumNetworkInterfaces || overfull !== undefined) {
    throw new Error(
      `EFA interface layout of ${layout.length} interfaces does not fit the instance type ` +
        `(at most ${instance.maximumNetworkInterfaces} interfaces, ${instance.maximumNetworkInterfacesPerCard} per network card)`,
    );
  }
}

/**
 * The launch template's network interfaces for an EFA node (see planInterfaces for the layout).
 * Every interface is in the same subnet and security group: EFA reaches no further.
 */
export function efaNetworkInterfaces(
  instance: EfaInstanceType,
  placement: EfaInterfacePlacement,
): ec2.CfnLaunchTemplate.NetworkInterfaceProperty[] {
  return planInterfaces(instance).map(({ networkCardIndex, deviceIndex, interfaceType }) => ({
    networkCardIndex,
    deviceIndex,
    interfaceType,
    subnetId: placement.subnetId,
    groups: [placement.securityGroupId],
    // The nodes live in a private subnet; multi-interface launches cannot take a public IP anyway.
    associatePublicIpAddress: false,
    deleteOnTermination: true,
    description: `${interfaceType === 'efa' ? 'EFA' : 'ENA'} interface on network card ${networkCardIndex}`,
  }));
}

/** How many EFA interfaces (and so `/dev/infiniband/uverbs*` devices) one node has. */
export function efaInterfaceCount(instance: EfaInstanceType): number {
  return planInterfaces(instance).filter((nic) => nic.interfaceType === 'efa').length;
}

/** How many network interfaces (each with one private IPv4 address in the cluster subnet) one node has. */
export function networkInterfaceCount(instance: EfaInstanceType): number {
  return planInterfaces(instance).length;
}
