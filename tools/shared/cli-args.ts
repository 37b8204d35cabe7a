import { parseArgs, type ParseArgsConfig } from 'node:util';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/**
 * A mistake in how the tool was called (unknown flag, malformed value). Its message is one line
 * for the person at the terminal; the runner adds no stack trace.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Flags every tool takes: where to call AWS, as whom, and how much to say about failures. */
export const COMMON_OPTIONS = {
  region: { type: 'string' },
  profile: { type: 'string' },
  debug: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  'iam-policy': { type: 'boolean', default: false },
} as const satisfies OptionsConfig;

/** Help lines for COMMON_OPTIONS, appended to each tool's own help so they never drift apart. */
export const COMMON_HELP = `Common options:
  --region NAME        AWS region (default: AWS_REGION, or the region of the AWS config profile)
  --profile NAME       profile from ~/.aws/config and ~/.aws/credentials (default: AWS_PROFILE, or "default")
  --iam-policy         print the minimal IAM policy this tool needs, and exit
  --debug              on failure, print the full error with its stack trace
  -h, --help           print this help, and exit`;

interface ToolArgsConfig<T extends OptionsConfig, Positionals extends boolean> {
  args: string[];
  options: typeof COMMON_OPTIONS & T;
  strict: true;
  allowPositionals: Positionals;
}

/** The parsed flags, typed from the option declarations (`string` flags may be undefined). */
export type ToolArgs<T extends OptionsConfig> = ReturnType<typeof parseArgs<ToolArgsConfig<T, false>>>['values'];

/**
 * Parses `argv` strictly (unknown flags and positionals are usage errors) with the common flags
 * plus the tool's own.
 */
export function parseToolArgs<const T extends OptionsConfig>(argv: string[], toolOptions: T): ToolArgs<T> {
  return parseStrictly({ args: argv, options: { ...COMMON_OPTIONS, ...toolOptions }, strict: true, allowPositionals: false }).values;
}

/**
 * As parseToolArgs, for a tool that also takes bare words (`npm run smoke -- EdgeStack`): the
 * flags, and the words in the order given. Unknown flags are still usage errors.
 */
export function parseToolCommandLine<const T extends OptionsConfig>(
  argv: string[],
  toolOptions: T,
): { flags: ToolArgs<T>; positionals: string[] } {
  const { values, positionals } = parseStrictly({
    args: argv,
    options: { ...COMMON_OPTIONS, ...toolOptions },
    strict: true,
    allowPositionals: true,
  });
  return { flags: values as ToolArgs<T>, positionals };
}

/** node:util's parseArgs, with its errors turned into one-line usage errors. */
function parseStrictly<T extends OptionsConfig, Positionals extends boolean>(config: ToolArgsConfig<T, Positionals>) {
  try {
    return parseArgs(config);
  } catch (error) {
    // Duck-typed: node:util's errors come from another realm under jest, where instanceof Error is false.
    const message = (error as { message?: unknown } | undefined)?.message;
    throw new UsageError(`${typeof message === 'string' ? message : String(error)} (see --help)`);
  }
}

/** `a,b c` -> `['a', 'b', 'c']`: lists on the command line may use commas, spaces or both. */
export function splitList(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).filter((item) => item !== '');
}
