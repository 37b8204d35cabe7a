import type { IamAction } from '../shared/iam-policy';

/**
 * What `routes diff` calls: the store's ETag and item count, and its keys. The IAM actions of
 * the KeyValueStore API, on the only resource type it has, `key-value-store` (Service
 * Authorization Reference, "Actions, resources, and condition keys for Amazon CloudFront
 * KeyValueStore": https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudfrontkeyvaluestore.html).
 */
export const DIFF_IAM_ACTIONS = [
  'cloudfront-keyvaluestore:DescribeKeyValueStore',
  'cloudfront-keyvaluestore:ListKeys',
] as const satisfies readonly IamAction[];

/** What `routes push` calls besides: UpdateKeys, which writes puts and deletes in one request. */
export const PUSH_IAM_ACTIONS = [...DIFF_IAM_ACTIONS, 'cloudfront-keyvaluestore:UpdateKeys'] as const satisfies readonly IamAction[];

/** The policy's resource when no --kvs-arn narrows it: any key value store of any account the identity may reach. */
export const ANY_KEY_VALUE_STORE = 'arn:aws:cloudfront::*:key-value-store/*';
