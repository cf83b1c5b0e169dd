import {
  type FirehoseClient,
  PutRecordBatchCommand,
  type PutRecordBatchCommandOutput,
} from '@aws-sdk/client-firehose';
import type { StreamlensEvent } from '@streamlens/schema';
import {
  BatchingProducer,
  errorMessage,
  errorName,
  type FailedRecord,
  isRetryable,
  type PendingRecord,
} from './core.js';
import { ProducerClosedError, ProducerConfigError, RecordRejectedError } from './errors.js';

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

interface FRecord extends PendingRecord<FirehosePutResult> {}

const encoder = new TextEncoder();

/**
 * Batching producer for Firehose: PutRecordBatch within limits (≤ 500 records, ≤ 4 MiB, records
 * ≤ 1000 KiB), per-record failures (`FailedPutCount`, `ErrorCode`) retried with backoff and
 * jitter, bounded in-flight bytes. `put` settles when Firehose accepted the record.
 */
export class FirehoseProducer extends BatchingProducer<FirehosePutResult, FRecord> {
  private readonly client: FirehoseSendClient;
  readonly deliveryStreamName: string;
  private readonly maxBatchRecords: number;
  private readonly maxBatchBytes: number;
  private readonly newline: boolean;
  private inflight = 0;

  constructor(opts: FirehoseProducerOptions) {
    super(opts);
    this.client = opts.client as FirehoseSendClient;
    this.deliveryStreamName = opts.deliveryStreamName;
    if (!this.deliveryStreamName) throw new ProducerConfigError('deliveryStreamName is required');
    this.maxBatchRecords = Math.min(opts.maxBatchRecords ?? 500, FIREHOSE_LIMITS.maxRecordsPerCall);
    this.maxBatchBytes = Math.min(
      opts.maxBatchBytes ?? FIREHOSE_LIMITS.maxBytesPerCall,
      FIREHOSE_LIMITS.maxBytesPerCall,
    );
    this.newline = opts.newlineDelimited ?? true;
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
    const record: FRecord = { data, attempts: 0, putAt: 0, resolve: () => {}, reject: () => {} };
    return this.admit(record, data.length + 32);
  }

  /** Counters (records, bytes, requests, retries), in-flight bytes, queue length, latency. */
  metrics() {
    return this.coreMetrics();
  }

  protected enqueue(record: FRecord): void {
    this.queue.push(record);
    this.schedule(this.queue.length >= this.maxBatchRecords || this.closed ? 0 : this.lingerMs);
  }

  protected drain(): void {
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
    this.startAttempt(batch);
    const failed: FailedRecord<FRecord>[] = [];
    try {
      const out = (await this.client.send(
        new PutRecordBatchCommand({
          DeliveryStreamName: this.deliveryStreamName,
          Records: batch.map((r) => ({ Data: r.data })),
        }),
      )) as PutRecordBatchCommandOutput;
      const responses = out.RequestResponses ?? [];
      batch.forEach((record, i) => {
        const res = responses[i];
        if (res === undefined || res.ErrorCode) {
          failed.push({
            record,
            code: res?.ErrorCode ?? 'MissingResult',
            message: res?.ErrorMessage ?? '',
          });
        } else {
          record.resolve({ recordId: res.RecordId ?? '', attempts: record.attempts });
        }
      });
    } catch (err) {
      if (isRetryable(err)) {
        const code = errorName(err);
        const message = errorMessage(err);
        for (const record of batch) failed.push({ record, code, message });
      } else {
        this.rejectAll(batch, err);
      }
    } finally {
      this.inflight--;
    }
    const { again, maxAttempt } = this.triage(failed);
    if (again.length > 0) this.retryLater(again, maxAttempt);
    if (this.queue.length > 0) this.schedule(0);
  }
}
