import { describeFailure } from './failure-line';

/**
 * A tool's entry: takes the arguments, writes its results to stdout, and returns the exit code
 * (0 all good, 1 something the user must act on).
 */
export type ToolMain = (argv: string[]) => Promise<number>;

/**
 * Runs a tool the way every CLI here behaves: results on stdout, one line on stderr on failure,
 * exit code 1; the stack trace only with `--debug`. Sets `process.exitCode` rather than calling
 * `process.exit`, so pending output is flushed.
 */
export async function runCli(main: ToolMain, argv: string[] = process.argv.slice(2)): Promise<void> {
  const debug = argv.includes('--debug');
  // The SDK warns once per process that its 2027 releases will need Node 22. The tools support
  // Node 20 until then, and the warning would break the one-line contract on stderr.
  if (!debug) process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  try {
    process.exitCode = await main(argv);
  } catch (error) {
    console.error(describeFailure(error));
    if (debug) console.error(error);
    process.exitCode = 1;
  }
}
