import { isThrottlingError } from '@smithy/core/retry';
import { ConfigError } from '../../lib/config';
import { UsageError } from './cli-args';
import type { IamAction } from './iam-policy';

/**
 * An AWS call that failed, labelled with the IAM action it needed, so the one-line message can
 * name the action to allow (the SDK's own errors do not reliably carry it).
 */
export class AwsCallError extends Error {
  override readonly name = 'AwsCallError';
  constructor(
    readonly action: IamAction,
    override readonly cause: unknown,
  ) {
    super(`${action} failed`, { cause });
  }
}

/**
 * A known state of the account that stops the tool (e.g. Compute Optimizer not opted in): the
 * message says what to do, and is printed as is.
 */
export class ActionableError extends Error {
  override readonly name = 'ActionableError';
}

/** Runs `work`, and labels any failure with the IAM action it was calling. */
export async function asIamAction<T>(action: IamAction, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw error instanceof AwsCallError ? error : new AwsCallError(action, error);
  }
}

/** The shape SDK v3 errors share; everything optional because anything can be thrown. */
interface SdkErrorFields {
  name?: string;
  message?: string;
  code?: string;
  hostname?: string;
  $metadata?: { attempts?: number; httpStatusCode?: number };
}

const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnauthorizedException']);
/** The request reached AWS, but the credentials themselves were refused (wrong, expired, for another partition). */
const CREDENTIALS_REFUSED = new Set([
  'AuthFailure',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ExpiredToken',
  'ExpiredTokenException',
  'RequestExpired',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'IncompleteSignature',
  'MissingAuthenticationToken',
]);
const OPT_IN_REQUIRED = new Set(['OptInRequiredException', 'OptInRequired']);
const HOST_NOT_FOUND = new Set(['ENOTFOUND', 'EAI_AGAIN']);
const NETWORK_DOWN = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'TimeoutError']);

/** How to turn on Compute Optimizer: shared by the enrollment check and the OptInRequired mapping. */
export const COMPUTE_OPTIMIZER_OPT_IN =
  'opt in with: aws compute-optimizer update-enrollment-status --status Active ' +
  '(recommendations follow after up to 24 hours, from 14 days of metrics)';

/**
 * One line that says what went wrong and what to do, for any error a tool can meet. Stack
 * traces are for `--debug` only: the runner prints them separately.
 */
export function describeFailure(error: unknown): string {
  if (error instanceof ConfigError || error instanceof UsageError || error instanceof ActionableError) return error.message;
  const action = error instanceof AwsCallError ? error.action : undefined;
  const cause = (error instanceof AwsCallError ? error.cause : error) as SdkErrorFields | undefined;
  const name = cause?.name ?? '';
  const code = cause?.code ?? '';
  const message = firstLine(cause?.message ?? String(cause));
  const calling = action ? ` (calling ${action})` : '';

  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    return /from any providers/i.test(message)
      ? 'No AWS credentials found: set AWS_PROFILE or pass --profile (after aws configure or aws sso login), ' +
          'or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.'
      : `AWS credentials could not be loaded: ${message}`;
  }
  if (message === 'Region is missing') {
    return 'No AWS region: pass --region, set AWS_REGION, or set a region in your AWS config profile.';
  }
  if (ACCESS_DENIED.has(name)) {
    return (
      `Access denied: the IAM identity may not call ${action ?? 'this AWS API'}. ` +
      `Allow ${action ?? 'the action'} (see the tool's --iam-policy). AWS said: ${message}`
    );
  }
  if (CREDENTIALS_REFUSED.has(name)) {
    return `AWS refused the credentials${calling}: ${name}: ${message} Refresh them (e.g. aws sso login) or pick another --profile.`;
  }
  if (OPT_IN_REQUIRED.has(name)) {
    return action?.startsWith('compute-optimizer:')
      ? `Compute Optimizer is not enabled for this account${calling}: ${COMPUTE_OPTIMIZER_OPT_IN}.`
      : `The account is not opted in${calling}: ${message} (an opt-in region must be enabled in the account settings first).`;
  }
  if (isThrottlingError(cause as Parameters<typeof isThrottlingError>[0])) {
    const attempts = cause?.$metadata?.attempts;
    const usedUp = attempts ? ` and ${attempts} attempts were used up` : '';
    return `AWS throttled ${action ?? 'the request'}${usedUp}: wait a minute and run again (or raise AWS_MAX_ATTEMPTS).`;
  }
  if (HOST_NOT_FOUND.has(code)) {
    return `Cannot resolve ${cause?.hostname ?? 'the AWS endpoint'}${calling}: check the region name and your network connection.`;
  }
  if (NETWORK_DOWN.has(code) || NETWORK_DOWN.has(name)) {
    return `Cannot reach AWS${calling}: ${code || name}. Check your network connection or proxy settings.`;
  }
  return `${action ? `${action} failed` : 'Failed'}: ${name && name !== 'Error' ? `${name}: ` : ''}${message}`;
}

function firstLine(text: string): string {
  return text.split('\n')[0].trim();
}
