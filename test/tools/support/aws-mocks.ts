import { iamActionOfCommand, type IamAction } from '../../../tools/shared/iam-policy';

/**
 * The IAM actions a mocked client was asked to perform, from the commands it received. Tests
 * compare them with a tool's REQUIRED_IAM_ACTIONS, so the published policy cannot fall behind
 * the code.
 */
export function iamActionsSent(servicePrefix: string, mock: { calls(): { args: readonly unknown[] }[] }): IamAction[] {
  return [...new Set(mock.calls().map((call) => iamActionOfCommand(servicePrefix, call.args[0] as object)))].sort();
}

/** Lines a tool logged (progress and warnings), captured instead of printed. */
export function capturedLog(): { lines: string[]; log: (line: string) => void } {
  const lines: string[] = [];
  return { lines, log: (line) => lines.push(line) };
}

/** Everything written to stdout while `work` runs, captured instead of printed. */
export async function captureStdout<T>(work: () => Promise<T>): Promise<{ result: T; stdout: string }> {
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    const result = await work();
    return { result, stdout: chunks.join('') };
  } finally {
    spy.mockRestore();
  }
}
