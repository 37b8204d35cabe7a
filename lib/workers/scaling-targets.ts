import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ScalableWorkerFleet, StepRule, stepAdjustment } from './backlog-scaling';

/** Runs a scaling policy from an alarm (CloudFormation's Ref of either policy type is its ARN). */
function policyAction(policyArn: string): cloudwatch.IAlarmAction {
  return { bind: () => ({ alarmActionArn: policyArn }) };
}

/** A metric as a target tracking policy's customized metric (one metric, no math). */
function customizedMetric(metric: cloudwatch.Metric) {
  return {
    metricName: metric.metricName,
    namespace: metric.namespace,
    dimensions: Object.entries(metric.dimensions ?? {}).map(([name, value]) => ({ name, value: String(value) })),
    statistic: metric.statistic,
  };
}

export interface EcsServiceFleetProps {
  readonly cluster: ecs.ICluster;
  readonly service: ecs.BaseService;
  readonly minTasks: number;
  readonly maxTasks: number;
  /**
   * Wait after a scale-out before the next one: long enough for a task to start and show in the signal.
   * @default Duration.minutes(1)
   */
  readonly scaleOutCooldown?: Duration;
  /**
   * Wait after the idle rule set the service to zero before it may act again.
   * @default Duration.minutes(5)
   */
  readonly scaleInCooldown?: Duration;
}

/** An ECS service's desired task count as a scalable worker fleet (Application Auto Scaling); one task is one worker. */
export class EcsServiceFleet extends Construct implements ScalableWorkerFleet {
  public readonly scalableTarget: appscaling.ScalableTarget;
  public readonly signalEnvironment: Record<string, string>;
  private readonly service: ecs.BaseService;
  private readonly cluster: ecs.ICluster;
  private readonly scaleOutCooldown: Duration;
  private readonly scaleInCooldown: Duration;

  constructor(scope: Construct, id: string, props: EcsServiceFleetProps) {
    super(scope, id);
    this.service = props.service;
    this.cluster = props.cluster;
    this.scaleOutCooldown = props.scaleOutCooldown ?? Duration.minutes(1);
    this.scaleInCooldown = props.scaleInCooldown ?? Duration.minutes(5);
    this.signalEnvironment = { FLEET_KIND: 'ecs', CLUSTER_NAME: props.cluster.clusterName, SERVICE_NAME: props.service.serviceName };

    this.scalableTarget = new appscaling.ScalableTarget(this, 'Target', {
      serviceNamespace: appscaling.ServiceNamespace.ECS,
      resourceId: `service/${props.cluster.clusterName}/${props.service.serviceName}`,
      scalableDimension: 'ecs:service:DesiredCount',
      minCapacity: props.minTasks,
      maxCapacity: props.maxTasks,
      // The service-linked role Application Auto Scaling creates for ECS on first use, as
      // ecs.BaseService.autoScaleTaskCount does: no role of ours to maintain.
      role: iam.Role.fromRoleArn(
        this,
        'ServiceLinkedRole',
        Stack.of(this).formatArn({
          region: '',
          service: 'iam',
          resource: 'role/aws-service-role/ecs.application-autoscaling.amazonaws.com',
          resourceName: 'AWSServiceRoleForApplicationAutoScaling_ECSService',
        }),
      ),
    });
  }

  grantSignalAccess(role: iam.Role): void {
    // Read the running and desired count, and set the desired count when starting from zero: this
    // one service of this one cluster (the shape of Copilot's calculator role).
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:DescribeServices', 'ecs:UpdateService'],
        resources: [this.service.serviceArn],
        conditions: { ArnEquals: { 'ecs:cluster': this.cluster.clusterArn } },
      }),
    );
  }

  addTargetTracking(id: string, metric: cloudwatch.Metric, targetValue: number): void {
    new appscaling.CfnScalingPolicy(this, id, {
      policyName: id,
      policyType: 'TargetTrackingScaling',
      scalingTargetId: this.scalableTarget.scalableTargetId,
      targetTrackingScalingPolicyConfiguration: {
        targetValue,
        customizedMetricSpecification: customizedMetric(metric),
        scaleOutCooldown: this.scaleOutCooldown.toSeconds(),
        // Scale-in is the idle rule's (see BacklogScaling).
        disableScaleIn: true,
      },
    });
  }

  addStepScaling(id: string, rule: StepRule): cloudwatch.IAlarmAction {
    const policy = new appscaling.CfnScalingPolicy(this, id, {
      policyName: id,
      policyType: 'StepScaling',
      scalingTargetId: this.scalableTarget.scalableTargetId,
      stepScalingPolicyConfiguration: {
        adjustmentType: rule.adjustmentType,
        cooldown: this.scaleInCooldown.toSeconds(),
        metricAggregationType: 'Minimum',
        stepAdjustments: [stepAdjustment(rule)],
      },
    });
    return policyAction(policy.ref);
  }
}

export interface AutoScalingGroupFleetProps {
  readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  /**
   * How long a new instance takes to boot and start working; its metrics are not counted before.
   * @default Duration.minutes(5)
   */
  readonly instanceWarmup?: Duration;
}

/**
 * An Auto Scaling group's desired capacity as a scalable worker fleet (EC2 Auto Scaling). The group
 * weighs each instance type by the pollers it runs, so its capacity units are workers.
 */
export class AutoScalingGroupFleet extends Construct implements ScalableWorkerFleet {
  public readonly signalEnvironment: Record<string, string>;
  private readonly group: autoscaling.AutoScalingGroup;
  private readonly instanceWarmup: Duration;

  constructor(scope: Construct, id: string, props: AutoScalingGroupFleetProps) {
    super(scope, id);
    this.group = props.autoScalingGroup;
    this.instanceWarmup = props.instanceWarmup ?? Duration.minutes(5);
    this.signalEnvironment = { FLEET_KIND: 'ec2', AUTO_SCALING_GROUP_NAME: this.group.autoScalingGroupName };
  }

  grantSignalAccess(role: iam.Role): void {
    // A separate policy, acknowledged on its own: DescribeAutoScalingGroups has no resource-level
    // permissions, and the group ARN holds a UUID known only once the group exists.
    const policy = new iam.Policy(this, 'SignalPolicy', {
      roles: [role],
      statements: [
        new iam.PolicyStatement({ actions: ['autoscaling:DescribeAutoScalingGroups'], resources: ['*'] }),
        new iam.PolicyStatement({ actions: ['autoscaling:SetDesiredCapacity'], resources: [this.group.autoScalingGroupArn] }),
      ],
    });
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'autoscaling:DescribeAutoScalingGroups supports no resource-level permissions; it is read-only.',
    });
    const groupLogicalId = Stack.of(this).getLogicalId(this.group.node.defaultChild as autoscaling.CfnAutoScalingGroup);
    Validations.of(policy).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:autoscaling:<AWS::Region>:<AWS::AccountId>:autoScalingGroup:*:autoScalingGroupName/<${groupLogicalId}>]`,
      reason: "The wildcard is the group ARN's UUID, which exists only after the group does; the group is named exactly.",
    });
  }

  addTargetTracking(_id: string, metric: cloudwatch.Metric, targetValue: number): void {
    new autoscaling.CfnScalingPolicy(this, _id, {
      autoScalingGroupName: this.group.autoScalingGroupName,
      policyType: 'TargetTrackingScaling',
      estimatedInstanceWarmup: this.instanceWarmup.toSeconds(),
      // Scale-in is the idle rule's (see BacklogScaling).
      targetTrackingConfiguration: { targetValue, customizedMetricSpecification: customizedMetric(metric), disableScaleIn: true },
    });
  }

  addStepScaling(id: string, rule: StepRule): cloudwatch.IAlarmAction {
    const policy = new autoscaling.CfnScalingPolicy(this, id, {
      autoScalingGroupName: this.group.autoScalingGroupName,
      policyType: 'StepScaling',
      adjustmentType: rule.adjustmentType,
      estimatedInstanceWarmup: this.instanceWarmup.toSeconds(),
      metricAggregationType: 'Minimum',
      stepAdjustments: [stepAdjustment(rule)],
    });
    return policyAction(policy.ref);
  }
}
