import { addWorkerFleetStack } from '../../lib/app';
import type { WorkerFleetStack } from '../../lib/workers/worker-fleet-stack';
import { Template } from 'aws-cdk-lib/assertions';
import { onlyResource, resourcesOfType, synthesizeStack, SynthesizedStack } from '../support/synth';
import { summarizeTemplate } from '../support/template-summary';
import { describeSharedPipeline, logicalIdOf } from './support/pipeline-assertions';

/** The default configuration: workers.compute=lambda. */
let app: SynthesizedStack<WorkerFleetStack>;
let template: Template;
beforeAll(() => {
  app = synthesizeStack(addWorkerFleetStack, { 'workers.compute': 'lambda' });
  template = app.template;
});

describeSharedPipeline('lambda', () => ({ app, template }), { maxReceiveCount: 5, maxLatencySeconds: 300 });

describe('the function', () => {
  const fn = () => template.toJSON().Resources[logicalIdOf(template, 'AWS::Lambda::Function', 'LambdaWorkersFunction')].Properties;

  test('the worker runtime on nodejs22.x, arm64, timeout = jobTimeoutSeconds (60)', () => {
    expect(fn()).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler', Timeout: 60 });
    expect(fn().Environment.Variables.OUTPUT_BUCKET).toEqual({ Ref: logicalIdOf(template, 'AWS::S3::Bucket', 'BucketsOutput') });
  });

  test('it logs to its own encrypted log group', () => {
    expect(fn().LoggingConfig.LogGroup).toEqual({ Ref: logicalIdOf(template, 'AWS::Logs::LogGroup', 'LambdaWorkersLogs') });
  });

  test('queue visibility timeout is at least six times the function timeout', () => {
    const queue = template.toJSON().Resources[logicalIdOf(template, 'AWS::SQS::Queue', 'WorkQueue')].Properties;
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * fn().Timeout);
    expect(queue.VisibilityTimeout).toBe(360);
  });

  test('SQS event source: batches of 10, partial batch failures, at most maxWorkers (10) concurrent invocations', () => {
    expect(onlyResource(template, 'AWS::Lambda::EventSourceMapping').Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::SQS::Queue', 'WorkQueue'), 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });

  test('least privilege: consume the queue, dead-letter poison, read incoming/, write thumbnails/, use the data key through S3 only', () => {
    const policies = Object.values(resourcesOfType(template, 'AWS::IAM::Policy')).filter((policy) =>
      JSON.stringify(policy.Properties.Roles).includes('LambdaWorkersRole'),
    );
    expect(policies).toHaveLength(1);
    const statements = policies[0].Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[];
    const actions = statements.flatMap((statement) => statement.Action).sort();
    expect(actions).toEqual(
      [
        'kms:Decrypt', // the queue key (one statement: consume, and send poison to the dead-letter queue)
        'kms:GenerateDataKey',
        'kms:Decrypt', // the data key, via S3
        'kms:GenerateDataKey',
        'sqs:SendMessage', // the dead-letter queue only
        'sqs:GetQueueUrl',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:GetObject',
        's3:PutObject',
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:ReceiveMessage',
      ].sort(),
    );
    expect(JSON.stringify(statements)).toContain('/incoming/*');
    expect(JSON.stringify(statements)).toContain('/thumbnails/*');
  });

  test('no VPC, no poller scaling: Lambda scales itself on the queue', () => {
    expect(resourcesOfType(template, 'AWS::EC2::VPC')).toEqual({});
    expect(resourcesOfType(template, 'AWS::ApplicationAutoScaling::ScalingPolicy')).toEqual({});
    expect(resourcesOfType(template, 'AWS::AutoScaling::ScalingPolicy')).toEqual({});
  });
});

test('snapshot: the summary of the template, workers.compute=lambda (test/support/template-summary.ts)', () => {
  expect(summarizeTemplate(template)).toMatchSnapshot();
});
