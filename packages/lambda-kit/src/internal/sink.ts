import { type BackoffOptions, backoffDelay, resolveBackoff } from '../retry.js';

/** One entry a sink helper could not deliver, and why. */
export interface SinkFailure<E> {
  entry: E;
  /** AWS error code (per entry or of the whole call), or a toolkit code such as `EntryTooLarge`. */
  code: string;
  message?: string;
}

/** What one attempt on a chunk produced: entries to try again and entries that will never succeed. */
export interface AttemptOutcome<E> {
  retry: SinkFailure<E>[];
  permanent: SinkFailure<E>[];
}

// Codes of whole-call errors that a later attempt may get past. The SDK already retries these a
// few times inside `send`; we retry the remaining entries again, bounded by attempts and deadline.
const RETRYABLE_CODES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'KMSThrottlingException',
  'InternalFailure',
  'InternalError',
  'InternalServerError',
  'InternalServiceError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
]);

interface SdkLikeError {
  name?: string;
  code?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** The code to report for an error thrown by `client.send`. */
export function errorCodeOf(error: unknown): string {
  const e = error as SdkLikeError | undefined;
  return e?.name ?? e?.code ?? 'UnknownError';
}

/**
 * Whether a whole-call error is worth retrying: throttling, 5xx, timeouts and connection errors;
 * not validation, access or missing-resource errors, which would fail the same way again.
 */
export function isRetryableError(error: unknown): boolean {
  const e = error as SdkLikeError | undefined;
  if (!e || typeof e !== 'object') return false;
  if (e.$retryable) return true;
  if (RETRYABLE_CODES.has(e.name ?? '') || RETRYABLE_CODES.has(e.code ?? '')) return true;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && (status >= 500 || status === 429);
}

/**
 * Sends `entries` with `attempt`, retrying only the entries that failed retryably, with exponential
 * backoff and full jitter, until all succeed, `maxAttempts` is used up or the next sleep would pass
 * the deadline. Returns every entry not delivered; never drops one.
 */
export async function deliverReliably<E>(
  entries: readonly E[],
  attempt: (pending: E[]) => Promise<AttemptOutcome<E>>,
  opts: BackoffOptions = {},
): Promise<SinkFailure<E>[]> {
  const o = resolveBackoff(opts);
  const failed: SinkFailure<E>[] = [];
  let pending = [...entries];
  if (pending.length === 0) return failed;
  if (o.now() >= o.deadline) {
    return pending.map((entry) => ({
      entry,
      code: 'DeadlineExceeded',
      message: 'Deadline passed before the first attempt',
    }));
  }
  for (let n = 1; ; n++) {
    let outcome: AttemptOutcome<E>;
    try {
      outcome = await attempt(pending);
    } catch (error) {
      const failure = { code: errorCodeOf(error), message: (error as Error)?.message };
      const list = pending.map((entry) => ({ entry, ...failure }));
      outcome = isRetryableError(error)
        ? { retry: list, permanent: [] }
        : { retry: [], permanent: list };
    }
    failed.push(...outcome.permanent);
    if (outcome.retry.length === 0) return failed;
    const delayMs = backoffDelay(n, o);
    if (n >= o.maxAttempts || o.now() + delayMs >= o.deadline) {
      failed.push(...outcome.retry);
      return failed;
    }
    pending = outcome.retry.map((f) => f.entry);
    await o.sleep(delayMs);
  }
}

/**
 * Splits entries into chunks of at most `maxCount` entries and `maxBytes` bytes (by `sizeOf`),
 * keeping their order. An entry larger than `maxBytes` alone must be filtered out beforehand.
 */
export function chunk<E>(
  entries: readonly E[],
  maxCount: number,
  maxBytes: number,
  sizeOf: (entry: E) => number,
): E[][] {
  const chunks: E[][] = [];
  let current: E[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = sizeOf(entry);
    if (current.length > 0 && (current.length >= maxCount || bytes + size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Byte length of a string in UTF-8 without allocating a buffer. */
export function utf8Length(value: string | undefined): number {
  return value === undefined ? 0 : Buffer.byteLength(value, 'utf8');
}

/** Byte length of a data blob as the SDK will send it (strings are UTF-8). */
export function blobLength(data: Uint8Array | string | undefined): number {
  if (data === undefined) return 0;
  return typeof data === 'string' ? utf8Length(data) : data.byteLength;
}
