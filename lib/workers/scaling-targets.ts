import { Duration, Stack } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { MetricMathQuery, ScalableWorkerFleet, StepRule, stepAdjustment } from './backlog-scaling';

/** Runs a scaling policy from an alarm (CloudFormation's Ref of either policy type is its ARN). */
function policyAction(policyArn: string): cloudwatch.IAlarmAction {
  return { bind: () => ({ alarmActionArn: policyArn }) };
}

export interface EcsServiceFleetProps {
  readonly cluster: ecs.ICluster;
  readonly service: ecs.BaseService;
  readonly minTasks: number;
  readonly maxTasks: number;
  /**
   * Wait after a scale-out before the next one: long enough for a task to start and its
   * metrics to show.
   * @default Duration.minutes(1)
   */
  readonly scaleOutCooldown?: Duration;
  /**
   * Wait after a scale-in: scale in slowly, a burst often follows a burst.
   * @default Duration.minutes(5)
   */
  readonly scaleInCooldown?: Duration;
}

/**
 * An ECS service's desired task count as a scalable worker fleet (Application Auto Scaling).
 * Worker counts come from Container Insights (ECS/ContainerInsights), the only source of
 * per-service task counts, so the cluster must have Container Insights on.
 */
export class EcsServiceFleet extends Construct implements ScalableWorkerFleet {
  public readonly scalableTarget: appscaling.ScalableTarget;
  public readonly inServiceWorkers: cloudwatch.Metric;
  public readonly desiredWorkers: cloudwatch.Metric;
  private readonly scaleOutCooldown: Duration;
  private readonly scaleInCooldown: Duration;

  constructor(scope: Construct, id: string, props: EcsServiceFleetProps) {
    super(scope, id);
    this.scaleOutCooldown = props.scaleOutCooldown ?? Duration.minutes(1);
    this.scaleInCooldown = props.scaleInCooldown ?? Duration.minutes(5);

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

    const dimensionsMap = { ClusterName: props.cluster.clusterName, ServiceName: props.service.serviceName };
    this.inServiceWorkers = new cloudwatch.Metric({ namespace: 'ECS/ContainerInsights', metricName: 'RunningTaskCount', dimensionsMap });
    this.desiredWorkers = new cloudwatch.Metric({ namespace: 'ECS/ContainerInsights', metricName: 'DesiredTaskCount', dimensionsMap });
  }

  addMetricMathTargetTracking(id: string, metrics: MetricMathQuery[], targetValue: number): void {
    new appscaling.CfnScalingPolicy(this, id, {
      policyName: id,
      policyType: 'TargetTrackingScaling',
      scalingTargetId: this.scalableTarget.scalableTargetId,
      targetTrackingScalingPolicyConfiguration: {
        targetValue,
        customizedMetricSpecification: { metrics },
        scaleOutCooldown: this.scaleOutCooldown.toSeconds(),
        scaleInCooldown: this.scaleInCooldown.toSeconds(),
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
        // While the alarm stays in ALARM it runs the policy every minute; during the cooldown a
        // repeated "+1" is not added again, so a slow task start does not overshoot.
        cooldown: this.scaleOutCooldown.toSeconds() * 2,
        metricAggregationType: 'Maximum',
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
 * An Auto Scaling group's desired capacity as a scalable worker fleet (EC2 Auto Scaling). The
 * group must publish its group metrics (GroupInServiceInstances, GroupDesiredCapacity).
 */
export class AutoScalingGroupFleet extends Construct implements ScalableWorkerFleet {
  public readonly inServiceWorkers: cloudwatch.Metric;
  public readonly desiredWorkers: cloudwatch.Metric;
  private readonly group: autoscaling.AutoScalingGroup;
  private readonly instanceWarmup: Duration;

  constructor(scope: Construct, id: string, props: AutoScalingGroupFleetProps) {
    super(scope, id);
    this.group = props.autoScalingGroup;
    this.instanceWarmup = props.instanceWarmup ?? Duration.minutes(5);
    const dimensionsMap = { AutoScalingGroupName: this.group.autoScalingGroupName };
    this.inServiceWorkers = new cloudwatch.Metric({ namespace: 'AWS/AutoScaling', metricName: 'GroupInServiceInstances', dimensionsMap });
    this.desiredWorkers = new cloudwatch.Metric({ namespace: 'AWS/AutoScaling', metricName: 'GroupDesiredCapacity', dimensionsMap });
  }

  addMetricMathTargetTracking(id: string, metrics: MetricMathQuery[], targetValue: number): void {
    new autoscaling.CfnScalingPolicy(this, id, {
      autoScalingGroupName: this.group.autoScalingGroupName,
      policyType: 'TargetTrackingScaling',
      estimatedInstanceWarmup: this.instanceWarmup.toSeconds(),
      targetTrackingConfiguration: {
        targetValue,
        customizedMetricSpecification: { metrics },
      },
    });
  }

  addStepScaling(id: string, rule: StepRule): cloudwatch.IAlarmAction {
    const policy = new autoscaling.CfnScalingPolicy(this, id, {
      autoScalingGroupName: this.group.autoScalingGroupName,
      policyType: 'StepScaling',
      adjustmentType: rule.adjustmentType,
      // Instances still warming up count as capacity: a repeated "+1" while the first instance
      // boots does not launch a second one.
      estimatedInstanceWarmup: this.instanceWarmup.toSeconds(),
      metricAggregationType: 'Maximum',
      stepAdjustments: [stepAdjustment(rule)],
    });
    return policyAction(policy.ref);
  }
}
