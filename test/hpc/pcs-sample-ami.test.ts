/**
 * The deploy-time lookup of the AWS PCS sample AMI (lib/hpc/pcs-sample-ami/lookup.js), run for
 * real: the EC2 client is mocked (aws-sdk-client-mock), and CloudFormation's response URL is a
 * server on loopback that records what the function sends back.
 */
import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PCS_SAMPLE_AMI_LOOKUP_FILE } from '../../lib/hpc/pcs-sample-ami';

const lookup = require(PCS_SAMPLE_AMI_LOOKUP_FILE) as {
  handler: (event: object, context: object, ec2?: EC2Client) => Promise<void>;
  newestImage: (images: { ImageId: string; CreationDate: string }[]) => { ImageId: string } | undefined;
};

const ec2Mock = mockClient(EC2Client);
let server: http.Server;
let responses: Record<string, any>[];
let responseUrl: string;

beforeAll(async () => {
  server = http.createServer((request, reply) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      responses.push({ method: request.method, ...JSON.parse(body) });
      reply.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  responseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/response`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  responses = [];
  ec2Mock.reset();
});

const event = (requestType: string) => ({
  RequestType: requestType,
  ResponseURL: responseUrl,
  StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/HpcClusterStack/1',
  RequestId: 'request-1',
  LogicalResourceId: 'SlurmSampleAmi',
  PhysicalResourceId: 'ami-00000000000000001',
  ResourceProperties: { NamePrefix: 'aws-pcs-sample_ami-al2023-x86_64-slurm-25.11' },
});

test('the newest image by creation date wins', () => {
  expect(
    lookup.newestImage([
      { ImageId: 'ami-old', CreationDate: '2026-01-10T00:00:00.000Z' },
      { ImageId: 'ami-new', CreationDate: '2026-09-01T00:00:00.000Z' },
      { ImageId: 'ami-mid', CreationDate: '2026-05-01T00:00:00.000Z' },
    ])!.ImageId,
  ).toBe('ami-new');
  expect(lookup.newestImage([])).toBeUndefined();
});

test('Create: asks for available images owned by amazon named <prefix>*, and answers SUCCESS with the newest id', async () => {
  ec2Mock.on(DescribeImagesCommand).resolves({
    Images: [
      { ImageId: 'ami-0aaaaaaaaaaaaaaa1', CreationDate: '2026-02-01T00:00:00.000Z' },
      { ImageId: 'ami-0bbbbbbbbbbbbbbb2', CreationDate: '2026-10-01T00:00:00.000Z' },
    ],
  });
  await lookup.handler(event('Create'), {}, new EC2Client({ region: 'eu-west-1' }));
  expect(ec2Mock.commandCalls(DescribeImagesCommand)[0].args[0].input).toEqual({
    Owners: ['amazon'],
    Filters: [
      { Name: 'name', Values: ['aws-pcs-sample_ami-al2023-x86_64-slurm-25.11*'] },
      { Name: 'state', Values: ['available'] },
    ],
  });
  expect(responses).toEqual([
    expect.objectContaining({
      method: 'PUT',
      Status: 'SUCCESS',
      PhysicalResourceId: 'ami-0bbbbbbbbbbbbbbb2',
      Data: { ImageId: 'ami-0bbbbbbbbbbbbbbb2' },
      RequestId: 'request-1',
      LogicalResourceId: 'SlurmSampleAmi',
    }),
  ]);
});

test('no such image: FAILED, with a reason that names the prefix and hpc.amiId', async () => {
  ec2Mock.on(DescribeImagesCommand).resolves({ Images: [] });
  await lookup.handler(event('Update'), {}, new EC2Client({ region: 'eu-west-1' }));
  expect(responses).toEqual([
    expect.objectContaining({
      Status: 'FAILED',
      Reason: 'no available AMI owned by amazon is named aws-pcs-sample_ami-al2023-x86_64-slurm-25.11*: set hpc.amiId (docs/hpc.md)',
    }),
  ]);
});

test('an EC2 error is a FAILED answer, not a hung stack', async () => {
  ec2Mock.on(DescribeImagesCommand).rejects(new Error('UnauthorizedOperation: not allowed to ec2:DescribeImages'));
  await lookup.handler(event('Create'), {}, new EC2Client({ region: 'eu-west-1' }));
  expect(responses).toEqual([
    expect.objectContaining({ Status: 'FAILED', Reason: 'UnauthorizedOperation: not allowed to ec2:DescribeImages' }),
  ]);
});

test('Delete: nothing to delete, SUCCESS without a call', async () => {
  await lookup.handler(event('Delete'), {}, new EC2Client({ region: 'eu-west-1' }));
  expect(ec2Mock.calls()).toHaveLength(0);
  expect(responses).toEqual([expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: 'ami-00000000000000001' })]);
});
