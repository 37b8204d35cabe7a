/**
 * Parsers for CDK context values. A value comes from cdk.json (already typed: a number, a
 * string, an array) or from `cdk synth -c key=value` (always a string), so every parser accepts
 * both spellings and turns anything else into a ConfigError that names the key, the value and
 * what would be valid.
 */

/** A config value the app cannot use. Its message is written for the person who typed the value. */
export class ConfigError extends Error {
  constructor(
    readonly key: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`Invalid config ${key}=${describeValue(value)}: ${expected}`);
    this.name = 'ConfigError';
  }
}

/** Reads one raw context value; `undefined` when the key is not set anywhere. */
export type ContextReader = (key: string) => unknown;

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return '(not set)';
  return JSON.stringify(value) ?? String(value);
}

/** One of a fixed set of words, e.g. `hpc.scheduler=batch`. */
export function parseChoice<T extends string>(key: string, raw: unknown, choices: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  const value = typeof raw === 'string' ? raw.trim() : raw;
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(key, raw, `must be one of ${choices.join(', ')}`);
}

/** A whole number within [min, max]; `why` says where the bounds come from. */
export function parseInteger(key: string, raw: unknown, bounds: { min: number; max: number; why: string }): number | undefined {
  if (raw === undefined) return undefined;
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  const value = /^-?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < bounds.min || value > bounds.max) {
    throw new ConfigError(key, raw, `must be a whole number from ${bounds.min} to ${bounds.max} (${bounds.why})`);
  }
  return value;
}

/** A single string matching `pattern`; `shape` describes the pattern in words. */
export function parseText(key: string, raw: unknown, pattern: RegExp, shape: string): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !pattern.test(raw.trim())) {
    throw new ConfigError(key, raw, `must be ${shape}`);
  }
  return raw.trim();
}

/**
 * Splits a value that may hold several items (a JSON array in cdk.json, or `a,b` / `a b` on the
 * command line), so a key that takes exactly one item can say "you gave two" instead of
 * "malformed".
 */
export function listItems(raw: unknown): string[] | undefined {
  if (Array.isArray(raw)) return raw.map((item) => String(item).trim()).filter((item) => item !== '');
  if (typeof raw === 'string') return raw.split(/[\s,]+/).filter((item) => item !== '');
  return undefined;
}
