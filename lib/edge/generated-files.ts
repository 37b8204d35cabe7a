import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stage } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/** One file generated at synth time: its path inside the generated directory, and its text. */
export interface GeneratedFile {
  /** Relative, with `/` separators, e.g. `ads/dach/banner.svg`. */
  readonly path: string;
  readonly body: string;
}

/**
 * Writes files generated at synth time (sample content, the key value store's import file) into
 * a directory inside the cloud assembly (cdk.out), named by a hash of the content, and returns
 * it, for an asset to stage. Inside cdk.out rather than a fresh temporary directory, so a synth
 * leaves nothing behind outside its own output, and the same content reuses the same directory.
 */
export function writeGeneratedFiles(scope: Construct, name: string, files: readonly GeneratedFile[]): string {
  const stage = Stage.of(scope);
  if (stage === undefined)
    throw new Error(`${scope.node.path}: generated files need an App (or Stage) to know the cloud assembly directory`);
  const hash = createHash('sha256');
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : 1))) hash.update(`${file.path}\0${file.body}\0`);
  const dir = path.join(stage.outdir, 'generated', `${name}-${hash.digest('hex').slice(0, 16)}`);
  for (const file of files) {
    const target = path.join(dir, ...file.path.split('/'));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, file.body);
  }
  return dir;
}
