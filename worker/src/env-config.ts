/**
 * Typed readers for environment variables. Each failure is an EnvironmentError whose message is one line
 * naming the variable, what it held and what would be valid, so an entry point can print it as is.
 * An empty value counts as unset, because container definitions often pass `VAR=` for "not set".
 */

/** The environment as a plain map (pass `process.env`, or a literal in tests). */
export type Env = Readonly<Record<string, string | undefined>>;

/** An environment variable is missing or invalid (the app's CDK context errors are lib/config's ConfigError). The message is meant for the operator, verbatim. */
export class EnvironmentError extends Error {
  override readonly name = 'EnvironmentError';
}

/** Configuration shared by every entry point that runs the thumbnail job. */
export interface JobEnvConfig {
  /** `OUTPUT_BUCKET`: where thumbnails are written. Required. */
  readonly outputBucket: string;
  /** `S3_FORCE_PATH_STYLE`: address buckets as `host/bucket`, which local S3 servers need. @default false */
  readonly s3ForcePathStyle: boolean;
}

/** Reads `OUTPUT_BUCKET` and `S3_FORCE_PATH_STYLE`. */
export function parseJobEnvConfig(env: Env): JobEnvConfig {
  return {
    outputBucket: readBucketName(env, 'OUTPUT_BUCKET'),
    s3ForcePathStyle: readBoolean(env, 'S3_FORCE_PATH_STYLE', false),
  };
}

/** A variable that must be set; `description` says what it is, e.g. "the work queue URL". */
export function readRequired(env: Env, name: string, description: string): string {
  const value = valueOf(env, name);
  if (value === undefined) {
    throw new EnvironmentError(`${name} is required: set it to ${description}`);
  }
  return value;
}

/** A required http(s) URL. */
export function readHttpUrl(env: Env, name: string, description: string): string {
  const value = readRequired(env, name, description);
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new EnvironmentError(`${name} must be an http(s) URL, ${description} (got "${value}")`);
  }
  return value;
}

/** A required S3 bucket name (3-63 lowercase letters, digits, dots and hyphens). */
export function readBucketName(env: Env, name: string): string {
  const value = readRequired(env, name, 'an S3 bucket name');
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value)) {
    throw new EnvironmentError(`${name} must be an S3 bucket name: 3-63 lowercase letters, digits, dots or hyphens (got "${value}")`);
  }
  return value;
}

/** An optional whole number within [min, max]. */
export function readInteger(
  env: Env,
  name: string,
  range: { readonly min: number; readonly max: number; readonly default: number },
): number {
  const value = valueOf(env, name);
  if (value === undefined) {
    return range.default;
  }
  // A strict pattern, because Number() would accept "1e3", " 5" and "0x10".
  const parsed = /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(parsed) || parsed < range.min || parsed > range.max) {
    throw new EnvironmentError(`${name} must be a whole number from ${range.min} to ${range.max} (got "${value}")`);
  }
  return parsed;
}

/** An optional `true` or `false`. */
export function readBoolean(env: Env, name: string, defaultValue: boolean): boolean {
  const value = valueOf(env, name);
  if (value === undefined) {
    return defaultValue;
  }
  if (value !== 'true' && value !== 'false') {
    throw new EnvironmentError(`${name} must be "true" or "false" (got "${value}")`);
  }
  return value === 'true';
}

function valueOf(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}
