import { type BackoffOptions, backoffDelay } from '@streamlens/lambda-kit';
import type { IndexDoc } from './document.js';
import { BulkRequestError } from './errors.js';

/**
 * Bounds of one `_bulk` request. Amazon OpenSearch Service caps an HTTP payload at 10 MiB (small
 * instance types) to 100 MiB; AWS recommends 5–15 MiB per bulk request.
 */
export const BULK_DEFAULTS = { maxDocs: 1000, maxBytes: 5 * 1024 * 1024 } as const;

/** A document serialised for `_bulk`: the action line and the source line. */
export interface BulkItem {
  readonly doc: IndexDoc;
  /** `{"index":{...}}\n{...source}\n` */
  readonly ndjson: string;
  readonly bytes: number;
}

/**
 * Serialises a document as an `index` action with the event id as `_id`: a redelivered event
 * overwrites its own document (never a second copy), unlike `create` (409 on redelivery) or an
 * auto-generated id (a duplicate per delivery).
 */
export function toBulkItem(doc: IndexDoc): BulkItem {
  const ndjson = `${JSON.stringify({ index: { _index: doc.index, _id: doc.id } })}\n${JSON.stringify(doc.source)}\n`;
  return { doc, ndjson, bytes: Buffer.byteLength(ndjson) };
}

/**
 * Splits items into requests of at most `maxDocs` items and `maxBytes` bytes, in order. An item
 * bigger than `maxBytes` on its own travels alone (OpenSearch answers for it; nothing is dropped here).
 */
export function planBatches(
  items: readonly BulkItem[],
  limits: { maxDocs: number; maxBytes: number } = BULK_DEFAULTS,
): BulkItem[][] {
  const batches: BulkItem[][] = [];
  let current: BulkItem[] = [];
  let bytes = 0;
  for (const item of items) {
    if (
      current.length > 0 &&
      (current.length >= limits.maxDocs || bytes + item.bytes > limits.maxBytes)
    ) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** One item of a `_bulk` response, as OpenSearch returns it. */
export interface BulkResponseItem {
  status: number;
  error?: { type?: string; reason?: string; caused_by?: { type?: string; reason?: string } };
  result?: string;
}

/** The part of a `_bulk` response body this module reads. */
export interface BulkResponseBody {
  errors: boolean;
  items: Array<Record<string, BulkResponseItem>>;
}

/** Sends one NDJSON `_bulk` body; throws `BulkRequestError` when the request fails as a whole. */
export type BulkSend = (ndjson: string) => Promise<BulkResponseBody>;

/** A document OpenSearch refused for a reason retrying cannot fix (mapping, validation: 4xx). */
export interface Rejection {
  readonly doc: IndexDoc;
  readonly status: number;
  readonly type: string;
  readonly reason: string;
}

/** A document not indexed when the attempts or the time ran out (retryable failures only). */
export interface Unfinished {
  readonly doc: IndexDoc;
  readonly reason: string;
}

/** What became of every item given to `bulkIndex` (each item in exactly one list). */
export interface BulkIndexResult {
  readonly indexed: IndexDoc[];
  readonly rejected: Rejection[];
  readonly unfinished: Unfinished[];
  /** Requests sent. */
  readonly requests: number;
  /** Item-level retries (429 / 5xx items and items of failed requests sent again). */
  readonly retriedItems: number;
}

/**
 * Options of `bulkIndex`: lambda-kit's backoff options (here `maxAttempts` counts rounds, default
 * 8; `deadline`: no request starts and no backoff is taken after it) and the request size limits.
 */
export interface BulkIndexOptions extends BackoffOptions {
  maxDocs?: number;
  maxBytes?: number;
  onRetry?: (info: { attempt: number; items: number; delayMs: number; reason: string }) => void;
}

/** Per-item statuses worth another attempt: throttling and transient unavailability. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504;
}

function describe(item: BulkResponseItem): { type: string; reason: string } {
  const type = item.error?.type ?? `http_${item.status}`;
  const cause = item.error?.caused_by;
  const reason = `${item.error?.reason ?? 'no reason given'}${cause?.reason ? ` (caused by ${cause.type}: ${cause.reason})` : ''}`;
  return { type, reason };
}

/**
 * Indexes `items` through `_bulk`, reading every per-item result: 2xx → indexed; 429 and 5xx →
 * sent again (only those items) after an exponential backoff with full jitter, for at most
 * `maxAttempts` rounds and never past `deadline`; any other status (mapping and validation errors)
 * → rejected with its reason, never retried. A request that fails as a whole is retried when
 * retryable, else its items are unfinished. Each item ends in exactly one of the three lists.
 *
 * @example
 * const r = await bulkIndex(docs.map(toBulkItem), send, { deadline });
 * // r.indexed, r.rejected (dead-letter them), r.unfinished (report them to Lambda)
 */
export async function bulkIndex(
  items: readonly BulkItem[],
  send: BulkSend,
  opts: BulkIndexOptions = {},
): Promise<BulkIndexResult> {
  const limits = {
    maxDocs: opts.maxDocs ?? BULK_DEFAULTS.maxDocs,
    maxBytes: opts.maxBytes ?? BULK_DEFAULTS.maxBytes,
  };
  const maxAttempts = Math.max(1, opts.maxAttempts ?? 8);
  const deadline = opts.deadline ?? Number.POSITIVE_INFINITY;
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const indexed: IndexDoc[] = [];
  const rejected: Rejection[] = [];
  const unfinished: Unfinished[] = [];
  let requests = 0;
  let retriedItems = 0;
  let pending: readonly BulkItem[] = items;
  let lastReason = '';
  for (let attempt = 1; pending.length > 0; attempt++) {
    const again: BulkItem[] = [];
    const reasons = new Map<BulkItem, string>();
    for (const batch of planBatches(pending, limits)) {
      if (now() >= deadline) {
        for (const item of batch) {
          again.push(item);
          reasons.set(item, reasons.get(item) ?? 'deadline reached before it could be sent');
        }
        continue;
      }
      requests++;
      let body: BulkResponseBody;
      try {
        body = await send(batch.map((i) => i.ndjson).join(''));
      } catch (error) {
        const retryable = error instanceof BulkRequestError ? error.retryable : true;
        const reason = `bulk request failed: ${(error as Error).message}`;
        for (const item of batch) {
          if (retryable) {
            again.push(item);
            reasons.set(item, reason);
          } else unfinished.push({ doc: item.doc, reason });
        }
        continue;
      }
      if (!Array.isArray(body.items) || body.items.length !== batch.length) {
        // Not an answer we can attribute: send the items again (index by id is idempotent).
        for (const item of batch) {
          again.push(item);
          reasons.set(item, 'bulk response item count does not match the request');
        }
        continue;
      }
      for (let i = 0; i < batch.length; i++) {
        const item = batch[i]!;
        const result = Object.values(body.items[i]!)[0];
        const status = result?.status ?? 0;
        if (status >= 200 && status < 300) indexed.push(item.doc);
        else if (status === 0 || isRetryableStatus(status) || status >= 500) {
          again.push(item);
          const d = result ? describe(result) : { type: 'no_result', reason: 'no item result' };
          reasons.set(item, `${status} ${d.type}: ${d.reason}`);
        } else {
          rejected.push({ doc: item.doc, status, ...describe(result!) });
        }
      }
    }
    if (again.length === 0) break;
    lastReason = reasons.get(again[0]!) ?? lastReason;
    const delayMs = backoffDelay(attempt, {
      baseDelayMs: opts.baseDelayMs ?? 100,
      maxDelayMs: opts.maxDelayMs ?? 2000,
      random: opts.random,
    });
    if (attempt >= maxAttempts || now() + delayMs >= deadline) {
      const why = attempt >= maxAttempts ? `gave up after ${attempt} attempts` : 'deadline reached';
      for (const item of again)
        unfinished.push({
          doc: item.doc,
          reason: `${why}; last: ${reasons.get(item) ?? lastReason}`,
        });
      break;
    }
    opts.onRetry?.({ attempt, items: again.length, delayMs, reason: lastReason });
    retriedItems += again.length;
    await sleep(delayMs);
    pending = again;
  }
  return { indexed, rejected, unfinished, requests, retriedItems };
}
