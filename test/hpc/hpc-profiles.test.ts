import type { HpcClusterStack } from '../../lib/hpc/hpc-cluster-stack';
import { Template } from 'aws-cdk-lib/assertions';
import { expectEveryAcknowledgementToGiveAReason, onlyResource, synthesizeHpcStack, SynthesizedStack } from '../support/synth';
import { summarizeTemplate } from '../support/template-summary';

/** Every profile synthesizes through the gates and has a snapshot; the default one is in hpc-cluster-stack.test.ts. */
describe.each([
  { profile: 'ml', instanceType: 'p5.48xlarge', nodes: 2, efaInterfaces: 32, vcpus: 192, imageType: 'ECS_AL2023_NVIDIA' },
  { profile: 'cfd', instanceType: 'hpc7a.96xlarge', nodes: 16, efaInterfaces: 2, vcpus: 192, imageType: 'ECS_AL2023' },
])('profile $profile', ({ profile, instanceType, nodes, efaInterfaces, vcpus, imageType }) => {
  let app: SynthesizedStack<HpcClusterStack>;
  let template: Template;
  beforeAll(() => {
    app = synthesizeHpcStack({ 'hpc.profile': profile });
    template = app.template;
  });

  test('policy gates: no unacknowledged finding', () => {
    expect(app.unacknowledgedFindings).toEqual([]);
  });

  test('every acknowledgement written to the template carries a reason', () => {
    expectEveryAcknowledgementToGiveAReason(template);
  });

  test(`${efaInterfaces} EFA interfaces per node, one per network card, all in one subnet and group`, () => {
    const interfaces = onlyResource(template, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.NetworkInterfaces;
    expect(interfaces).toHaveLength(efaInterfaces);
    expect(interfaces.every((nic: { InterfaceType: string }) => nic.InterfaceType === 'efa')).toBe(true);
    expect(new Set(interfaces.map((nic: { SubnetId: unknown }) => JSON.stringify(nic.SubnetId))).size).toBe(1);
    expect(new Set(interfaces.map((nic: { Groups: unknown }) => JSON.stringify(nic.Groups))).size).toBe(1);
  });

  test(`the job maps ${efaInterfaces} uverbs devices and spans ${nodes} nodes`, () => {
    const nodeProperties = onlyResource(template, 'AWS::Batch::JobDefinition').Properties.NodeProperties;
    expect(nodeProperties.NumNodes).toBe(nodes);
    const devices = nodeProperties.NodeRangeProperties[0].Container.LinuxParameters.Devices.map((d: { HostPath: string }) => d.HostPath);
    expect(devices).toEqual(Array.from({ length: efaInterfaces }, (_, index) => `/dev/infiniband/uverbs${index}`));
  });

  test(`compute environment of ${instanceType} on ${imageType}, sized for one job`, () => {
    const resources = onlyResource(template, 'AWS::Batch::ComputeEnvironment').Properties.ComputeResources;
    expect(resources).toMatchObject({
      InstanceTypes: [instanceType],
      MinvCpus: 0,
      MaxvCpus: nodes * vcpus,
      Ec2Configuration: [{ ImageType: imageType }],
    });
  });

  test('snapshot: the summary of the template (test/support/template-summary.ts)', () => {
    expect(summarizeTemplate(template)).toMatchSnapshot();
  });
});
