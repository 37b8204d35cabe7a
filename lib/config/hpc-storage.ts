import { ConfigError, parseChoice } from './context-values';

export const SHARED_STORAGE_KINDS = ['lustre', 'none'] as const;
/** `lustre`: an FSx for Lustre file system mounted at /fsx on every node. `none`: S3 only. */
export type SharedStorageKind = (typeof SHARED_STORAGE_KINDS)[number];

/**
 * FSx for Lustre SCRATCH_2 capacities: 1200 GiB, 2400 GiB, then steps of 2400 GiB
 * (AWS::FSx::FileSystem `StorageCapacity`:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-fsx-filesystem.html#cfn-fsx-filesystem-storagecapacity).
 * The smallest is the default: scratch storage is billed per GB-month while it exists.
 */
export const LUSTRE_SCRATCH_SIZES = { smallest: 1200, step: 2400 } as const;

/** Where the file system is mounted on every node and in every job container. */
export const SHARED_STORAGE_MOUNT_POINT = '/fsx';

/** The shared-storage part of the HPC config; `undefined` when `hpc.sharedStorage=none`. */
export interface LustreConfig {
  readonly sizeGiB: number;
  /**
   * `s3://bucket/prefix/` linked to the file system's root by a data repository association
   * (import and export); `undefined` for scratch storage alone.
   */
  readonly dataRepositoryPath?: string;
}

/**
 * S3 general purpose bucket names: 3 to 63 lower-case letters, digits, dots and hyphens, starting
 * and ending with a letter or digit, no two dots in a row, not shaped like an IP address
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
 */
const BUCKET_NAME = /^(?!\d+\.\d+\.\d+\.\d+$)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** An optional key prefix: the characters S3 keys take without escaping, no empty segment. */
const KEY_PREFIX = /^([A-Za-z0-9!_.*'()-]+\/)*[A-Za-z0-9!_.*'()-]+\/?$/;

/**
 * Reads `hpc.sharedStorage`, `hpc.lustreSizeGiB` and `hpc.lustreBucket`. The default depends on
 * the scheduler: Slurm users expect a shared /fsx, Batch and static jobs read and write S3 unless
 * asked otherwise.
 */
export function parseSharedStorage(
  scheduler: string,
  read: (key: 'hpc.sharedStorage' | 'hpc.lustreSizeGiB' | 'hpc.lustreBucket') => unknown,
): LustreConfig | undefined {
  const kind = parseChoice('hpc.sharedStorage', read('hpc.sharedStorage'), SHARED_STORAGE_KINDS, scheduler === 'slurm' ? 'lustre' : 'none');
  if (kind === 'none') {
    for (const key of ['hpc.lustreSizeGiB', 'hpc.lustreBucket'] as const) {
      if (read(key) !== undefined) {
        throw new ConfigError(key, read(key), `needs a Lustre file system: set hpc.sharedStorage=lustre, or leave ${key} unset`);
      }
    }
    return undefined;
  }
  return {
    sizeGiB: parseLustreSize(read('hpc.lustreSizeGiB')),
    dataRepositoryPath: parseBucket(read('hpc.lustreBucket')),
  };
}

function parseLustreSize(raw: unknown): number {
  if (raw === undefined) return LUSTRE_SCRATCH_SIZES.smallest;
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  const size = /^\d+$/.test(text) ? Number(text) : NaN;
  const { smallest, step } = LUSTRE_SCRATCH_SIZES;
  if (!Number.isSafeInteger(size) || (size !== smallest && (size === 0 || size % step !== 0))) {
    throw new ConfigError(
      'hpc.lustreSizeGiB',
      raw,
      `must be ${smallest}, ${step} or a multiple of ${step} (the capacities FSx for Lustre SCRATCH_2 takes), such as ${step * 2}`,
    );
  }
  return size;
}

/** `bucket`, `bucket/prefix` or `s3://bucket/prefix` -> `s3://bucket/prefix/`. */
function parseBucket(raw: unknown): string | undefined {
  if (raw === undefined) return undefined;
  const text = typeof raw === 'string' ? raw.trim().replace(/^s3:\/\//, '') : '';
  const [bucket, ...rest] = text.split('/');
  const prefix = rest.join('/');
  if (!BUCKET_NAME.test(bucket) || (prefix !== '' && !KEY_PREFIX.test(prefix))) {
    throw new ConfigError(
      'hpc.lustreBucket',
      raw,
      'must be an S3 bucket name, optionally with a key prefix, such as my-hpc-data or my-hpc-data/project-a',
    );
  }
  return `s3://${bucket}/${prefix === '' ? '' : prefix.replace(/\/?$/, '/')}`;
}
