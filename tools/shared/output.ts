/** Where a tool reports progress and warnings: stderr, so stdout stays clean for results. */
export type Log = (line: string) => void;

/** The default Log: one line on stderr. */
export const logToStderr: Log = (line) => process.stderr.write(`${line}\n`);

/** A Log that drops everything, for callers that want only the return value. */
export const silentLog: Log = () => undefined;

/** Prints a result as pretty JSON on stdout, for `--json`. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints text on stdout with exactly one trailing newline. */
export function printText(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}
