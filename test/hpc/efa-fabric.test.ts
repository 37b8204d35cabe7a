import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { EfaFabric } from '../../lib/hpc/efa-fabric';

function vpcWithAzs(availabilityZones: string[]) {
  const stack = new Stack(new App(), 'Test', { env: { account: '111111111111', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones, natGateways: 1 });
  return { stack, vpc };
}

test('a selection of two subnets (two AZs) is refused with a message that says why', () => {
  const { stack, vpc } = vpcWithAzs(['us-east-1a', 'us-east-1b']);
  expect(() => new EfaFabric(stack, 'Fabric', { vpc })).toThrow(
    /exactly one subnet, but it resolved to 2 \(us-east-1a, us-east-1b\)\. EFA traffic is not routable between subnets/,
  );
});

test('an explicit selection of one subnet out of several is accepted', () => {
  const { stack, vpc } = vpcWithAzs(['us-east-1a', 'us-east-1b']);
  const fabric = new EfaFabric(stack, 'Fabric', {
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, availabilityZones: ['us-east-1b'] },
  });
  expect(fabric.subnet.availabilityZone).toBe('us-east-1b');
  Template.fromStack(stack).resourceCountIs('AWS::EC2::PlacementGroup', 1);
});
