import * as fs from 'node:fs';
import * as path from 'node:path';

/** The script the login node runs (its header says what it does and prints). */
export const SLURM_JOB_SCRIPT = path.join(__dirname, 'slurm-smoke-job.sh');

/** Ends the here-document that carries the script: a line the script itself never holds. */
const END_OF_SCRIPT = 'SMOKE_JOB_SCRIPT_END';

/**
 * The `commands` of AWS-RunShellScript that run slurm-smoke-job.sh with `args`: the file, byte
 * for byte, into a temporary file through a quoted here-document (nothing in it is expanded), then
 * bash on it. The agent runs the commands with /bin/sh; these lines are POSIX sh.
 */
export function slurmJobCommands(args: readonly string[]): string[] {
  const script = fs.readFileSync(SLURM_JOB_SCRIPT, 'utf8').replace(/\n$/, '').split('\n');
  if (script.includes(END_OF_SCRIPT)) throw new Error(`${SLURM_JOB_SCRIPT} holds the line ${END_OF_SCRIPT}`);
  for (const arg of args) {
    if (!/^[A-Za-z0-9._-]+$/.test(arg)) throw new Error(`not a plain word for the login node's shell: ${JSON.stringify(arg)}`);
  }
  return [
    'set -u',
    'script=$(mktemp)',
    `cat > "$script" <<'${END_OF_SCRIPT}'`,
    ...script,
    END_OF_SCRIPT,
    `bash "$script" ${args.join(' ')}`,
    'status=$?',
    'rm -f "$script"',
    'exit "$status"',
  ];
}

/** What the job's tasks printed: one line per task, `smoke-node <host> efa=yes|no`. */
export interface SlurmJobOutput {
  readonly nodes: readonly { readonly host: string; readonly efa: boolean }[];
  /** The script's `smoke-job: FAIL: ...` line, and `smoke-job: queue: ...` when it gave up waiting. */
  readonly failure?: string;
  readonly queue?: string;
}

const NODE_LINE = /^smoke-node (\S+) efa=(yes|no)$/;
const FAILURE_LINE = /^smoke-job: FAIL: (.*)$/;
const QUEUE_LINE = /^smoke-job: queue: (.*)$/;

/** Reads the invocation's standard output and error. */
export function readSlurmJobOutput(stdout: string, stderr: string): SlurmJobOutput {
  const nodes: { host: string; efa: boolean }[] = [];
  let failure: string | undefined;
  let queue: string | undefined;
  for (const line of `${stdout}\n${stderr}`.split('\n').map((text) => text.trim())) {
    const node = NODE_LINE.exec(line);
    if (node) nodes.push({ host: node[1], efa: node[2] === 'yes' });
    failure = FAILURE_LINE.exec(line)?.[1] ?? failure;
    queue = QUEUE_LINE.exec(line)?.[1] ?? queue;
  }
  return { nodes, ...(failure !== undefined && { failure }), ...(queue !== undefined && { queue }) };
}
