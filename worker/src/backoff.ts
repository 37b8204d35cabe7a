import { setTimeout as sleep } from 'node:timers/promises';

/** A structured log record; the caller decides how to write it. */
export type BackoffLog = (line: Record<string, unknown>) => void;

export interface BackoffOptions {
  /** What is being waited for, in the log ("sqs", "s3"). */
  readonly cause: string;
  /** The first step's delay. @default 1000 */
  readonly baseMs?: number;
  /** The longest delay. @default 60000 */
  readonly capMs?: number;
  readonly log: BackoffLog;
  /** Random in [0, 1), injectable for tests. @default Math.random */
  readonly random?: () => number;
}

/**
 * Exponential backoff with jitter while a service cannot be reached: each failure moves one step
 * up (base, 2 x base, 4 x base ... up to the cap), each wait lasts a random time in the upper half
 * of its step, and a success ends it. It logs once per step, when the step is entered (and once
 * when it ends), never once per attempt: an outage of minutes is a handful of lines.
 */
export class Backoff {
  private step = 0;
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly maxStep: number;
  private readonly random: () => number;

  constructor(private readonly options: BackoffOptions) {
    this.baseMs = options.baseMs ?? 1_000;
    this.capMs = options.capMs ?? 60_000;
    this.maxStep = 1 + Math.ceil(Math.log2(this.capMs / this.baseMs));
    this.random = options.random ?? Math.random;
  }

  /** The current step (0: not backing off). */
  get currentStep(): number {
    return this.step;
  }

  /** The longest wait of a step. */
  stepDelayMs(step: number): number {
    return step === 0 ? 0 : Math.min(this.capMs, this.baseMs * 2 ** (step - 1));
  }

  /** Records a failure to reach the service. */
  failure(error: { name?: string; message?: string }): void {
    if (this.step >= this.maxStep) return;
    this.step++;
    this.options.log({
      level: 'warn',
      event: 'backoff',
      cause: this.options.cause,
      step: this.step,
      maxDelayMs: this.stepDelayMs(this.step),
      errorClass: error.name,
      errorMessage: error.message,
    });
  }

  /** Records a success: the backoff ends. */
  success(): void {
    if (this.step === 0) return;
    this.options.log({ level: 'info', event: 'backoff-ended', cause: this.options.cause, afterStep: this.step });
    this.step = 0;
  }

  /** The wait before the next attempt: nothing when not backing off. Ends early (without throwing) when `signal` aborts. */
  async wait(signal?: AbortSignal): Promise<void> {
    if (this.step === 0) return;
    const full = this.stepDelayMs(this.step);
    const delay = Math.round(full / 2 + (this.random() * full) / 2);
    await sleep(delay, undefined, { signal }).catch(() => undefined);
  }
}
