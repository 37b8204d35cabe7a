import { type BuildOptions, buildSync } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '../../..');

/** A CommonJS bundle in a temporary directory of its own. */
export interface TempBundle {
  readonly file: string;
  readonly directory: string;
  /** Deletes the bundle and its directory. */
  remove(): void;
}

/**
 * Bundles one input (an entry file, or source on stdin resolved from the repository root) with
 * everything it imports into one CommonJS file for Node, in a fresh temporary directory.
 */
export function bundleToTempFile(input: Pick<BuildOptions, 'entryPoints' | 'stdin'>, name: string): TempBundle {
  const directory = mkdtempSync(join(tmpdir(), `worker-test-${name}-`));
  const file = join(directory, `${name}.js`);
  buildSync({
    ...input,
    absWorkingDir: REPO_ROOT,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: file,
    logLevel: 'warning',
  });
  return { file, directory, remove: () => rmSync(directory, { recursive: true, force: true }) };
}
