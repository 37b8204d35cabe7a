import { closest, distance } from 'fastest-levenshtein';
import { ConfigError, type ConfigProblem } from './context-values';

/** The context namespaces the app owns. Every key under them must be one the app reads. */
export const CONFIG_NAMESPACES = ['hpc', 'workers', 'edge'] as const;

/**
 * Refuses every context key under `hpc.`, `workers.` or `edge.` that the app does not read,
 * naming the closest known key: a misspelled key would otherwise be ignored silently and the
 * user's setting lost. The namespace is matched without regard to case (`HPC.nodes` is a typo
 * too). Keys outside the namespaces (CDK's own feature flags, `aws:cdk:*`) are left alone.
 */
export function refuseUnknownKeys(context: Readonly<Record<string, unknown>>, knownKeys: readonly string[]): void {
  const known = new Set(knownKeys);
  const problems: ConfigProblem[] = Object.keys(context)
    .filter((key) => namespaceOf(key) !== undefined && !known.has(key))
    .sort()
    .map((key) => ({ key, value: context[key], line: `Invalid config: unknown key ${key}; ${suggestionFor(key, knownKeys)}` }));
  if (problems.length > 0) throw new ConfigError(problems);
}

function namespaceOf(key: string): string | undefined {
  const prefix = key.split('.')[0].toLowerCase();
  return key.includes('.') && (CONFIG_NAMESPACES as readonly string[]).includes(prefix) ? prefix : undefined;
}

/**
 * "did you mean hpc.instanceType?" when one known key is close: the same key in other letter
 * case, or within a few typed characters (a quarter of the key, at least two). Otherwise the
 * known keys of the namespace, so the user never has to guess.
 */
function suggestionFor(key: string, knownKeys: readonly string[]): string {
  const lower = key.toLowerCase();
  const sameCase = knownKeys.find((known) => known.toLowerCase() === lower);
  if (sameCase !== undefined) return `did you mean ${sameCase}?`;
  const nearest = closest(
    lower,
    knownKeys.map((known) => known.toLowerCase()),
  );
  if (distance(lower, nearest) <= Math.max(2, Math.floor(key.length / 4))) {
    return `did you mean ${knownKeys.find((known) => known.toLowerCase() === nearest)}?`;
  }
  const namespace = namespaceOf(key);
  const siblings = knownKeys.filter((known) => namespaceOf(known) === namespace);
  return `the known ${namespace}.* keys are ${siblings.join(', ')}`;
}
