import { efaInstanceTypeNames, findEfaInstanceType } from '../../lib/hpc/efa-instance-types';
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

test('p6-b300.48xlarge (17 cards, 16 EFA): card 0 carries a plain ENA primary, cards 1 to 16 one EFA interface each', () => {
  const interfaces = interfacesOf('p6-b300.48xlarge');
  expect(interfaces).toHaveLength(17);
  expect(interfaces[0]).toMatchObject({ networkCardIndex: 0, deviceIndex: 0, interfaceType: 'interface' });
  expect(interfaces.slice(1).every((nic) => nic.interfaceType === 'efa' && nic.deviceIndex === 1)).toBe(true);
  expect(efaInterfaceCount(findEfaInstanceType('p6-b300.48xlarge')!)).toBe(16);
});

test('hpc6id.32xlarge (two cards of one interface each): exactly one interface per card', () => {
  const interfaces = interfacesOf('hpc6id.32xlarge');
  expect(interfaces.map((nic) => [nic.networkCardIndex, nic.deviceIndex, nic.interfaceType])).toEqual([
    [0, 0, 'efa'],
    [1, 1, 'efa'],
  ]);
});

test('a layout that would overfill a card or the instance is refused at synth, not at launch', () => {
  const instance = {
    ...findEfaInstanceType('hpc6id.32xlarge')!,
    maximumNetworkInterfaces: 1,
  };
  expect(() => efaNetworkInterfaces(instance, placement)).toThrow(
    'EFA interface layout of 2 interfaces does not fit the instance type (at most 1 interfaces, 1 per network card)',
  );
});

test('every type in the catalog gets a layout within its limits, with as many EFA interfaces as it supports', () => {
  for (const name of efaInstanceTypeNames()) {
    const instance = findEfaInstanceType(name)!;
    expect(efaInterfaceCount(instance)).toBe(Math.min(instance.maxEfaInterfaces, instance.maximumNetworkCards));
  }
});
