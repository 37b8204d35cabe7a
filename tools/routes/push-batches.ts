import { type CloudFrontKeyValueStoreClient, UpdateKeysCommand } from '@aws-sdk/client-cloudfront-keyvaluestore';
import { ActionableError, asIamAction, AwsCallError } from '../shared/failure-line';
import type { Log } from '../shared/output';
import type { RouteDiff } from './route-diff';

/**
 * Keys per UpdateKeys request, puts and deletes together. 50 is what third-party tooling quotes
 * as the service's limit; no AWS page read for this project states it (docs/edge.md). Either way
 * it is safe: each request is all-or-nothing (UpdateKeys API reference:
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_kvs_UpdateKeys.html), a refused
 * batch changes nothing, and a rerun pushes only what is still missing. --batch-size lowers it.
 */
export const MAX_KEYS_PER_BATCH = 50;

/** One UpdateKeys request. */
interface Batch {
  readonly puts: { Key: string; Value: string }[];
  readonly deletes: { Key: string }[];
}

/** The diff cut into batches of at most `size` keys, puts before deletes (see diffRoutes). */
export function batchesOf(diff: RouteDiff, size: number): Batch[] {
  const operations = [
    ...diff.puts.map(({ key, value }) => ({ put: { Key: key, Value: value } })),
    ...diff.deletes.map(({ key }) => ({ delete: { Key: key } })),
  ];
  const batches: Batch[] = [];
  for (let start = 0; start < operations.length; start += size) {
    const slice = operations.slice(start, start + size);
    batches.push({
      puts: slice.flatMap((operation) => ('put' in operation ? [operation.put] : [])),
      deletes: slice.flatMap((operation) => ('delete' in operation ? [operation.delete] : [])),
    });
  }
  return batches;
}

/**
 * Applies the diff with UpdateKeys, each request naming the ETag the previous one returned
 * (If-Match), starting from the ETag the diff was computed against: if anyone changed the store
 * in between, CloudFront refuses the request (ConflictException) and nothing of it is applied.
 * Returns the store's new ETag.
 */
export async function pushBatches(
  client: CloudFrontKeyValueStoreClient,
  kvsArn: string,
  etag: string,
  diff: RouteDiff,
  batchSize: number,
  log: Log,
): Promise<string> {
  const batches = batchesOf(diff, batchSize);
  let current = etag;
  for (const [index, batch] of batches.entries()) {
    const label = `batch ${index + 1} of ${batches.length}`;
    try {
      const result = await asIamAction('cloudfront-keyvaluestore:UpdateKeys', () =>
        client.send(
          new UpdateKeysCommand({
            KvsARN: kvsArn,
            IfMatch: current,
            Puts: batch.puts.length > 0 ? batch.puts : undefined,
            Deletes: batch.deletes.length > 0 ? batch.deletes : undefined,
          }),
        ),
      );
      if (result.ETag === undefined) throw new Error(`UpdateKeys returned no ETag after ${label}`);
      current = result.ETag;
      log(`${label}: ${batch.puts.length} put, ${batch.deletes.length} deleted; the store now holds ${result.ItemCount ?? '?'} keys`);
    } catch (error) {
      throw explainBatchFailure(error, label, index);
    }
  }
  return current;
}

/** A refused batch, said in one line with what was applied before it and what to do. */
function explainBatchFailure(error: unknown, label: string, applied: number): unknown {
  const name = error instanceof AwsCallError ? (error.cause as { name?: string } | undefined)?.name : undefined;
  const before = applied === 0 ? 'nothing was changed' : `the ${applied} batch(es) before it were applied`;
  if (name === 'ConflictException') {
    return new ActionableError(
      `The key value store changed since this push read it (${label} refused, ${before}): run npm run routes -- diff, then push again.`,
    );
  }
  if (name === 'ValidationException' || name === 'ServiceQuotaExceededException') {
    const message = ((error as AwsCallError).cause as { message?: string }).message ?? name;
    return new ActionableError(
      `CloudFront refused ${label} (${name}: ${message}); ${before}. Try a smaller --batch-size, then push again.`,
    );
  }
  return error;
}
