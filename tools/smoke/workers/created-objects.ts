import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { asIamAction, describeFailure } from '../../shared/failure-line';
import { type CheckRow, fail, pass } from '../check-result';

/** An object the run wrote, or expects a worker to write for it. */
interface CreatedObject {
  readonly bucket: string;
  readonly key: string;
  /** The version PutObject created in a versioned bucket: deleting it by id leaves no trace. */
  readonly versionId?: string;
}

/**
 * Everything the worker fleet check puts into the buckets, so that all of it is removed at the
 * end, whatever happened: a pass, a failure, a timeout or Ctrl-C.
 *
 * The input bucket is versioned: a plain DeleteObject would only add a delete marker and keep the
 * upload as a noncurrent version for 30 days, while deleting the version by its id removes it for
 * good, and adds no marker (https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeletingObjectVersions.html).
 * A key that was never written (a thumbnail that did not come) deletes without error: S3 answers
 * success and removes nothing (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html).
 */
export class CreatedObjects {
  private readonly objects: CreatedObject[] = [];

  constructor(private readonly s3: S3Client) {}

  add(object: CreatedObject): void {
    this.objects.push(object);
  }

  /** Deletes every object, each on its own (one failure does not keep the others), and says how it went. */
  async removeAll(): Promise<CheckRow> {
    const failures: string[] = [];
    for (const object of this.objects) {
      try {
        const action = object.versionId === undefined ? 's3:DeleteObject' : 's3:DeleteObjectVersion';
        await asIamAction(action, () =>
          this.s3.send(new DeleteObjectCommand({ Bucket: object.bucket, Key: object.key, VersionId: object.versionId })),
        );
      } catch (error) {
        const version = object.versionId === undefined ? '' : ` --version-id ${object.versionId}`;
        failures.push(
          `s3://${object.bucket}/${object.key}: ${describeFailure(error)} (remove it with aws s3api delete-object --bucket ${object.bucket} --key ${object.key}${version})`,
        );
      }
    }
    if (failures.length > 0)
      return fail('cleanup', `could not remove ${failures.length} of ${this.objects.length} objects: ${failures.join('; ')}`);
    const versions = this.objects.filter((object) => object.versionId !== undefined).length;
    return pass(
      'cleanup',
      this.objects.length === 0
        ? 'nothing was created'
        : `removed all ${this.objects.length} objects it created or expected (${versions} by version id, leaving no delete marker)`,
    );
  }
}
