import { createS3Client, S3_CONNECTION_TIMEOUT_MS, S3_REQUEST_TIMEOUT_MS } from '../../worker/src/s3-client';

test('every S3 call is bounded, so a stalled connection fails its job instead of hanging it', async () => {
  const client = createS3Client({ forcePathStyle: false });
  const handler = client.config.requestHandler as unknown as {
    configProvider: Promise<{ requestTimeout: number; connectionTimeout: number }>;
  };
  await expect(handler.configProvider).resolves.toMatchObject({
    requestTimeout: S3_REQUEST_TIMEOUT_MS,
    connectionTimeout: S3_CONNECTION_TIMEOUT_MS,
  });
  client.destroy();
});

test('path-style addressing is passed through for local S3 servers', async () => {
  const client = createS3Client({ forcePathStyle: true });
  expect(client.config.forcePathStyle).toBe(true);
  client.destroy();
});
