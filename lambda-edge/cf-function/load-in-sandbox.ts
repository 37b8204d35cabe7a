/**
 * Runs the CloudFront Function source in a bare `vm` context, for tests and benchmarks.
 *
 * The context is empty on purpose: no `require`, `module`, `process` or `console`, so a file
 * that leans on Node features (which the CloudFront runtime lacks) fails here too. This is not
 * CloudFront's own engine; it checks the code's behaviour, not the runtime's quirks.
 */
import { readFileSync } from 'fs';
import * as vm from 'vm';
import { CF_FUNCTION_PATH } from './generate';

/** What the loaded file defines at top level. */
export interface LoadedCloudFrontFunction {
  /** The function CloudFront calls for each viewer request. */
  readonly handler: (event: unknown) => unknown;
  /** The generated routing table embedded in the file (an object from the sandbox realm). */
  readonly embeddedRoutes: unknown;
}

/**
 * Evaluates the CloudFront Function and returns its top-level bindings.
 * @param source the file's text; defaults to `geo-router.js` as it is on disk
 */
export function loadCloudFrontFunction(source: string = readFileSync(CF_FUNCTION_PATH, 'utf8')): LoadedCloudFrontFunction {
  const context = vm.createContext({});
  vm.runInContext(source, context, { filename: CF_FUNCTION_PATH });
  // Top-level const bindings are not properties of the context object, but later scripts in the
  // same context can still see them.
  const handler: unknown = vm.runInContext('typeof handler === "function" ? handler : undefined', context);
  if (typeof handler !== 'function') {
    throw new Error(`${CF_FUNCTION_PATH} does not define a top-level function handler(event)`);
  }
  const embeddedRoutes: unknown = vm.runInContext('typeof ROUTES === "undefined" ? undefined : ROUTES', context);
  return { handler: handler as (event: unknown) => unknown, embeddedRoutes };
}
