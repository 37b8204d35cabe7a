import { findEfaInstanceType } from '../../lib/hpc/efa-instance-types';
import { onlyResource, synthesizeHpcStack } from '../support/synth';

/**
 * Types AWS documents as EFA-capable that the first, hand-picked catalog refused. Each now
 * synthesizes through every policy gate, with one EFA interface per network card as the EC2
 * User Guide's EFA supported-types list and the instance type specifications give them.
 */
describe.each([
  { instanceType: 'hpc7a.48xlarge', networkCards: 2 },
  { instanceType: 'c6in.32xlarge', networkCards: 2 },
  { instanceType: 'p5en.48xlarge', networkCards: 16 },
  { instanceType: 'trn2.48xlarge', networkCards: 16 },
])('$instanceType', ({ instanceType, networkCards }) => {
  let synthesized: ReturnType<typeof synthesizeHpcStack>;
  beforeAll(() => {
    synthesized = synthesizeHpcStack({ 'hpc.instanceType': instanceType });
  });

  test('policy gates: no unacknowledged finding', () => {
    expect(synthesized.unacknowledgedFindings).toEqual([]);
  });

  test(`${networkCards} EFA interfaces, one per network card`, () => {
    expect(findEfaInstanceType(instanceType)).toMatchObject({ maximumNetworkCards: networkCards, maxEfaInterfaces: networkCards });
    const interfaces = onlyResource(synthesized.template, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.NetworkInterfaces;
    expect(interfaces.map((nic: { NetworkCardIndex: number; InterfaceType: string }) => [nic.NetworkCardIndex, nic.InterfaceType])).toEqual(
      Array.from({ length: networkCards }, (_, card) => [card, 'efa']),
    );
  });
});
