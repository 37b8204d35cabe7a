/**
 * Real worker processes for integration tests: the poller entry bundled once with esbuild (the way
 * it ships, and much faster to start than ts-node), spawned with an explicit environment, its JSON
 * log lines collected as they arrive.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { waitFor } from './local-aws';

const REPO_ROOT = resolve(__dirname, '../../..');

/** A bundle in its own temporary directory. */
export interface Bundle {
  readonly file: string;
  /** The files esbuild read, relative to the repository root. */
  readonly inputs: readonly string[];
  remove(): void;
}

/** How to bundle: the Dockerfile does not minify, the EC2 asset (lib/workers/poller-bundle.ts) does. */
export interface BundleOptions {
  /** @default the Node that runs the tests */
  readonly target?: string;
  /** @default false */
  readonly minify?: boolean;
}

/** Bundles an entry of worker/src into one file, as the Dockerfile and the CDK bundling do. */
export async function bundleEntry(entry: 'poller-main' | 'lambda-entry', options: BundleOptions = {}): Promise<Bundle> {
  const directory = mkdtempSync(join(tmpdir(), `worker-${entry}-`));
  const file = join(directory, `${entry}.js`);
  const { metafile } = await build({
    entryPoints: [join(REPO_ROOT, 'worker/src', `${entry}.ts`)],
    absWorkingDir: REPO_ROOT,
    bundle: true,
    platform: 'node',
    target: options.target ?? `node${process.versions.node.split('.')[0]}`,
    minify: options.minify ?? false,
    outfile: file,
    metafile: true,
    logLevel: 'warning',
  });
  return { file, inputs: Object.keys(metafile.inputs), remove: () => rmSync(directory, { recursive: true, force: true }) };
}

/** One parsed stdout line of a worker. */
export type LogRecord = Record<string, unknown> & { event?: string; messageId?: string; outcome?: string };

const running = new Set<WorkerProcess>();

/** A spawned worker and everything it has logged so far. */
export class WorkerProcess {
  /** Parsed JSON lines from stdout, in arrival order. */
  readonly records: LogRecord[] = [];
  /** Raw stderr, for failure messages. */
  stderr = '';
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;

  /** Spawns `node <bundle>` with exactly `env` (plus PATH), so nothing leaks in from the test runner. */
  constructor(bundleFile: string, env: Readonly<Record<string, string>>) {
    this.child = spawn(process.execPath, [bundleFile], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(this);
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      try {
        this.records.push(JSON.parse(line) as LogRecord);
      } catch {
        this.records.push({ event: 'unparsed', line });
      }
    });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolveExit) => {
      this.child.on('exit', (code, signal) => {
        running.delete(this);
        resolveExit({ code, signal });
      });
    });
  }

  /** Whether the process is still running. */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends a signal. */
  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Waits for a logged record matching `predicate`. */
  waitForRecord(description: string, predicate: (record: LogRecord) => boolean, timeoutMs = 15_000): Promise<LogRecord> {
    return waitFor(`${description} (stderr so far: ${this.stderr.slice(-500)})`, () => this.records.find(predicate), timeoutMs);
  }

  /** Message outcome records, optionally of one kind. */
  outcomes(outcome?: string): LogRecord[] {
    return this.records.filter((record) => record.event === 'message' && (outcome === undefined || record.outcome === outcome));
  }
}

/** SIGKILLs every worker still running and waits for them to exit (for afterEach/afterAll). */
export async function killAllWorkers(): Promise<void> {
  const workers = [...running];
  workers.forEach((worker) => worker.kill('SIGKILL'));
  await Promise.all(workers.map((worker) => worker.exited));
}
