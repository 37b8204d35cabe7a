import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeKeyCommand, GetKeyPolicyCommand } from '@aws-sdk/client-kms';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { GetTopicAttributesCommand } from '@aws-sdk/client-sns';
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { readImageHeader } from '../../../worker/src/image-limits';
import { STACK_CHECKS } from '../../../tools/smoke/main';
import { smokeIamStatements } from '../../../tools/smoke/smoke-iam-policy';
import { generatedPng } from '../../../tools/smoke/workers/sample-image';
import { alarmKeyPolicy, alarmTopicPolicy, ALARMS, DLQ_URL, KEY_ARN, TOPIC_ARN, WORKER_OUTPUTS } from './fixtures';
import {
  actionsSent,
  ctrlC,
  deployStacks,
  expectDocsExample,
  FakeClock,
  mocks,
  resetMocks,
  RUN_ID,
  rowsByCheck,
  runSmoke,
} from './smoke-harness';

const INPUT_KEY = `incoming/smoke/${RUN_ID}/sample.png`;
const THUMBNAIL_KEY = `thumbnails/smoke/${RUN_ID}/sample.png.png`;
const POISON_KEY = `incoming/smoke/${RUN_ID}/not-an-image.png`;
const { InputBucketName: INPUT, OutputBucketName: OUTPUT } = WORKER_OUTPUTS;

let thumbnail: Buffer;
beforeAll(async () => {
  thumbnail = await generatedPng(256, 192, 7);
});

afterEach(() => {
  const allowed = smokeIamStatements(['WorkerFleetStack'], STACK_CHECKS).flatMap((statement) => statement.actions);
  expect(allowed).toEqual(expect.arrayContaining(actionsSent()));
  resetMocks();
});

/** A deployed fleet whose worker writes the thumbnail after `listingsBeforeThumbnail` empty listings. */
function answerFleet(options: { listingsBeforeThumbnail?: number; thumbnailBytes?: Uint8Array } = {}): void {
  deployStacks({ WorkerFleetStack: WORKER_OUTPUTS });
  mocks.cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: ALARMS });
  mocks.sns
    .on(GetTopicAttributesCommand)
    .resolves({ Attributes: { TopicArn: TOPIC_ARN, Policy: alarmTopicPolicy(), KmsMasterKeyId: KEY_ARN } });
  mocks.kms.on(GetKeyPolicyCommand).resolves({ Policy: alarmKeyPolicy(), PolicyName: 'default' });
  mocks.s3
    .on(PutObjectCommand)
    .callsFake(({ Key }: { Key: string }) => ({ VersionId: Key.endsWith('sample.png') ? 'v-sample' : 'v-poison' }));
  let listings = 0;
  mocks.s3
    .on(ListObjectsV2Command)
    .callsFake(({ Prefix }: { Prefix: string }) =>
      listings++ < (options.listingsBeforeThumbnail ?? 2) ? { KeyCount: 0 } : { KeyCount: 1, Contents: [{ Key: Prefix }] },
    );
  const bytes = options.thumbnailBytes ?? thumbnail;
  mocks.s3.on(GetObjectCommand).resolves({ Body: { transformToByteArray: async () => new Uint8Array(bytes) } as never });
  mocks.s3.on(DeleteObjectCommand).resolves({});
}

/** The S3 event of an upload, as the dead-letter queue holds it (raw SNS delivery: the body is the event). */
const s3Event = (bucket: string, key: string) =>
  JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: bucket }, object: { key, size: 55 } } }] });

const deadLetter = (key: string, errorClass: string, receipt: string) => ({
  MessageId: `m-${receipt}`,
  ReceiptHandle: receipt,
  Body: s3Event(INPUT, key),
  MessageAttributes: {
    'failure-class': { DataType: 'String', StringValue: errorClass },
    'failure-reason': { DataType: 'String', StringValue: 'not a PNG, JPEG, GIF, BMP or TIFF file' },
  },
});

describe('the thumbnail round trip and the alarm path', () => {
  test('passes, with the end-to-end latency on the fake clock, and removes both objects', async () => {
    answerFleet();
    const run = await runSmoke(['WorkerFleetStack', '--region', 'eu-west-1', '--json']);
    expect(run.exitCode).toBe(0);
    const rows = rowsByCheck(run.json().checks);
    expect(run.json().checks.map((row) => [row.check, row.status])).toEqual([
      ['stack', 'pass'],
      ['alarms notify the topic', 'pass'],
      ['topic policy', 'pass'],
      ['key policy', 'pass'],
      ['thumbnail', 'pass'],
      ['cleanup', 'pass'],
    ]);
    expect(rows['WorkerFleetStack thumbnail']).toEqual({
      stack: 'WorkerFleetStack',
      check: 'thumbnail',
      status: 'pass',
      detail: `256x192 PNG at s3://${OUTPUT}/${THUMBNAIL_KEY}, 4 s after the upload began (end to end, polled every 2 s)`,
      measured: { value: 4, unit: 's' },
    });
    expect(rows['WorkerFleetStack topic policy'].detail).toBe(
      'statement "CloudWatchAlarmsPublish" lets cloudwatch.amazonaws.com sns:Publish for the 3 alarms, on the condition of aws:SourceAccount, aws:SourceArn',
    );
    expect(rows['WorkerFleetStack key policy'].detail).toBe(
      'a statement without Sid lets cloudwatch.amazonaws.com kms:GenerateDataKey and kms:Decrypt for the 3 alarms, on the condition of aws:SourceAccount, aws:SourceArn',
    );
    expect(rows['WorkerFleetStack cleanup'].detail).toBe(
      'removed all 2 objects it created or expected (1 by version id, leaving no delete marker)',
    );

    const upload = mocks.s3.commandCalls(PutObjectCommand)[0].args[0].input;
    expect(upload).toMatchObject({ Bucket: INPUT, Key: INPUT_KEY, ContentType: 'image/png' });
    expect(readImageHeader(upload.Body as Uint8Array)).toMatchObject({ format: 'png', width: 384, height: 288 });
    expect(mocks.s3.commandCalls(ListObjectsV2Command)[0].args[0].input).toEqual({ Bucket: OUTPUT, Prefix: THUMBNAIL_KEY, MaxKeys: 1 });
    expect(mocks.s3.commandCalls(DeleteObjectCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: INPUT, Key: INPUT_KEY, VersionId: 'v-sample' },
      { Bucket: OUTPUT, Key: THUMBNAIL_KEY, VersionId: undefined },
    ]);
    expect(mocks.cloudWatch.commandCalls(DescribeAlarmsCommand)[0].args[0].input).toEqual({ ActionPrefix: TOPIC_ARN });
    expect(mocks.kms.commandCalls(GetKeyPolicyCommand)[0].args[0].input).toEqual({ KeyId: KEY_ARN, PolicyName: 'default' });
    expect(run.stderrLines).toEqual([
      `WorkerFleetStack: uploaded s3://${INPUT}/${INPUT_KEY} (384x288 PNG); waiting for s3://${OUTPUT}/${THUMBNAIL_KEY}`,
    ]);
  });

  test('the summary table, as the deploy section shows it', async () => {
    answerFleet();
    const { stdout } = await runSmoke(['WorkerFleetStack', '--region', 'eu-west-1']);
    expectDocsExample('docs/workers.md', 'workers', stdout);
  });

  test('no thumbnail within --timeout: fail, and the upload and the expected thumbnail are removed all the same', async () => {
    answerFleet({ listingsBeforeThumbnail: Infinity });
    const clock = new FakeClock();
    const run = await runSmoke(['WorkerFleetStack', '--region', 'eu-west-1', '--timeout', '1m', '--json'], { clock });
    expect(run.exitCode).toBe(1);
    const rows = rowsByCheck(run.json().checks);
    expect(rows['WorkerFleetStack thumbnail']).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(
        new RegExp(`^no thumbnail at s3://${OUTPUT}/${THUMBNAIL_KEY} within 1 min: the workers did not process`),
      ),
    });
    expect(rows['WorkerFleetStack cleanup'].status).toBe('pass');
    expect(mocks.s3.commandCalls(DeleteObjectCommand)).toHaveLength(2);
    expect(clock.slept).toBe(60_000);
  });

  test('a thumbnail of the wrong size, and one that is no image', async () => {
    answerFleet({ thumbnailBytes: await generatedPng(64, 48) });
    let rows = rowsByCheck((await runSmoke(['WorkerFleetStack', '--region', 'eu-west-1', '--json'])).json().checks);
    expect(rows['WorkerFleetStack thumbnail']).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/is a 64x48 PNG; expected a 256x192 PNG$/),
    });
    resetMocks();
    answerFleet({ thumbnailBytes: Buffer.from('<Error>AccessDenied</Error>') });
    rows = rowsByCheck((await runSmoke(['WorkerFleetStack', '--region', 'eu-west-1', '--json'])).json().checks);
    expect(rows['WorkerFleetStack thumbnail'].detail).toMatch(/is not an image: not a PNG, JPEG, GIF, BMP or TIFF file$/);
  });

  test('Ctrl-C during the wait: the objects are removed, the table printed, exit 130', async () => {
    answerFleet({ listingsBeforeThumbnail: Infinity });
    const interrupt = ctrlC();
    let listings = 0;
    mocks.s3.on(ListObjectsV2Command).callsFake(() => {
      if (++listings === 3) interrupt.press();
      return { KeyCount: 0 };
    });
    const run = await runSmoke(['WorkerFleetStack', '--region', 'eu-west-1'], interrupt.deps);
    expect(run.exitCode).toBe(130);
    expect(run.stdout).toMatch(/^WorkerFleetStack\s+interrupted\s+FAIL\s+stopped by Ctrl-C before the checks finished$/m);
    expect(run.stdout).toMatch(/^WorkerFleetStack\s+cleanup\s+PASS\s+removed all 2 objects/m);
    expect(run.stdout).toMatch(/Smoke test interrupted: /);
    expect(mocks.s3.commandCalls(DeleteObjectCommand)).toHaveLength(2);
  });

  test('S3 throttled past the SDK retries while polling: one row naming the action; the objects are removed all the same', async () => {
    answerFleet();
    mocks.s3.on(ListObjectsV2Command).rejects(
      new S3ServiceException({
        name: 'SlowDown',
        $fault: 'client',
        $metadata: { attempts: 3, httpStatusCode: 503 },
        message: 'Please reduce your request rate.',
      }),
    );
    const run = await runSmoke(['WorkerFleetStack', '--region', 'eu-west-1', '--json']);
    expect(run.exitCode).toBe(1);
    const rows = rowsByCheck(run.json().checks);
    expect(rows['WorkerFleetStack thumbnail'].detail).toBe(
      'AWS throttled s3:ListBucket and 3 attempts were used up: wait a minute and run again (or raise AWS_MAX_ATTEMPTS).',
    );
    expect(rows['WorkerFleetStack cleanup'].status).toBe('pass');
    expect(mocks.s3.commandCalls(DeleteObjectCommand)).toHaveLength(2);
  });

  test('AccessDenied on the upload: one row naming s3:PutObject; nothing to remove', async () => {
    answerFleet();
    mocks.s3
      .on(PutObjectCommand)
      .rejects(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: {}, message: 'Access Denied' }));
    const rows = rowsByCheck((await runSmoke(['WorkerFleetStack', '--region', 'eu-west-1', '--json'])).json().checks);
    expect(rows['WorkerFleetStack thumbnail'].detail).toMatch(/^Access denied: the IAM identity may not call s3:PutObject\./);
    expect(rows['WorkerFleetStack cleanup']).toMatchObject({ status: 'pass', detail: 'nothing was created' });
  });

  test('an object it cannot remove: the row names it with the command that removes it', async () => {
    answerFleet();
    mocks.s3
      .on(DeleteObjectCommand, { VersionId: 'v-sample' })
      .rejects(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: {}, message: 'Access Denied' }));
    const run = await runSmoke(['WorkerFleetStack', '--region', 'eu-west-1', '--json']);
    expect(run.exitCode).toBe(1);
    expect(rowsByCheck(run.json().checks)['WorkerFleetStack cleanup'].detail).toBe(
      `could not remove 1 of 2 objects: s3://${INPUT}/${INPUT_KEY}: Access denied: the IAM identity may not call s3:DeleteObjectVersion. ` +
        `Allow s3:DeleteObjectVersion (see the tool's --iam-policy). AWS said: Access Denied ` +
        `(remove it with aws s3api delete-object --bucket ${INPUT} --key ${INPUT_KEY} --version-id v-sample)`,
    );
  });
});

describe('--poison', () => {
  test('the bad object arrives in the dead-letter queue with its failure class; other messages go back at once', async () => {
    answerFleet();
    let receives = 0;
    mocks.sqs.on(ReceiveMessageCommand).callsFake(() => {
      receives += 1;
      if (receives === 1) return {};
      if (receives === 2) return { Messages: [deadLetter('incoming/someone-else.png', 'NotAnImageError', 'r-other')] };
      return { Messages: [deadLetter(POISON_KEY, 'NotAnImageError', 'r-ours')] };
    });
    const run = await runSmoke(['WorkerFleetStack', '--region', 'eu-west-1', '--poison', '--json']);
    expect(run.exitCode).toBe(0);
    expect(rowsByCheck(run.json().checks)['WorkerFleetStack poison message']).toEqual({
      stack: 'WorkerFleetStack',
      check: 'poison message',
      status: 'pass',
      detail:
        'in the dead-letter queue 2 s after the upload began, failure-class=NotAnImageError ("not a PNG, JPEG, GIF, BMP or TIFF file"); removed from the queue',
      measured: { value: 2, unit: 's' },
    });
    expect(mocks.sqs.commandCalls(ReceiveMessageCommand)[0].args[0].input).toEqual({
      QueueUrl: DLQ_URL,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 5,
      VisibilityTimeout: 30,
      MessageAttributeNames: ['All'],
    });
    expect(mocks.sqs.commandCalls(ChangeMessageVisibilityCommand).map((call) => call.args[0].input)).toEqual([
      { QueueUrl: DLQ_URL, ReceiptHandle: 'r-other', VisibilityTimeout: 0 },
    ]);
    expect(mocks.sqs.commandCalls(DeleteMessageCommand).map((call) => call.args[0].input)).toEqual([
      { QueueUrl: DLQ_URL, ReceiptHandle: 'r-ours' },
    ]);
    expect(mocks.s3.commandCalls(PutObjectCommand)[1].args[0].input).toMatchObject({ Bucket: INPUT, Key: POISON_KEY });
    expect(mocks.s3.commandCalls(DeleteObjectCommand).map((call) => call.args[0].input.Key)).toEqual([
      INPUT_KEY,
      THUMBNAIL_KEY,
      POISON_KEY,
    ]);
  });

  test('dead-lettered for another reason: fail, naming both classes', async () => {
    answerFleet();
    mocks.sqs.on(ReceiveMessageCommand).resolves({ Messages: [deadLetter(POISON_KEY, 'NoSuchKey', 'r-ours')] });
    const rows = rowsByCheck((await runSmoke(['WorkerFleetStack', '--region', 'eu-west-1', '--poison', '--json'])).json().checks);
    expect(rows['WorkerFleetStack poison message']).toMatchObject({
      status: 'fail',
      detail:
        'in the dead-letter queue 0 s after the upload began, but with failure-class=NoSuchKey; expected NotAnImageError (removed from the queue)',
    });
  });

  test('never dead-lettered within --timeout: fail; the object is removed', async () => {
    answerFleet();
    mocks.sqs.on(ReceiveMessageCommand).resolves({});
    const run = await runSmoke(['WorkerFleetStack', '--region', 'eu-west-1', '--poison', '--timeout', '20s', '--json']);
    const rows = rowsByCheck(run.json().checks);
    expect(rows['WorkerFleetStack poison message']).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(
        /^s3:\/\/.*not-an-image\.png was not in the dead-letter queue within 20 s: the worker did not dead-letter it/,
      ),
    });
    expect(mocks.s3.commandCalls(DeleteObjectCommand).map((call) => call.args[0].input.Key)).toContain(POISON_KEY);
  });
});

describe('can the alarms reach their topic', () => {
  const alarmRows = async () => {
    const rows = rowsByCheck((await runSmoke(['WorkerFleetStack', '--region', 'eu-west-1', '--json'])).json().checks);
    return {
      alarms: rows['WorkerFleetStack alarms notify the topic'],
      topic: rows['WorkerFleetStack topic policy'],
      key: rows['WorkerFleetStack key policy'],
    };
  };
  const topicAttributes = (Attributes: Record<string, string>) =>
    mocks.sns.on(GetTopicAttributesCommand).resolves({ Attributes: { TopicArn: TOPIC_ARN, ...Attributes } });

  test('a topic policy without the CloudWatch statement (the default one replaced): CloudWatch cannot deliver', async () => {
    answerFleet();
    topicAttributes({ Policy: alarmTopicPolicy({ cloudWatchStatement: null }), KmsMasterKeyId: KEY_ARN });
    expect((await alarmRows()).topic).toMatchObject({
      status: 'fail',
      detail: `no statement allows cloudwatch.amazonaws.com sns:Publish for ${ALARMS[0].AlarmArn}: CloudWatch cannot deliver the alarm`,
    });
  });

  test('a CloudWatch statement without the source conditions: any account could publish', async () => {
    answerFleet();
    const open = {
      Sid: 'Open',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: TOPIC_ARN,
    };
    topicAttributes({ Policy: alarmTopicPolicy({ cloudWatchStatement: open }), KmsMasterKeyId: KEY_ARN });
    expect((await alarmRows()).topic).toMatchObject({
      status: 'fail',
      detail: `statement "Open" allows cloudwatch.amazonaws.com without an aws:SourceArn or aws:SourceAccount condition: any account's alarms could use it`,
    });
  });

  test('an explicit Deny for CloudWatch', async () => {
    answerFleet();
    const deny = { Sid: 'NoAlarms', Effect: 'Deny', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:*', Resource: '*' };
    const policy = JSON.parse(alarmTopicPolicy()) as { Statement: object[] };
    topicAttributes({ Policy: JSON.stringify({ ...policy, Statement: [...policy.Statement, deny] }), KmsMasterKeyId: KEY_ARN });
    expect((await alarmRows()).topic.detail).toBe(
      `statement "NoAlarms" denies cloudwatch.amazonaws.com sns:Publish for ${ALARMS[0].AlarmArn}`,
    );
  });

  test('a key policy that does not let CloudWatch use the key', async () => {
    answerFleet();
    mocks.kms.on(GetKeyPolicyCommand).resolves({ Policy: alarmKeyPolicy({ cloudWatchStatement: null }) });
    expect((await alarmRows()).key).toMatchObject({
      status: 'fail',
      detail: `no statement allows cloudwatch.amazonaws.com kms:GenerateDataKey for ${ALARMS[0].AlarmArn}: CloudWatch cannot deliver the alarm`,
    });
  });

  test('the AWS managed key aws/sns can never be used by CloudWatch', async () => {
    answerFleet();
    topicAttributes({ Policy: alarmTopicPolicy(), KmsMasterKeyId: 'alias/aws/sns' });
    expect((await alarmRows()).key).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/^the topic uses the AWS managed key aws\/sns/),
    });
    expect(mocks.kms.calls()).toHaveLength(0);
  });

  test('a key named by an alias is resolved first; an unencrypted topic needs no key', async () => {
    answerFleet();
    topicAttributes({ Policy: alarmTopicPolicy(), KmsMasterKeyId: 'alias/worker-alarms' });
    mocks.kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k', Arn: KEY_ARN } });
    expect((await alarmRows()).key.status).toBe('pass');
    expect(mocks.kms.commandCalls(GetKeyPolicyCommand)[0].args[0].input).toEqual({ KeyId: KEY_ARN, PolicyName: 'default' });
    resetMocks();
    answerFleet();
    topicAttributes({ Policy: alarmTopicPolicy() });
    expect((await alarmRows()).key).toMatchObject({ status: 'pass', detail: 'the topic is not encrypted: CloudWatch needs no key' });
  });

  test('no alarm names the topic', async () => {
    answerFleet();
    mocks.cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
    const { alarms, topic } = await alarmRows();
    expect(alarms).toMatchObject({ status: 'fail', detail: `no alarm names ${TOPIC_ARN} in its actions` });
    expect(topic.status).toBe('pass');
  });
});
