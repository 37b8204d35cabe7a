import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { median } from './support/stats';

const ROOT = path.join(__dirname, '..');
const JEST = path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');

export interface TestSuiteFigures {
  readonly runs: number;
  /** Median wall-clock seconds of the whole jest suite (without the tsc type check). */
  readonly seconds: number;
  /** App configurations synthesized through test/support/synth.ts in one run. */
  readonly synths: number;
  readonly tests: number;
}

/**
 * Runs the whole jest suite `runs` times. test/support/synth.ts appends a line to
 * SYNTH_COUNT_FILE per synthesis, which counts the synths of a run.
 */
export function runTestSuiteBenchmark(runs = 1): TestSuiteFigures {
  const seconds: number[] = [];
  let synths = 0;
  let tests = 0;
  for (let run = 0; run < runs; run++) {
    const countFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-jest-')), 'synths');
    const resultFile = path.join(path.dirname(countFile), 'results.json');
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [JEST, '--silent', '--json', `--outputFile=${resultFile}`], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, SYNTH_COUNT_FILE: countFile },
    });
    seconds.push(Number(process.hrtime.bigint() - started) / 1e9);
    if (result.status !== 0) throw new Error(`the test suite failed:\n${result.stderr.slice(-2000)}`);
    synths = fs.existsSync(countFile) ? fs.readFileSync(countFile, 'utf8').split('\n').filter(Boolean).length : 0;
    tests = (JSON.parse(fs.readFileSync(resultFile, 'utf8')) as { numTotalTests: number }).numTotalTests;
  }
  return { runs, seconds: median(seconds), synths, tests };
}
