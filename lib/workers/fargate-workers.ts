import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { encryptedLogGroup } from '../shared/encrypted-log-group';
import { grantWorkerAccess, WorkerResources } from './worker-grants';
import { pollerImageContext } from './poller-bundle';

/** The longest ECS waits on Fargate between SIGTERM and SIGKILL (the container stopTimeout maximum). */
export const FARGATE_MAX_STOP_TIMEOUT = Duration.seconds(120);

export interface FargateWorkersProps extends WorkerResources {
  readonly vpc: ec2.IVpc;
  /** The most tasks at once. */
  readonly maxTasks: number;
  /** Percentage of tasks on Fargate Spot (0-100); the rest run on regular Fargate. */
  readonly spotPercent: number;
  /** The queue's visibility timeout, which the poller also asks for on each receive. */
  readonly visibilityTimeout: Duration;
  /** The most one message may take in the poller; below the visibility timeout. */
  readonly jobTimeout: Duration;
  /**
   * vCPU units per task (1024 = 1 vCPU).
   * @default 1024
   */
  readonly cpu?: number;
  /**
   * Memory per task, in MiB.
   * @default 2048
   */
  readonly memoryLimitMiB?: number;
}

/**
 * The worker as a Fargate service of long-running pollers, in the private subnets of the VPC.
 * BacklogScaling sets the task count. On a scale-in or a Fargate Spot
 * interruption ECS sends SIGTERM, and the poller stops receiving, finishes what it holds and
 * exits 0 before the stop timeout.
 *
 * The image is built at deploy time from worker/Dockerfile and the poller bundled at synth, for
 * ARM64 (Graviton: cheaper per vCPU; its node:22-bookworm-slim base is multi-architecture).
 * Building on an x86 machine needs Docker with QEMU/binfmt (Docker Desktop has it).
 */
export class FargateWorkers extends Construct {
  public readonly cluster: ecs.Cluster;
  public readonly service: ecs.FargateService;
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: FargateWorkersProps) {
    super(scope, id);

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc,
      // Per-task CPU and memory for operators (scaling reads its counts from the ECS API instead).
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
      enableFargateCapacityProviders: true,
    });

    const memoryLimitMiB = props.memoryLimitMiB ?? 2048;
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: props.cpu ?? 1024,
      memoryLimitMiB,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    this.logGroup = encryptedLogGroup(this, 'Logs');
    this.taskDefinition.addContainer('Worker', {
      image: ecs.ContainerImage.fromAsset(pollerImageContext(), { platform: ecrAssets.Platform.LINUX_ARM64 }),
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: 'worker' }),
      environment: {
        QUEUE_URL: props.queue.queueUrl,
        OUTPUT_BUCKET: props.outputBucket.bucketName,
        AWS_REGION: Stack.of(this).region,
        VISIBILITY_TIMEOUT_SECONDS: String(props.visibilityTimeout.toSeconds()),
        JOB_TIMEOUT_SECONDS: String(props.jobTimeout.toSeconds()),
      },
      // The most Fargate allows between SIGTERM and SIGKILL: a poller finishes any job shorter
      // than that. A longer job is cut off and its message reappears after the visibility timeout
      // for another worker (at-least-once; the job is idempotent). Use ec2 for longer jobs.
      stopTimeout: FARGATE_MAX_STOP_TIMEOUT,
      // The one container may use the whole task; a hard limit makes a leak fail this task only.
      memoryLimitMiB,
      // The image's unprivileged user (USER node in worker/Dockerfile), stated so the task
      // definition itself shows it.
      user: 'node',
      // The worker keeps everything in memory.
      readonlyRootFilesystem: true,
    });
    grantWorkerAccess(this.taskDefinition.taskRole, this.taskDefinition.taskRole, props);

    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Thumbnail workers: nothing inbound; HTTPS out to SQS, S3, ECR and CloudWatch Logs',
      allowAllOutbound: false,
    });
    securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS APIs');

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      // No desiredCount: with one in the template every deploy would set the count back to it,
      // undoing autoscaling (https://github.com/aws/aws-cdk/issues/3919). Left out, CloudFormation
      // creates the service with 1 task and leaves the count alone on updates
      // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ecs-service.html#cfn-ecs-service-desiredcount);
      // the idle rule of BacklogScaling stops that first task.
      capacityProviderStrategies: capacityProviderStrategies(props.spotPercent),
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      assignPublicIp: false,
      securityGroups: [securityGroup],
      // Rolling deployments start new tasks before stopping old ones; a bad image rolls back.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { rollback: true },
    });

    // The cluster's capacity providers are attached by a separate resource
    // (AWS::ECS::ClusterCapacityProviderAssociations, created by aws-cdk-lib inside the cluster
    // construct); a service whose strategy names them must be created after it, or creation can
    // fail: https://github.com/aws/containers-roadmap/issues/631 (the same dependency in AWS's
    // sample: aws-samples/serverless-container-constructs, service.node.addDependency(cluster)).
    this.service.node.addDependency(this.cluster);

    const executionRole = this.taskDefinition.obtainExecutionRole();
    Validations.of(executionRole).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken has no resource-level permissions; the image pull itself is limited to the CDK assets repository.',
    });
    Validations.of(this.taskDefinition).acknowledge({
      id: 'AwsSolutions::AwsSolutions-ECS2',
      reason:
        'The environment holds only resource names (queue URL, bucket name, region, a timeout), no secrets; they are ' +
        'deploy-time outputs of this stack, which is exactly what task definition environment variables are for.',
    });
  }
}

/** FARGATE_SPOT for spotPercent of the tasks, FARGATE for the rest (providers with weight 0 left out). */
export function capacityProviderStrategies(spotPercent: number): ecs.CapacityProviderStrategy[] {
  return [
    { capacityProvider: 'FARGATE_SPOT', weight: spotPercent },
    { capacityProvider: 'FARGATE', weight: 100 - spotPercent },
  ].filter((strategy) => strategy.weight > 0);
}
