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
import { resolve } from 'node:path';
import { bundleToTempFile } from './temp-bundle';

/** Bundles `jimp` into one CommonJS file, loads it, and deletes the file again. */
export function loadBundledJimp(): unknown {
  const bundle = bundleToTempFile(
    { stdin: { contents: "module.exports = require('jimp');", resolveDir: resolve(__dirname, '../../..'), loader: 'js' } },
    'jimp',
  );
  try {
    return require(bundle.file);
  } finally {
    bundle.remove();
  }
}
