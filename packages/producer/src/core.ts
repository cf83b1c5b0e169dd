import { DeliveryFailedError, ProducerClosedError } from './errors.js';
import { backoffMs } from './rate.js';
import { ByteBudget, LatencyStats } from './stats.js';

/** A queued record as the core sees it; each producer adds its own fields. */
/** How long a producer waits for more records before it sends a partial batch (ms). */
export const DEFAULT_LINGER_MS = 50;

export interface PendingRecord<TResult> {
  data: Uint8Array;
  attempts: number;
  putAt: number;
  resolve: (r: TResult) => void;
  reject: (e: Error) => void;
}

/** Options both producers share (see `KinesisProducerOptions` / `FirehoseProducerOptions`). */
export interface CoreOptions {
  lingerMs?: number | undefined;
  maxAttempts?: number | undefined;
  backoffBaseMs?: number | undefined;
  backoffMaxMs?: number | undefined;
  maxInFlightBytes?: number | undefined;
  maxConcurrentRequests?: number | undefined;
  random?: (() => number) | undefined;
}

/** Counters both producers keep. */
export interface CoreCounters {
  recordsPut: number;
  recordsFailed: number;
  bytesPut: number;
  requests: number;
  /** Records re-sent after a failure. */
  retries: number;
}

/** A record whose call or entry failed, with the reason it would be rejected with. */
export interface FailedRecord<R> {
  record: R;
  code: string;
  message: string;
}

/**
 * What the Kinesis and Firehose producers share: a `put` that settles only when the service
 * accepted the record (or after bounded retries), bounded in-flight bytes (backpressure), a linger
 * timer that runs `drain`, `flush`/`close`, latency and counters, and the retry policy (records out
 * of attempts rejected with their last reason, the rest put back at the head of the queue after a
 * full-jitter exponential backoff). Subclasses decide how queued records become calls.
 */
export abstract class BatchingProducer<TResult, R extends PendingRecord<TResult>> {
  protected readonly lingerMs: number;
  protected readonly maxAttempts: number;
  protected readonly maxConcurrent: number;
  protected readonly budget: ByteBudget;
  protected readonly latency = new LatencyStats();
  protected queue: R[] = [];
  protected closed = false;
  protected readonly counters: CoreCounters = {
    recordsPut: 0,
    recordsFailed: 0,
    bytesPut: 0,
    requests: 0,
    retries: 0,
  };
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly random: () => number;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private outstanding = 0;
  private idleWaiters: (() => void)[] = [];

  protected constructor(opts: CoreOptions) {
    this.lingerMs = opts.lingerMs ?? DEFAULT_LINGER_MS;
    this.maxAttempts = opts.maxAttempts ?? 10;
    this.backoffBaseMs = opts.backoffBaseMs ?? 100;
    this.backoffMaxMs = opts.backoffMaxMs ?? 5000;
    this.maxConcurrent = opts.maxConcurrentRequests ?? 4;
    this.random = opts.random ?? Math.random;
    this.budget = new ByteBudget(opts.maxInFlightBytes ?? 32 * 1024 * 1024);
  }

  /** Queues the record into `enqueue` and returns its settlement (subclasses call this from put). */
  protected async admit(record: R, cost: number): Promise<TResult> {
    if (this.closed) throw new ProducerClosedError();
    const wait = this.budget.acquire(cost);
    if (wait !== undefined) await wait;
    this.outstanding++;
    return new Promise<TResult>((resolve, reject) => {
      record.putAt = performance.now();
      record.resolve = (r) => {
        this.settle(record, cost);
        this.counters.recordsPut++;
        this.counters.bytesPut += record.data.length;
        resolve(r);
      };
      record.reject = (e) => {
        this.settle(record, cost);
        this.counters.recordsFailed++;
        reject(e);
      };
      this.enqueue(record);
    });
  }

  /** Puts a new record in the queue and schedules a drain. */
  protected abstract enqueue(record: R): void;

  /** Turns queued records into calls, within the concurrency limit. */
  protected abstract drain(): void | Promise<void>;

  /** Sends everything queued now (ignoring the linger) and waits until every record put so far settled. */
  async flush(): Promise<void> {
    if (this.outstanding === 0) return;
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.schedule(0);
    await idle;
  }

  /** Refuses new records, flushes, and releases timers. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
  }

  private settle(record: R, cost: number): void {
    this.latency.add(performance.now() - record.putAt);
    this.budget.release(cost);
    this.outstanding--;
    if (this.outstanding === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Runs `drain` in `ms` (never later than an already scheduled, earlier run). */
  protected schedule(ms: number): void {
    const at = performance.now() + ms;
    if (this.timer !== undefined && this.timerAt <= at) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Number.POSITIVE_INFINITY;
      void this.drain();
    }, ms);
  }

  /** Counts one more attempt of each record of a call about to be sent. */
  protected startAttempt(records: readonly R[]): void {
    for (const r of records) {
      r.attempts++;
      if (r.attempts > 1) this.counters.retries++;
    }
  }

  /** Rejects each record with a non-retryable call error (`DeliveryFailedError` with the cause). */
  protected rejectAll(records: readonly R[], err: unknown): void {
    const name = errorName(err);
    const message = errorMessage(err);
    for (const r of records) {
      r.reject(new DeliveryFailedError(name, message, r.attempts, { cause: err }));
    }
  }

  /**
   * Rejects the failed records that used their attempts (with their last reason) and returns the
   * others, to be retried, with the highest attempt count among them.
   */
  protected triage(failed: readonly FailedRecord<R>[]): { again: R[]; maxAttempt: number } {
    const again: R[] = [];
    let maxAttempt = 1;
    for (const { record, code, message } of failed) {
      if (record.attempts >= this.maxAttempts) {
        record.reject(new DeliveryFailedError(code, message, record.attempts));
      } else {
        again.push(record);
        maxAttempt = Math.max(maxAttempt, record.attempts);
      }
    }
    return { again, maxAttempt };
  }

  /**
   * After a full-jitter backoff for `attempt`, runs `before`, puts `records` back at the head of
   * the queue (they were first) and drains.
   */
  protected retryLater(records: R[], attempt: number, before?: () => void): void {
    const delay = backoffMs(attempt, this.backoffBaseMs, this.backoffMaxMs, this.random);
    const t = setTimeout(() => {
      this.retryTimers.delete(t);
      before?.();
      this.requeue(records);
      this.schedule(0);
    }, delay);
    this.retryTimers.add(t);
  }

  /** Puts records back at the head of the queue. */
  protected requeue(records: R[]): void {
    this.queue = [...records, ...this.queue];
  }

  /** Counters, in-flight bytes, queue length and latency percentiles. */
  protected coreMetrics() {
    return {
      ...this.counters,
      inFlightBytes: this.budget.inUse,
      queued: this.queue.length,
      latencyMs: this.latency.summary(),
    };
  }
}

/** The error's name (`ProvisionedThroughputExceededException`, `TimeoutError`, ...). */
export function errorName(err: unknown): string {
  if (err instanceof Error) return err.name || 'Error';
  return 'UnknownError';
}

/** The error's message, or its string form. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Call-level errors worth retrying (besides 5xx and network errors without a status). */
const RETRYABLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'ThrottlingException',
  'InternalFailure',
  'ServiceUnavailable',
  'KMSThrottlingException',
  'RequestTimeout',
  'TimeoutError',
]);

/**
 * Whether a failed call is worth retrying: throttling, 5xx, and network failures (no HTTP status
 * at all). Validation, missing stream, access denied: not.
 */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const e = err as Error & {
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
    code?: string;
  };
  if (RETRYABLE_NAMES.has(e.name)) return true;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500 || status === 429;
  // No response: connection refused/reset, socket timeout.
  return typeof e.code === 'string' || e.name === 'Error' || e.name === 'AbortError';
}
