import * as path from 'node:path';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { Construct } from 'constructs';
import { checkFunctionSize } from './cloudfront-function-geo-router';
import { CF_KVS_FUNCTION_PATH, readRouteTable, ROUTES_JSON_PATH } from './edge-sources';
import { functionRouterPolicies } from './function-router-policies';
import { writeGeneratedFiles } from './generated-files';
import { AdsBehaviorOptions, GeoRouter } from './geo-router';
import { kvsImportFile } from './kvs-routes';

/**
 * The store's construct id. NEVER CHANGE IT (nor this router's id in EdgeStack): a new id is a
 * new store, and a new store is filled only from the import file, that is routes.json as
 * committed, so every `npm run routes -- push` since would be lost. A test pins the logical id.
 */
export const ROUTES_STORE_ID = 'RoutesStore';

export interface KeyValueStoreGeoRouterProps {
  /**
   * The function source (JS 2.0 runtime, `import cf from 'cloudfront'`, an async `handler`).
   * @default CF_KVS_FUNCTION_PATH (lambda-edge/cf-function/geo-router-kvs.js)
   */
  readonly filePath?: string;
  /**
   * The routing table the store is created with.
   * @default ROUTES_JSON_PATH (lambda-edge/geo-router/routes.json)
   */
  readonly routesFile?: string;
}

/**
 * The routing as a CloudFront Function at VIEWER REQUEST that reads country -> variant from a
 * CloudFront KeyValueStore, so the function is the same few KB whatever the table holds, and
 * routes change without a deployment.
 *
 * - One store per function, associated through FunctionConfig.KeyValueStoreAssociations
 *   (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/kvs-with-functions-associate.html);
 *   key value stores need runtime cloudfront-js-2.0.
 * - The store is SEEDED from routes.json through an import source (an S3 asset in the
 *   documented `{"data":[{"key","value"}]}` format). CloudFront imports only when it creates a
 *   store (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/kvs-with-functions-create.html),
 *   and no API re-imports into an existing one, so later routes.json changes reach the deployed
 *   store through `npm run routes -- push` (tools/routes), not through a deployment.
 * - The store goes with the stack (and with a switch to another edge.mode): routes.json is the
 *   source of truth, and `npm run routes -- diff` shows what a deployed store holds beyond it.
 */
export class KeyValueStoreGeoRouter extends Construct implements GeoRouter {
  public readonly store: cloudfront.KeyValueStore;
  public readonly function: cloudfront.Function;
  public readonly cachePolicy: cloudfront.CachePolicy;
  public readonly originRequestPolicy: cloudfront.OriginRequestPolicy;
  public readonly adsBehavior: AdsBehaviorOptions;

  constructor(scope: Construct, id: string, props: KeyValueStoreGeoRouterProps = {}) {
    super(scope, id);
    const filePath = props.filePath ?? CF_KVS_FUNCTION_PATH;
    checkFunctionSize(filePath, 'The key value store function carries no table; shorten its code.');

    const importFile = writeGeneratedFiles(this, 'kvs-import', [
      { path: 'routes-import.json', body: kvsImportFile(readRouteTable(props.routesFile ?? ROUTES_JSON_PATH)) },
    ]);
    this.store = new cloudfront.KeyValueStore(this, ROUTES_STORE_ID, {
      comment: 'Geo routes: country code -> ad variant, and "default"; seeded from routes.json, changed by npm run routes -- push',
      source: cloudfront.ImportSource.fromAsset(path.join(importFile, 'routes-import.json')),
    });
    this.function = new cloudfront.Function(this, 'Function', {
      comment: 'Geo router (viewer request, key value store): rewrites /ads/<path> to /ads/<variant>/<path> by viewer country',
      code: cloudfront.FunctionCode.fromFile({ filePath }),
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      keyValueStore: this.store,
    });
    ({ cachePolicy: this.cachePolicy, originRequestPolicy: this.originRequestPolicy } = functionRouterPolicies(this));
    this.adsBehavior = {
      cachePolicy: this.cachePolicy,
      originRequestPolicy: this.originRequestPolicy,
      functionAssociations: [{ function: this.function, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
    };
  }
}
