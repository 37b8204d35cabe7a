import './support/quiet-sdk-warning';
import { ComputeOptimizerClient } from '@aws-sdk/client-compute-optimizer';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { describeEfaInstanceTypes } from '../../tools/efa-catalog/describe-efa-instance-types';
import { requireActiveEnrollment } from '../../tools/rightsize/enrollment';
import { describeFailure } from '../../tools/shared/failure-line';
import { silentLog } from '../../tools/shared/output';
import { type CannedResponse, scriptedHttpHandler } from './support/scripted-http-handler';

/**
 * Throttling is the one failure the tools leave to the SDK: it retries with backoff, and a tool
 * only ever sees the final answer. These tests run real clients over a scripted transport
 * (aws-sdk-client-mock replaces send() and with it the retry middleware), with the backoff set
 * to zero so they stay fast.
 */
const testClientConfig = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' },
  retryStrategy: new ConfiguredRetryStrategy(3, 0),
};

const EC2_THROTTLED: CannedResponse = {
  statusCode: 503,
  contentType: 'text/xml',
  body: '<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>r1</RequestID></Response>',
};

const EC2_ONE_TYPE: CannedResponse = {
  statusCode: 200,
  contentType: 'text/xml',
  body: `<DescribeInstanceTypesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r2</requestId>
  <instanceTypeSet>
    <item>
      <instanceType>c5n.18xlarge</instanceType>
      <vCpuInfo><defaultVCpus>72</defaultVCpus></vCpuInfo>
      <memoryInfo><sizeInMiB>196608</sizeInMiB></memoryInfo>
      <processorInfo><supportedArchitectures><item>x86_64</item></supportedArchitectures></processorInfo>
      <networkInfo>
        <maximumNetworkCards>1</maximumNetworkCards>
        <efaSupported>true</efaSupported>
        <efaInfo><maximumEfaInterfaces>1</maximumEfaInterfaces></efaInfo>
      </networkInfo>
    </item>
  </instanceTypeSet>
</DescribeInstanceTypesResponse>`,
};

const COMPUTE_OPTIMIZER_THROTTLED: CannedResponse = {
  statusCode: 400,
  contentType: 'application/x-amz-json-1.0',
  body: JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }),
};

test('EC2 throttles once (RequestLimitExceeded), then answers: the SDK retries, the tool sees the answer', async () => {
  const transport = scriptedHttpHandler([EC2_THROTTLED, EC2_ONE_TYPE]);
  const ec2 = new EC2Client({ ...testClientConfig, requestHandler: transport.handler });

  const types = await describeEfaInstanceTypes(ec2, 'us-east-1', silentLog);

  expect(types.map((type) => [type.InstanceType, type.NetworkInfo?.EfaInfo?.MaximumEfaInterfaces])).toEqual([['c5n.18xlarge', 1]]);
  expect(transport.requests).toBe(2);
});

test('Compute Optimizer throttles once (ThrottlingException), then answers Active', async () => {
  const transport = scriptedHttpHandler([
    COMPUTE_OPTIMIZER_THROTTLED,
    { statusCode: 200, contentType: 'application/x-amz-json-1.0', body: JSON.stringify({ status: 'Active' }) },
  ]);
  const computeOptimizer = new ComputeOptimizerClient({ ...testClientConfig, requestHandler: transport.handler });

  await expect(requireActiveEnrollment(computeOptimizer)).resolves.toBeUndefined();
  expect(transport.requests).toBe(2);
});

test('throttled on every attempt: the retries run out, then one line names the action and the attempts', async () => {
  const transport = scriptedHttpHandler([EC2_THROTTLED, EC2_THROTTLED, EC2_THROTTLED]);
  const ec2 = new EC2Client({ ...testClientConfig, requestHandler: transport.handler });

  const failure = await describeEfaInstanceTypes(ec2, 'us-east-1', silentLog).catch((error: unknown) => error);

  expect(transport.requests).toBe(3);
  expect(describeFailure(failure)).toBe(
    'AWS throttled ec2:DescribeInstanceTypes and 3 attempts were used up: wait a minute and run again (or raise AWS_MAX_ATTEMPTS).',
  );
});
