import { type MetricAlarm, paginateDescribeAlarms } from '@aws-sdk/client-cloudwatch';
import { DescribeKeyCommand, GetKeyPolicyCommand } from '@aws-sdk/client-kms';
import { GetTopicAttributesCommand } from '@aws-sdk/client-sns';
import { asIamAction } from '../../shared/failure-line';
import { type CheckRow, fail, pass } from '../check-result';
import type { StackCheckContext } from '../stack-check';
import { conditionKeysOf, decide, parsePolicy, type PolicyStatement, statementName } from './resource-policy';

/** CloudWatch publishes alarm notifications as this service principal. */
const CLOUDWATCH = 'cloudwatch.amazonaws.com';

/**
 * The conditions that keep other accounts' alarms out, which CloudWatch's guide asks for on a
 * topic it publishes to (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/US_SetupSNS.html).
 */
const SOURCE_CONDITION_KEYS = ['aws:sourcearn', 'aws:sourceaccount'];

/**
 * What a notification of an alarm needs to arrive: alarms whose actions name the topic, a topic
 * policy that lets cloudwatch.amazonaws.com publish for exactly those alarms (a topic policy
 * replaces the default one: https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html),
 * and, for a topic encrypted with a customer managed key, a key policy that lets CloudWatch
 * generate data keys and decrypt (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services);
 * the AWS managed key aws/sns cannot be given that permission. Read from the deployed resources,
 * so a policy changed after the deploy is caught.
 */
export async function alarmDeliveryRows(context: StackCheckContext, topicArn: string): Promise<CheckRow[]> {
  const [, partition, , region, account] = topicArn.split(':');
  const alarms = await alarmsNotifying(context, topicArn);
  const { Attributes } = await asIamAction('sns:GetTopicAttributes', () =>
    context.clients.sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn })),
  );
  // With no alarm to take the ARN of, the policies are asked about an alarm of the same account and region.
  const alarmArns =
    alarms.length > 0 ? alarms.map((alarm) => alarm.AlarmArn ?? '') : [`arn:${partition}:cloudwatch:${region}:${account}:alarm:any`];
  const requestsFor = (action: string, resource: string) =>
    alarmArns.map((alarmArn) => ({
      service: CLOUDWATCH,
      action,
      resource,
      context: { 'aws:SourceArn': alarmArn, 'aws:SourceAccount': account, 'aws:SecureTransport': 'true' },
    }));

  const alarmsRow =
    alarms.length > 0
      ? pass(
          'alarms notify the topic',
          `${alarms.length} alarms name it in their actions: ${alarms.map((alarm) => alarm.AlarmName).join(', ')}`,
        )
      : fail('alarms notify the topic', `no alarm names ${topicArn} in its actions`);
  const topicRow = policyRow(
    'topic policy',
    parsePolicy(Attributes?.Policy, 'topic policy'),
    requestsFor('sns:Publish', topicArn),
    alarmArns,
  );
  return [alarmsRow, topicRow, await keyPolicyRow(context, Attributes?.KmsMasterKeyId, requestsFor, alarmArns)];
}

/** Alarms whose actions start with the topic's ARN (DescribeAlarms ActionPrefix: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html). */
async function alarmsNotifying(context: StackCheckContext, topicArn: string): Promise<MetricAlarm[]> {
  return asIamAction('cloudwatch:DescribeAlarms', async () => {
    const alarms: MetricAlarm[] = [];
    for await (const page of paginateDescribeAlarms({ client: context.clients.cloudWatch }, { ActionPrefix: topicArn })) {
      alarms.push(...(page.MetricAlarms ?? []).filter((alarm) => alarm.AlarmActions?.includes(topicArn)));
    }
    return alarms;
  });
}

async function keyPolicyRow(
  context: StackCheckContext,
  keyId: string | undefined,
  requestsFor: (action: string, resource: string) => Parameters<typeof decide>[1][],
  alarmArns: readonly string[],
): Promise<CheckRow> {
  if (keyId === undefined || keyId === '') return pass('key policy', 'the topic is not encrypted: CloudWatch needs no key');
  if (/(^|:)alias\/aws\/sns$/.test(keyId)) {
    return fail('key policy', 'the topic uses the AWS managed key aws/sns, whose policy cannot let CloudWatch use it: alarms never arrive');
  }
  // GetKeyPolicy takes a key id or ARN, not an alias; DescribeKey resolves one.
  const keyArn = /(^|:)alias\//.test(keyId)
    ? ((await asIamAction('kms:DescribeKey', () => context.clients.kms.send(new DescribeKeyCommand({ KeyId: keyId })))).KeyMetadata?.Arn ??
      keyId)
    : keyId;
  const { Policy } = await asIamAction('kms:GetKeyPolicy', () =>
    context.clients.kms.send(new GetKeyPolicyCommand({ KeyId: keyArn, PolicyName: 'default' })),
  );
  const statements = parsePolicy(Policy, 'key policy');
  const requests = ['kms:GenerateDataKey', 'kms:Decrypt'].flatMap((action) => requestsFor(action, keyArn));
  return policyRow('key policy', statements, requests, alarmArns);
}

/** Every request allowed, by statements that test the source of the alarm. */
function policyRow(
  check: string,
  statements: readonly PolicyStatement[],
  requests: Parameters<typeof decide>[1][],
  alarmArns: readonly string[],
): CheckRow {
  const allowedBy = new Set<PolicyStatement>();
  for (const request of requests) {
    const decision = decide(statements, request);
    const alarm = request.context['aws:SourceArn'];
    if (decision.deniedBy) return fail(check, `${statementName(decision.deniedBy)} denies ${CLOUDWATCH} ${request.action} for ${alarm}`);
    if (!decision.allowedBy)
      return fail(check, `no statement allows ${CLOUDWATCH} ${request.action} for ${alarm}: CloudWatch cannot deliver the alarm`);
    allowedBy.add(decision.allowedBy);
  }
  const unguarded = [...allowedBy].filter((statement) => !conditionKeysOf(statement).some((key) => SOURCE_CONDITION_KEYS.includes(key)));
  if (unguarded.length > 0) {
    return fail(
      check,
      `${statementName(unguarded[0])} allows ${CLOUDWATCH} without an aws:SourceArn or aws:SourceAccount condition: any account's alarms could use it`,
    );
  }
  const actions = [...new Set(requests.map((request) => request.action))].join(' and ');
  const names = [...allowedBy].map(statementName).join(', ');
  const guards = [...new Set([...allowedBy].flatMap(conditionKeysOf).filter((key) => SOURCE_CONDITION_KEYS.includes(key)))]
    .map((key) => (key === 'aws:sourcearn' ? 'aws:SourceArn' : 'aws:SourceAccount'))
    .join(', ');
  return pass(check, `${names} lets ${CLOUDWATCH} ${actions} for the ${alarmArns.length} alarms, on the condition of ${guards}`);
}
