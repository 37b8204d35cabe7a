import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BundlingOutput, DockerImage } from 'aws-cdk-lib';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { bundleNodeEntry } from '../shared/esbuild-bundle';
import { REPO_ROOT, WORKER_DOCKERFILE, WORKER_POLLER_ENTRY } from './worker-paths';

/** The bundle's file name on the instance and in the image. */
export const POLLER_BUNDLE_FILE = 'poller.js';

/**
 * The poller (worker/src/poller-main.ts and every module it imports) as one JavaScript file, built
 * by esbuild in this process: no Docker, no npm where it runs. Only what the entry imports is in
 * it, which is production dependencies only (a test checks). The source map is inline, so the
 * bundle stays one file; node --enable-source-maps maps stack traces.
 */
export function bundlePoller(outfile: string): void {
  bundleNodeEntry(WORKER_POLLER_ENTRY, outfile, { sourcemap: 'inline' });
}

/**
 * The EC2 form: the bundle in an S3 asset. The asset hash is the hash of the bundle, so the
 * instances' user data (which names the object) changes exactly when the code does.
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
            bundlePoller(path.join(outputDir, POLLER_BUNDLE_FILE));
            return true;
          },
        },
      },
    });
  }
}

let imageContext: string | undefined;

/**
 * The Fargate form: the Docker build context of the worker image, written once per process to a
 * temporary directory that holds exactly two files, worker/Dockerfile and the bundle. The image
 * build then needs no npm, installs nothing, and its context cannot carry anything else from the
 * checkout (no .env, no credentials, no node_modules). CDK hashes the context by content, so the
 * image changes exactly when the Dockerfile or the bundle does.
 */
export function pollerImageContext(): string {
  if (imageContext === undefined || !fs.existsSync(imageContext)) {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-image-'));
    fs.copyFileSync(path.join(REPO_ROOT, WORKER_DOCKERFILE), path.join(directory, 'Dockerfile'));
    bundlePoller(path.join(directory, POLLER_BUNDLE_FILE));
    imageContext = directory;
    // Synthesis copies the context into cdk.out; the temporary copy goes when the process ends.
    process.once('exit', () => fs.rmSync(directory, { recursive: true, force: true }));
  }
  return imageContext;
}
