import { UsageError } from '../shared/cli-args';

/**
 * Time, as the smoke checks see it: injected, so that the tests run every wait, timeout and
 * latency with a fake clock and never wait for real.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason if it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** A signal that aborts, with a TimeoutError, `ms` from now: the deadline of one request. */
  deadline(ms: number): AbortSignal;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason as Error);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
  deadline: (ms) => AbortSignal.timeout(ms),
};

/** Ctrl-C: the run stops waiting, removes what it created, prints what it has, and exits 130. */
export class Interrupted extends Error {
  override readonly name = 'Interrupted';
  constructor() {
    super('interrupted (Ctrl-C)');
  }
}

/** A wait ran out of time. */
export class WaitTimedOut extends Error {
  override readonly name = 'WaitTimedOut';
  constructor(readonly elapsedMs: number) {
    super(`no result within ${formatDuration(elapsedMs)}`);
  }
}

/** How one wait polls. */
export interface PollOptions {
  readonly clock: Clock;
  /** Aborted by Ctrl-C. */
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  /** Pause between two attempts. */
  readonly intervalMs: number;
}

/**
 * Calls `attempt` until it returns a value, pausing `intervalMs` between calls, for at most
 * `timeoutMs`. Every wait of the smoke checks (a Batch job, a thumbnail, a dead-lettered message)
 * runs through here, so they all time out, and stop on Ctrl-C, the same way.
 * @returns the value and how long it took (from the first attempt)
 * @throws WaitTimedOut after `timeoutMs`; Interrupted when the signal aborts
 */
export async function pollUntil<T>(
  options: PollOptions,
  attempt: (elapsedMs: number) => Promise<T | undefined>,
): Promise<{ value: T; elapsedMs: number }> {
  const { clock, signal } = options;
  const started = clock.now();
  for (;;) {
    if (signal.aborted) throw new Interrupted();
    const value = await attempt(clock.now() - started);
    const elapsedMs = clock.now() - started;
    if (value !== undefined) return { value, elapsedMs };
    if (elapsedMs + options.intervalMs > options.timeoutMs) throw new WaitTimedOut(elapsedMs);
    try {
      await clock.sleep(options.intervalMs, signal);
    } catch (error) {
      if (signal.aborted) throw new Interrupted();
      throw error;
    }
  }
}

/** `95000` -> `1 min 35 s`; `4200` -> `4.2 s`. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${ms % 1000 === 0 ? ms / 1000 : (ms / 1000).toFixed(1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  return [hours > 0 ? `${hours} h` : '', minutes > 0 ? `${minutes} min` : '', seconds > 0 ? `${seconds} s` : '']
    .filter((part) => part !== '')
    .join(' ');
}

/** `--timeout` values: `90` or `90s`, `15m`, `1h`. */
export function parseDuration(value: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(s|m|h)?$/.exec(value.trim());
  const amount = match ? Number(match[1]) : NaN;
  if (!match || !(amount > 0)) {
    throw new UsageError(`${flag}=${JSON.stringify(value)} is not a duration: write seconds (600), or 90s, 15m, 1h`);
  }
  return amount * { s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 's' | 'm' | 'h'];
}
