import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as eventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { encryptedLogGroup } from '../shared/encrypted-log-group';
import { BUNDLED_HANDLER, bundledLambdaCode } from '../shared/esbuild-bundle';
import { grantWorkerAccess, WorkerResources } from './worker-grants';
import { WORKER_LAMBDA_ENTRY } from './worker-paths';

export interface LambdaWorkersProps extends WorkerResources {
  /** The function timeout: the most one batch may take. The queue's visibility timeout must be at least six times this. */
  readonly timeout: Duration;
  /** The most concurrent invocations the SQS event source starts (2-1000). */
  readonly maxConcurrency: number;
  /**
   * Messages per invocation.
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * Memory, which also sets the CPU share (1,769 MB is one full vCPU:
   * https://docs.aws.amazon.com/lambda/latest/dg/configuration-function-common.html). 2,048 MB holds the
   * largest image worker/src/image-limits.ts accepts (a 24-megapixel JPEG peaks near 0.9 GB) with
   * room to spare: `npm run bench:memory` measures it on a batch of the largest of each format.
   * @default 2048
   */
  readonly memorySize?: number;
}

/**
 * The worker as a Lambda function fed by an SQS event source mapping: Lambda polls the queue,
 * scales invocations up to maxConcurrency, and deletes each batch except the messages the handler
 * reports as failed (ReportBatchItemFailures), which return to the queue on their own.
 */
export class LambdaWorkers extends Construct {
  public readonly function: lambda.Function;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: LambdaWorkersProps) {
    super(scope, id);

    this.logGroup = encryptedLogGroup(this, 'Logs');
    // An explicit role instead of the default one with AWSLambdaBasicExecutionRole: that managed
    // policy lets the function write to every log group of the account.
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Thumbnail worker function: its own log group, its queue, uploads in, thumbnails out',
    });
    this.logGroup.grant(role, 'logs:CreateLogStream', 'logs:PutLogEvents');

    this.function = new lambda.Function(this, 'Function', {
      code: bundledLambdaCode(WORKER_LAMBDA_ENTRY),
      handler: BUNDLED_HANDLER,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 2048,
      timeout: props.timeout,
      role,
      logGroup: this.logGroup,
      environment: {
        OUTPUT_BUCKET: props.outputBucket.bucketName,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    grantWorkerAccess(role, role, props);

    this.function.addEventSource(
      new eventSources.SqsEventSource(props.queue, {
        batchSize: props.batchSize ?? 10,
        reportBatchItemFailures: true,
        maxConcurrency: props.maxConcurrency,
      }),
    );

    const acknowledge = (findingId: string, reason: string) => Validations.of(this.function).acknowledge({ id: findingId, reason });
    acknowledge(
      'cdk-validator-cfnguard::lambda_inside_vpc_check',
      'The function only calls the public S3 and SQS endpoints (IAM-authorized, over TLS) and reaches nothing private. ' +
        'In a VPC it would need a NAT gateway or an SQS interface endpoint (an hourly cost per AZ) and protect nothing more.',
    );
    acknowledge(
      'AwsSolutions::AwsSolutions-L1',
      'Pinned to nodejs22.x on purpose: the Node major the worker is tested with, and the one the Fargate image and the EC2 ' +
        'instances run, so all three backends run the same code on the same runtime.',
    );
  }
}
