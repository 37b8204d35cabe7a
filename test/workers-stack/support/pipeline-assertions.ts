import { Match, Template } from 'aws-cdk-lib/assertions';
import { expectEveryAcknowledgementToGiveAReason, onlyResource, resourcesOfType, SynthesizedApp } from '../../support/synth';

/** The logical id of the one resource of `type` whose id starts with `prefix`. */
export function logicalIdOf(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(resourcesOfType(template, type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} starting with ${prefix}, found ${ids.join(', ') || 'none'}`);
  return ids[0];
}

export interface PipelineExpectations {
  readonly maxReceiveCount: number;
  readonly maxLatencySeconds: number;
}

/**
 * What every backend shares: buckets, S3 -> SNS -> SQS (+ DLQ), alarms, policy gates, outputs.
 * Registers one describe block; call it at the top level of a test file.
 */
export function describeSharedPipeline(
  name: string,
  get: () => { app: Pick<SynthesizedApp, 'unacknowledgedFindings'>; template: Template },
  expected: PipelineExpectations,
): void {
  describe(`${name}: the pipeline every backend shares`, () => {
    let template: Template;
    let queueId: string;
    let deadLetterQueueId: string;
    beforeAll(() => {
      template = get().template;
      queueId = logicalIdOf(template, 'AWS::SQS::Queue', 'WorkQueue');
      deadLetterQueueId = logicalIdOf(template, 'AWS::SQS::Queue', 'WorkDeadLetterQueue');
    });

    test('policy gates: no unacknowledged finding', () => {
      expect(get().app.unacknowledgedFindings).toEqual([]);
    });

    test('every acknowledgement written to the template carries a reason', () => {
      expectEveryAcknowledgementToGiveAReason(template);
    });

    test(`work queue: redrive to the dead-letter queue after ${expected.maxReceiveCount} receives`, () => {
      expect(template.toJSON().Resources[queueId].Properties.RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [deadLetterQueueId, 'Arn'] },
        maxReceiveCount: expected.maxReceiveCount,
      });
    });

    test('dead-letter queue keeps messages 14 days (1209600 s)', () => {
      expect(template.toJSON().Resources[deadLetterQueueId].Properties.MessageRetentionPeriod).toBe(1_209_600);
    });

    test('both queues are encrypted with the customer managed queue key', () => {
      const keyRef = { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::KMS::Key', 'WorkKey'), 'Arn'] };
      for (const id of [queueId, deadLetterQueueId]) {
        expect(template.toJSON().Resources[id].Properties.KmsMasterKeyId).toEqual(keyRef);
      }
    });

    test('both queues refuse requests without TLS', () => {
      for (const id of [queueId, deadLetterQueueId]) {
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: id }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Effect: 'Deny',
                Principal: { AWS: '*' },
                Action: 'sqs:*',
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              }),
            ]),
          },
        });
      }
    });

    test('the queue key lets SNS deliver, for the upload topic only', () => {
      const topicId = logicalIdOf(template, 'AWS::SNS::Topic', 'UploadsTopic');
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Principal: { Service: 'sns.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
              Condition: { ArnEquals: { 'aws:SourceArn': { Ref: topicId } } },
            }),
          ]),
        },
      });
    });

    test('S3 announces objects created under incoming/ on the upload topic', () => {
      const topicId = logicalIdOf(template, 'AWS::SNS::Topic', 'UploadsTopic');
      expect(onlyResource(template, 'Custom::S3BucketNotifications').Properties.NotificationConfiguration).toEqual({
        TopicConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'incoming/' }] } },
            TopicArn: { Ref: topicId },
          },
        ],
      });
    });

    test('the upload topic is encrypted, TLS only, and lets S3 publish for the input bucket only', () => {
      const topicId = logicalIdOf(template, 'AWS::SNS::Topic', 'UploadsTopic');
      const inputBucketArn = { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::S3::Bucket', 'BucketsInput'), 'Arn'] };
      const fromInputBucket = {
        ArnLike: { 'aws:SourceArn': inputBucketArn },
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      };
      expect(template.toJSON().Resources[topicId].Properties.KmsMasterKeyId).toEqual({
        'Fn::GetAtt': [logicalIdOf(template, 'AWS::KMS::Key', 'UploadsKey'), 'Arn'],
      });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: topicId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({ Principal: { Service: 's3.amazonaws.com' }, Action: 'sns:Publish', Condition: fromInputBucket }),
          ]),
        },
      });
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Principal: { Service: 's3.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
              Condition: fromInputBucket,
            }),
          ]),
        },
      });
    });

    test('SNS delivers to the work queue with raw message delivery, dead-lettering what it cannot deliver', () => {
      expect(onlyResource(template, 'AWS::SNS::Subscription').Properties).toEqual({
        Protocol: 'sqs',
        RawMessageDelivery: true,
        TopicArn: { Ref: logicalIdOf(template, 'AWS::SNS::Topic', 'UploadsTopic') },
        Endpoint: { 'Fn::GetAtt': [queueId, 'Arn'] },
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::SQS::Queue', 'WorkDeliveryDeadLetterQueue'), 'Arn'] },
        },
      });
    });

    test('alarm: dead-letter queue not empty (visible messages > 0)', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [deadLetterQueueId, 'QueueName'] } }],
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        AlarmActions: [{ Ref: logicalIdOf(template, 'AWS::SNS::Topic', 'AlarmsTopic') }],
      });
    });

    test(`alarm: oldest message older than maxLatencySeconds (${expected.maxLatencySeconds} s)`, () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: expected.maxLatencySeconds,
        AlarmActions: [{ Ref: logicalIdOf(template, 'AWS::SNS::Topic', 'AlarmsTopic') }],
      });
    });

    test('the alarm topic is encrypted with a key CloudWatch may use for this account only', () => {
      const alarmTopic = template.toJSON().Resources[logicalIdOf(template, 'AWS::SNS::Topic', 'AlarmsTopic')];
      expect(alarmTopic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [logicalIdOf(template, 'AWS::KMS::Key', 'AlarmsKey'), 'Arn'] });
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
            }),
          ]),
        },
      });
    });

    test('buckets: private, encrypted, TLS only; uploads versioned, thumbnails not; both log to the access log bucket', () => {
      const buckets = resourcesOfType(template, 'AWS::S3::Bucket');
      const logBucketId = logicalIdOf(template, 'AWS::S3::Bucket', 'BucketsAccessLogs');
      for (const bucket of Object.values(buckets)) {
        expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        });
        expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toHaveLength(1);
      }
      const input = buckets[logicalIdOf(template, 'AWS::S3::Bucket', 'BucketsInput')].Properties;
      const output = buckets[logicalIdOf(template, 'AWS::S3::Bucket', 'BucketsOutput')].Properties;
      expect(input.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(output.VersioningConfiguration).toBeUndefined();
      for (const bucket of [input, output]) {
        expect(bucket.BucketEncryption.ServerSideEncryptionConfiguration[0]).toMatchObject({
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' },
        });
        expect(bucket.LoggingConfiguration.DestinationBucketName).toEqual({ Ref: logBucketId });
      }
      expect(Object.values(resourcesOfType(template, 'AWS::S3::BucketPolicy'))).toHaveLength(3);
      for (const policy of Object.values(resourcesOfType(template, 'AWS::S3::BucketPolicy'))) {
        expect(policy.Properties.PolicyDocument.Statement).toEqual(
          expect.arrayContaining([expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        );
      }
    });

    test('every log group is encrypted and kept at least a year', () => {
      for (const logGroup of Object.values(resourcesOfType(template, 'AWS::Logs::LogGroup'))) {
        expect(logGroup.Properties.KmsKeyId).toBeDefined();
        expect(logGroup.Properties.RetentionInDays).toBeGreaterThanOrEqual(365);
      }
    });

    test('outputs: buckets, queues and an upload command for incoming/', () => {
      const outputs = template.toJSON().Outputs;
      for (const name of ['InputBucketName', 'OutputBucketName', 'QueueUrl', 'DeadLetterQueueUrl', 'UploadSampleCommand']) {
        expect(outputs[name]).toBeDefined();
      }
      expect(JSON.stringify(outputs.UploadSampleCommand.Value)).toContain('aws s3 cp ');
      expect(JSON.stringify(outputs.UploadSampleCommand.Value)).toContain('/incoming/');
    });
  });
}
