/**
 * Reads the body of one work-queue message: an S3 event notification delivered through SNS with
 * raw message delivery, so the body is the S3 notification JSON itself.
 */

/** An object named by an `ObjectCreated:*` record, with its key decoded. */
export interface S3ObjectRef {
  readonly bucket: string;
  readonly key: string;
}

/** What one message asks the worker to do. */
export type S3EventMessage =
  /** The one-off message S3 sends when a notification is configured: nothing to do. */
  | { readonly kind: 'test-event' }
  | {
      readonly kind: 'records';
      /** Objects that were created or overwritten, in record order. */
      readonly created: readonly S3ObjectRef[];
      /** Event names of records this worker does not act on (e.g. `ObjectRemoved:Delete`). */
      readonly ignoredEventNames: readonly string[];
    };

/**
 * The message can never be processed, however often it is retried. The worker still leaves it on
 * the queue, so that the redrive policy parks it in the dead-letter queue where a person can see it.
 */
export class MalformedMessageError extends Error {
  override readonly name = 'MalformedMessageError';
}

/**
 * Parses an SQS message body into the objects it names.
 * @throws MalformedMessageError when the body is not an S3 event notification.
 */
export function parseS3EventMessage(body: string): S3EventMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new MalformedMessageError('message body is not JSON');
  }
  if (!isObject(parsed)) {
    throw new MalformedMessageError('message body is not a JSON object');
  }
  if (parsed.Event === 's3:TestEvent') {
    return { kind: 'test-event' };
  }
  if (parsed.Type === 'Notification' && typeof parsed.Message === 'string') {
    // The likeliest deployment mistake, so name the fix rather than just "wrong shape".
    throw new MalformedMessageError('message is an SNS envelope: enable raw message delivery on the SNS subscription');
  }
  const records = parsed.Records;
  if (!Array.isArray(records) || records.length === 0) {
    throw new MalformedMessageError('message has no Records array');
  }

  const created: S3ObjectRef[] = [];
  const ignoredEventNames: string[] = [];
  records.forEach((record: unknown, index) => {
    const eventName = isObject(record) ? record.eventName : undefined;
    if (typeof eventName !== 'string') {
      throw new MalformedMessageError(`Records[${index}] has no eventName`);
    }
    if (eventName.startsWith('ObjectCreated:')) {
      created.push(readObjectRef(record as Record<string, unknown>, index));
    } else {
      ignoredEventNames.push(eventName);
    }
  });
  return { kind: 'records', created, ignoredEventNames };
}

function readObjectRef(record: Record<string, unknown>, index: number): S3ObjectRef {
  const s3 = isObject(record.s3) ? record.s3 : {};
  const bucket = isObject(s3.bucket) ? s3.bucket.name : undefined;
  const key = isObject(s3.object) ? s3.object.key : undefined;
  if (typeof bucket !== 'string' || bucket === '') {
    throw new MalformedMessageError(`Records[${index}].s3.bucket.name is missing`);
  }
  if (typeof key !== 'string' || key === '') {
    throw new MalformedMessageError(`Records[${index}].s3.object.key is missing`);
  }
  return { bucket, key: decodeS3EventKey(key, index) };
}

/**
 * S3 event keys are URL-encoded the way HTML forms are: a space arrives as `+`, and a real `+` as `%2B`.
 */
function decodeS3EventKey(encodedKey: string, index: number): string {
  try {
    return decodeURIComponent(encodedKey.replace(/\+/g, ' '));
  } catch {
    throw new MalformedMessageError(`Records[${index}].s3.object.key is not valid URL encoding`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
