import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { BatchClient } from '@aws-sdk/client-batch';
import { CloudControlClient } from '@aws-sdk/client-cloudcontrol';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { AwsSettings } from '../shared/aws-settings';

/** Every AWS client the smoke checks use, for one region. */
export interface SmokeClients {
  readonly cloudFormation: CloudFormationClient;
  readonly batch: BatchClient;
  readonly logs: CloudWatchLogsClient;
  readonly ec2: EC2Client;
  readonly autoScaling: AutoScalingClient;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
  readonly kms: KMSClient;
  readonly cloudWatch: CloudWatchClient;
  readonly cloudControl: CloudControlClient;
  readonly ssm: SSMClient;
}

/** What a test may set on every client besides region and profile (an endpoint nothing listens on). */
export interface ClientOverrides {
  readonly endpoint?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** The clients for one region and profile; building them makes no request. */
export function createSmokeClients(awsSettings: AwsSettings, overrides: ClientOverrides = {}): SmokeClients {
  const settings = { ...awsSettings, ...overrides };
  return {
    cloudFormation: new CloudFormationClient(settings),
    batch: new BatchClient(settings),
    logs: new CloudWatchLogsClient(settings),
    ec2: new EC2Client(settings),
    autoScaling: new AutoScalingClient(settings),
    s3: new S3Client(settings),
    sqs: new SQSClient(settings),
    sns: new SNSClient(settings),
    kms: new KMSClient(settings),
    cloudWatch: new CloudWatchClient(settings),
    cloudControl: new CloudControlClient(settings),
    ssm: new SSMClient(settings),
  };
}
