/** Options of `waitFor`. */
export interface WaitOptions {
  /** Give up after this long (default 30 s). */
  readonly timeoutMs?: number;
  /** Pause between attempts (default 50 ms). */
  readonly intervalMs?: number;
  /** Stop early: checked before every attempt (e.g. "the child process exited"). */
  readonly abortIf?: () => Error | undefined;
  /** Whether an error thrown by `attempt` is worth another attempt (default: always). */
  readonly retryIf?: (error: unknown) => boolean;
  /** Describes what is awaited, for the timeout error. */
  readonly what?: string;
}

/**
 * Retry `attempt` until it resolves to something other than `undefined`/`false` or stops throwing,
 * and return that value. The last error becomes the `cause` of the timeout error.
 * @example
 * const records = await waitFor(async () => { const r = await read(); return r.length >= 3 ? r : undefined; });
 */
export async function waitFor<T>(
  attempt: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitOptions = {},
): Promise<T> {
  const { timeoutMs = 30_000, intervalMs = 50, abortIf, retryIf, what = 'condition' } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const abort = abortIf?.();
    if (abort) throw abort;
    try {
      const value = await attempt();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      if (retryIf && !retryIf(error)) throw error;
      lastError = error;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * For readiness probes: retry while the server is not answering (connection refused, reset,
 * timeouts, 5xx), give up at once on an answer that will not change (a 4xx API error).
 */
export function isNotListeningYet(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status === undefined || status >= 500;
}
