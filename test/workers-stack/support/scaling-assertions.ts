import { Template } from 'aws-cdk-lib/assertions';
import { resourcesOfType } from '../../support/synth';
import { logicalIdOf } from './pipeline-assertions';

/** The scaling alarm whose description starts with `prefix`. */
export function scalingAlarm(template: Template, prefix: string): Record<string, any> {
  const alarms = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).filter((alarm) =>
    String(alarm.Properties.AlarmDescription).startsWith(prefix),
  );
  if (alarms.length !== 1) throw new Error(`expected one alarm described "${prefix}...", found ${alarms.length}`);
  return alarms[0].Properties;
}

/** The metric math queries of an alarm, by id. */
export function alarmQueries(alarm: Record<string, any>): Record<string, any> {
  return Object.fromEntries((alarm.Metrics as { Id: string }[]).map((query) => [query.Id, query]));
}

/** The queue metric query both scaling rules read, for the work queue of `template`. */
export function queueMetric(template: Template, metricName: string): Record<string, unknown> {
  return {
    Metric: {
      Namespace: 'AWS/SQS',
      MetricName: metricName,
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::SQS::Queue', 'WorkQueue'), 'QueueName'] } }],
    },
  };
}
