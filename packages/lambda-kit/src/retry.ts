import type { Context } from 'aws-lambda';
import { RetryExhaustedError } from './errors.js';

/** Options of `retryWithBackoff` and of the sink helpers that use it. */
export interface BackoffOptions {
  /** Attempts in total, the first included (default 5). */
  maxAttempts?: number;
  /** Delay cap of the first retry, in ms (default 50). Doubles per attempt. */
  baseDelayMs?: number;
  /** Upper bound of any single delay, in ms (default 2000). */
  maxDelayMs?: number;
  /**
   * Absolute time (epoch ms, as `Date.now()`) after which no new attempt starts; a sleep that would
   * cross it is not taken. See `deadlineFromContext`.
   */
  deadline?: number;
  /** Injected for tests; defaults to a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Injected for tests; defaults to `Math.random`. */
  random?: () => number;
  /** Injected for tests; defaults to `Date.now`. */
  now?: () => number;
}

/** Options of `retryWithBackoff`. */
export interface RetryOptions extends BackoffOptions {
  /** Whether an error is worth another attempt (default: every error). */
  retryable?: (error: unknown) => boolean;
  /** Called before each sleep, e.g. to log the retry. */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

export const defaultSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The delay before retry number `attempt` (1 for the first retry): "full jitter", a uniform draw in
 * [0, min(maxDelay, base × 2^(attempt-1))). Full jitter spreads competing retries the most
 * (AWS Architecture Blog, "Exponential Backoff and Jitter").
 */
export function backoffDelay(
  attempt: number,
  opts: Pick<BackoffOptions, 'baseDelayMs' | 'maxDelayMs' | 'random'> = {},
): number {
  const base = opts.baseDelayMs ?? 50;
  const cap = opts.maxDelayMs ?? 2000;
  const random = opts.random ?? Math.random;
  const ceiling = Math.min(cap, base * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Resolved options with defaults, shared by the sink helpers so they back off the same way.
 * @internal
 */
export function resolveBackoff(opts: BackoffOptions = {}) {
  return {
    maxAttempts: Math.max(1, opts.maxAttempts ?? 5),
    baseDelayMs: opts.baseDelayMs ?? 50,
    maxDelayMs: opts.maxDelayMs ?? 2000,
    deadline: opts.deadline ?? Number.POSITIVE_INFINITY,
    sleep: opts.sleep ?? defaultSleep,
    random: opts.random ?? Math.random,
    now: opts.now ?? Date.now,
  };
}

/**
 * Runs `fn` until it resolves, retrying with exponential backoff and full jitter. Gives up with a
 * `RetryExhaustedError` (the last error as `cause`) after `maxAttempts`, when `retryable` says no,
 * or when the next sleep would end past `deadline`.
 *
 * @example
 * const out = await retryWithBackoff(() => client.send(cmd), { maxAttempts: 4, deadline });
 */
export async function retryWithBackoff<T>(
  fn: (attempt: number) => Promise<T>,
  opts: RetryOptions = {},
): Promise<T> {
  const o = resolveBackoff(opts);
  const retryable = opts.retryable ?? (() => true);
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (!retryable(error)) throw error;
      if (attempt >= o.maxAttempts) {
        throw new RetryExhaustedError(`Gave up after ${attempt} attempts`, attempt, {
          cause: error,
        });
      }
      const delayMs = backoffDelay(attempt, o);
      if (o.now() + delayMs >= o.deadline) {
        throw new RetryExhaustedError(`Deadline reached after ${attempt} attempts`, attempt, {
          cause: error,
        });
      }
      opts.onRetry?.({ attempt, delayMs, error });
      await o.sleep(delayMs);
    }
  }
}

/**
 * The absolute time (epoch ms) by which retries must stop so that the invocation still has
 * `safetyMs` left to report its result: now + remaining time − safety margin.
 *
 * @example const deadline = deadlineFromContext(context, 2_000);
 */
export function deadlineFromContext(
  context: Pick<Context, 'getRemainingTimeInMillis'>,
  safetyMs = 1000,
  now: () => number = Date.now,
): number {
  return now() + context.getRemainingTimeInMillis() - safetyMs;
}
