import { EnvironmentError, parseJobEnvConfig } from '../../worker/src/env-config';
import { parsePollerConfig } from '../../worker/src/poller-config';

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/work';
const minimal = { QUEUE_URL, OUTPUT_BUCKET: 'thumbs-out' };

/** The EnvironmentError message for `env`, or a failure if none is thrown. */
function configErrorFor(env: Record<string, string | undefined>): string {
  try {
    parsePollerConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(EnvironmentError);
    return (error as Error).message;
  }
  throw new Error(`no EnvironmentError for ${JSON.stringify(env)}`);
}

describe('parsePollerConfig', () => {
  it('applies the documented defaults', () => {
    expect(parsePollerConfig(minimal)).toEqual({
      queueUrl: QUEUE_URL,
      outputBucket: 'thumbs-out',
      s3ForcePathStyle: false,
      concurrency: 10,
      visibilityTimeoutSeconds: 60,
      jobTimeoutSeconds: 30,
      waitTimeSeconds: 20,
      testDelayMs: 0,
    });
  });

  it('keeps the default job timeout below a short visibility timeout', () => {
    expect(parsePollerConfig({ ...minimal, VISIBILITY_TIMEOUT_SECONDS: '2' }).jobTimeoutSeconds).toBe(1);
  });

  it('refuses a job timeout that is not below the visibility timeout', () => {
    expect(configErrorFor({ ...minimal, VISIBILITY_TIMEOUT_SECONDS: '90', JOB_TIMEOUT_SECONDS: '90' })).toBe(
      'JOB_TIMEOUT_SECONDS must be a whole number from 1 to 89 (got "90")',
    );
  });

  it('reads every optional variable', () => {
    expect(
      parsePollerConfig({
        ...minimal,
        QUEUE_URL: 'http://127.0.0.1:4566/000000000000/work',
        CONCURRENCY: '25',
        VISIBILITY_TIMEOUT_SECONDS: '43200',
        JOB_TIMEOUT_SECONDS: '900',
        WAIT_TIME_SECONDS: '0',
        S3_FORCE_PATH_STYLE: 'true',
        WORKER_TEST_DELAY_MS: '1500',
      }),
    ).toEqual({
      queueUrl: 'http://127.0.0.1:4566/000000000000/work',
      outputBucket: 'thumbs-out',
      s3ForcePathStyle: true,
      concurrency: 25,
      visibilityTimeoutSeconds: 43_200,
      jobTimeoutSeconds: 900,
      waitTimeSeconds: 0,
      testDelayMs: 1500,
    });
  });

  it('treats an empty value as unset', () => {
    expect(parsePollerConfig({ ...minimal, CONCURRENCY: '', S3_FORCE_PATH_STYLE: '' })).toMatchObject({
      concurrency: 10,
      s3ForcePathStyle: false,
    });
  });

  it.each([
    [{ OUTPUT_BUCKET: 'thumbs-out' }, 'QUEUE_URL is required: set it to the URL of the SQS work queue'],
    [{ ...minimal, QUEUE_URL: '' }, 'QUEUE_URL is required'],
    [
      { ...minimal, QUEUE_URL: 'work-queue' },
      'QUEUE_URL must be an http(s) URL, the URL of the SQS work queue, e.g. https://sqs.us-east-1.amazonaws.com/123456789012/work (got "work-queue")',
    ],
    [{ ...minimal, QUEUE_URL: 'ftp://example.com/q' }, 'QUEUE_URL must be an http(s) URL'],
    [{ QUEUE_URL }, 'OUTPUT_BUCKET is required: set it to an S3 bucket name'],
    [
      { ...minimal, OUTPUT_BUCKET: 'Thumbs' },
      'OUTPUT_BUCKET must be an S3 bucket name: 3-63 lowercase letters, digits, dots or hyphens (got "Thumbs")',
    ],
    [{ ...minimal, OUTPUT_BUCKET: 'ab' }, 'OUTPUT_BUCKET must be an S3 bucket name'],
    [{ ...minimal, OUTPUT_BUCKET: 'bucket-' }, 'OUTPUT_BUCKET must be an S3 bucket name'],
    [{ ...minimal, OUTPUT_BUCKET: 'x'.repeat(64) }, 'OUTPUT_BUCKET must be an S3 bucket name'],
    [{ ...minimal, CONCURRENCY: '0' }, 'CONCURRENCY must be a whole number from 1 to 100 (got "0")'],
    [{ ...minimal, CONCURRENCY: '101' }, 'CONCURRENCY must be a whole number from 1 to 100 (got "101")'],
    [{ ...minimal, CONCURRENCY: 'four' }, 'CONCURRENCY must be a whole number from 1 to 100 (got "four")'],
    [{ ...minimal, CONCURRENCY: '2.5' }, 'CONCURRENCY must be a whole number'],
    [{ ...minimal, CONCURRENCY: '1e1' }, 'CONCURRENCY must be a whole number'],
    [{ ...minimal, CONCURRENCY: ' 4' }, 'CONCURRENCY must be a whole number'],
    [{ ...minimal, CONCURRENCY: '-1' }, 'CONCURRENCY must be a whole number'],
    [{ ...minimal, VISIBILITY_TIMEOUT_SECONDS: '0' }, 'VISIBILITY_TIMEOUT_SECONDS must be a whole number from 2 to 43200 (got "0")'],
    [{ ...minimal, VISIBILITY_TIMEOUT_SECONDS: '43201' }, 'VISIBILITY_TIMEOUT_SECONDS must be a whole number from 2 to 43200'],
    [{ ...minimal, WAIT_TIME_SECONDS: '21' }, 'WAIT_TIME_SECONDS must be a whole number from 0 to 20 (got "21")'],
    [{ ...minimal, S3_FORCE_PATH_STYLE: 'yes' }, 'S3_FORCE_PATH_STYLE must be "true" or "false" (got "yes")'],
    [{ ...minimal, S3_FORCE_PATH_STYLE: 'TRUE' }, 'S3_FORCE_PATH_STYLE must be "true" or "false"'],
    [{ ...minimal, WORKER_TEST_DELAY_MS: '600001' }, 'WORKER_TEST_DELAY_MS must be a whole number from 0 to 600000'],
  ])('rejects %j: %s', (env, expected) => {
    expect(configErrorFor(env)).toContain(expected);
  });

  it('produces one-line messages (they are printed as is)', () => {
    expect(configErrorFor({})).not.toContain('\n');
  });
});

describe('parseJobEnvConfig (the Lambda entry reads only this part)', () => {
  it('needs only OUTPUT_BUCKET', () => {
    expect(parseJobEnvConfig({ OUTPUT_BUCKET: 'thumbs-out' })).toEqual({ outputBucket: 'thumbs-out', s3ForcePathStyle: false });
  });

  it('reports a missing OUTPUT_BUCKET', () => {
    expect(() => parseJobEnvConfig({})).toThrow(new EnvironmentError('OUTPUT_BUCKET is required: set it to an S3 bucket name'));
  });
});
