/** Node 0's log of a healthy two-node job, as the job image prints it. */
export const HEALTHY_MAIN_LOG = [
  '[node 0] fi_info -p efa (EFA interfaces on this node: 1)',
  '[node 0]   provider: efa  domain: rdmap0s6-rdm',
  '[node 0] waiting up to 600 s for 2 nodes to register',
  '[node 0] all 2 nodes registered: 10.0.3.17 10.0.3.42',
  '[node 0] mpirun: /opt/hpc-job/bin/mpi-fabric-check',
  'ping-pong rank 0 <-> rank 36: 8 B latency 15.73 us, 1048576 B bandwidth 10843.2 MB/s',
  'node 0/2 ip-10-0-3-17 (ranks 0-35): allreduce sum 2628, expected 2628: OK',
  'node 1/2 ip-10-0-3-42 (ranks 36-71): allreduce sum 2628, expected 2628: OK',
  'fabric check: PASS (72 ranks on 2 nodes)',
  '[node 0] PASS: /opt/hpc-job/bin/mpi-fabric-check ran on 2 nodes',
];

/** Node 1's own log: its fi_info and its registration. */
export const HEALTHY_NODE_1_LOG = [
  '[node 1] fi_info -p efa (EFA interfaces on this node: 1)',
  '[node 1]   provider: efa  domain: rdmap0s6-rdm',
  '[node 1] registering 10.0.3.42 with the main node 10.0.3.17',
  '[node 1] registered; serving MPI ranks until the main node finishes',
];

const ACCOUNT = '123456789012';
export const JOB_QUEUE_ARN = `arn:aws:batch:eu-west-1:${ACCOUNT}:job-queue/JobQueue-abc`;
export const JOB_DEFINITION_ARN = `arn:aws:batch:eu-west-1:${ACCOUNT}:job-definition/MpiJob-abc:1`;
export const JOB_LOG_GROUP = 'HpcClusterStack-BatchJobLogs-xyz';

/** HpcClusterStack's outputs with hpc.scheduler=batch, the sandbox profile. */
export const BATCH_OUTPUTS = {
  Scheduler: 'batch',
  InstanceType: 'c5n.18xlarge',
  NodeCount: '2',
  JobQueueArn: JOB_QUEUE_ARN,
  JobDefinitionArn: JOB_DEFINITION_ARN,
  JobLogGroup: JOB_LOG_GROUP,
  SubmitJobCommand: 'aws batch submit-job ...',
};

/** HpcClusterStack's outputs with hpc.scheduler=static. */
export const STATIC_OUTPUTS = {
  Scheduler: 'static',
  InstanceType: 'c5n.18xlarge',
  NodeCount: '2',
  AutoScalingGroupName: 'HpcClusterStack-StaticNodesASG-XYZ',
  ListNodesCommand: 'aws ec2 describe-instances ...',
};

export const TOPIC_ARN = `arn:aws:sns:eu-west-1:${ACCOUNT}:WorkerFleetStack-AlarmsTopic-abc`;
export const KEY_ARN = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;
export const DLQ_URL = `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/WorkerFleetStack-WorkDeadLetterQueue-abc`;

/** WorkerFleetStack's outputs (Lambda backend). */
export const WORKER_OUTPUTS = {
  InputBucketName: 'workerfleetstack-bucketsinput-abc',
  OutputBucketName: 'workerfleetstack-bucketsoutput-abc',
  QueueUrl: `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/WorkerFleetStack-WorkQueue-abc`,
  DeadLetterQueueUrl: DLQ_URL,
  AlarmTopicArn: TOPIC_ARN,
  WorkerLogGroup: 'WorkerFleetStack-LambdaWorkersLogs-abc',
};

/** The alarm topic's policy as the stack writes it (lib/workers/alarms.ts): TLS only, CloudWatch for this account's alarms. */
export function alarmTopicPolicy(overrides: { cloudWatchStatement?: object | null } = {}): string {
  const cloudWatch = {
    Sid: 'CloudWatchAlarmsPublish',
    Effect: 'Allow',
    Principal: { Service: 'cloudwatch.amazonaws.com' },
    Action: 'sns:Publish',
    Resource: TOPIC_ARN,
    Condition: {
      StringEquals: { 'aws:SourceAccount': ACCOUNT },
      ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:*` },
    },
  };
  const statements = [
    {
      Sid: 'AllowPublishThroughSSLOnly',
      Effect: 'Deny',
      Principal: '*',
      Action: 'sns:Publish',
      Resource: TOPIC_ARN,
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
    ...(overrides.cloudWatchStatement === null ? [] : [overrides.cloudWatchStatement ?? cloudWatch]),
  ];
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/** The alarm key's policy as the stack writes it: the account's IAM, CloudWatch for this account's alarms, no grants. */
export function alarmKeyPolicy(overrides: { cloudWatchStatement?: object | null } = {}): string {
  const cloudWatch = {
    Effect: 'Allow',
    Principal: { Service: 'cloudwatch.amazonaws.com' },
    Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
    Resource: '*',
    Condition: {
      StringEquals: { 'aws:SourceAccount': ACCOUNT },
      ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:*` },
    },
  };
  const statements = [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
    {
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'kms:CreateGrant',
      Resource: '*',
      Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
    },
    ...(overrides.cloudWatchStatement === null ? [] : [overrides.cloudWatchStatement ?? cloudWatch]),
  ];
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

export const ALARMS = ['DlqNotEmpty', 'MessageTooOld', 'DeliveryDlqNotEmpty'].map((name) => ({
  AlarmName: `WorkerFleetStack-Alarms${name}-abc`,
  AlarmArn: `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:WorkerFleetStack-Alarms${name}-abc`,
  AlarmActions: [TOPIC_ARN],
  OKActions: [TOPIC_ARN],
}));

const PCS_CLUSTER_ARN = `arn:aws:pcs:eu-west-1:${ACCOUNT}:cluster/pcs_abc123`;

/** HpcClusterStack's outputs with hpc.scheduler=slurm. */
export const SLURM_OUTPUTS = {
  Scheduler: 'slurm',
  InstanceType: 'c5n.18xlarge',
  NodeCount: '2',
  PcsClusterId: 'pcs_abc123',
  PcsClusterArn: PCS_CLUSTER_ARN,
  PcsQueueId: 'pcs_queue1',
  PcsQueueArn: `${PCS_CLUSTER_ARN}/queue/pcs_queue1`,
  SlurmPartition: 'efa',
  PcsComputeNodeGroupId: 'pcs_compute1',
  PcsComputeNodeGroupArn: `${PCS_CLUSTER_ARN}/computenodegroup/pcs_compute1`,
  PcsLoginNodeGroupId: 'pcs_login1',
  PcsLoginNodeGroupArn: `${PCS_CLUSTER_ARN}/computenodegroup/pcs_login1`,
  LoginNodeCommand: 'aws ec2 describe-instances ...',
};
