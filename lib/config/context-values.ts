/**
 * Parsers for CDK context values. A value comes from cdk.json (already typed: a number, a
 * string, an array) or from `cdk synth -c key=value` (always a string), so every parser accepts
 * both spellings and turns anything else into a ConfigError that names the key, the value and
 * what would be valid.
 */

/** One thing wrong with the configuration, as one line for the person who typed it. */
export interface ConfigProblem {
  readonly key: string;
  readonly value: unknown;
  readonly line: string;
}

/**
 * The configuration cannot be used. It carries every problem found (each is one line of its
 * message), so a user fixes them all in one go, as AWS ParallelCluster's validators report.
 * `key` and `value` are those of the first problem.
 */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];

  /** A value the app cannot use: `Invalid config <key>=<value>: <expected>`. */
  constructor(key: string, value: unknown, expected: string);
  /** Several problems at once, in the order given. */
  constructor(problems: readonly ConfigProblem[]);
  constructor(keyOrProblems: string | readonly ConfigProblem[], value?: unknown, expected?: string) {
    const problems =
      typeof keyOrProblems === 'string'
        ? [{ key: keyOrProblems, value, line: `Invalid config ${keyOrProblems}=${describeValue(value)}: ${expected}` }]
        : keyOrProblems;
    super(problems.map((problem) => problem.line).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }

  get key(): string {
    return this.problems[0].key;
  }

  get value(): unknown {
    return this.problems[0].value;
  }
}

/** Reads one raw context value; `undefined` when the key is not set anywhere. */
export type ContextReader<Key extends string = string> = (key: Key) => unknown;

/**
 * Runs each check and collects the ConfigErrors they throw, so independent parts of the config
 * are all reported at once. Returns the results when every check passed.
 */
export function collectConfigErrors<T extends unknown[]>(...checks: { [I in keyof T]: () => T[I] }): T {
  const problems: ConfigProblem[] = [];
  const results = checks.map((check) => {
    try {
      return check();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
      return undefined;
    }
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return results as T;
}

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

/** The items listed more than once, each named once, in first-seen order. */
export function duplicatesOf(items: readonly string[]): string[] {
  return [...new Set(items.filter((item, index) => items.indexOf(item) !== index))];
}

/** EC2 instance type names: `c5n.18xlarge`, `p5en.48xlarge`, `u7i-12tb.224xlarge`. */
export const INSTANCE_TYPE_NAME = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
