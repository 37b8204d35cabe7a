import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../shared/cli-args';

/** The CDK app this tool checks: the repository root, where cdk.json lives. */
export const APP_DIR = path.resolve(__dirname, '..', '..');

/**
 * The context the way the CDK CLI resolves it for `cdk synth`: `-c key=value` flags first
 * (always strings, split at the first `=`), then cdk.json's `context`, then cdk.context.json
 * (the CLI's cache of lookups). So preflight checks exactly the config that synth would build;
 * loadConfig then validates it with the same errors, unknown keys included.
 *
 * Left out: ~/.cdk.json user defaults, which this project does not use.
 */
export function readCdkContext(appDir: string, contextFlags: readonly string[]): Record<string, unknown> {
  return {
    ...readContextFile(appDir, 'cdk.context.json', false),
    ...readContextFile(appDir, 'cdk.json', true),
    ...parseContextFlags(contextFlags),
  };
}

/** `['hpc.nodes=4', 'hpc.profile=ml']` -> `{ 'hpc.nodes': '4', 'hpc.profile': 'ml' }`, like `cdk -c`. */
export function parseContextFlags(contextFlags: readonly string[]): Record<string, unknown> {
  const context: Record<string, unknown> = {};
  for (const flag of contextFlags) {
    const separator = flag.indexOf('=');
    if (separator <= 0) throw new UsageError(`-c ${JSON.stringify(flag)} is not a key=value assignment (see --help)`);
    context[flag.slice(0, separator)] = flag.slice(separator + 1);
  }
  return context;
}

function readContextFile(appDir: string, fileName: string, isProjectConfig: boolean): Record<string, unknown> {
  const file = path.join(appDir, fileName);
  if (!fs.existsSync(file)) return {};
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  // cdk.json nests the context under "context"; cdk.context.json is the context itself.
  return ((isProjectConfig ? parsed.context : parsed) ?? {}) as Record<string, unknown>;
}
