/**
 * Loopback stand-ins for SQS (local-aws-sqs, JSON protocol) and S3 (s3rver), started on free ports
 * by the tests themselves, plus small helpers to drive them with the real SDK clients.
 */
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createSqsServer } from 'local-aws-sqs';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
// s3rver ships no type declarations; this is the part of its API the tests use.
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
};

// The SDK warns once per process that it will soon need Node 22; the test machine runs Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** s3rver checks SigV4 signatures against this fixed key pair; local-aws-sqs accepts any. */
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const REGION = 'us-east-1';
const ACCOUNT_ID = '123456789012';

/** Both servers, clients bound to them, and the environment a worker process needs to reach them. */
export interface LocalAws {
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  /** AWS_* and S3_FORCE_PATH_STYLE variables pointing a worker at these servers. */
  readonly workerEnv: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

/** Starts both servers on free loopback ports and creates the given buckets. */
export async function startLocalAws(bucketNames: readonly string[]): Promise<LocalAws> {
  const sqsServer: Server = await createSqsServer({ port: 0, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false });
  const s3Directory = mkdtempSync(join(tmpdir(), 'worker-s3rver-'));
  const s3Server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3Directory });
  const { port: s3Port } = await s3Server.run();
  const sqsPort = (sqsServer.address() as { port: number }).port;

  const sqsEndpoint = `http://127.0.0.1:${sqsPort}`;
  const s3Endpoint = `http://127.0.0.1:${s3Port}`;
  const sqs = new SQSClient({ region: REGION, endpoint: sqsEndpoint, credentials: CREDENTIALS });
  const s3 = new S3Client({ region: REGION, endpoint: s3Endpoint, credentials: CREDENTIALS, forcePathStyle: true });
  for (const bucket of bucketNames) {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  }
  return {
    sqs,
    s3,
    workerEnv: {
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_SQS: sqsEndpoint,
      AWS_ENDPOINT_URL_S3: s3Endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    async close() {
      sqs.destroy();
      s3.destroy();
      sqsServer.closeAllConnections();
      await new Promise((resolve) => sqsServer.close(resolve));
      await s3Server.close();
      rmSync(s3Directory, { recursive: true, force: true });
    },
  };
}

/** A work queue and its dead-letter queue. */
export interface QueuePair {
  readonly queueUrl: string;
  readonly dlqUrl: string;
}

/** Creates `<name>` with a redrive policy to `<name>-dlq`. */
export async function createQueueWithDlq(sqs: SQSClient, name: string, maxReceiveCount: number): Promise<QueuePair> {
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:${name}-dlq`, maxReceiveCount }),
      },
    }),
  );
  return { queueUrl: queue.QueueUrl!, dlqUrl: dlq.QueueUrl! };
}

/** Messages waiting to be received (`visible`) and received but not yet deleted (`inFlight`). */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  const inFlight = Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
  // local-aws-sqs counts in-flight messages in ApproximateNumberOfMessages too; real SQS does not.
  return { visible: Number(Attributes?.ApproximateNumberOfMessages) - inFlight, inFlight };
}

/** Sends bodies in batches of ten and returns their message ids, in order. */
export async function sendBodies(sqs: SQSClient, queueUrl: string, bodies: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < bodies.length; start += 10) {
    const chunk = bodies.slice(start, start + 10);
    const result = await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: chunk.map((body, index) => ({ Id: String(index), MessageBody: body })) }),
    );
    if (result.Failed?.length) throw new Error(`SendMessageBatch failed: ${JSON.stringify(result.Failed)}`);
    const byEntry = new Map(result.Successful!.map((entry) => [entry.Id, entry.MessageId!]));
    chunk.forEach((_, index) => ids.push(byEntry.get(String(index))!));
  }
  return ids;
}

/**
 * Receives (and hides for a minute) every message of a queue that holds no in-flight messages:
 * as many as GetQueueAttributes counts, with their message attributes.
 *
 * It stops on the count, never on an empty receive: local-aws-sqs answers a receive with
 * WaitTimeSeconds 0 from a 40 ms timer racing its 10 ms scan of the queue, and on a busy machine the
 * timer can win before the first scan, so an empty answer does not mean an empty queue. (That race
 * is why the scale test once found 0 of 10 dead-lettered messages that were there.) Receives here
 * long-poll for exactly the messages still missing, which local-aws-sqs answers as soon as it has them.
 */
export async function peekAll(
  sqs: SQSClient,
  queueUrl: string,
): Promise<{ messageId: string; body: string; attributes: Record<string, string | undefined> }[]> {
  const { visible } = await queueDepth(sqs, queueUrl);
  const seen = new Map<string, { messageId: string; body: string; attributes: Record<string, string | undefined> }>();
  while (seen.size < visible) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, visible - seen.size),
        WaitTimeSeconds: 5,
        VisibilityTimeout: 60,
        MessageAttributeNames: ['All'],
      }),
    );
    for (const message of Messages) {
      const attributes = Object.fromEntries(
        Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue]),
      );
      seen.set(message.MessageId!, { messageId: message.MessageId!, body: message.Body!, attributes });
    }
  }
  return [...seen.values()];
}

/** The body S3 → SNS → SQS (raw delivery) produces for one upload, key encoded as S3 encodes it. */
export function s3EventBody(bucket: string, key: string, size = 1024): string {
  const encodedKey = encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: REGION,
        eventTime: '2025-01-01T00:00:00.000Z',
        eventName: 'ObjectCreated:Put',
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'incoming-uploads',
          bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
          object: { key: encodedKey, size, eTag: '0123456789abcdef0123456789abcdef', sequencer: '0065A1B2C3D4E5F601' },
        },
      },
    ],
  });
}

/** The one-off message S3 sends when a bucket notification is configured. */
export function s3TestEventBody(bucket: string): string {
  return JSON.stringify({
    Service: 'Amazon S3',
    Event: 's3:TestEvent',
    Time: '2025-01-01T00:00:00.000Z',
    Bucket: bucket,
    RequestId: 'R',
    HostId: 'H',
  });
}

/** Uploads bytes as an object. */
export async function putObject(s3: S3Client, bucket: string, key: string, body: Uint8Array): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

/** Reads an object's bytes, or undefined when it does not exist. */
export async function getObjectBytes(s3: S3Client, bucket: string, key: string): Promise<Uint8Array | undefined> {
  try {
    const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await Body!.transformToByteArray();
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

/** Every key under a prefix. */
export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }));
    keys.push(...(page.Contents ?? []).map((object) => object.Key!));
    ContinuationToken = page.NextContinuationToken;
  } while (ContinuationToken);
  return keys.sort();
}

/**
 * Polls `probe` until it returns something other than undefined/false, or fails after the deadline
 * with the description and the last value seen, so a slow machine waits longer instead of flaking.
 */
export async function waitFor<T>(
  description: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await sleep(50);
  }
}
