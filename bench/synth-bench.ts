import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { median } from './support/stats';

const ROOT = path.join(__dirname, '..');
const CDK_CLI = path.join(ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk');
/** cdk.json's app command with the empty app as its entry: the same runner and flags as the real app. */
const APP_COMMAND: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')).app;
export const EMPTY_APP = APP_COMMAND.replace('bin/app.ts', 'bench/empty-app.ts');

export interface SynthBenchFigures {
  readonly runs: number;
  /** Median wall-clock seconds of `cdk synth --quiet` for the whole app (all stacks, policy gates). */
  readonly fullAppSeconds: number;
  /** The same for an app with one empty stack. */
  readonly emptyAppSeconds: number;
  /** full / empty; the goal is at most 1.5. */
  readonly ratio: number;
}

/** Times `cdk synth` of the app and of the empty app, interleaved, each into a fresh directory. */
export function runSynthBenchmark(runs = 5): SynthBenchFigures {
  const samples = { full: [] as number[], empty: [] as number[] };
  for (let run = 0; run < runs; run++) {
    samples.full.push(timeSynth([]));
    samples.empty.push(timeSynth(['--app', EMPTY_APP]));
  }
  const fullAppSeconds = median(samples.full);
  const emptyAppSeconds = median(samples.empty);
  return { runs, fullAppSeconds, emptyAppSeconds, ratio: fullAppSeconds / emptyAppSeconds };
}

function timeSynth(extraArgs: string[]): number {
  const output = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [CDK_CLI, 'synth', '--quiet', '--output', output, ...extraArgs], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  fs.rmSync(output, { recursive: true, force: true });
  if (result.status !== 0) throw new Error(`cdk synth ${extraArgs.join(' ')} failed:\n${result.stderr}`);
  return seconds;
}
