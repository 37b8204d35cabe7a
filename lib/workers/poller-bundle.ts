import * as path from 'node:path';
import { BundlingOutput, DockerImage } from 'aws-cdk-lib';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { buildSync } from 'esbuild';
import { Construct } from 'constructs';
import { REPO_ROOT, WORKER_POLLER_ENTRY } from './worker-paths';

/** The bundle's file name on the instance. */
export const POLLER_BUNDLE_FILE = 'poller.js';

/**
 * The poller (worker/src/poller-main.ts and every dependency) as one JavaScript file in an S3
 * asset, bundled by esbuild at synth time, in this process: no Docker, no npm on the instance.
 * The asset hash is the hash of the bundle, so the instances' user data (which names the object)
 * changes exactly when the code does.
 */
export class PollerBundle extends Construct {
  public readonly asset: s3assets.Asset;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.asset = new s3assets.Asset(this, 'Asset', {
      path: path.dirname(WORKER_POLLER_ENTRY),
      bundling: {
        // Never used: local bundling always succeeds or throws. The property is mandatory.
        image: DockerImage.fromRegistry('unused-local-bundling-only'),
        outputType: BundlingOutput.SINGLE_FILE,
        local: {
          tryBundle(outputDir: string): boolean {
            buildSync({
              entryPoints: [WORKER_POLLER_ENTRY],
              absWorkingDir: REPO_ROOT,
              bundle: true,
              platform: 'node',
              target: 'node22',
              format: 'cjs',
              minify: true,
              // Inline, so the asset stays one file; node --enable-source-maps maps stack traces.
              sourcemap: 'inline',
              outfile: path.join(outputDir, POLLER_BUNDLE_FILE),
              logLevel: 'warning',
            });
            return true;
          },
        },
      },
    });
  }
}
