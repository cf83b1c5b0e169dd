import {
  type FirehoseClient,
  PutRecordBatchCommand,
  type PutRecordBatchCommandOutput,
} from '@aws-sdk/client-firehose';
import type { StreamlensEvent } from '@streamlens/schema';
import {
  DeliveryFailedError,
  ProducerClosedError,
  ProducerConfigError,
  RecordRejectedError,
} from './errors.js';
import { errorName, isRetryable } from './producer.js';
import { backoffMs } from './rate.js';
import { ByteBudget, LatencyStats } from './stats.js';

/** Firehose PutRecordBatch limits. */
export const FIREHOSE_LIMITS = {
  maxRecordsPerCall: 500,
  maxBytesPerCall: 4 * 1024 * 1024,
  maxRecordBytes: 1000 * 1024,
} as const;

/** The part of `FirehoseClient` the producer uses. */
export interface FirehoseSendClient {
  send(command: PutRecordBatchCommand): Promise<unknown>;
}

export interface FirehoseProducerOptions {
  client: FirehoseSendClient | FirehoseClient;
  deliveryStreamName: string;
  /** Max ms a record waits for a batch to fill (default 50). */
  lingerMs?: number;
  maxBatchRecords?: number;
  maxBatchBytes?: number;
  /** Attempts per record (default 10). */
  maxAttempts?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Bytes accepted but not settled before `put` waits (default 32 MiB). */
  maxInFlightBytes?: number;
  maxConcurrentRequests?: number;
  /**
   * Appends `\n` to events passed as objects (default true): Firehose concatenates records as they
   * are into S3 objects, and newline-delimited JSON is what every reader of the lake expects.
   */
  newlineDelimited?: boolean;
  random?: () => number;
}

/** Where Firehose acknowledged a record. */
export interface FirehosePutResult {
  recordId: string;
  attempts: number;
}

interface FRecord {
  data: Uint8Array;
  attempts: number;
  putAt: number;
  resolve: (r: FirehosePutResult) => void;
  reject: (e: Error) => void;
}

const encoder = new TextEncoder();

/**
 * Batching producer for Firehose: PutRecordBatch within limits (≤ 500 records, ≤ 4 MiB, records
 * ≤ 1000 KiB), per-record failures (`FailedPutCount`, `ErrorCode`) retried with backoff and
 * jitter, bounded in-flight bytes. `put` settles when Firehose accepted the record.
 */
export class FirehoseProducer {
  private readonly client: FirehoseSendClient;
  readonly deliveryStreamName: string;
  private readonly lingerMs: number;
  private readonly maxBatchRecords: number;
  private readonly maxBatchBytes: number;
  private readonly maxAttempts: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly maxConcurrent: number;
  private readonly newline: boolean;
  private readonly random: () => number;
  private readonly budget: ByteBudget;
  private readonly latency = new LatencyStats();
  private queue: FRecord[] = [];
  private inflight = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private outstanding = 0;
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  private readonly counters = {
    recordsPut: 0,
    recordsFailed: 0,
    bytesPut: 0,
    requests: 0,
    retries: 0,
  };

  constructor(opts: FirehoseProducerOptions) {
    this.client = opts.client as FirehoseSendClient;
    this.deliveryStreamName = opts.deliveryStreamName;
    if (!this.deliveryStreamName) throw new ProducerConfigError('deliveryStreamName is required');
    this.lingerMs = opts.lingerMs ?? 50;
    this.maxBatchRecords = Math.min(opts.maxBatchRecords ?? 500, FIREHOSE_LIMITS.maxRecordsPerCall);
    this.maxBatchBytes = Math.min(
      opts.maxBatchBytes ?? FIREHOSE_LIMITS.maxBytesPerCall,
      FIREHOSE_LIMITS.maxBytesPerCall,
    );
    this.maxAttempts = opts.maxAttempts ?? 10;
    this.backoffBaseMs = opts.backoffBaseMs ?? 100;
    this.backoffMaxMs = opts.backoffMaxMs ?? 5000;
    this.maxConcurrent = opts.maxConcurrentRequests ?? 4;
    this.newline = opts.newlineDelimited ?? true;
    this.random = opts.random ?? Math.random;
    this.budget = new ByteBudget(opts.maxInFlightBytes ?? 32 * 1024 * 1024);
  }

  /** Queues a record; resolves once Firehose accepted it (see `KinesisProducer.put`). */
  async put(input: StreamlensEvent | Uint8Array | string): Promise<FirehosePutResult> {
    if (this.closed) throw new ProducerClosedError();
    const data =
      typeof input === 'string'
        ? encoder.encode(input)
        : input instanceof Uint8Array
          ? input
          : encoder.encode(JSON.stringify(input) + (this.newline ? '\n' : ''));
    if (data.length > FIREHOSE_LIMITS.maxRecordBytes) {
      throw new RecordRejectedError(`record of ${data.length} bytes exceeds Firehose's 1000 KiB`);
    }
    const cost = data.length + 32;
    const wait = this.budget.acquire(cost);
    if (wait !== undefined) await wait;
    this.outstanding++;
    return new Promise((resolve, reject) => {
      const rec: FRecord = {
        data,
        attempts: 0,
        putAt: performance.now(),
        resolve: (r) => {
          this.done(rec, cost);
          this.counters.recordsPut++;
          this.counters.bytesPut += data.length;
          resolve(r);
        },
        reject: (e) => {
          this.done(rec, cost);
          this.counters.recordsFailed++;
          reject(e);
        },
      };
      this.queue.push(rec);
      this.schedule(this.queue.length >= this.maxBatchRecords || this.closed ? 0 : this.lingerMs);
    });
  }

  async flush(): Promise<void> {
    if (this.outstanding === 0) return;
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.schedule(0);
    await idle;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  metrics() {
    return {
      ...this.counters,
      inFlightBytes: this.budget.inUse,
      queued: this.queue.length,
      latencyMs: this.latency.summary(),
    };
  }

  private done(rec: FRecord, cost: number): void {
    this.latency.add(performance.now() - rec.putAt);
    this.budget.release(cost);
    this.outstanding--;
    if (this.outstanding === 0) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    }
  }

  private schedule(ms: number): void {
    const at = performance.now() + ms;
    if (this.timer !== undefined && this.timerAt <= at) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Number.POSITIVE_INFINITY;
      this.drain();
    }, ms);
  }

  private drain(): void {
    while (this.inflight < this.maxConcurrent && this.queue.length > 0) {
      let bytes = 0;
      let n = 0;
      while (n < this.queue.length && n < this.maxBatchRecords) {
        const size = (this.queue[n] as FRecord).data.length;
        if (n > 0 && bytes + size > this.maxBatchBytes) break;
        bytes += size;
        n++;
      }
      void this.send(this.queue.splice(0, n));
    }
  }

  private async send(batch: FRecord[]): Promise<void> {
    this.inflight++;
    this.counters.requests++;
    for (const r of batch) {
      r.attempts++;
      if (r.attempts > 1) this.counters.retries++;
    }
    const failed: { rec: FRecord; code: string; message: string }[] = [];
    try {
      const out = (await this.client.send(
        new PutRecordBatchCommand({
          DeliveryStreamName: this.deliveryStreamName,
          Records: batch.map((r) => ({ Data: r.data })),
        }),
      )) as PutRecordBatchCommandOutput;
      const responses = out.RequestResponses ?? [];
      batch.forEach((rec, i) => {
        const res = responses[i];
        if (res === undefined || res.ErrorCode) {
          failed.push({
            rec,
            code: res?.ErrorCode ?? 'MissingResult',
            message: res?.ErrorMessage ?? '',
          });
        } else {
          rec.resolve({ recordId: res.RecordId ?? '', attempts: rec.attempts });
        }
      });
    } catch (err) {
      const name = errorName(err);
      const message = err instanceof Error ? err.message : String(err);
      if (isRetryable(err)) for (const rec of batch) failed.push({ rec, code: name, message });
      else
        for (const rec of batch)
          rec.reject(new DeliveryFailedError(name, message, rec.attempts, { cause: err }));
    } finally {
      this.inflight--;
    }
    const again: FRecord[] = [];
    let maxAttempt = 1;
    for (const { rec, code, message } of failed) {
      if (rec.attempts >= this.maxAttempts)
        rec.reject(new DeliveryFailedError(code, message, rec.attempts));
      else {
        again.push(rec);
        maxAttempt = Math.max(maxAttempt, rec.attempts);
      }
    }
    if (again.length > 0) {
      setTimeout(
        () => {
          this.queue = [...again, ...this.queue];
          this.schedule(0);
        },
        backoffMs(maxAttempt, this.backoffBaseMs, this.backoffMaxMs, this.random),
      );
    }
    if (this.queue.length > 0) this.schedule(0);
  }
}
