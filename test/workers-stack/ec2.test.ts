import { addWorkerFleetStack } from '../../lib/app';
import type { WorkerFleetStack } from '../../lib/workers/worker-fleet-stack';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { onlyResource, resourcesOfType, synthesizeStack, SynthesizedStack } from '../support/synth';
import { summarizeTemplate } from '../support/template-summary';
import { describeSharedPipeline, logicalIdOf } from './support/pipeline-assertions';

let app: SynthesizedStack<WorkerFleetStack>;
let template: Template;
beforeAll(() => {
  app = synthesizeStack(addWorkerFleetStack, { 'workers.compute': 'ec2' });
  template = app.template;
});

describeSharedPipeline('ec2', () => ({ app, template }), { maxReceiveCount: 5, maxLatencySeconds: 300 });

const groupRef = () => ({ Ref: logicalIdOf(template, 'AWS::AutoScaling::AutoScalingGroup', 'Ec2WorkersGroup') });
const group = () => onlyResource(template, 'AWS::AutoScaling::AutoScalingGroup').Properties;
const launchTemplateData = () => onlyResource(template, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData;

/** The user data script with CloudFormation references shown as ${LogicalId}. */
function userDataScript(): string {
  const render = (part: unknown): string => {
    if (typeof part === 'string') return part;
    const join = (part as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join) return join[1].map(render).join(join[0]);
    const ref = (part as { Ref?: string }).Ref;
    return ref ? `\${${ref}}` : `\${${JSON.stringify(part)}}`;
  };
  return render(launchTemplateData().UserData['Fn::Base64']);
}

describe('Auto Scaling group', () => {
  test('Spot above an On-Demand base of 0, the configured types weighted by their pollers, price-capacity-optimized, capacity rebalancing', () => {
    expect(group().MixedInstancesPolicy.InstancesDistribution).toEqual({
      OnDemandBaseCapacity: 0,
      OnDemandPercentageAboveBaseCapacity: 0,
      SpotAllocationStrategy: 'price-capacity-optimized',
    });
    expect(group().MixedInstancesPolicy.LaunchTemplate.Overrides).toEqual(
      ['m7g.large', 'm6g.large', 'c7g.large', 'c6g.large', 'r6g.large'].map((type) => ({ InstanceType: type, WeightedCapacity: '2' })),
    );
    expect(group().CapacityRebalance).toBe(true);
  });

  test('0 to maxWorkers (10) pollers less the largest weight (2), in the private subnets of two AZs', () => {
    expect(group()).toMatchObject({ MinSize: '0', MaxSize: '8' });
    expect(group().DesiredCapacity).toBeUndefined();
    expect(group().VPCZoneIdentifier).toEqual([
      { Ref: logicalIdOf(template, 'AWS::EC2::Subnet', 'NetworkVpcprivateSubnet1') },
      { Ref: logicalIdOf(template, 'AWS::EC2::Subnet', 'NetworkVpcprivateSubnet2') },
    ]);
    expect(group().AvailabilityZones).toHaveLength(2);
    expect(group().MetricsCollection).toEqual([{ Granularity: '1Minute', Metrics: ['GroupInServiceInstances', 'GroupDesiredCapacity'] }]);
  });

  test('termination lifecycle hook: waits longer than the workers may take to stop, then continues', () => {
    const hook = onlyResource(template, 'AWS::AutoScaling::LifecycleHook').Properties;
    expect(hook).toMatchObject({
      AutoScalingGroupName: groupRef(),
      LifecycleHookName: 'drain-workers',
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
      DefaultResult: 'CONTINUE',
    });
    // TimeoutStopSec (job timeout 60 + 30) plus a minute.
    expect(hook.HeartbeatTimeout).toBe(150);
    expect(userDataScript()).toContain('TimeoutStopSec=90');
  });

  test('the instances may complete the hook of their own group and report their own health, nothing else on it', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: ['autoscaling:CompleteLifecycleAction', 'autoscaling:SetInstanceHealth'],
            Effect: 'Allow',
            Resource: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([groupRef()])] }),
          },
        ]),
      },
      Roles: [{ Ref: logicalIdOf(template, 'AWS::IAM::Role', 'Ec2WorkersInstanceRole') }],
    });
  });
});

describe('launch template', () => {
  test('Amazon Linux 2023 arm64 (the default types are Graviton), IMDSv2 only, detailed monitoring', () => {
    const imageParameter = launchTemplateData().ImageId.Ref;
    expect(template.toJSON().Parameters[imageParameter].Default).toBe('/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64');
    expect(launchTemplateData().MetadataOptions).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
    expect(launchTemplateData().Monitoring).toEqual({ Enabled: true });
  });

  test('encrypted gp3 root volume', () => {
    expect(launchTemplateData().BlockDeviceMappings).toEqual([
      { DeviceName: '/dev/xvda', Ebs: { DeleteOnTermination: true, Encrypted: true, VolumeSize: 16, VolumeType: 'gp3' } },
    ]);
  });

  test('no SSH: no key pair, no inbound rule; SSM Session Manager instead', () => {
    expect(launchTemplateData().KeyName).toBeUndefined();
    expect(resourcesOfType(template, 'AWS::EC2::SecurityGroupIngress')).toEqual({});
    for (const securityGroup of Object.values(resourcesOfType(template, 'AWS::EC2::SecurityGroup'))) {
      expect(securityGroup.Properties.SecurityGroupIngress ?? []).toEqual([]);
    }
    template.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonSSMManagedInstanceCore']] }],
    });
  });

  test('user data: Node.js 22 from the AL2023 repositories, the bundled poller from S3, systemd units, one worker per weight unit', () => {
    const script = userDataScript();
    expect(script).toContain('dnf install -y amazon-cloudwatch-agent nodejs22');
    expect(script).toMatch(/aws s3 cp 's3:\/\/.*\/[0-9a-f]{64}\.js' '\/opt\/thumbnail-worker\/poller\.js'/);
    expect(script).toContain('ExecStart=/usr/bin/node-22 --enable-source-maps /opt/thumbnail-worker/poller.js');
    expect(script).toContain('KillSignal=SIGTERM');
    expect(script).toContain('Restart=always');
    expect(script).toContain(`QUEUE_URL=\${${logicalIdOf(template, 'AWS::SQS::Queue', 'WorkQueue')}}`);
    expect(script).toContain(`OUTPUT_BUCKET=\${${logicalIdOf(template, 'AWS::S3::Bucket', 'BucketsOutput')}}`);
    expect(script).toContain('AWS_REGION=${AWS::Region}');
    expect(script).toContain('VISIBILITY_TIMEOUT_SECONDS=90');
    expect(script).toContain('JOB_TIMEOUT_SECONDS=60');
    expect(script).toContain('m7g.large 2\nm6g.large 2\nc7g.large 2\nc6g.large 2\nr6g.large 2');
    expect(script).toContain('WORKER_UNIT=thumbnail-worker /usr/local/bin/start-workers');
  });

  test('user data: the drain watcher polls IMDSv2 for the lifecycle state and Spot notices, stops the workers, completes the hook', () => {
    const script = userDataScript();
    expect(script).toContain('meta-data/autoscaling/target-lifecycle-state');
    expect(script).toContain('meta-data/spot/instance-action');
    expect(script).toContain('X-aws-ec2-metadata-token');
    expect(script).toContain('systemctl stop "${WORKER_UNITS}"');
    expect(script).toContain('aws autoscaling complete-lifecycle-action');
    expect(script).toContain('LIFECYCLE_HOOK_NAME=drain-workers');
    expect(script).toContain('systemctl enable --now drain-watch.service');
  });

  test('the instances may read exactly the poller bundle from the assets bucket', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 's3:GetObject',
            Resource: Match.arrayWith([
              {
                'Fn::Join': [
                  '',
                  ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', Match.anyValue(), Match.stringLikeRegexp('^/[0-9a-f]{64}\\.js$')],
                ],
              },
            ]),
          }),
        ]),
      },
    });
  });
});

describe('backlog scaling', () => {
  test("target tracking on the signal's backlog per worker (pollers), target 300 / 2 = 150", () => {
    const policy = Object.values(resourcesOfType(template, 'AWS::AutoScaling::ScalingPolicy'))
      .map((resource) => resource.Properties)
      .find((properties) => properties.PolicyType === 'TargetTrackingScaling')!;
    expect(policy.TargetTrackingConfiguration).toMatchObject({
      TargetValue: 150,
      CustomizedMetricSpecification: { Namespace: 'DistributedCompute/WorkerFleet', MetricName: 'BacklogPerWorker', Statistic: 'Average' },
    });
  });
});

test('snapshot: the summary of the template, workers.compute=ec2 (test/support/template-summary.ts)', () => {
  expect(summarizeTemplate(template)).toMatchSnapshot();
});
