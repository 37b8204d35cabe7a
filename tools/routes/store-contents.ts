import {
  type CloudFrontKeyValueStoreClient,
  DescribeKeyValueStoreCommand,
  paginateListKeys,
} from '@aws-sdk/client-cloudfront-keyvaluestore';
import { asIamAction } from '../shared/failure-line';
import type { Log } from '../shared/output';

/** A deployed store as the tool read it. */
export interface StoreContents {
  /** The store's version: UpdateKeys must name it (If-Match), so a change made since is refused. */
  readonly etag: string;
  /** Key -> value, every page of ListKeys. */
  readonly entries: ReadonlyMap<string, string>;
}

/** The store's ETag, then all its keys: Describe first, so a change while listing fails the push rather than going unseen. */
export async function readStore(client: CloudFrontKeyValueStoreClient, kvsArn: string, log: Log): Promise<StoreContents> {
  const described = await asIamAction('cloudfront-keyvaluestore:DescribeKeyValueStore', () =>
    client.send(new DescribeKeyValueStoreCommand({ KvsARN: kvsArn })),
  );
  if (described.ETag === undefined) throw new Error(`DescribeKeyValueStore returned no ETag for ${kvsArn}`);
  log(`${kvsArn}: ${described.ItemCount ?? '?'} keys at ETag ${described.ETag}`);
  const entries = new Map<string, string>();
  await asIamAction('cloudfront-keyvaluestore:ListKeys', async () => {
    // 50 is the largest page ListKeys allows (MaxResults, https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_kvs_ListKeys.html).
    for await (const page of paginateListKeys({ client, pageSize: 50 }, { KvsARN: kvsArn })) {
      for (const item of page.Items ?? []) if (item.Key !== undefined && item.Value !== undefined) entries.set(item.Key, item.Value);
      log(`listed ${entries.size} of ${described.ItemCount ?? '?'} keys`);
    }
  });
  return { etag: described.ETag, entries };
}
