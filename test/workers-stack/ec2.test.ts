import { Match, Template } from 'aws-cdk-lib/assertions';
import { onlyResource, resourcesOfType, synthesize, SynthesizedApp } from '../support/synth';
import { describeSharedPipeline, logicalIdOf } from './support/pipeline-assertions';
import { alarmQueries, queueMetric, scalingAlarm } from './support/scaling-assertions';

let app: SynthesizedApp;
let template: Template;
beforeAll(() => {
  app = synthesize({ 'workers.compute': 'ec2' });
  template = app.template(app.stacks.workers);
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
  test('Spot only, the configured types (several pools), price-capacity-optimized, capacity rebalancing', () => {
    expect(group().MixedInstancesPolicy.InstancesDistribution).toEqual({
      OnDemandBaseCapacity: 0,
      OnDemandPercentageAboveBaseCapacity: 0,
      SpotAllocationStrategy: 'price-capacity-optimized',
    });
    expect(group().MixedInstancesPolicy.LaunchTemplate.Overrides).toEqual(
      ['m7g.large', 'm6g.large', 'c7g.large', 'c6g.large', 'r6g.large'].map((type) => ({ InstanceType: type })),
    );
    expect(group().CapacityRebalance).toBe(true);
  });

  test('0 to maxWorkers (10) instances in the private subnets of two AZs, publishing the metrics scaling reads', () => {
    expect(group()).toMatchObject({ MinSize: '0', MaxSize: '10' });
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

  test('the instances may complete the hook of their own group, and nothing else on it', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: 'autoscaling:CompleteLifecycleAction',
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

  test('user data: Node.js 22 from the AL2023 repositories, the bundled poller from S3, systemd units, one worker per vCPU', () => {
    const script = userDataScript();
    expect(script).toContain('dnf install -y nodejs22');
    expect(script).toMatch(/aws s3 cp 's3:\/\/.*\/[0-9a-f]{64}\.js' '\/opt\/thumbnail-worker\/poller\.js'/);
    expect(script).toContain('ExecStart=/usr/bin/node-22 --enable-source-maps /opt/thumbnail-worker/poller.js');
    expect(script).toContain('KillSignal=SIGTERM');
    expect(script).toContain('Restart=always');
    expect(script).toContain(`QUEUE_URL=\${${logicalIdOf(template, 'AWS::SQS::Queue', 'WorkQueue')}}`);
    expect(script).toContain(`OUTPUT_BUCKET=\${${logicalIdOf(template, 'AWS::S3::Bucket', 'BucketsOutput')}}`);
    expect(script).toContain('AWS_REGION=${AWS::Region}');
    expect(script).toContain('VISIBILITY_TIMEOUT_SECONDS=90');
    expect(script).toContain('for index in $(seq 1 "$(nproc)"); do systemctl enable --now "thumbnail-worker@$index.service"; done');
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
  const scalingPolicies = () =>
    Object.values(resourcesOfType(template, 'AWS::AutoScaling::ScalingPolicy')).map((policy) => policy.Properties);

  test('target tracking on metric math: visible messages / in-service instances, target 300 / 2 = 150', () => {
    const policy = scalingPolicies().find((p) => p.PolicyType === 'TargetTrackingScaling')!;
    expect(policy.AutoScalingGroupName).toEqual(groupRef());
    expect(policy.TargetTrackingConfiguration.TargetValue).toBe(150);
    expect(policy.TargetTrackingConfiguration.CustomizedMetricSpecification.Metrics).toEqual([
      expect.objectContaining({
        Id: 'visible',
        ReturnData: false,
        MetricStat: { ...queueMetric(template, 'ApproximateNumberOfMessagesVisible'), Stat: 'Average' },
      }),
      expect.objectContaining({
        Id: 'workers',
        ReturnData: false,
        MetricStat: {
          Metric: {
            Namespace: 'AWS/AutoScaling',
            MetricName: 'GroupInServiceInstances',
            Dimensions: [{ Name: 'AutoScalingGroupName', Value: groupRef() }],
          },
          Stat: 'Average',
        },
      }),
      expect.objectContaining({ Id: 'backlogPerWorker', Expression: 'visible / workers', ReturnData: true }),
    ]);
  });

  test('zero to one: messages waiting while the desired capacity is 0 -> +1 instance', () => {
    const alarm = scalingAlarm(template, 'Scaling rule: messages wait');
    const queries = alarmQueries(alarm);
    expect(queries.expr_1.Expression).toBe('IF(FILL(desired, 0) < 1, visible, 0)');
    expect(queries.desired.MetricStat.Metric).toEqual({
      Namespace: 'AWS/AutoScaling',
      MetricName: 'GroupDesiredCapacity',
      Dimensions: [{ Name: 'AutoScalingGroupName', Value: groupRef() }],
    });
    expect(template.toJSON().Resources[alarm.AlarmActions[0].Ref].Properties).toMatchObject({
      PolicyType: 'StepScaling',
      AdjustmentType: 'ChangeInCapacity',
      StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }],
    });
  });

  test('back to zero: nothing waiting and nothing in flight for 15 minutes -> exactly 0 instances', () => {
    const alarm = scalingAlarm(template, 'Scaling rule: nothing waiting');
    expect(alarm).toMatchObject({ ComparisonOperator: 'LessThanThreshold', Threshold: 1, EvaluationPeriods: 15 });
    expect(template.toJSON().Resources[alarm.AlarmActions[0].Ref].Properties).toMatchObject({
      PolicyType: 'StepScaling',
      AdjustmentType: 'ExactCapacity',
      StepAdjustments: [{ MetricIntervalUpperBound: 0, ScalingAdjustment: 0 }],
    });
  });
});

test('snapshot', () => {
  expect(template.toJSON()).toMatchSnapshot();
});
