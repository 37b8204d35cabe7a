/**
 * jimp finds out an image's format with `file-type`, an ESM-only package it loads through a
 * dynamic `import()`. Jest runs tests in a CommonJS sandbox that cannot execute `import()` unless
 * Node is started with --experimental-vm-modules, so `Jimp.read` fails there (and only there: plain
 * Node, ts-node and the esbuild bundles are fine).
 *
 * Test files that decode images therefore swap in the same jimp package pre-bundled by esbuild,
 * which inlines that import exactly as the shipped worker bundle does:
 *
 *     jest.mock('jimp', () => jest.requireActual('./support/bundled-jimp').loadBundledJimp());
 */
import { buildSync } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '../../..');

/** Bundles `jimp` into one CommonJS file, loads it, and deletes the file again. */
export function loadBundledJimp(): unknown {
  const directory = mkdtempSync(join(tmpdir(), 'worker-test-jimp-'));
  const file = join(directory, 'jimp.js');
  try {
    buildSync({
      stdin: { contents: "module.exports = require('jimp');", resolveDir: REPO_ROOT, loader: 'js' },
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      outfile: file,
      logLevel: 'warning',
    });
    return require(file);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
