/** The middle value (the mean of the two middle values for an even count): robust to one slow run. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Runs a benchmark's main when its file is run directly, and turns a failure into exit code 1. */
export function runMain<T>(main: () => Promise<T>, format: (result: T) => string): void {
  main()
    .then((result) => console.log(format(result)))
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
