import { CfnOutput, Duration, Fn, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { WorkersConfig } from '../config';
import { FlowLoggedVpc } from '../shared/flow-logged-vpc';
import { QueueAlarms } from './alarms';
import { BacklogScaling } from './backlog-scaling';
import { WorkerBuckets } from './buckets';
import { Ec2SpotWorkers } from './ec2-spot-workers';
import { FargateWorkers } from './fargate-workers';
import { backlogPerWorkerTarget, pollerStopTimeout, queueVisibilityTimeout } from './fleet-timing';
import { LambdaWorkers } from './lambda-workers';
import { WorkQueues } from './queues';
import { AutoScalingGroupFleet, EcsServiceFleet } from './scaling-targets';
import { UploadEvents } from './upload-events';
import type { WorkerResources } from './worker-grants';
import { INPUT_PREFIX } from './worker-paths';

export interface WorkerFleetStackProps extends StackProps {
  readonly workers: WorkersConfig;
}

/**
 * Loosely coupled worker fleet: uploads under incoming/ -> S3 event notification -> SNS topic
 * (the fan-out point) -> SQS work queue (+ dead-letter queue) -> thumbnail workers -> output
 * bucket. The workers run on Lambda (`workers.compute=lambda`, the default), as Fargate tasks or
 * on EC2 Spot instances; the two poller backends scale on backlog per worker, from and to zero.
 *
 * Each encrypted piece (buckets, upload topic, queues, alarm topic) has its own KMS key: a key
 * shared by the upload topic and the queue would have to name the topic in its policy while
 * the topic names the key, a cycle CloudFormation cannot create.
 */
export class WorkerFleetStack extends Stack {
  public readonly buckets: WorkerBuckets;
  public readonly uploadEvents: UploadEvents;
  public readonly queues: WorkQueues;
  public readonly alarms: QueueAlarms;
  /** Set when `workers.compute=lambda`. */
  public readonly lambdaWorkers?: LambdaWorkers;
  /** Set when `workers.compute=fargate`. */
  public readonly fargateWorkers?: FargateWorkers;
  /** Set when `workers.compute=ec2`. */
  public readonly ec2Workers?: Ec2SpotWorkers;
  /** Set for the poller backends (fargate, ec2); Lambda's event source scales itself on the queue. */
  public readonly scaling?: BacklogScaling;

  constructor(scope: Construct, id: string, props: WorkerFleetStackProps) {
    super(scope, id, props);
    const { workers } = props;

    this.buckets = new WorkerBuckets(this, 'Buckets');
    this.uploadEvents = new UploadEvents(this, 'Uploads', { bucket: this.buckets.input, prefix: INPUT_PREFIX });
    this.queues = new WorkQueues(this, 'Work', {
      visibilityTimeout: queueVisibilityTimeout(workers),
      maxReceiveCount: workers.maxReceiveCount,
      source: this.uploadEvents.topic,
    });
    this.alarms = new QueueAlarms(this, 'Alarms', {
      queue: this.queues.queue,
      deadLetterQueue: this.queues.deadLetterQueue,
      deliveryDeadLetterQueue: this.queues.deliveryDeadLetterQueue,
      maxLatency: Duration.seconds(workers.maxLatencySeconds),
    });

    const resources: WorkerResources = {
      queue: this.queues.queue,
      deadLetterQueue: this.queues.deadLetterQueue,
      inputBucket: this.buckets.input,
      outputBucket: this.buckets.output,
      dataKey: this.buckets.dataKey,
    };
    switch (workers.compute) {
      case 'lambda':
        this.lambdaWorkers = new LambdaWorkers(this, 'LambdaWorkers', {
          ...resources,
          timeout: Duration.seconds(workers.jobTimeoutSeconds),
          maxConcurrency: workers.maxWorkers,
        });
        new CfnOutput(this, 'WorkerLogGroup', { value: this.lambdaWorkers.logGroup.logGroupName });
        break;

      case 'fargate': {
        const network = new FlowLoggedVpc(this, 'Network', { maxAzs: 2 });
        this.fargateWorkers = new FargateWorkers(this, 'FargateWorkers', {
          ...resources,
          vpc: network.vpc,
          maxTasks: workers.maxWorkers,
          spotPercent: workers.fargateSpotPercent,
          visibilityTimeout: queueVisibilityTimeout(workers),
          jobTimeout: Duration.seconds(workers.jobTimeoutSeconds),
        });
        this.scaling = new BacklogScaling(this, 'Scaling', {
          queue: this.queues.queue,
          fleet: new EcsServiceFleet(this, 'FargateFleet', {
            cluster: this.fargateWorkers.cluster,
            service: this.fargateWorkers.service,
            minTasks: 0,
            maxTasks: workers.maxWorkers,
          }),
          targetBacklogPerWorker: backlogPerWorkerTarget(workers),
        });
        new CfnOutput(this, 'ClusterName', { value: this.fargateWorkers.cluster.clusterName });
        new CfnOutput(this, 'WorkerLogGroup', { value: this.fargateWorkers.logGroup.logGroupName });
        break;
      }

      case 'ec2': {
        const network = new FlowLoggedVpc(this, 'Network', { maxAzs: 2 });
        this.ec2Workers = new Ec2SpotWorkers(this, 'Ec2Workers', {
          ...resources,
          vpc: network.vpc,
          instanceTypes: workers.ec2InstanceTypes,
          architecture: workers.ec2Architecture,
          pollersPerInstance: workers.ec2PollersPerInstance,
          maxWorkers: workers.maxWorkers,
          onDemandBase: workers.ec2OnDemandBase,
          visibilityTimeout: queueVisibilityTimeout(workers),
          jobTimeout: Duration.seconds(workers.jobTimeoutSeconds),
          stopTimeout: pollerStopTimeout(workers),
        });
        this.scaling = new BacklogScaling(this, 'Scaling', {
          queue: this.queues.queue,
          fleet: new AutoScalingGroupFleet(this, 'Ec2Fleet', { autoScalingGroup: this.ec2Workers.autoScalingGroup }),
          targetBacklogPerWorker: backlogPerWorkerTarget(workers),
        });
        new CfnOutput(this, 'AutoScalingGroupName', { value: this.ec2Workers.autoScalingGroup.autoScalingGroupName });
        new CfnOutput(this, 'WorkerLogGroup', {
          description: 'Worker, drain, watchdog and boot logs, one stream per instance and source',
          value: this.ec2Workers.logGroup.logGroupName,
        });
        break;
      }
    }

    this.addOutputs();
  }

  private addOutputs(): void {
    new CfnOutput(this, 'InputBucketName', { value: this.buckets.input.bucketName });
    new CfnOutput(this, 'OutputBucketName', { value: this.buckets.output.bucketName });
    new CfnOutput(this, 'QueueUrl', { value: this.queues.queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      description: 'Poison messages arrive here on their first failure, with failure-reason and failure-class message attributes',
      value: this.queues.deadLetterQueue.queueUrl,
    });
    new CfnOutput(this, 'DeliveryDeadLetterQueueUrl', {
      description: 'Upload events SNS could not deliver to the work queue',
      value: this.queues.deliveryDeadLetterQueue.queueUrl,
    });
    new CfnOutput(this, 'UploadTopicArn', {
      description: 'Every upload under incoming/ is announced here: subscribe further consumers to this topic',
      value: this.uploadEvents.topic.topicArn,
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'Subscribe (e.g. an email address) to receive the dead-letter and queue-age alarms',
      value: this.alarms.topic.topicArn,
    });
    new CfnOutput(this, 'UploadSampleCommand', {
      description: 'Uploads an image to incoming/; its thumbnail appears under thumbnails/ in the output bucket',
      value: Fn.join('', ['aws s3 cp ./sample.jpg s3://', this.buckets.input.bucketName, `/${INPUT_PREFIX}sample.jpg`]),
    });
  }
}
