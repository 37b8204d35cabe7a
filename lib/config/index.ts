/**
 * The app's whole configuration. Every key is read from CDK context (cdk.json's `context`, or
 * `cdk synth -c key=value`) and validated here, and nowhere else: constructs receive typed,
 * already valid values. Each architecture's keys, defaults and rules live in its own file
 * (hpc.ts, workers.ts, edge.ts); the parsers and the one ConfigError in context-values.ts.
 */
import { collectConfigErrors } from './context-values';
import { EDGE_KEYS, EdgeConfig, loadEdgeConfig } from './edge';
import { HPC_KEYS, HpcConfig, loadHpcConfig } from './hpc';
import { refuseUnknownKeys } from './known-keys';
import { loadWorkersConfig, WORKERS_KEYS, WorkersConfig } from './workers';

export { ConfigError } from './context-values';
export type { ConfigProblem } from './context-values';
export * from './edge';
export * from './hpc';
export * from './workers';

export interface AppConfig {
  readonly hpc: HpcConfig;
  readonly workers: WorkersConfig;
  readonly edge: EdgeConfig;
}

/** Every context key the app reads, by namespace. */
export const CONFIG_KEYS: readonly string[] = [...HPC_KEYS, ...WORKERS_KEYS, ...EDGE_KEYS];

/**
 * Validates the whole context (cdk.json, cdk.context.json and -c flags, merged as the CDK CLI
 * does): unknown keys under `hpc.`, `workers.` and `edge.` first, then each architecture.
 * Throws one ConfigError holding every problem found, one line each: every unknown key, and the
 * first bad value of each architecture (later values of one architecture can depend on it).
 */
export function loadConfig(context: Readonly<Record<string, unknown>>): AppConfig {
  refuseUnknownKeys(context, CONFIG_KEYS);
  const read = (key: string) => (Object.hasOwn(context, key) ? context[key] : undefined);
  const [hpc, workers, edge] = collectConfigErrors<[HpcConfig, WorkersConfig, EdgeConfig]>(
    () => loadHpcConfig(read),
    () => loadWorkersConfig(read),
    () => loadEdgeConfig(read),
  );
  return { hpc, workers, edge };
}
