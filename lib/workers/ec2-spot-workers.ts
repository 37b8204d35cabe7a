import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { encryptedLogGroup } from '../shared/encrypted-log-group';
import { PollerBundle, POLLER_BUNDLE_FILE } from './poller-bundle';
import { grantWorkerAccess, WorkerResources } from './worker-grants';

/** Shell scripts installed on the instances (data files: read, never imported). */
export const EC2_NODE_SCRIPTS_DIR = path.join(__dirname, 'ec2-node');

/** The termination lifecycle hook the on-instance drain watcher completes. */
export const DRAIN_LIFECYCLE_HOOK_NAME = 'drain-workers';

/** How much longer the lifecycle hook waits than the workers' stop timeout: boot-to-drain detection, the API call. */
const LIFECYCLE_HOOK_MARGIN = Duration.seconds(60);

const WORKER_UNIT = 'thumbnail-worker';

/** Where the workers, the watchers and the boot write the logs the CloudWatch agent ships. */
const LOG_DIRECTORY = `/var/log/${WORKER_UNIT}`;

export interface Ec2SpotWorkersProps extends WorkerResources {
  readonly vpc: ec2.IVpc;
  /** Several instance types of ONE architecture: each is its own Spot capacity pool. */
  readonly instanceTypes: string[];
  /** The one CPU architecture of `instanceTypes` (lib/config/workers.ts checks they share it). */
  readonly architecture: ec2.InstanceArchitecture;
  /** Pollers each instance type runs: also its weight in the group, so capacity counts pollers. */
  readonly pollersPerInstance: Readonly<Record<string, number>>;
  /** The most pollers at once, over all instances. */
  readonly maxWorkers: number;
  /**
   * Capacity units (pollers) launched On-Demand before any Spot.
   * @default 0 (all Spot)
   */
  readonly onDemandBase?: number;
  /** The queue's visibility timeout, which the poller also asks for on each receive. */
  readonly visibilityTimeout: Duration;
  /** The most one message may take in the poller; below the visibility timeout. */
  readonly jobTimeout: Duration;
  /** How long systemd waits after SIGTERM for a worker to finish its messages (at least one job timeout). */
  readonly stopTimeout: Duration;
  /**
   * How long after boot the pollers must be running; after it, an instance with none is marked
   * Unhealthy and replaced. Also the group's health check grace period.
   * @default Duration.minutes(10)
   */
  readonly bootBudget?: Duration;
  /**
   * Root volume size.
   * @default 16 GiB
   */
  readonly rootVolumeGiB?: number;
}

/**
 * The group's maximum, in pollers. EC2 Auto Scaling may go past the desired capacity by up to the
 * largest instance weight ("the hard limit ... is your desired capacity plus your largest weight":
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-mixed-instances-groups-instance-weighting.html),
 * so the maximum leaves that much room below maxWorkers.
 */
export function groupMaxCapacity(maxWorkers: number, pollersPerInstance: Readonly<Record<string, number>>): number {
  return maxWorkers - Math.max(...Object.values(pollersPerInstance));
}

/**
 * The worker as systemd services on Spot instances of an Auto Scaling group, one poller process
 * per vCPU (the job is CPU-bound and Node runs JavaScript on one core). Each instance type weighs
 * its pollers, so the group's capacity, its maximum and the scaling signal all count pollers.
 *
 * - Spot from several instance types (capacity pools), price-capacity-optimized, above an optional
 *   On-Demand base; Capacity Rebalancing launches a replacement as soon as EC2 signals elevated
 *   interruption risk.
 * - A watchdog marks an instance with no running poller Unhealthy once the boot budget has passed,
 *   so the group replaces it; worker, watcher and boot logs go to an encrypted log group.
 * - Amazon Linux 2023 for the types' architecture, IMDSv2 only, encrypted gp3 root volume, no
 *   SSH and no inbound rule at all: shell access is SSM Session Manager.
 * - The poller is bundled at synth (PollerBundle); at boot the instance installs Node.js 22 from
 *   the AL2023 repositories, fetches the bundle and starts the systemd units.
 * - Draining: a termination lifecycle hook holds a terminating instance in Terminating:Wait;
 *   the drain watcher (ec2-node/drain-watch.sh) notices through instance metadata, stops the
 *   workers (SIGTERM: finish in-flight messages) and completes the hook. On a Spot interruption
 *   notice it stops the workers at once: EC2 takes the instance two minutes later regardless.
 */
export class Ec2SpotWorkers extends Construct {
  public readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  public readonly launchTemplate: ec2.LaunchTemplate;
  public readonly role: iam.Role;
  public readonly architecture: ec2.InstanceArchitecture;
  /** Worker, drain, watchdog and boot logs of every instance (one stream per instance and source). */
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: Ec2SpotWorkersProps) {
    super(scope, id);
    this.architecture = props.architecture;

    this.role = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'Thumbnail worker instance: its queue, uploads in, thumbnails out, its own draining, SSM instead of SSH',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
      reason: 'The documented minimum for SSM Session Manager, which replaces SSH on these instances.',
    });
    grantWorkerAccess(this.role, this.role, props);
    this.logGroup = encryptedLogGroup(this, 'Logs');
    // The CloudWatch agent writes to this one group, which the stack creates (the agent creates none).
    this.logGroup.grant(this.role, 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams');

    const bundle = new PollerBundle(this, 'PollerBundle');
    // Exactly the one object, not the whole assets bucket.
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [bundle.asset.bucket.arnForObjects(bundle.asset.s3ObjectKey)],
      }),
    );

    const bootBudget = props.bootBudget ?? Duration.minutes(10);
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Thumbnail worker instances: nothing inbound (SSM, not SSH); HTTPS out to AWS APIs and the AL2023 repositories',
      allowAllOutbound: false,
    });
    securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS APIs and package repositories');

    this.launchTemplate = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      machineImage: ec2.MachineImage.latestAmazonLinux2023({
        cpuType: this.architecture === ec2.InstanceArchitecture.ARM_64 ? ec2.AmazonLinuxCpuType.ARM_64 : ec2.AmazonLinuxCpuType.X86_64,
      }),
      role: this.role,
      securityGroup,
      userData: this.userData(bundle, props, bootBudget),
      requireImdsv2: true,
      // One-minute instance metrics: scaling acts on minutes, five-minute averages would hide a boot stall.
      detailedMonitoring: true,
      // Nothing on the instance runs in a container: the token never needs a second hop.
      httpPutResponseHopLimit: 1,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(props.rootVolumeGiB ?? 16, {
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            encrypted: true,
            deleteOnTermination: true,
          }),
        },
      ],
    });

    this.autoScalingGroup = new autoscaling.AutoScalingGroup(this, 'Group', {
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      mixedInstancesPolicy: {
        launchTemplate: this.launchTemplate,
        // Each type weighs the pollers it runs: capacity, min, max and desired are in pollers.
        launchTemplateOverrides: props.instanceTypes.map((instanceType) => ({
          instanceType: new ec2.InstanceType(instanceType),
          weightedCapacity: props.pollersPerInstance[instanceType],
        })),
        instancesDistribution: {
          // The first onDemandBase units are On-Demand, launched first as the group grows; above
          // them everything is Spot. With a minimum of 0 this keeps nothing running by itself:
          // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-autoscaling-autoscalinggroup-instancesdistribution.html
          onDemandBaseCapacity: props.onDemandBase ?? 0,
          onDemandPercentageAboveBaseCapacity: 0,
          // Pools with the most spare capacity first (fewest interruptions), then the cheapest.
          spotAllocationStrategy: autoscaling.SpotAllocationStrategy.PRICE_CAPACITY_OPTIMIZED,
        },
      },
      capacityRebalance: true,
      // No rolling update on template changes: running instances finish with the code they have
      // and every instance launched afterwards gets the new one; the fleet turns over by itself
      // as it scales to zero.
      minCapacity: 0,
      maxCapacity: groupMaxCapacity(props.maxWorkers, props.pollersPerInstance),
      // The watchdog reports an instance whose pollers are not running after the boot budget; the
      // grace period keeps the group from acting on a health status before then:
      // https://docs.aws.amazon.com/autoscaling/ec2/userguide/health-check-grace-period.html
      healthChecks: autoscaling.HealthChecks.ec2({ gracePeriod: bootBudget }),
      // For operators (scaling reads the group through the API).
      groupMetrics: [new autoscaling.GroupMetrics(autoscaling.GroupMetric.IN_SERVICE_INSTANCES, autoscaling.GroupMetric.DESIRED_CAPACITY)],
    });

    const privateSubnets = props.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
    // The subnets already span every AZ of the VPC; naming the AZs as well states it where
    // policy checks look (AWS Control Tower CT.AUTOSCALING.PR.1 reads only AvailabilityZones).
    const cfnGroup = this.autoScalingGroup.node.defaultChild as autoscaling.CfnAutoScalingGroup;
    cfnGroup.availabilityZones = privateSubnets.availabilityZones;

    this.autoScalingGroup.addLifecycleHook('Drain', {
      lifecycleHookName: DRAIN_LIFECYCLE_HOOK_NAME,
      lifecycleTransition: autoscaling.LifecycleTransition.INSTANCE_TERMINATING,
      // Long enough for the slowest job to finish; the watcher normally ends the wait far sooner.
      heartbeatTimeout: lifecycleHookHeartbeat(props.stopTimeout),
      // If the watcher never answers, terminate anyway: unfinished messages simply reappear.
      defaultResult: autoscaling.DefaultResult.CONTINUE,
    });

    // A separate policy: the role cannot name the group in its own policy, because the group
    // depends on the launch template, which depends on the role.
    const drainPolicy = new iam.Policy(this, 'DrainPolicy', {
      roles: [this.role],
      statements: [
        // CompleteLifecycleAction for the drain watcher; SetInstanceHealth for the watchdog, on
        // this group only (both act on the instance's own group).
        new iam.PolicyStatement({
          actions: ['autoscaling:CompleteLifecycleAction', 'autoscaling:SetInstanceHealth'],
          resources: [this.autoScalingGroup.autoScalingGroupArn],
        }),
        // The watcher looks up its group's name; this read-only call has no resource-level permissions.
        new iam.PolicyStatement({ actions: ['autoscaling:DescribeAutoScalingInstances'], resources: ['*'] }),
      ],
    });
    this.acknowledgeGroupFindings();
    Validations.of(drainPolicy).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'autoscaling:DescribeAutoScalingInstances supports no resource-level permissions; it is read-only and tells the instance its group name.',
    });
    const groupLogicalId = Stack.of(this).getLogicalId(this.autoScalingGroup.node.defaultChild as autoscaling.CfnAutoScalingGroup);
    Validations.of(drainPolicy).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:autoscaling:<AWS::Region>:<AWS::AccountId>:autoScalingGroup:*:autoScalingGroupName/<${groupLogicalId}>]`,
      reason: "The wildcard is the group ARN's UUID, which exists only after the group does; the group is named exactly.",
    });
  }

  private acknowledgeGroupFindings(): void {
    const acknowledge = (id: string, reason: string) => Validations.of(this.autoScalingGroup).acknowledge({ id, reason });
    acknowledge(
      'AwsSolutions::AwsSolutions-AS3',
      'The group scales from and to zero all day by design; a notification per launch and termination would drown the alarm ' +
        'topic. Every scaling event is in the group activity history and on EventBridge (aws.autoscaling), for whoever needs them.',
    );
    acknowledge(
      'AwsSolutions::AwsSolutions-EC26',
      'The rule cannot follow the group to its launch template (it throws on the intrinsic reference). The only volume is the ' +
        'launch template root volume, which is encrypted (see Ec2SpotWorkers.launchTemplate).',
    );
    acknowledge(
      'cdk-validator-cfnguard::autoscaling_group_nitro_encryption_in_transit_override_check',
      'The workers never talk to each other (their security group admits nothing inbound); all their traffic is TLS to AWS ' +
        'endpoints. Requiring hardware in-transit encryption would drop the Graviton2 Spot pools (m6g, c6g, r6g) that make Spot ' +
        'capacity deep, for traffic that does not exist.',
    );
  }

  private userData(bundle: PollerBundle, props: Ec2SpotWorkersProps, bootBudget: Duration): ec2.UserData {
    const userData = ec2.UserData.forLinux();
    const bundlePath = `/opt/${WORKER_UNIT}/${POLLER_BUNDLE_FILE}`;
    const workerUnits = `${WORKER_UNIT}@*.service`;
    userData.addCommands(
      'set -euo pipefail',
      `install -d /etc/${WORKER_UNIT} /opt/${WORKER_UNIT} ${LOG_DIRECTORY}`,
      // First, before anything that can fail: the watchdog, which needs nothing but bash, curl and
      // the AWS CLI of the AMI. If a later step dies, no poller runs and the watchdog reports it.
      writeFile(`/etc/${WORKER_UNIT}/watchdog.env`, [`WORKER_UNITS=${workerUnits}`, `BOOT_BUDGET_SECONDS=${bootBudget.toSeconds()}`]),
      writeScript('/usr/local/bin/poller-watchdog', 'poller-watchdog.sh'),
      writeFile('/etc/systemd/system/poller-watchdog.service', [
        '[Unit]',
        'Description=Marks this instance Unhealthy when no thumbnail worker runs',
        '[Service]',
        'Type=oneshot',
        `EnvironmentFile=/etc/${WORKER_UNIT}/watchdog.env`,
        'ExecStart=/usr/local/bin/poller-watchdog',
        `StandardOutput=append:${LOG_DIRECTORY}/watchdog.log`,
        'StandardError=inherit',
      ]),
      writeFile('/etc/systemd/system/poller-watchdog.timer', [
        '[Unit]',
        'Description=Checks every minute, once the boot budget has passed, that thumbnail workers run',
        '[Timer]',
        `OnBootSec=${bootBudget.toSeconds()}`,
        'OnUnitActiveSec=60',
        '[Install]',
        'WantedBy=timers.target',
      ]),
      'systemctl daemon-reload',
      'systemctl enable --now poller-watchdog.timer',
      // Namespaced packages on AL2023: nodejs22 installs /usr/bin/node-22. The CloudWatch agent
      // ships files (not the journal) to the stack's encrypted log group:
      // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Agent-Configuration-File-Details.html
      'dnf install -y amazon-cloudwatch-agent nodejs22',
      writeFile('/opt/aws/amazon-cloudwatch-agent/etc/thumbnail-worker.json', [JSON.stringify(this.agentConfig(), undefined, 2)]),
      '/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:/opt/aws/amazon-cloudwatch-agent/etc/thumbnail-worker.json',
      `useradd --system --no-create-home --shell /sbin/nologin ${WORKER_UNIT}`,
    );
    userData.addS3DownloadCommand({ bucket: bundle.asset.bucket, bucketKey: bundle.asset.s3ObjectKey, localFile: bundlePath });
    userData.addCommands(
      writeFile(`/etc/${WORKER_UNIT}/worker.env`, [
        `QUEUE_URL=${props.queue.queueUrl}`,
        `OUTPUT_BUCKET=${props.outputBucket.bucketName}`,
        `AWS_REGION=${Stack.of(this).region}`,
        `VISIBILITY_TIMEOUT_SECONDS=${props.visibilityTimeout.toSeconds()}`,
        `JOB_TIMEOUT_SECONDS=${props.jobTimeout.toSeconds()}`,
      ]),
      // The group's weight of each type = the pollers an instance of it starts (start-workers).
      writeFile(
        `/etc/${WORKER_UNIT}/pollers`,
        props.instanceTypes.map((instanceType) => `${instanceType} ${props.pollersPerInstance[instanceType]}`),
      ),
      writeFile(`/etc/systemd/system/${WORKER_UNIT}@.service`, [
        '[Unit]',
        'Description=Thumbnail worker %i (SQS poller)',
        'Wants=network-online.target',
        'After=network-online.target',
        '[Service]',
        `User=${WORKER_UNIT}`,
        `EnvironmentFile=/etc/${WORKER_UNIT}/worker.env`,
        `ExecStart=/usr/bin/node-22 --enable-source-maps ${bundlePath}`,
        // systemd opens the file (as root) and hands it to the worker: one log file per poller.
        `StandardOutput=append:${LOG_DIRECTORY}/worker-%i.log`,
        'StandardError=inherit',
        // SIGTERM: stop receiving, finish the messages held, exit 0. Only after TimeoutStopSec
        // does systemd send SIGKILL; those messages then reappear after their visibility timeout.
        'KillSignal=SIGTERM',
        `TimeoutStopSec=${props.stopTimeout.toSeconds()}`,
        // A crash is restarted; a stop (draining) is not, whatever the exit code.
        'Restart=always',
        'RestartSec=5',
        'NoNewPrivileges=yes',
        'ProtectSystem=strict',
        'ProtectHome=yes',
        'PrivateTmp=yes',
        '[Install]',
        'WantedBy=multi-user.target',
      ]),
      writeFile(`/etc/${WORKER_UNIT}/drain.env`, [`WORKER_UNITS=${workerUnits}`, `LIFECYCLE_HOOK_NAME=${DRAIN_LIFECYCLE_HOOK_NAME}`]),
      writeScript('/usr/local/bin/drain-watch', 'drain-watch.sh'),
      writeFile('/etc/systemd/system/drain-watch.service', [
        '[Unit]',
        'Description=Drains the thumbnail workers before this instance is terminated',
        'Wants=network-online.target',
        'After=network-online.target',
        '[Service]',
        `EnvironmentFile=/etc/${WORKER_UNIT}/drain.env`,
        'ExecStart=/usr/local/bin/drain-watch',
        `StandardOutput=append:${LOG_DIRECTORY}/drain-watch.log`,
        'StandardError=inherit',
        'Restart=on-failure',
        'RestartSec=5',
        '[Install]',
        'WantedBy=multi-user.target',
      ]),
      writeScript('/usr/local/bin/start-workers', 'start-workers.sh'),
      'systemctl daemon-reload',
      'systemctl enable --now drain-watch.service',
      `WORKER_UNIT=${WORKER_UNIT} /usr/local/bin/start-workers`,
    );
    return userData;
  }

  /** The CloudWatch agent's configuration: the files it ships, to this stack's group only. */
  private agentConfig(): Record<string, unknown> {
    const file = (filePath: string, stream: string) => ({
      file_path: filePath,
      log_group_name: this.logGroup.logGroupName,
      log_stream_name: `{instance_id}/${stream}`,
    });
    return {
      logs: {
        logs_collected: {
          files: {
            collect_list: [
              file(`${LOG_DIRECTORY}/worker-*.log`, 'workers'),
              file(`${LOG_DIRECTORY}/drain-watch.log`, 'drain-watch'),
              file(`${LOG_DIRECTORY}/watchdog.log`, 'watchdog'),
              // The user data's own output: a boot that failed says why here.
              file('/var/log/cloud-init-output.log', 'boot'),
            ],
          },
        },
      },
    };
  }
}

/** A script of ec2-node/, written by the user data and made executable. */
function writeScript(target: string, script: string): string {
  return [
    writeFile(target, fs.readFileSync(path.join(EC2_NODE_SCRIPTS_DIR, script), 'utf8').trimEnd().split('\n')),
    `chmod 0755 ${target}`,
  ].join('\n');
}

/** A file written by the user data; the quoted heredoc keeps the shell away from `$` in it. */
function writeFile(filePath: string, lines: string[]): string {
  const marker = `EOF_${path.basename(filePath).replace(/\W/g, '_')}`;
  return [`cat > ${filePath} <<'${marker}'`, ...lines, marker].join('\n');
}

/** The termination lifecycle hook's heartbeat: the workers' stop timeout plus a margin (at least 30 s, the API minimum). */
export function lifecycleHookHeartbeat(stopTimeout: Duration): Duration {
  return Duration.seconds(Math.max(30, stopTimeout.toSeconds() + LIFECYCLE_HOOK_MARGIN.toSeconds()));
}
