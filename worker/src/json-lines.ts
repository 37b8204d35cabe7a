/** Writes one JSON object per line, the shape CloudWatch Logs Insights and `jq` read directly. */
export type JsonLineWriter = (fields: Record<string, unknown>) => void;

/**
 * Returns a writer that prefixes each record with its ISO timestamp. On Linux, writes to a pipe or
 * file are synchronous, so a line written just before `process.exit` is not lost.
 */
export function jsonLineWriter(stream: NodeJS.WritableStream): JsonLineWriter {
  return (fields) => {
    stream.write(`${JSON.stringify({ time: new Date().toISOString(), ...fields })}\n`);
  };
}
