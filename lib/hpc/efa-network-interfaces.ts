import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { EfaInstanceType } from './efa-instance-types';

/** Where every interface of a node goes: the fabric's one subnet and one security group. */
export interface EfaInterfacePlacement {
  readonly subnetId: string;
  readonly securityGroupId: string;
}

/**
 * The launch template's network interfaces for an EFA node: one EFA interface per network card,
 * up to the type's maximum EFA interfaces. Card 0 carries the primary interface (device index 0)
 * and so the node's IP address; on multi-card types (p4d.24xlarge: 4, p5.48xlarge: 32) each
 * further card gets its EFA interface at device index 1, the layout AWS documents for them.
 * Every interface is in the same subnet and security group: EFA reaches no further.
 */
export function efaNetworkInterfaces(
  instance: EfaInstanceType,
  placement: EfaInterfacePlacement,
): ec2.CfnLaunchTemplate.NetworkInterfaceProperty[] {
  const count = Math.min(instance.maxEfaInterfaces, instance.maximumNetworkCards);
  return Array.from({ length: count }, (_, card) => ({
    networkCardIndex: card,
    deviceIndex: card === 0 ? 0 : 1,
    interfaceType: 'efa',
    subnetId: placement.subnetId,
    groups: [placement.securityGroupId],
    // The nodes live in a private subnet; multi-interface launches cannot take a public IP anyway.
    associatePublicIpAddress: false,
    deleteOnTermination: true,
    description: `EFA interface on network card ${card}`,
  }));
}

/** How many EFA interfaces (and so `/dev/infiniband/uverbs*` devices) one node has. */
export function efaInterfaceCount(instance: EfaInstanceType): number {
  return Math.min(instance.maxEfaInterfaces, instance.maximumNetworkCards);
}
