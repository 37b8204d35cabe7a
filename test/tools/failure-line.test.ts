import { ConfigError } from '../../lib/config';
import { awsSettingsFromFlags } from '../../tools/shared/aws-settings';
import { parseToolArgs, UsageError } from '../../tools/shared/cli-args';
import { AwsCallError, describeFailure } from '../../tools/shared/failure-line';

const sdkError = (name: string, message: string, extra: object = {}) =>
  Object.assign(new Error(message), { name, $metadata: {}, ...extra });
const calling = (cause: unknown) => new AwsCallError('ec2:DescribeInstanceTypes', cause);

test.each([
  [
    'no credentials anywhere',
    Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
    /^No AWS credentials found: set AWS_PROFILE or pass --profile/,
  ],
  [
    'an expired SSO session',
    sdkError('CredentialsProviderError', 'The SSO session token has expired.'),
    /^AWS credentials could not be loaded: The SSO session token has expired\.$/,
  ],
  ['no region', new Error('Region is missing'), /^No AWS region: pass --region, set AWS_REGION/],
  [
    'AccessDenied',
    calling(sdkError('UnauthorizedOperation', 'You are not authorized.')),
    /^Access denied: the IAM identity may not call ec2:DescribeInstanceTypes\./,
  ],
  [
    'refused credentials',
    calling(sdkError('AuthFailure', 'AWS was not able to validate the provided access credentials')),
    /^AWS refused the credentials \(calling ec2:DescribeInstanceTypes\): AuthFailure/,
  ],
  [
    'an opt-in region',
    calling(sdkError('OptInRequired', 'You are not subscribed to this service.')),
    /^The account is not opted in \(calling ec2:DescribeInstanceTypes\)/,
  ],
  [
    'throttling after retries',
    calling(sdkError('RequestLimitExceeded', 'Request limit exceeded.', { $metadata: { attempts: 5 } })),
    /^AWS throttled ec2:DescribeInstanceTypes and 5 attempts were used up/,
  ],
  [
    'an unknown region (DNS)',
    calling(
      Object.assign(new Error('getaddrinfo ENOTFOUND ec2.xx-east-9.amazonaws.com'), {
        code: 'ENOTFOUND',
        hostname: 'ec2.xx-east-9.amazonaws.com',
      }),
    ),
    /^Cannot resolve ec2\.xx-east-9\.amazonaws\.com \(calling ec2:DescribeInstanceTypes\): check the region name and your network connection\.$/,
  ],
  [
    'no network',
    calling(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
    /^Cannot reach AWS \(calling ec2:DescribeInstanceTypes\): ECONNREFUSED/,
  ],
  [
    'anything else',
    calling(sdkError('InternalError', 'An internal error has occurred\n  at somewhere')),
    /^ec2:DescribeInstanceTypes failed: InternalError: An internal error has occurred$/,
  ],
  [
    'a config error',
    new ConfigError('hpc.nodes', '1', 'must be a whole number from 2 to 1024'),
    /^Invalid config hpc\.nodes="1": must be a whole number/,
  ],
])('%s: one line', (_case, error, expected) => {
  const line = describeFailure(error);
  expect(line).toMatch(expected);
  expect(line).not.toContain('\n');
});

test('unknown flags are usage errors that point to --help', () => {
  expect(() => parseToolArgs(['--regoin', 'us-east-1'], {})).toThrow(UsageError);
  expect(describeFailure(catchError(() => parseToolArgs(['--regoin', 'us-east-1'], {})))).toMatch(
    /Unknown option '--regoin'.*\(see --help\)$/,
  );
});

test('a malformed --region is refused before any client exists', () => {
  expect(() => awsSettingsFromFlags({ region: 'eu west 1' })).toThrow(
    '--region="eu west 1" is not an AWS region name such as us-east-1 or eu-west-1',
  );
  expect(awsSettingsFromFlags({ region: 'us-gov-west-1', profile: 'sandbox' })).toEqual({ region: 'us-gov-west-1', profile: 'sandbox' });
});

function catchError(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
