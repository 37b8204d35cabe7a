// The KeyValueStore data-plane API accepts only SigV4A signatures (signing name
// cloudfront-keyvaluestore, Region set *), and the SDK for JavaScript v3 signs SigV4A only once
// a signer implementation is loaded: this import registers the pure JavaScript one (no native
// build). aws/aws-sdk-js-v3 clients/client-cloudfront-keyvaluestore (endpoint ruleset, auth
// scheme) and packages/signature-v4-multi-region (README); test/tools/routes.test.ts checks a
// request really goes out signed this way.
import '@aws-sdk/signature-v4a';
import { CloudFrontKeyValueStoreClient, type CloudFrontKeyValueStoreClientConfig } from '@aws-sdk/client-cloudfront-keyvaluestore';
import type { AwsSettings } from '../shared/aws-settings';

/**
 * A KeyValueStore client. The endpoint is global, derived from the store ARN's account
 * (`<account>.cloudfront-kvs.global.api.aws`), so the Region only tells the SDK where to get
 * credentials; without one configured, us-east-1, CloudFront's home Region.
 * @param transport credentials and an HTTP handler of the caller's own (the tests' fake network)
 */
export function createKvsClient(
  settings: AwsSettings,
  transport: Pick<CloudFrontKeyValueStoreClientConfig, 'credentials' | 'requestHandler'> = {},
): CloudFrontKeyValueStoreClient {
  return new CloudFrontKeyValueStoreClient({ ...settings, ...transport, region: settings.region ?? 'us-east-1' });
}
