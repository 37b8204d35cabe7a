import { findEfaInstanceType } from '../../lib/hpc/efa-instance-types';
import { efaInterfaceCount, efaNetworkInterfaces } from '../../lib/hpc/efa-network-interfaces';

const placement = { subnetId: 'subnet-1', securityGroupId: 'sg-1' };

function interfacesOf(instanceType: string) {
  const instance = findEfaInstanceType(instanceType);
  if (!instance) throw new Error(`${instanceType} missing from the catalog`);
  return efaNetworkInterfaces(instance, placement);
}

test.each([
  ['c5n.18xlarge', 1],
  ['hpc7a.96xlarge', 2],
  ['p4d.24xlarge', 4],
  ['trn1.32xlarge', 8],
  ['p5.48xlarge', 32],
])('%s gets %i EFA interfaces, one per network card', (instanceType, count) => {
  const interfaces = interfacesOf(instanceType);
  expect(interfaces).toHaveLength(count);
  expect(interfaces.map((nic) => nic.networkCardIndex)).toEqual(Array.from({ length: count }, (_, card) => card));
  expect(new Set(interfaces.map((nic) => nic.interfaceType))).toEqual(new Set(['efa']));
});

test('card 0 carries the primary interface at device index 0; every further card uses device index 1', () => {
  const interfaces = interfacesOf('p4d.24xlarge');
  expect(interfaces.map((nic) => [nic.networkCardIndex, nic.deviceIndex])).toEqual([
    [0, 0],
    [1, 1],
    [2, 1],
    [3, 1],
  ]);
});

test('every interface joins the one subnet and the one security group, without a public IP', () => {
  for (const nic of interfacesOf('p5.48xlarge')) {
    expect(nic).toMatchObject({ subnetId: 'subnet-1', groups: ['sg-1'], associatePublicIpAddress: false, deleteOnTermination: true });
  }
});

test('the interface count never exceeds the EFA maximum, even with more network cards', () => {
  const instance = { architecture: 'x86_64' as const, gpus: 0, maxEfaInterfaces: 2, maximumNetworkCards: 4, memoryMiB: 1024, vcpus: 8 };
  expect(efaNetworkInterfaces(instance, placement)).toHaveLength(2);
  expect(efaInterfaceCount(instance)).toBe(2);
});
