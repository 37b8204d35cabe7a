import { type BatchClient, DescribeJobsCommand, type JobDetail, SubmitJobCommand, TerminateJobCommand } from '@aws-sdk/client-batch';
import { type CloudWatchLogsClient, paginateGetLogEvents } from '@aws-sdk/client-cloudwatch-logs';
import { asIamAction, describeFailure } from '../../shared/failure-line';
import type { Log } from '../../shared/output';
import { formatDuration, Interrupted, pollUntil, type PollOptions, WaitTimedOut } from '../clock';

/** The ends of a Batch job's life (https://docs.aws.amazon.com/batch/latest/userguide/job_states.html). */
const FINAL_STATUSES = new Set(['SUCCEEDED', 'FAILED']);

/** How often the job's status is read: a multi-node job takes minutes, most of them node boot. */
export const JOB_POLL_INTERVAL_MS = 15_000;

/** How often an unchanged status is said again on stderr. */
const STILL_WAITING_EVERY_MS = 5 * 60_000;

/** DescribeJobs takes at most 100 job ids (https://docs.aws.amazon.com/batch/latest/APIReference/API_DescribeJobs.html). */
const DESCRIBE_JOBS_LIMIT = 100;

/** A multi-node parallel job to submit. */
export interface MultiNodeSubmission {
  readonly jobName: string;
  readonly jobQueue: string;
  readonly jobDefinition: string;
  readonly parameters: Record<string, string>;
  readonly nodes: number;
}

/** A job that reached SUCCEEDED or FAILED. */
export interface FinishedJob {
  readonly jobId: string;
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly statusReason?: string;
  readonly elapsedMs: number;
}

/** The job did not finish in time (or the run was interrupted): it was terminated, or could not be. */
export class JobNotFinished extends Error {
  override readonly name = 'JobNotFinished';
  constructor(
    readonly jobId: string,
    readonly lastStatus: string,
    readonly elapsedMs: number,
    readonly terminated: boolean,
    override readonly cause: WaitTimedOut | Interrupted,
  ) {
    super(`job ${jobId} still ${lastStatus} after ${formatDuration(elapsedMs)}`);
  }
}

/**
 * Submits the job with `numNodes` set (the job definition's node range is open, so a
 * submission names its node count: https://docs.aws.amazon.com/batch/latest/APIReference/API_NodeOverrides.html),
 * waits for it with progress on stderr, and on a timeout, Ctrl-C or any error while waiting
 * terminates it, so no node is left running: TerminateJob cancels a job that has not started and
 * stops one that has (https://docs.aws.amazon.com/batch/latest/APIReference/API_TerminateJob.html).
 */
export async function runMultiNodeJob(
  batch: BatchClient,
  submission: MultiNodeSubmission,
  poll: PollOptions,
  log: Log,
): Promise<FinishedJob> {
  const { jobId } = await asIamAction('batch:SubmitJob', () =>
    batch.send(
      new SubmitJobCommand({
        jobName: submission.jobName,
        jobQueue: submission.jobQueue,
        jobDefinition: submission.jobDefinition,
        parameters: submission.parameters,
        nodeOverrides: { numNodes: submission.nodes },
      }),
    ),
  );
  if (jobId === undefined) throw new Error('SubmitJob returned no job id');
  log(`submitted job ${jobId} (${submission.jobName}) over ${submission.nodes} nodes`);

  const started = poll.clock.now();
  let lastStatus = 'SUBMITTED';
  let lastSaid = started;
  try {
    const { value: job, elapsedMs } = await pollUntil(poll, async (elapsed) => {
      const detail = (await describeJobs(batch, [jobId]))[0];
      const status = detail?.status ?? 'UNKNOWN';
      if (status !== lastStatus || poll.clock.now() - lastSaid >= STILL_WAITING_EVERY_MS) {
        log(`job ${jobId}: ${status === lastStatus ? 'still ' : ''}${status} after ${formatDuration(elapsed)}`);
        lastSaid = poll.clock.now();
      }
      lastStatus = status;
      return FINAL_STATUSES.has(status) ? detail : undefined;
    });
    return { jobId, status: job.status as FinishedJob['status'], statusReason: job.statusReason, elapsedMs };
  } catch (error) {
    const why =
      error instanceof Interrupted ? 'interrupted by Ctrl-C' : error instanceof WaitTimedOut ? 'no result in time' : 'the wait failed';
    const terminated = await terminate(batch, jobId, `npm run smoke: ${why}`, log);
    if (error instanceof WaitTimedOut || error instanceof Interrupted) {
      throw new JobNotFinished(jobId, lastStatus, poll.clock.now() - started, terminated, error);
    }
    throw error;
  }
}

async function terminate(batch: BatchClient, jobId: string, reason: string, log: Log): Promise<boolean> {
  try {
    await asIamAction('batch:TerminateJob', () => batch.send(new TerminateJobCommand({ jobId, reason })));
    log(`terminated job ${jobId}: ${reason}`);
    return true;
  } catch (error) {
    log(`could not terminate job ${jobId} (${describeFailure(error)}): run aws batch terminate-job --job-id ${jobId} --reason smoke`);
    return false;
  }
}

/** Jobs by id, in the order asked, 100 ids a request. */
export async function describeJobs(batch: BatchClient, jobIds: readonly string[]): Promise<(JobDetail | undefined)[]> {
  const found = new Map<string, JobDetail>();
  for (let start = 0; start < jobIds.length; start += DESCRIBE_JOBS_LIMIT) {
    const chunk = jobIds.slice(start, start + DESCRIBE_JOBS_LIMIT);
    const { jobs } = await asIamAction('batch:DescribeJobs', () => batch.send(new DescribeJobsCommand({ jobs: chunk })));
    for (const job of jobs ?? []) if (job.jobId !== undefined) found.set(job.jobId, job);
  }
  return jobIds.map((id) => found.get(id));
}

/**
 * The log stream of each node of a multi-node job. Each node is a job of its own, `<job id>#<node
 * index>`, described separately (https://docs.aws.amazon.com/batch/latest/userguide/multi-node-parallel-jobs.html),
 * with its container's stream; a node whose container never started has none.
 */
export async function nodeLogStreams(batch: BatchClient, jobId: string, nodes: number): Promise<(string | undefined)[]> {
  const nodeJobs = await describeJobs(
    batch,
    Array.from({ length: nodes }, (_, index) => `${jobId}#${index}`),
  );
  return nodeJobs.map((job) => job?.container?.logStreamName ?? job?.attempts?.at(-1)?.container?.logStreamName);
}

/**
 * Every line of one log stream, from the start. GetLogEvents pages forward until it returns the
 * token it was given (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetLogEvents.html),
 * which the SDK's paginator stops on when told to.
 */
export async function readLogStream(logs: CloudWatchLogsClient, logGroupName: string, logStreamName: string): Promise<string[]> {
  return asIamAction('logs:GetLogEvents', async () => {
    const lines: string[] = [];
    const pages = paginateGetLogEvents({ client: logs, stopOnSameToken: true }, { logGroupName, logStreamName, startFromHead: true });
    for await (const page of pages) lines.push(...(page.events ?? []).map((event) => event.message ?? ''));
    return lines;
  });
}
