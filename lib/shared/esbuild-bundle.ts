import * as path from 'node:path';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { buildSync } from 'esbuild';

/** The repository root: esbuild resolves every entry's imports from here. */
const REPO_ROOT = path.join(__dirname, '..', '..');

/**
 * Modules the Lambda Node.js runtimes provide: AWS SDK for JavaScript v3 and the Smithy packages
 * it is built on (https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html). aws-cdk-lib's
 * NodejsFunction leaves out the same two with the feature flag
 * `@aws-cdk/aws-lambda-nodejs:sdkV3ExcludeSmithyPackages`, which this app's cdk.json sets.
 */
export const LAMBDA_RUNTIME_PROVIDED_MODULES = ['@aws-sdk/*', '@smithy/*'];

export interface NodeBundleOptions {
  /**
   * Where the source map goes: beside the bundle (`external`, `<outfile>.map`, for a Lambda
   * function with `NODE_OPTIONS=--enable-source-maps`), inside it (`inline`: one file), or nowhere.
   * @default 'external'
   */
  readonly sourcemap?: 'external' | 'inline' | false;
  /**
   * Modules left out of the bundle, to be found where it runs.
   * @default - none: everything the entry imports is in the bundle
   */
  readonly external?: string[];
}

/**
 * Bundles one TypeScript entry and every module it imports into one minified CommonJS file for
 * Node.js 22, with esbuild's API in this process. The same settings as `NodejsFunction`'s esbuild
 * command, without its cost: NodejsFunction starts esbuild through `npx` once per function, which
 * took about 0.4 s each on every synth; in process it takes milliseconds.
 */
export function bundleNodeEntry(entry: string, outfile: string, options: NodeBundleOptions = {}): void {
  const sourcemap = options.sourcemap ?? 'external';
  buildSync({
    entryPoints: [entry],
    absWorkingDir: REPO_ROOT,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    sourcemap: sourcemap === false ? false : sourcemap === 'external' ? 'linked' : 'inline',
    external: options.external,
    outfile,
    logLevel: 'warning',
  });
}

/**
 * Lambda code for a Node.js handler (export `handler` of `entry`; the function's handler is
 * `index.handler`), bundled in process at synth: no Docker, no npx. The asset hash is the
 * bundle's, so the function changes exactly when its code does. The SDK is left to the runtime.
 */
export function bundledLambdaCode(entry: string, options: Pick<NodeBundleOptions, 'sourcemap'> = {}): lambda.Code {
  return lambda.Code.fromAsset(path.dirname(entry), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never used: local bundling always succeeds or throws. The property is mandatory.
      image: DockerImage.fromRegistry('unused-local-bundling-only'),
      local: {
        tryBundle(outputDir: string): boolean {
          bundleNodeEntry(entry, path.join(outputDir, 'index.js'), { ...options, external: LAMBDA_RUNTIME_PROVIDED_MODULES });
          return true;
        },
      },
    },
  });
}

/** The `handler` setting of a function whose code is bundledLambdaCode(). */
export const BUNDLED_HANDLER = 'index.handler';
