/**
 * Runs a CloudFront Function source in a bare `vm` context, for tests and benchmarks.
 *
 * The context is empty on purpose: no `require`, `module`, `process` or `console`, so a file
 * that leans on Node features (which the CloudFront runtime lacks) fails here too. The code runs
 * in strict mode, as the runtime always runs it ("Strict mode" on
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-javascript-runtime-20.html).
 * This is not CloudFront's own engine; it checks the code's behaviour. test/edge also runs the
 * files through njs and a parser held to the runtime's documented language level.
 */
import { readFileSync } from 'fs';
import * as vm from 'vm';
import { CF_FUNCTION_PATH } from './generate';

/** The one import runtime 2.0 offers, as the first line of a function that uses a key value store. */
export const CLOUDFRONT_IMPORT = "import cf from 'cloudfront';";

/** What the loaded file defines at top level. */
export interface LoadedCloudFrontFunction {
  /** The function CloudFront calls for each viewer request (it may return a promise). */
  readonly handler: (event: unknown) => unknown;
  /** The generated routing table embedded in the file, if it has one (an object from the sandbox realm). */
  readonly embeddedRoutes: unknown;
}

export interface SandboxOptions {
  /**
   * What `import cf from 'cloudfront'` gives the file: required when the file has that import.
   * @default - none; a file with the import fails to load
   */
  readonly cloudfront?: unknown;
  /**
   * The file name in stack traces.
   * @default CF_FUNCTION_PATH
   */
  readonly filename?: string;
}

/**
 * Evaluates a CloudFront Function and returns its top-level bindings.
 *
 * `vm` runs scripts, not modules, so the import line is replaced (on the same line, keeping line
 * numbers) by a binding to `options.cloudfront`. Only that exact line is accepted; any other
 * `import` stays and fails to parse, as it should.
 *
 * @param source the file's text; defaults to `geo-router.js` as it is on disk
 */
export function loadCloudFrontFunction(
  source: string = readFileSync(CF_FUNCTION_PATH, 'utf8'),
  options: SandboxOptions = {},
): LoadedCloudFrontFunction {
  const filename = options.filename ?? CF_FUNCTION_PATH;
  const [firstLine, ...otherLines] = source.split('\n');
  const importsCloudFront = firstLine.trim() === CLOUDFRONT_IMPORT;
  if (importsCloudFront && options.cloudfront === undefined) {
    throw new Error(`${filename} imports the cloudfront module: pass a stub of it as options.cloudfront`);
  }
  const context = vm.createContext(importsCloudFront ? { __cloudfront__: options.cloudfront } : {});
  const prologue = importsCloudFront ? '"use strict"; const cf = __cloudfront__;' : `"use strict"; ${firstLine}`;
  vm.runInContext([prologue, ...otherLines].join('\n'), context, { filename });
  // Top-level const bindings are not properties of the context object, but later scripts in the
  // same context can still see them.
  const handler: unknown = vm.runInContext('typeof handler === "function" ? handler : undefined', context);
  if (typeof handler !== 'function') {
    throw new Error(`${filename} does not define a top-level function handler(event)`);
  }
  const embeddedRoutes: unknown = vm.runInContext('typeof ROUTES === "undefined" ? undefined : ROUTES', context);
  return { handler: handler as (event: unknown) => unknown, embeddedRoutes };
}
