import { createHash, randomUUID } from 'node:crypto';
import { type KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import type { StreamEventSettings } from '../config/functions.js';
import type { InvokeOutcome } from '../runtime/container.js';
import type { ShardReader } from './reader.js';
import {
  compareSequence,
  eventRecordSize,
  type FailureCondition,
  type FailureSink,
  type KinesisFailureRecord,
  kinesisEventRecord,
  MAX_PAYLOAD_BYTES,
  type PolledRecord,
} from './records.js';
import {
  iteratorShardSource,
  type ShardCursor,
  type ShardPage,
  type ShardSource,
  type StartPosition,
} from './source.js';

/** What an event source mapping needs. */
export interface EventSourceMappingOptions {
  readonly functionName: string;
  readonly functionArn: string;
  readonly settings: StreamEventSettings;
  /** Invoke the function with an event (a container's `invoke`). */
  readonly invoke: (event: unknown) => Promise<InvokeOutcome>;
  readonly kinesis: KinesisClient;
  /**
   * How shards are read (GetRecords). Default: through `kinesis` (the SDK). The pipeline passes
   * `localJsonShardReader` for its own kinesalite, which keeps the data base64 end to end.
   */
  readonly reader?: ShardReader;
  /**
   * Where shards are read from (default: an iterator per shard through `reader`). The pipeline
   * passes one `SharedShardSource` to every mapping, so each shard is read once for all of them.
   */
  readonly source?: ShardSource;
  readonly region?: string;
  readonly failureSink?: FailureSink;
  /** Idle poll interval per shard (Lambda: about 1 s). Default 1000. */
  readonly pollIntervalMs?: number;
  /** Pause before retrying a failed batch, by retry number (default 100 ms × 2^n, ≤ 2 s). */
  readonly retryDelayMs?: (retry: number) => number;
  /** Chaos: probability that a successful batch is delivered once more (at-least-once). */
  readonly redeliveryProbability?: number;
  readonly random?: () => number;
  /** Notable happenings (retries, bisections, discards), for `--verbose`. */
  readonly onNotice?: (message: string) => void;
}

/** Counters of one mapping. */
export interface MappingStats {
  invocations: number;
  /** Records checkpointed (the function succeeded on them). */
  recordsProcessed: number;
  /** Records sent to the on-failure destination (or dropped without one). */
  recordsDiscarded: number;
  retries: number;
  bisections: number;
  functionErrors: number;
  partialFailures: number;
  redeliveries: number;
  /** Records read from the stream. */
  recordsRead: number;
  /** Age of the last record of the last batch when it was invoked (Lambda's IteratorAge). */
  iteratorAgeMs: number;
  /** Highest iterator age seen. */
  maxIteratorAgeMs: number;
  /** Tumbling windows finished (final invocation succeeded). */
  windowsClosed: number;
}

interface Lane {
  readonly index: number;
  queue: PolledRecord[];
  bytes: number;
  busy: boolean;
  window?: { start: number; end: number; state: Record<string, unknown> };
}

interface ShardState {
  readonly shardId: string;
  /** Closed, read to its end and every record settled: its children may start. */
  finished: boolean;
  readonly cursor: ShardCursor;
  /** The shard is closed and read to its end. */
  closed: boolean;
  lanes: Lane[];
  caughtUp: boolean;
  /** Highest sequence number checkpointed per lane (order checks, resumption). */
  checkpoint: string | undefined;
}

type Verdict =
  | { kind: 'success'; state?: Record<string, unknown> }
  | { kind: 'partial'; index: number }
  | { kind: 'error'; message: string };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A mapping's counters before its first poll (Kinesis and Kafka mappings count alike). */
export function emptyMappingStats(): MappingStats {
  return {
    invocations: 0,
    recordsProcessed: 0,
    recordsDiscarded: 0,
    retries: 0,
    bisections: 0,
    functionErrors: 0,
    partialFailures: 0,
    redeliveries: 0,
    recordsRead: 0,
    iteratorAgeMs: 0,
    maxIteratorAgeMs: 0,
    windowsClosed: 0,
  };
}

/**
 * Emulates a Lambda event source mapping on a Kinesis stream: polls every shard, batches by size,
 * payload and batching window, keeps order per shard (per partition key across the concurrent
 * batches of a parallelization factor), honours ReportBatchItemFailures (checkpoint at the lowest
 * failed sequence number), bisects failed batches, bounds retries and record age, and writes the
 * on-failure invocation record AWS writes. Tumbling windows when the settings ask for them.
 * @example
 * const esm = new EventSourceMapping({ functionName, functionArn, settings, invoke, kinesis });
 * await esm.start(); ... await esm.drain(30_000); await esm.stop();
 */
export class EventSourceMapping {
  readonly stats: MappingStats = emptyMappingStats();
  private readonly shards: ShardState[] = [];
  private readonly loops: Promise<void>[] = [];
  private stopped = false;
  private draining = false;
  private readonly region: string;
  private readonly invokeIdentityArn: string;
  private readonly random: () => number;
  private readonly source: ShardSource;

  constructor(private readonly options: EventSourceMappingOptions) {
    this.region = options.region ?? 'us-east-1';
    this.source = options.source ?? iteratorShardSource(options.kinesis, options.reader);
    this.invokeIdentityArn = `arn:aws:iam::000000000000:role/${options.functionName}-role`;
    this.random = options.random ?? Math.random;
  }

  /** The mapping's settings (from the function's `stream` event). */
  get settings(): StreamEventSettings {
    return this.options.settings;
  }

  /** Shards known from ListShards: id → parents (ParentShardId, AdjacentParentShardId). */
  private readonly known = new Map<string, string[]>();
  private readonly started = new Set<string>();

  /**
   * Discover the shards, get their iterators, start polling and invoking. After resharding a
   * child shard starts only once its parents are read to their end and every record of them is
   * settled (as Lambda does), so that records of a partition key stay in order across a split
   * or a merge.
   */
  async start(): Promise<void> {
    await this.discover();
  }

  private async listShards(): Promise<void> {
    const { settings, kinesis } = this.options;
    let token: string | undefined;
    do {
      const page = await kinesis.send(
        new ListShardsCommand(token ? { NextToken: token } : { StreamName: settings.streamName }),
      );
      for (const shard of page.Shards ?? []) {
        if (!shard.ShardId) continue;
        const parents = [shard.ParentShardId, shard.AdjacentParentShardId].filter(
          (p): p is string => typeof p === 'string',
        );
        this.known.set(shard.ShardId, parents);
      }
      token = page.NextToken;
    } while (token);
  }

  /** List the shards and start every one whose parents (those still listed) have finished. */
  private async discover(): Promise<void> {
    await this.listShards();
    const finished = new Set(this.shards.filter((s) => s.finished).map((s) => s.shardId));
    for (const [shardId, parents] of this.known) {
      if (this.started.has(shardId)) continue;
      const waiting = parents.some((p) => this.known.has(p) && !finished.has(p));
      if (waiting) continue;
      // A child of a shard this mapping read starts at its beginning, whatever the position.
      const isChild = parents.some((p) => this.started.has(p));
      await this.startShard(shardId, isChild);
    }
  }

  private async startShard(shardId: string, fromStart: boolean): Promise<void> {
    const { settings } = this.options;
    this.started.add(shardId);
    const cursor = await this.source.open(settings.streamName, shardId, this.startOf(fromStart));
    const lanes: Lane[] = [];
    for (let i = 0; i < Math.max(1, settings.parallelizationFactor); i++) {
      lanes.push({ index: i, queue: [], bytes: 0, busy: false });
    }
    const shard: ShardState = {
      shardId,
      finished: false,
      cursor,
      closed: false,
      lanes,
      caughtUp: false,
      checkpoint: undefined,
    };
    this.shards.push(shard);
    this.loops.push(this.pollLoop(shard));
    for (const lane of lanes) this.loops.push(this.laneLoop(shard, lane));
  }

  /** Where a shard starts: the mapping's starting position, or the beginning of a child shard. */
  private startOf(fromStart: boolean): StartPosition {
    const { settings } = this.options;
    if (fromStart || settings.startingPosition === 'TRIM_HORIZON') return { type: 'TRIM_HORIZON' };
    if (settings.startingPosition === 'AT_TIMESTAMP') {
      return {
        type: 'AT_TIMESTAMP',
        timestampMs: (settings.startingPositionTimestamp ?? 0) * 1000,
      };
    }
    return { type: 'LATEST' };
  }

  private queuedIn(shard: ShardState): number {
    let n = 0;
    for (const lane of shard.lanes) n += lane.queue.length;
    return n;
  }

  private laneOf(shard: ShardState, partitionKey: string): Lane {
    if (shard.lanes.length === 1) return shard.lanes[0] as Lane;
    const digest = createHash('md5').update(partitionKey).digest();
    return shard.lanes[digest.readUInt32BE(0) % shard.lanes.length] as Lane;
  }

  private async pollLoop(shard: ShardState): Promise<void> {
    const { settings } = this.options;
    const idleMs = this.options.pollIntervalMs ?? 1000;
    const highWater = Math.max(10_000, 4 * settings.batchSize * shard.lanes.length);
    const arnLength = settings.streamArn.length;
    while (!this.stopped) {
      if (this.queuedIn(shard) >= highWater) {
        await sleep(20);
        continue;
      }
      if (shard.closed) {
        // Closed shard (after resharding), read to its end: once every record read from it is
        // settled, its children may start.
        shard.caughtUp = true;
        if (!shard.finished && shard.lanes.every((l) => l.queue.length === 0 && !l.busy)) {
          shard.finished = true;
          await this.discover().catch((error: unknown) => {
            shard.finished = false;
            this.options.onNotice?.(
              `ListShards ${this.options.settings.streamName}: ${String(error)}`,
            );
          });
        }
        await sleep(idleMs);
        continue;
      }
      let result: ShardPage;
      try {
        result = await shard.cursor.read(10_000);
      } catch (error) {
        if (this.stopped) return;
        // An expired iterator is replaced by the cursor (after its last record).
        const name = (error as Error).name;
        if (name !== 'ExpiredIteratorException') {
          this.options.onNotice?.(`GetRecords ${shard.shardId}: ${name}`);
        }
        await sleep(idleMs);
        continue;
      }
      shard.closed = result.closed;
      const records = result.records;
      const now = Date.now();
      for (const r of records) {
        const { data, partitionKey } = r;
        const polled: PolledRecord = {
          shardId: shard.shardId,
          sequenceNumber: r.sequenceNumber,
          partitionKey,
          data,
          arrivalMs: r.arrivalMs ?? now,
          fetchedAt: now,
          size: eventRecordSize(data, partitionKey, arnLength),
        };
        const lane = this.laneOf(shard, partitionKey);
        lane.queue.push(polled);
        lane.bytes += polled.size;
      }
      this.stats.recordsRead += records.length;
      shard.caughtUp = records.length === 0 && result.millisBehindLatest === 0;
      if (records.length === 0) await sleep(idleMs);
    }
  }

  private windowStartOf(record: PolledRecord): number {
    const size = this.options.settings.tumblingWindowInSeconds * 1000;
    return Math.floor(record.arrivalMs / size) * size;
  }

  private ready(lane: Lane): boolean {
    const first = lane.queue[0];
    if (!first) return false;
    const { batchSize, batchWindowSeconds } = this.options.settings;
    return (
      this.draining ||
      lane.queue.length >= batchSize ||
      lane.bytes >= MAX_PAYLOAD_BYTES ||
      Date.now() - first.fetchedAt >= batchWindowSeconds * 1000
    );
  }

  private take(lane: Lane): PolledRecord[] {
    const { batchSize, tumblingWindowInSeconds } = this.options.settings;
    const batch: PolledRecord[] = [];
    let bytes = 0;
    const window =
      tumblingWindowInSeconds > 0 && lane.queue[0] ? this.windowStartOf(lane.queue[0]) : 0;
    for (const record of lane.queue) {
      if (batch.length >= batchSize) break;
      if (batch.length > 0 && bytes + record.size > MAX_PAYLOAD_BYTES) break;
      if (tumblingWindowInSeconds > 0 && this.windowStartOf(record) !== window) break;
      batch.push(record);
      bytes += record.size;
    }
    lane.queue.splice(0, batch.length);
    lane.bytes -= bytes;
    return batch;
  }

  private async laneLoop(shard: ShardState, lane: Lane): Promise<void> {
    const tumbling = this.options.settings.tumblingWindowInSeconds > 0;
    while (!this.stopped) {
      if (tumbling && lane.window) {
        const next = lane.queue[0];
        const ended = next
          ? this.windowStartOf(next) !== lane.window.start
          : Date.now() >= lane.window.end;
        if (ended) {
          lane.busy = true;
          await this.finishWindow(shard, lane);
          lane.busy = false;
          continue;
        }
      }
      if (!this.ready(lane)) {
        await sleep(this.draining ? 5 : 20);
        continue;
      }
      lane.busy = true;
      const batch = this.take(lane);
      if (tumbling && !lane.window && batch[0]) {
        const start = this.windowStartOf(batch[0]);
        lane.window = {
          start,
          end: start + this.options.settings.tumblingWindowInSeconds * 1000,
          state: {},
        };
      }
      try {
        await this.runBatch(shard, lane, batch);
      } finally {
        lane.busy = false;
      }
    }
  }

  private buildEvent(
    shard: ShardState,
    lane: Lane,
    records: readonly PolledRecord[],
    final = false,
  ) {
    const { settings } = this.options;
    const event: Record<string, unknown> = {
      Records: records.map((r) =>
        kinesisEventRecord(r, settings.streamArn, this.region, this.invokeIdentityArn),
      ),
    };
    if (settings.tumblingWindowInSeconds > 0 && lane.window) {
      event.window = {
        start: new Date(lane.window.start).toISOString(),
        end: new Date(lane.window.end).toISOString(),
      };
      event.state = lane.window.state;
      event.shardId = shard.shardId;
      event.eventSourceARN = settings.streamArn;
      event.isFinalInvokeForWindow = final;
      event.isWindowTerminatedEarly = false;
    }
    return event;
  }

  /** AWS's reading of a response: success, a partial failure at an index, or a failed batch. */
  private judge(outcome: InvokeOutcome, records: readonly PolledRecord[]): Verdict {
    if (!outcome.ok)
      return { kind: 'error', message: `${outcome.errorType}: ${outcome.errorMessage}` };
    const value = outcome.value as Record<string, unknown> | null;
    const state =
      value && typeof value === 'object' && value.state && typeof value.state === 'object'
        ? (value.state as Record<string, unknown>)
        : undefined;
    if (!this.options.settings.reportBatchItemFailures)
      return { kind: 'success', ...(state ? { state } : {}) };
    if (value === null || value === undefined || typeof value !== 'object') {
      return { kind: 'success', ...(state ? { state } : {}) };
    }
    const failures = value.batchItemFailures;
    if (failures === null || failures === undefined)
      return { kind: 'success', ...(state ? { state } : {}) };
    if (!Array.isArray(failures)) return { kind: 'error', message: 'invalid batchItemFailures' };
    if (failures.length === 0) return { kind: 'success', ...(state ? { state } : {}) };
    let lowest = -1;
    for (const failure of failures) {
      const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
      if (typeof id !== 'string' || id.length === 0) {
        return { kind: 'error', message: 'batchItemFailures entry without itemIdentifier' };
      }
      const index = records.findIndex((r) => r.sequenceNumber === id);
      if (index < 0) return { kind: 'error', message: `unknown itemIdentifier ${id}` };
      if (lowest < 0 || compareSequence(id, (records[lowest] as PolledRecord).sequenceNumber) < 0) {
        lowest = index;
      }
    }
    return { kind: 'partial', index: lowest };
  }

  private checkpoint(shard: ShardState, records: readonly PolledRecord[]): void {
    const last = records[records.length - 1];
    if (!last) return;
    this.stats.recordsProcessed += records.length;
    if (!shard.checkpoint || compareSequence(last.sequenceNumber, shard.checkpoint) > 0) {
      shard.checkpoint = last.sequenceNumber;
    }
  }

  private async discard(
    shard: ShardState,
    records: readonly PolledRecord[],
    condition: FailureCondition,
    invokeCount: number,
    lastError: boolean,
  ): Promise<void> {
    const first = records[0];
    const last = records[records.length - 1];
    if (!first || !last) return;
    this.stats.recordsDiscarded += records.length;
    const { settings, failureSink, functionArn } = this.options;
    this.options.onNotice?.(
      `${this.options.functionName}: ${records.length} record(s) of ${shard.shardId} discarded (${condition}) ${first.sequenceNumber}..${last.sequenceNumber}`,
    );
    if (!settings.onFailureArn || !failureSink) return;
    const record: KinesisFailureRecord = {
      requestContext: {
        requestId: randomUUID(),
        functionArn,
        condition,
        approximateInvokeCount: invokeCount,
      },
      responseContext: {
        statusCode: 200,
        executedVersion: '$LATEST',
        ...(lastError ? { functionError: 'Unhandled' } : {}),
      },
      version: '1.0',
      timestamp: new Date().toISOString(),
      KinesisBatchInfo: {
        shardId: shard.shardId,
        startSequenceNumber: first.sequenceNumber,
        endSequenceNumber: last.sequenceNumber,
        approximateArrivalOfFirstRecord: new Date(first.arrivalMs).toISOString(),
        approximateArrivalOfLastRecord: new Date(last.arrivalMs).toISOString(),
        batchSize: records.length,
        streamArn: settings.streamArn,
      },
    };
    await failureSink.write(settings.onFailureArn, record);
  }

  private async invoke(shard: ShardState, lane: Lane, records: readonly PolledRecord[]) {
    this.stats.invocations++;
    const last = records[records.length - 1];
    if (last) {
      this.stats.iteratorAgeMs = Math.max(0, Date.now() - last.arrivalMs);
      this.stats.maxIteratorAgeMs = Math.max(this.stats.maxIteratorAgeMs, this.stats.iteratorAgeMs);
    }
    return this.options.invoke(this.buildEvent(shard, lane, records));
  }

  /**
   * One batch until every record is either checkpointed or discarded. Bisection splits a failed
   * batch in halves without counting a retry; a partial failure checkpoints the records before
   * the lowest reported one and retries from it (bisecting when it is the first record, so a
   * poison record ends alone at the destination instead of taking later good records with it).
   */
  private async runBatch(shard: ShardState, lane: Lane, batch: PolledRecord[]): Promise<void> {
    const { settings } = this.options;
    const delay = this.options.retryDelayMs ?? ((n: number) => Math.min(2000, 100 * 2 ** n));
    const work: { records: PolledRecord[]; retries: number; invokes: number }[] = [
      { records: batch, retries: 0, invokes: 0 },
    ];
    while (work.length > 0) {
      if (this.stopped) return;
      const item = work[0] as (typeof work)[number];
      if (settings.maximumRecordAgeInSeconds >= 0) {
        const limit = Date.now() - settings.maximumRecordAgeInSeconds * 1000;
        const expired = item.records.findIndex((r) => r.arrivalMs >= limit);
        const count = expired < 0 ? item.records.length : expired;
        if (count > 0) {
          await this.discard(
            shard,
            item.records.slice(0, count),
            'RecordAgeExceeded',
            item.invokes,
            false,
          );
          item.records = item.records.slice(count);
          if (item.records.length === 0) {
            work.shift();
            continue;
          }
        }
      }
      const outcome = await this.invoke(shard, lane, item.records);
      item.invokes++;
      const verdict = this.judge(outcome, item.records);
      if (verdict.kind === 'success') {
        if (verdict.state && lane.window) lane.window.state = verdict.state;
        this.checkpoint(shard, item.records);
        work.shift();
        const p = this.options.redeliveryProbability ?? 0;
        if (p > 0 && this.random() < p) {
          this.stats.redeliveries++;
          await this.invoke(shard, lane, item.records);
        }
        continue;
      }
      let failedFrom = 0;
      if (verdict.kind === 'partial') {
        this.stats.partialFailures++;
        failedFrom = verdict.index;
        if (failedFrom > 0) {
          this.checkpoint(shard, item.records.slice(0, failedFrom));
          item.records = item.records.slice(failedFrom);
        }
      } else {
        this.stats.functionErrors++;
        this.options.onNotice?.(`${this.options.functionName}: ${verdict.message}`);
      }
      if (settings.bisectBatchOnFunctionError && item.records.length > 1 && failedFrom === 0) {
        this.stats.bisections++;
        const half = Math.ceil(item.records.length / 2);
        work.splice(
          0,
          1,
          { records: item.records.slice(0, half), retries: item.retries, invokes: item.invokes },
          { records: item.records.slice(half), retries: item.retries, invokes: item.invokes },
        );
        continue;
      }
      if (failedFrom > 0) continue;
      if (settings.maximumRetryAttempts >= 0 && item.retries >= settings.maximumRetryAttempts) {
        await this.discard(
          shard,
          item.records,
          'RetryAttemptsExhausted',
          item.invokes,
          verdict.kind === 'error',
        );
        work.shift();
        continue;
      }
      item.retries++;
      this.stats.retries++;
      await sleep(delay(item.retries - 1));
    }
  }

  private async finishWindow(shard: ShardState, lane: Lane): Promise<void> {
    const window = lane.window;
    if (!window) return;
    // The final invocation of a window runs until it succeeds.
    for (let attempt = 0; !this.stopped; attempt++) {
      this.stats.invocations++;
      const outcome = await this.options.invoke(this.buildEvent(shard, lane, [], true));
      if (outcome.ok) break;
      this.stats.functionErrors++;
      await sleep(Math.min(2000, 100 * 2 ** attempt));
    }
    this.stats.windowsClosed++;
    lane.window = undefined;
  }

  /** True when every shard is read to its end and every read record is settled. */
  isIdle(): boolean {
    const finished = new Set(this.shards.filter((s) => s.finished).map((s) => s.shardId));
    const startable = [...this.known].some(
      ([id, parents]) =>
        !this.started.has(id) && parents.every((p) => !this.known.has(p) || finished.has(p)),
    );
    if (startable) return false;
    return this.shards.every(
      (shard) =>
        shard.caughtUp && shard.lanes.every((lane) => lane.queue.length === 0 && !lane.busy),
    );
  }

  /** Records read but not yet settled (queued or in flight). */
  backlog(): number {
    let n = 0;
    for (const shard of this.shards) n += this.queuedIn(shard);
    return n;
  }

  /** Stop waiting for batching windows and wait until everything read so far is settled. */
  async drain(timeoutMs: number): Promise<boolean> {
    this.draining = true;
    const deadline = Date.now() + timeoutMs;
    let idleChecks = 0;
    while (Date.now() < deadline) {
      idleChecks = this.isIdle() ? idleChecks + 1 : 0;
      if (idleChecks >= 3) return true;
      await sleep(Math.max(50, (this.options.pollIntervalMs ?? 1000) / 2));
    }
    return false;
  }

  /** Stop polling and invoking (in-flight invocations finish on their own). */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled(this.loops);
    for (const shard of this.shards) shard.cursor.close();
  }
}
