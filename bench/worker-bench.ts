/**
 * Worker poller benchmark: messages per second through the poller the Fargate and EC2 workers run
 * (`startThumbnailPoller`), side by side with a bare ReceiveMessage(10, long poll) /
 * DeleteMessageBatch loop, both against the same local SQS server (local-aws-sqs on loopback).
 *
 *   npm run bench:worker
 *
 * The poller runs the real job handler and writes its real log lines (to a discarding stream), but
 * the message bodies are S3 test events, which the job acknowledges without touching S3: what is
 * measured is the SQS plumbing (receive, parse, log, DeleteMessageBatch), not thumbnailing. Both
 * sides use one poll loop of 10 (the poller's default CONCURRENCY=10). local-aws-sqs answers a
 * receive on a 10 ms timer, so a batch takes about 13 ms here; calls to a remote SQS endpoint add
 * network latency, which makes a fixed per-batch overhead relatively smaller, so the ratio is a
 * pessimistic view of the poller's overhead, not a forecast of real throughput. A third
 * side, the bare loop plus the `setTimeout(poll, 0)` sqs-consumer waits between batches, shows
 * how much of the gap that timer alone explains. Not part of `npm test`.
 */
import { S3Client } from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createSqsServer } from 'local-aws-sqs';
import type { Server } from 'node:http';
import * as os from 'node:os';
import { Writable } from 'node:stream';
import { jsonLineWriter } from '../worker/src/json-lines';
import type { PollerConfig } from '../worker/src/poller-config';
import { startThumbnailPoller } from '../worker/src/thumbnail-poller';
import { median, runMain } from './support/stats';

const REPRODUCE_COMMAND = 'npm run bench:worker';
const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const TEST_EVENT_BODY = JSON.stringify({
  Service: 'Amazon S3',
  Event: 's3:TestEvent',
  Time: '2025-01-01T00:00:00.000Z',
  Bucket: 'bench-input',
});

/** How much work one benchmark does. */
export interface WorkerBenchOptions {
  /** Messages drained per timed run; rounded up to a multiple of 10 so every receive is full. @default 2000 */
  readonly messages?: number;
  /** Timed runs per side, interleaved; the median is reported. @default 7 */
  readonly runs?: number;
}

/** What is timed: the baseline, the baseline plus sqs-consumer's inter-poll timer, and the poller. */
export type BenchSide = 'bare' | 'bareWithTimer' | 'poller';

/** The benchmark's results as data. */
export interface WorkerBenchFigures {
  readonly messagesPerRun: number;
  readonly runs: number;
  /** Messages per second of each timed run, in run order. */
  readonly samples: Readonly<Record<BenchSide, readonly number[]>>;
  /**
   * Median messages per second. `bareWithTimer` is the bare loop plus the `setTimeout(poll, 0)`
   * sqs-consumer waits between batches: it shows how much of the gap that timer alone explains.
   */
  readonly messagesPerSecond: Readonly<Record<BenchSide, number>>;
  /** poller / bare, the goal being at least 0.9. */
  readonly ratio: number;
  /** Where the figures were measured. */
  readonly environment: { readonly node: string; readonly cpu: string; readonly cores: number };
}

/** Runs the whole benchmark against a local SQS server it starts and stops itself. */
export async function runWorkerBenchmark(options: WorkerBenchOptions = {}): Promise<WorkerBenchFigures> {
  const messages = Math.ceil((options.messages ?? 2_000) / 10) * 10;
  const runs = options.runs ?? 7;
  const server: Server = await createSqsServer({ port: 0, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false });
  const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const sqs = new SQSClient({ region: 'us-east-1', endpoint, credentials: CREDENTIALS });
  const s3 = new S3Client({ region: 'us-east-1', credentials: CREDENTIALS });
  let queueCount = 0;

  const sides: Record<BenchSide, (queueUrl: string, count: number) => Promise<void>> = {
    bare: (queueUrl, count) => drainWithBareLoop(sqs, queueUrl, count, false),
    bareWithTimer: (queueUrl, count) => drainWithBareLoop(sqs, queueUrl, count, true),
    poller: (queueUrl, count) => drainWithPoller(sqs, s3, queueUrl, count),
  };
  const names = Object.keys(sides) as BenchSide[];
  const timeOneRun = async (side: BenchSide, count: number): Promise<number> => {
    const queueUrl = await filledQueue(sqs, `bench-${side}-${++queueCount}`, count);
    const started = process.hrtime.bigint();
    await sides[side](queueUrl, count);
    return count / (Number(process.hrtime.bigint() - started) / 1e9);
  };

  try {
    // One short untimed run each, so the first timed run does not pay for JIT warm-up.
    for (const side of names) await timeOneRun(side, 200);
    const samples: Record<BenchSide, number[]> = { bare: [], bareWithTimer: [], poller: [] };
    for (let run = 0; run < runs; run++) {
      // Rotate the order, so no side always runs first or right after the same neighbour.
      for (let i = 0; i < names.length; i++) {
        const side = names[(run + i) % names.length];
        samples[side].push(await timeOneRun(side, messages));
      }
    }
    const messagesPerSecond = { bare: median(samples.bare), bareWithTimer: median(samples.bareWithTimer), poller: median(samples.poller) };
    return {
      messagesPerRun: messages,
      runs,
      samples,
      messagesPerSecond,
      ratio: messagesPerSecond.poller / messagesPerSecond.bare,
      environment: { node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length },
    };
  } finally {
    sqs.destroy();
    s3.destroy();
    server.closeAllConnections();
    server.close();
  }
}

/** The figures as a small markdown table followed by the command that reproduces them. */
export function formatWorkerBenchTable(figures: WorkerBenchFigures): string {
  const rate = (perSecond: number) => Math.round(perSecond).toLocaleString('en-US');
  const all = (values: readonly number[]) => values.map(rate).join(', ');
  return [
    `| side | messages/s (median of ${figures.runs}) | each run |`,
    '|---|---:|---|',
    `| bare loop: ReceiveMessage(10, WaitTimeSeconds=20) + DeleteMessageBatch | ${rate(figures.messagesPerSecond.bare)} | ${all(figures.samples.bare)} |`,
    `| bare loop + setTimeout(0) between batches, as sqs-consumer polls | ${rate(figures.messagesPerSecond.bareWithTimer)} | ${all(figures.samples.bareWithTimer)} |`,
    `| poller: startThumbnailPoller, CONCURRENCY=10, S3 test-event bodies | ${rate(figures.messagesPerSecond.poller)} | ${all(figures.samples.poller)} |`,
    `| **ratio poller / bare** | **${(figures.ratio * 100).toFixed(1)}%** (goal ≥ 90%) | |`,
    '',
    `${figures.messagesPerRun.toLocaleString('en-US')} messages per run against local-aws-sqs on loopback, runs interleaved; ` +
      `Node ${figures.environment.node} on ${figures.environment.cores} × ${figures.environment.cpu}.`,
    `Reproduce: \`${REPRODUCE_COMMAND}\``,
  ].join('\n');
}

/** A fresh queue holding `count` S3 test-event messages. */
async function filledQueue(sqs: SQSClient, name: string, count: number): Promise<string> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const batches = Array.from({ length: count / 10 }, () =>
    Array.from({ length: 10 }, (_, index) => ({ Id: String(index), MessageBody: TEST_EVENT_BODY })),
  );
  // Ten sends in flight at a time: filling is not what is measured, so it may as well be quick.
  for (let start = 0; start < batches.length; start += 10) {
    await Promise.all(batches.slice(start, start + 10).map((Entries) => sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries }))));
  }
  return QueueUrl!;
}

/** The baseline: the least a consumer can do per batch; `yieldToTimer` adds sqs-consumer's pause. */
async function drainWithBareLoop(sqs: SQSClient, queueUrl: string, count: number, yieldToTimer: boolean): Promise<void> {
  for (let deleted = 0; deleted < count;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 20, VisibilityTimeout: 60 }),
    );
    if (Messages.length === 0) continue;
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
      }),
    );
    deleted += Messages.length;
    if (yieldToTimer) await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

/** The worker's poller, stopped once it has logged `count` outcomes; stop() returns after their deletes. */
async function drainWithPoller(sqs: SQSClient, s3: S3Client, queueUrl: string, count: number): Promise<void> {
  const config: PollerConfig = {
    queueUrl,
    outputBucket: 'bench-output',
    s3ForcePathStyle: true,
    concurrency: 10,
    visibilityTimeoutSeconds: 60,
    jobTimeoutSeconds: 30,
    waitTimeSeconds: 20,
    testDelayMs: 0,
  };
  const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
  const writeLogLine = jsonLineWriter(discard);
  let outcomes = 0;
  let allLogged!: () => void;
  const allOutcomesLogged = new Promise<void>((resolve) => (allLogged = resolve));

  const poller = startThumbnailPoller({
    sqs,
    s3,
    config,
    writeLine: (fields) => {
      writeLogLine(fields);
      if (fields.event === 'message' && ++outcomes === count) allLogged();
    },
  });
  await allOutcomesLogged;
  await poller.stop();
}

if (require.main === module) {
  runMain(() => runWorkerBenchmark(), formatWorkerBenchTable);
}
