import {
  type KinesisClient,
  ListShardsCommand,
  type ListShardsCommandOutput,
  PutRecordsCommand,
  type PutRecordsCommandOutput,
  type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis';
import { KplAggregator, type StreamlensEvent } from '@streamlens/schema';
import {
  BatchingProducer,
  errorMessage,
  errorName,
  type FailedRecord,
  isRetryable,
  type PendingRecord,
} from './core.js';
import { ProducerClosedError, ProducerConfigError, RecordRejectedError } from './errors.js';
import { TokenBucket } from './rate.js';
import { HashKeyCache, isValidExplicitHashKey, type ShardMap, shardMapFrom } from './shards.js';

export { errorName, isRetryable } from './core.js';

/** Kinesis limits (PutRecords API reference). */
export const KINESIS_LIMITS = {
  maxRecordsPerCall: 500,
  maxBytesPerCall: 5 * 1024 * 1024,
  /** Data + partition key of one record. */
  maxRecordBytes: 1024 * 1024,
  maxPartitionKeyLength: 256,
  shardBytesPerSecond: 1024 * 1024,
  shardRecordsPerSecond: 1000,
} as const;

/** A raw record for `put`. */
export interface ProducerRecord {
  data: Uint8Array | string;
  partitionKey: string;
  /** Decimal 128-bit integer that overrides the partition key's hash for routing. */
  explicitHashKey?: string;
}

/** Where Kinesis stored a record. */
export interface PutResult {
  shardId: string;
  sequenceNumber: string;
  /** Position inside the aggregated record, when the record was aggregated. */
  subSequenceNumber?: number;
  attempts: number;
}

/** The part of `KinesisClient` the producer uses (a fake sink implements just this). */
export interface KinesisSendClient {
  send(command: PutRecordsCommand | ListShardsCommand): Promise<unknown>;
}

export interface KinesisProducerOptions {
  client: KinesisSendClient | KinesisClient;
  streamName: string;
  /** Max ms a record waits for others to fill a batch (default 50). */
  lingerMs?: number;
  /** Records per PutRecords call (default and max 500). */
  maxBatchRecords?: number;
  /** Bytes per PutRecords call (default and max 5 MiB). */
  maxBatchBytes?: number;
  /** KPL aggregation of records bound for the same shard (default false). */
  aggregate?: boolean;
  /** Max bytes of one aggregated record (default: the schema package's KPL default, 1 MiB − 256). */
  aggregateMaxBytes?: number;
  /** Attempts per record before it is rejected (default 10). */
  maxAttempts?: number;
  /** Backoff base and cap in ms (default 100 and 5000). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Bytes accepted but not yet settled; `put` waits beyond it (default 32 MiB). */
  maxInFlightBytes?: number;
  /** Concurrent PutRecords calls (default 4). */
  maxConcurrentRequests?: number;
  /**
   * Per-partition-key order. `true`: at most one in-flight PutRecords call per key, so a batch
   * retried after a failed call is never overtaken by a later one; inside one call, an entry that
   * fails alone is retried after later entries of its key that succeeded. `'strict'`: also at most
   * one entry per key per call, so order holds under partial failures too (one round trip per
   * record of a key: pair it with `aggregate` for hot keys, which puts a key's records in one
   * Kinesis record). Default false.
   */
  ordered?: boolean | 'strict';
  /** Per-shard token buckets at the Kinesis write limits (default true; needs ListShards). */
  rateLimit?: boolean;
  /** Re-read the shard map at least this often (default 60 000 ms). */
  shardMapMaxAgeMs?: number;
  /** Partition key of an event passed to `put` (default: `subject`, else `id`). */
  partitionKeyOf?: (event: StreamlensEvent) => string;
  /** Random source for backoff jitter (tests). */
  random?: () => number;
}

/** Counters and latency of a producer (see `KinesisProducer.metrics`). */
export interface ProducerMetrics {
  recordsPut: number;
  recordsFailed: number;
  bytesPut: number;
  /** Kinesis records written (smaller than recordsPut when aggregating). */
  kinesisRecords: number;
  requests: number;
  /** Records re-sent after a failure. */
  retries: number;
  throttled: number;
  shardMapRefreshes: number;
  inFlightBytes: number;
  queued: number;
  /** `put` calls waiting for in-flight capacity (backpressure is on when above 0). */
  waitingPuts: number;
  /** From `put` to settlement, in ms. */
  latencyMs: { count: number; p50: number; p90: number; p99: number; max: number };
}

interface UserRecord extends PendingRecord<PutResult> {
  partitionKey: string;
  explicitHashKey: string | undefined;
  hashKey: bigint;
  bytes: number;
}

interface Entry {
  records: UserRecord[];
  aggregated: boolean;
  data: Uint8Array;
  partitionKey: string;
  explicitHashKey: string | undefined;
  predictedShard: string | undefined;
}

const encoder = new TextEncoder();
/** Per-record accounting overhead, so millions of tiny records still count against the budget. */
const RECORD_OVERHEAD = 64;

/**
 * A KPL-style producer for Kinesis Data Streams: batches `put`s into PutRecords calls within the
 * service limits, optionally aggregates records of the same shard (KPL format), retries failed
 * entries with backoff and jitter, paces each shard under its write limits and applies
 * backpressure. Each `put` settles only when Kinesis accepted the record (with its shard and
 * sequence number) or after bounded retries with the reason.
 *
 * @example
 * const producer = new KinesisProducer({ client: new KinesisClient({}), streamName: 'events', aggregate: true });
 * await producer.put(event); // resolves with { shardId, sequenceNumber }
 * await producer.close();
 */
export class KinesisProducer extends BatchingProducer<PutResult, UserRecord> {
  private readonly client: KinesisSendClient;
  readonly streamName: string;
  private readonly maxBatchRecords: number;
  private readonly maxBatchBytes: number;
  private readonly aggregate: boolean;
  private readonly aggregateMaxBytes: number | undefined;
  private readonly ordered: boolean;
  private readonly strictOrder: boolean;
  private readonly rateLimit: boolean;
  private readonly shardMapMaxAgeMs: number;
  private readonly partitionKeyOf: (event: StreamlensEvent) => string;

  private queueBytes = 0;
  private inflightRequests = 0;
  private readonly lockedKeys = new Map<string, number>();
  private readonly buckets = new Map<string, { bytes: TokenBucket; records: TokenBucket }>();
  private shardMap: ShardMap | undefined;
  private shardMapStale = false;
  private shardMapLoading: Promise<void> | undefined;
  private shardMapRetryAt = 0;
  private draining = false;
  private drainAgain = false;
  private readonly hashKeys = new HashKeyCache();
  private readonly kinesisCounters = { kinesisRecords: 0, throttled: 0, shardMapRefreshes: 0 };

  constructor(opts: KinesisProducerOptions) {
    super(opts);
    this.client = opts.client as KinesisSendClient;
    this.streamName = opts.streamName;
    this.maxBatchRecords = Math.min(opts.maxBatchRecords ?? 500, KINESIS_LIMITS.maxRecordsPerCall);
    this.maxBatchBytes = Math.min(
      opts.maxBatchBytes ?? KINESIS_LIMITS.maxBytesPerCall,
      KINESIS_LIMITS.maxBytesPerCall,
    );
    this.aggregate = opts.aggregate ?? false;
    this.aggregateMaxBytes = opts.aggregateMaxBytes;
    this.ordered = opts.ordered !== undefined && opts.ordered !== false;
    this.strictOrder = opts.ordered === 'strict';
    this.rateLimit = opts.rateLimit ?? true;
    this.shardMapMaxAgeMs = opts.shardMapMaxAgeMs ?? 60_000;
    this.partitionKeyOf = opts.partitionKeyOf ?? ((e) => e.subject ?? e.id);
    if (this.maxBatchRecords < 1 || this.maxAttempts < 1 || this.maxConcurrent < 1) {
      throw new ProducerConfigError(
        'maxBatchRecords, maxAttempts and maxConcurrentRequests must be ≥ 1',
      );
    }
    if (!this.streamName) throw new ProducerConfigError('streamName is required');
  }

  /**
   * Queues a record (an event is sent as its JSON, keyed by `partitionKeyOf`). Waits while the
   * in-flight byte budget is full (backpressure). Resolves once Kinesis accepted the record;
   * rejects with `RecordRejectedError` (invalid record), `DeliveryFailedError` (retries
   * exhausted or a non-retryable error) or `ProducerClosedError`.
   */
  async put(input: StreamlensEvent | ProducerRecord): Promise<PutResult> {
    if (this.closed) throw new ProducerClosedError();
    const record = this.toRecord(input);
    return this.admit(record, record.bytes + RECORD_OVERHEAD);
  }

  /** Current counters and latency percentiles. */
  metrics(): ProducerMetrics {
    return { ...this.coreMetrics(), ...this.kinesisCounters, waitingPuts: this.budget.waiting };
  }

  private toRecord(input: StreamlensEvent | ProducerRecord): UserRecord {
    let data: Uint8Array;
    let partitionKey: string;
    let explicitHashKey: string | undefined;
    if ('specversion' in input) {
      data = encoder.encode(JSON.stringify(input));
      partitionKey = this.partitionKeyOf(input);
    } else {
      data = typeof input.data === 'string' ? encoder.encode(input.data) : input.data;
      partitionKey = input.partitionKey;
      explicitHashKey = input.explicitHashKey;
    }
    if (partitionKey.length < 1 || partitionKey.length > KINESIS_LIMITS.maxPartitionKeyLength) {
      throw new RecordRejectedError(
        `partition key must be 1..256 characters, got ${partitionKey.length}`,
      );
    }
    if (explicitHashKey !== undefined && !isValidExplicitHashKey(explicitHashKey)) {
      throw new RecordRejectedError(
        `explicit hash key "${explicitHashKey}" is not a 128-bit decimal integer`,
      );
    }
    const bytes = data.length + Buffer.byteLength(partitionKey, 'utf8');
    if (bytes > KINESIS_LIMITS.maxRecordBytes) {
      throw new RecordRejectedError(
        `record of ${bytes} bytes (data + partition key) exceeds Kinesis' 1 MiB`,
      );
    }
    return {
      data,
      partitionKey,
      explicitHashKey,
      hashKey:
        this.aggregate || this.rateLimit ? this.hashKeys.of(partitionKey, explicitHashKey) : 0n,
      bytes,
      attempts: 0,
      putAt: 0,
      resolve: () => {},
      reject: () => {},
    };
  }

  protected enqueue(record: UserRecord): void {
    this.queue.push(record);
    this.queueBytes += record.bytes;
    const full =
      this.queueBytes >= this.maxBatchBytes ||
      this.queue.length >= this.maxBatchRecords * (this.aggregate ? 8 : 1);
    this.schedule(full || this.closed ? 0 : this.lingerMs);
  }

  protected override requeue(records: UserRecord[]): void {
    super.requeue(records);
    this.queueBytes += records.reduce((n, r) => n + r.bytes, 0);
  }

  protected async drain(): Promise<void> {
    if (this.draining) {
      this.drainAgain = true;
      return;
    }
    this.draining = true;
    try {
      do {
        this.drainAgain = false;
        if (this.aggregate || this.rateLimit) await this.ensureShardMap();
        while (this.inflightRequests < this.maxConcurrent && this.queue.length > 0) {
          const batch = this.buildBatch();
          if (batch.entries.length === 0) {
            // Everything left waits for a shard's tokens or a key's in-flight record.
            if (batch.waitMs > 0) this.schedule(batch.waitMs);
            break;
          }
          void this.send(batch.entries);
        }
      } while (this.drainAgain);
    } finally {
      this.draining = false;
    }
  }

  private async ensureShardMap(): Promise<void> {
    const fresh =
      this.shardMap !== undefined &&
      !this.shardMapStale &&
      Date.now() - this.shardMap.loadedAt < this.shardMapMaxAgeMs;
    if (fresh || performance.now() < this.shardMapRetryAt) return;
    this.shardMapLoading ??= this.loadShardMap().finally(() => {
      this.shardMapLoading = undefined;
    });
    try {
      await this.shardMapLoading;
    } catch {
      // Without a map, records still go out (plain, unpaced); try again in a second.
      this.shardMapStale = true;
      this.shardMapRetryAt = performance.now() + 1000;
    }
  }

  private async loadShardMap(): Promise<void> {
    const shards: NonNullable<ListShardsCommandOutput['Shards']> = [];
    let nextToken: string | undefined;
    do {
      const out = (await this.client.send(
        new ListShardsCommand(
          nextToken ? { NextToken: nextToken } : { StreamName: this.streamName },
        ),
      )) as ListShardsCommandOutput;
      shards.push(...(out.Shards ?? []));
      nextToken = out.NextToken;
    } while (nextToken);
    this.shardMap = shardMapFrom(shards);
    this.shardMapStale = false;
    this.kinesisCounters.shardMapRefreshes++;
  }

  private bucketOf(shardId: string): { bytes: TokenBucket; records: TokenBucket } {
    let b = this.buckets.get(shardId);
    if (b === undefined) {
      b = {
        bytes: new TokenBucket(
          KINESIS_LIMITS.shardBytesPerSecond,
          KINESIS_LIMITS.shardBytesPerSecond,
        ),
        records: new TokenBucket(
          KINESIS_LIMITS.shardRecordsPerSecond,
          KINESIS_LIMITS.shardRecordsPerSecond,
        ),
      };
      this.buckets.set(shardId, b);
    }
    return b;
  }

  /**
   * Takes records off the queue into at most one call's worth of entries. Records that must wait
   * (their shard is out of tokens, their key has a record in flight) stay queued in order; once a
   * shard or key is skipped, all its later records are too, so per-shard order is kept.
   */
  private buildBatch(): { entries: Entry[]; waitMs: number } {
    const entries: Entry[] = [];
    let bytes = 0;
    let waitMs = Number.POSITIVE_INFINITY;
    const blockedShards = new Set<string>();
    const batchKeys = new Set<string>();
    const open = new Map<string, { agg: KplAggregator; records: UserRecord[]; shard: string }>();
    let openBytes = 0;
    const keep: UserRecord[] = [];
    const map = this.shardMap;
    let stop = false;

    const closeAggregate = (key: string): void => {
      const o = open.get(key);
      if (o === undefined) return;
      open.delete(key);
      openBytes -= o.agg.size;
      const first = o.records[0] as UserRecord;
      if (o.records.length === 1) {
        entries.push(plainEntry(first, o.shard));
        bytes += first.bytes;
      } else {
        const data = o.agg.build();
        entries.push({
          records: o.records,
          aggregated: true,
          data,
          partitionKey: first.partitionKey,
          explicitHashKey: first.explicitHashKey,
          predictedShard: o.shard,
        });
        bytes += data.length + Buffer.byteLength(first.partitionKey, 'utf8');
      }
    };

    const queue = this.queue;
    let i = 0;
    for (; i < queue.length && !stop; i++) {
      const r = queue[i] as UserRecord;
      const shard = map?.shardOf(r.hashKey);
      const shardKey = shard ?? '?';
      if (blockedShards.has(shardKey)) {
        keep.push(r);
        continue;
      }
      if (
        this.ordered &&
        (this.lockedKeys.has(r.partitionKey) ||
          (this.strictOrder &&
            !(this.aggregate && shard !== undefined) &&
            batchKeys.has(r.partitionKey)))
      ) {
        keep.push(r);
        continue;
      }
      // Without a shard map, records cannot be grouped by shard: they go out plain.
      const aggregate = this.aggregate && shard !== undefined;
      const o = aggregate ? open.get(shardKey) : undefined;
      // Pace the shard: bytes per user record, one Kinesis record per entry (or per aggregate).
      if (this.rateLimit && shard !== undefined) {
        const b = this.bucketOf(shard);
        const needRecord = o === undefined;
        if ((needRecord && !b.records.tryTake(1)) || !b.bytes.tryTake(r.bytes)) {
          waitMs = Math.min(
            waitMs,
            Math.max(1, b.bytes.waitMs(r.bytes), needRecord ? b.records.waitMs(1) : 0),
          );
          blockedShards.add(shardKey);
          keep.push(r);
          continue;
        }
      }
      if (aggregate) {
        if (o !== undefined) {
          const before = o.agg.size;
          if (bytes + openBytes + r.bytes + 64 > this.maxBatchBytes) {
            stop = true;
            keep.push(r);
            continue;
          }
          if (o.agg.add(toKpl(r))) {
            o.records.push(r);
            openBytes += o.agg.size - before;
            batchKeys.add(r.partitionKey);
            continue;
          }
          closeAggregate(shardKey);
          if (this.ordered) {
            // One aggregate per shard per call keeps a key's records in a single entry.
            blockedShards.add(shardKey);
            keep.push(r);
            continue;
          }
        }
        if (
          entries.length + open.size >= this.maxBatchRecords ||
          bytes + openBytes + r.bytes + 64 > this.maxBatchBytes
        ) {
          stop = true;
          keep.push(r);
          continue;
        }
        const agg = new KplAggregator(
          this.aggregateMaxBytes !== undefined ? { maxBytes: this.aggregateMaxBytes } : undefined,
        );
        if (agg.add(toKpl(r))) {
          open.set(shardKey, { agg, records: [r], shard: shardKey });
          openBytes += agg.size;
        } else {
          // Too big to aggregate even alone: plain.
          entries.push(plainEntry(r, shard));
          bytes += r.bytes;
        }
        batchKeys.add(r.partitionKey);
        continue;
      }
      if (entries.length >= this.maxBatchRecords || bytes + r.bytes > this.maxBatchBytes) {
        stop = true;
        keep.push(r);
        continue;
      }
      entries.push(plainEntry(r, shard));
      bytes += r.bytes;
      batchKeys.add(r.partitionKey);
    }
    for (const key of [...open.keys()]) closeAggregate(key);
    this.queue = i < queue.length ? keep.concat(queue.slice(i)) : keep;
    this.queueBytes = keep.reduce((n, r) => n + r.bytes, 0);
    if (this.queue.length > 0 && stop) waitMs = 0;
    return {
      entries,
      waitMs: Number.isFinite(waitMs) ? waitMs : this.queue.length > 0 ? this.lingerMs : 0,
    };
  }

  private lock(entry: Entry): void {
    if (!this.ordered) return;
    for (const r of entry.records)
      this.lockedKeys.set(r.partitionKey, (this.lockedKeys.get(r.partitionKey) ?? 0) + 1);
  }

  private unlock(entry: Entry): void {
    if (!this.ordered) return;
    for (const r of entry.records) {
      const n = (this.lockedKeys.get(r.partitionKey) ?? 1) - 1;
      if (n <= 0) this.lockedKeys.delete(r.partitionKey);
      else this.lockedKeys.set(r.partitionKey, n);
    }
  }

  private async send(entries: Entry[]): Promise<void> {
    this.inflightRequests++;
    this.counters.requests++;
    for (const e of entries) {
      this.lock(e);
      this.startAttempt(e.records);
    }
    const request: PutRecordsRequestEntry[] = entries.map((e) =>
      e.explicitHashKey !== undefined
        ? { Data: e.data, PartitionKey: e.partitionKey, ExplicitHashKey: e.explicitHashKey }
        : { Data: e.data, PartitionKey: e.partitionKey },
    );
    const retry: { entry: Entry; code: string; message: string }[] = [];
    try {
      let out: PutRecordsCommandOutput;
      try {
        out = (await this.client.send(
          new PutRecordsCommand({ StreamName: this.streamName, Records: request }),
        )) as PutRecordsCommandOutput;
      } catch (err) {
        const name = errorName(err);
        if (isRetryable(err)) {
          if (name.includes('Throughput') || name.includes('Throttl'))
            this.kinesisCounters.throttled++;
          for (const e of entries) retry.push({ entry: e, code: name, message: errorMessage(err) });
        } else {
          for (const e of entries) {
            this.unlock(e);
            this.rejectAll(e.records, err);
          }
        }
        return;
      }
      const results = out.Records ?? [];
      entries.forEach((e, i) => {
        const res = results[i];
        if (res === undefined) {
          retry.push({
            entry: e,
            code: 'MissingResult',
            message: 'PutRecords returned fewer results than records',
          });
          return;
        }
        if (res.ErrorCode) {
          if (res.ErrorCode === 'ProvisionedThroughputExceededException') {
            this.kinesisCounters.throttled++;
            if (e.predictedShard !== undefined && e.predictedShard !== '?')
              this.bucketOf(e.predictedShard).bytes.drain();
          }
          retry.push({ entry: e, code: res.ErrorCode, message: res.ErrorMessage ?? '' });
          return;
        }
        // A record landing elsewhere than predicted means the map is out of date (resharding).
        if (
          e.predictedShard !== undefined &&
          e.predictedShard !== '?' &&
          res.ShardId !== e.predictedShard
        ) {
          this.shardMapStale = true;
        }
        this.unlock(e);
        this.kinesisCounters.kinesisRecords++;
        e.records.forEach((r, sub) => {
          const result: PutResult = {
            shardId: res.ShardId ?? '',
            sequenceNumber: res.SequenceNumber ?? '',
            attempts: r.attempts,
          };
          if (e.aggregated) result.subSequenceNumber = sub;
          r.resolve(result);
        });
      });
    } finally {
      this.inflightRequests--;
      if (retry.length > 0) this.scheduleRetry(retry);
      if (this.queue.length > 0) this.schedule(0);
    }
  }

  /**
   * Rejects records out of attempts, then backs off and puts the others back at the head of the
   * queue (they were first). Their keys stay locked during the backoff so that no later record of
   * theirs overtakes.
   */
  private scheduleRetry(failed: { entry: Entry; code: string; message: string }[]): void {
    const again: UserRecord[] = [];
    const toUnlock: Entry[] = [];
    let maxAttempt = 1;
    for (const { entry, code, message } of failed) {
      const triaged = this.triage(
        entry.records.map((record): FailedRecord<UserRecord> => ({ record, code, message })),
      );
      again.push(...triaged.again);
      maxAttempt = Math.max(maxAttempt, triaged.maxAttempt);
      const released = entry.records.filter((r) => !triaged.again.includes(r));
      if (released.length > 0) this.unlock({ ...entry, records: released });
      if (triaged.again.length > 0) toUnlock.push({ ...entry, records: triaged.again });
    }
    if (again.length === 0) return;
    this.retryLater(again, maxAttempt, () => {
      for (const e of toUnlock) this.unlock(e);
    });
  }
}

function plainEntry(r: UserRecord, shard: string | undefined): Entry {
  return {
    records: [r],
    aggregated: false,
    data: r.data,
    partitionKey: r.partitionKey,
    explicitHashKey: r.explicitHashKey,
    predictedShard: shard,
  };
}

function toKpl(r: UserRecord): {
  partitionKey: string;
  data: Uint8Array;
  explicitHashKey?: string;
} {
  return r.explicitHashKey !== undefined
    ? { partitionKey: r.partitionKey, data: r.data, explicitHashKey: r.explicitHashKey }
    : { partitionKey: r.partitionKey, data: r.data };
}
