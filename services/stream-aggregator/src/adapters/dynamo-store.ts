import { randomUUID } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type RetryOptions, retryWithBackoff } from '@streamlens/lambda-kit';
import { decodeDelta, encodeDelta } from '../domain/delta-codec.js';
import { fnv1a } from '../domain/hash.js';
import type {
  Checkpoint,
  Delta,
  DirtyMarker,
  FlushState,
  MetricsWindowEvent,
  StateStore,
  WindowDelta,
  WindowRef,
} from '../domain/types.js';
import { sortableMs } from '../domain/window.js';
import { StateStoreError } from '../errors.js';

/** Options of {@link DynamoStateStore}. */
export type DynamoStateStoreOptions = {
  stateTableName: string;
  /** The optional window table (a query store of each window's latest revision); off when unset. */
  windowTableName?: string | undefined;
  /** Dirty markers are spread over this many partition keys by window (write throughput per key). */
  markerBuckets: number;
  stateTtlSeconds: number;
  windowTtlSeconds: number;
  /**
   * How long a flush owns the marker buckets it leased (default 30 s; 0: no leases, every flush
   * reads every bucket). Only liveness depends on it: a crashed owner delays those windows by at
   * most this long; correctness rests on the conditional window and marker writes.
   */
  flushLeaseMs?: number;
  retry?: Omit<RetryOptions, 'deadline' | 'retryable'>;
  now?: () => number;
};

// Errors that a retry cannot fix.
const PERMANENT = new Set([
  'ValidationException',
  'ResourceNotFoundException',
  'AccessDeniedException',
  'IdempotentParameterMismatchException',
  'ConditionalCheckFailedException',
  'UnrecognizedClientException',
]);

type CancellationReason = { Code?: string };
type AwsError = Error & { CancellationReasons?: CancellationReason[] };

/** True for errors worth another attempt (throttling, conflicts, 5xx, network). */
export function isRetryable(error: unknown): boolean {
  const e = error as AwsError;
  if (!e || typeof e !== 'object') return false;
  if (e.name === 'TransactionCanceledException') {
    return !(e.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed');
  }
  return !PERMANENT.has(e.name);
}

export function isConditionFailure(error: unknown): boolean {
  const e = error as AwsError;
  if (e?.name === 'ConditionalCheckFailedException') return true;
  return (
    e?.name === 'TransactionCanceledException' &&
    (e.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed')
  );
}

/**
 * Retries a DynamoDB call (throttling, 5xx, network) with backoff until `deadlineMs`, the deadline
 * of the invocation that made it. A condition failure is rethrown as is (the caller decides);
 * anything else that outlasts the retries becomes a StateStoreError.
 */
export function retryDynamo<T>(
  fn: () => Promise<T>,
  deadlineMs: number,
  options?: Omit<RetryOptions, 'deadline' | 'retryable'>,
): Promise<T> {
  return retryWithBackoff(fn, {
    maxAttempts: 8,
    ...options,
    deadline: deadlineMs,
    retryable: isRetryable,
  }).catch((error: unknown) => {
    if (isConditionFailure(error)) throw error;
    throw new StateStoreError('DynamoDB call failed', { cause: error });
  });
}

/** Capacity units DynamoDB reported for this store's calls (ReturnConsumedCapacity TOTAL). */
export type ConsumedUnits = { read: number; write: number };

/** A flush-state shard larger than this (deflated) is refused: it would not fit in an item. */
const MAX_FLUSH_STATE_BYTES = 350_000;
/** Window items put at once by `putWindowItems`. */
const WINDOW_PUT_CONCURRENCY = 32;

type Consumed = { CapacityUnits?: number; ReadCapacityUnits?: number; WriteCapacityUnits?: number };

/**
 * The aggregator's state in DynamoDB (docs/aggregator-design.md). Two tables:
 * - state table (`pk`, `sk`, TTL `ttl`): lane chains `D#lane` (sk = version; each item a delta and
 *   the lane's checkpoint after it), window indexes `X#windowStart` (sk = lane, the set of the
 *   lane's delta versions holding events of the window), dirty markers `M#bucket`
 *   (sk = windowEnd#windowStart#lane), flush states `S#windowStart` (sk = shard), flush leases
 *   `F#bucket`;
 * - optionally, the window table (`series`, `windowStart`, TTL `ttl`): the latest revision of
 *   every window, a query store written after the events were sent (`putWindowItems`).
 * Every call asks for its consumed capacity; `consumed` sums it (the handler reports it as metrics).
 */
export class DynamoStateStore implements StateStore {
  private readonly now: () => number;
  /** This store's (container's) identity as a flush-lease owner. */
  private readonly owner = randomUUID();
  /** Marker buckets leased by each flush in progress, by the markers it was given. */
  private readonly leases = new WeakMap<readonly DirtyMarker[], number[]>();
  /** Flushes of this store in progress (Lambda: at most one per container). */
  private flushing = 0;
  /** Capacity units consumed so far, as DynamoDB reported them. */
  readonly consumed: ConsumedUnits = { read: 0, write: 0 };

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly opts: DynamoStateStoreOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** Retries `fn` until `deadlineMs`: the deadline of the invocation that made the call. */
  private retry<T>(fn: () => Promise<T>, deadlineMs: number): Promise<T> {
    return retryDynamo(fn, deadlineMs, this.opts.retry);
  }

  /** Sends a command (retried) and adds the capacity DynamoDB reports for it. */
  private async send<O = unknown>(
    make: () => { input: object },
    write: boolean,
    deadlineMs: number,
  ): Promise<O> {
    return this.retry(async () => {
      const cmd = make();
      (cmd.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL';
      const res = (await this.doc.send(cmd as never)) as {
        ConsumedCapacity?: Consumed | Consumed[];
      };
      const list = res.ConsumedCapacity;
      for (const c of Array.isArray(list) ? list : list ? [list] : []) {
        const r = c.ReadCapacityUnits ?? 0;
        const w = c.WriteCapacityUnits ?? 0;
        const only = r === 0 && w === 0 ? (c.CapacityUnits ?? 0) : 0;
        this.consumed.read += r + (write ? 0 : only);
        this.consumed.write += w + (write ? only : 0);
      }
      return res as O;
    }, deadlineMs);
  }

  private ttl(fromMs: number, seconds: number): number {
    return Math.floor(fromMs / 1000) + seconds;
  }

  async loadHeads(lanes: readonly string[], deadlineMs: number): Promise<Map<string, Checkpoint>> {
    const out = new Map<string, Checkpoint>();
    await Promise.all(
      lanes.map(async (lane) => {
        const res = await this.send<{ Items?: Record<string, unknown>[] }>(
          () =>
            new QueryCommand({
              TableName: this.opts.stateTableName,
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': `D#${lane}` },
              ProjectionExpression: 'sk, seq, #s, maxT',
              ExpressionAttributeNames: { '#s': 'sub' },
              ScanIndexForward: false,
              Limit: 1,
              ConsistentRead: true,
            }),
          false,
          deadlineMs,
        );
        const item = res.Items?.[0];
        if (item === undefined) return;
        out.set(lane, {
          lane,
          pos: { seq: String(item.seq), sub: Number(item.sub) },
          maxEventMs: item.maxT === undefined ? Number.NEGATIVE_INFINITY : Number(item.maxT),
          version: Number(item.sk),
        });
      }),
    );
    return out;
  }

  async markWindows(
    lane: string,
    version: number,
    windows: readonly WindowRef[],
    at: number,
    deadlineMs: number,
  ): Promise<void> {
    const table = this.opts.stateTableName;
    const ttl = this.ttl(this.now(), this.opts.stateTtlSeconds);
    await Promise.all(
      windows.flatMap((w) => [
        this.send(
          () =>
            new UpdateCommand({
              TableName: table,
              Key: { pk: `X#${w.windowStartMs}`, sk: lane },
              UpdateExpression: 'ADD vs :v SET #t = :ttl',
              ExpressionAttributeNames: { '#t': 'ttl' },
              ExpressionAttributeValues: { ':v': new Set([version]), ':ttl': ttl },
            }),
          true,
          deadlineMs,
        ),
        this.send(
          () =>
            new PutCommand({
              TableName: table,
              Item: {
                pk: `M#${bucketOf(String(w.windowStartMs), this.opts.markerBuckets)}`,
                sk: `${sortableMs(w.windowEndMs)}#${w.windowStartMs}#${lane}`,
                ws: w.windowStartMs,
                we: w.windowEndMs,
                lane,
                token: String(version),
                at,
                ttl,
              },
            }),
          true,
          deadlineMs,
        ),
      ]),
    );
  }

  async appendDelta(d: Delta, deadlineMs: number): Promise<'ok' | 'conflict'> {
    return this.conditionalPut(
      {
        TableName: this.opts.stateTableName,
        Item: {
          pk: `D#${d.lane}`,
          sk: versionKey(d.version),
          seq: d.pos.seq,
          sub: d.pos.sub,
          maxT: Number.isFinite(d.maxEventMs) ? d.maxEventMs : undefined,
          d: encodeDelta(d),
          ttl: this.ttl(this.now(), this.opts.stateTtlSeconds),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
      deadlineMs,
    );
  }

  /** A PutItem whose condition failure means "someone else wrote first": `conflict`. */
  private async conditionalPut(
    input: PutCommandInput,
    deadlineMs: number,
  ): Promise<'ok' | 'conflict'> {
    try {
      await this.send(() => new PutCommand(input), true, deadlineMs);
      return 'ok';
    } catch (error) {
      if (isConditionFailure(error)) return 'conflict';
      throw error;
    }
  }

  async windowDeltas(windowStartMs: number, deadlineMs: number): Promise<WindowDelta[]> {
    const index = await this.queryConsistent(
      {
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `X#${windowStartMs}` },
      },
      deadlineMs,
    );
    const keys: Array<Record<string, unknown>> = [];
    for (const item of index) {
      for (const v of (item.vs as Set<number> | undefined) ?? []) {
        keys.push({ pk: `D#${String(item.sk)}`, sk: versionKey(Number(v)) });
      }
    }
    const items = await this.batchGet(keys, deadlineMs);
    return items.map((item) => {
      const bytes = item.d as Uint8Array;
      return {
        lane: String(item.pk).slice(2),
        version: Number(item.sk),
        entries: () => decodeDelta(bytes, windowStartMs).entries,
      };
    });
  }

  /**
   * Dirty markers of the buckets this flush could lease whose window ended at or before the
   * watermark. Two shards finishing invocations at the same time would otherwise both merge,
   * store and send every closing window; with leases each bucket is flushed by one of them.
   */
  async dueMarkers(watermarkMs: number, limit: number, deadlineMs: number): Promise<DirtyMarker[]> {
    return this.leasedMarkers(`${sortableMs(watermarkMs)}#\uffff`, limit, deadlineMs);
  }

  async allMarkers(limit: number, deadlineMs: number): Promise<DirtyMarker[]> {
    return this.leasedMarkers('\uffff', limit, deadlineMs);
  }

  private async leasedMarkers(
    upper: string,
    limit: number,
    deadlineMs: number,
  ): Promise<DirtyMarker[]> {
    const buckets = await this.leaseBuckets(
      await this.bucketsWithMarkers(upper, deadlineMs),
      deadlineMs,
    );
    try {
      const perBucket = await Promise.all(
        buckets.map(async (b) => {
          const items = await this.queryConsistent(
            {
              KeyConditionExpression: 'pk = :pk AND sk <= :upper',
              ExpressionAttributeValues: { ':pk': `M#${b}`, ':upper': upper },
            },
            deadlineMs,
            limit,
          );
          return items.map(
            (item): DirtyMarker => ({
              windowStartMs: Number(item.ws),
              windowEndMs: Number(item.we),
              lane: String(item.lane),
              token: String(item.token),
              at: Number(item.at),
            }),
          );
        }),
      );
      const all = perBucket.flat();
      all.sort((a, b) => a.windowEndMs - b.windowEndMs);
      const due = all.slice(0, limit);
      this.leases.set(due, buckets);
      return due;
    } catch (error) {
      this.flushing--;
      await this.release(buckets, deadlineMs);
      throw error;
    }
  }

  /**
   * The marker buckets worth leasing: with leases on, those holding at least one marker up to
   * `upper` (one `Limit: 1` query each). Most flushes find nothing due (a window closes once per
   * window length, invocations come every few seconds): they then make no lease writes at all.
   * Only a hint: the leased buckets are read again after the lease. With leases off: every bucket.
   */
  private async bucketsWithMarkers(upper: string, deadlineMs: number): Promise<number[]> {
    const all = Array.from({ length: this.opts.markerBuckets }, (_, b) => b);
    if ((this.opts.flushLeaseMs ?? 30_000) <= 0) return all;
    const due = await Promise.all(
      all.map(async (b) => {
        const items = await this.queryConsistent(
          {
            KeyConditionExpression: 'pk = :pk AND sk <= :upper',
            ExpressionAttributeValues: { ':pk': `M#${b}`, ':upper': upper },
          },
          deadlineMs,
          1,
        );
        return items.length > 0;
      }),
    );
    return all.filter((b) => due[b]);
  }

  /**
   * Leases those of `wanted` that are free (all of `wanted` when leases are off) and counts this
   * flush as in progress (until `endFlush`, or the failure of the marker read). A failed lease
   * call fails the flush; buckets it did lease expire after `flushLeaseMs` (or return at our next
   * flush that wants them).
   */
  private async leaseBuckets(wanted: readonly number[], deadlineMs: number): Promise<number[]> {
    const leaseMs = this.opts.flushLeaseMs ?? 30_000;
    // With no flush of ours in progress, a lease we still hold was left by a flush of ours that
    // could not release it (e.g. it failed past the deadline): take it back at once.
    const mine = this.flushing === 0;
    this.flushing++;
    if (leaseMs <= 0) return [...wanted];
    const now = this.now();
    const lease = async (b: number): Promise<boolean> => {
      try {
        await this.send(
          () =>
            new UpdateCommand({
              TableName: this.opts.stateTableName,
              Key: { pk: `F#${b}`, sk: '-' },
              UpdateExpression: 'SET #o = :me, #u = :until',
              ConditionExpression: mine
                ? 'attribute_not_exists(#u) OR #u < :now OR #o = :me'
                : 'attribute_not_exists(#u) OR #u < :now',
              ExpressionAttributeNames: { '#o': 'owner', '#u': 'until' },
              ExpressionAttributeValues: {
                ':me': this.owner,
                ':until': now + leaseMs,
                ':now': now,
              },
            }),
          true,
          deadlineMs,
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    };
    try {
      const got = await Promise.all(wanted.map(lease));
      return wanted.filter((_, i) => got[i]);
    } catch (error) {
      this.flushing--;
      throw error;
    }
  }

  /** Releases the buckets leased for the flush that was given `due`. */
  async endFlush(due: readonly DirtyMarker[], deadlineMs: number): Promise<void> {
    const buckets = this.leases.get(due);
    if (buckets === undefined) return;
    this.leases.delete(due);
    this.flushing--;
    await this.release(buckets, deadlineMs);
  }

  /** Ends leases (conditional on still owning them). */
  private async release(buckets: readonly number[], deadlineMs: number): Promise<void> {
    if ((this.opts.flushLeaseMs ?? 30_000) <= 0) return;
    await Promise.all(
      buckets.map(async (b) => {
        try {
          await this.send(
            () =>
              new UpdateCommand({
                TableName: this.opts.stateTableName,
                Key: { pk: `F#${b}`, sk: '-' },
                UpdateExpression: 'SET #u = :zero',
                ConditionExpression: '#o = :me',
                ExpressionAttributeNames: { '#o': 'owner', '#u': 'until' },
                ExpressionAttributeValues: { ':me': this.owner, ':zero': 0 },
              }),
            true,
            deadlineMs,
          );
        } catch (error) {
          // Another flush took it over after it expired: nothing to release.
          if (!isConditionFailure(error)) throw error;
        }
      }),
    );
  }

  async getFlushStates(
    windowStartMs: number,
    deadlineMs: number,
  ): Promise<Map<number, FlushState>> {
    const items = await this.queryConsistent(
      {
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `S#${windowStartMs}` },
      },
      deadlineMs,
    );
    const out = new Map<number, FlushState>();
    for (const item of items) {
      const shard = Number(item.sk);
      if (!Number.isInteger(shard)) continue;
      const rows = JSON.parse(inflateRawSync(item.d as Uint8Array).toString('utf8')) as Array<
        [string, string, number, number?]
      >;
      out.set(shard, {
        version: Number(item.v),
        series: new Map(
          rows.map(([s, digest, revision, pending]) => [
            s,
            { digest, revision, pending: pending === 1 },
          ]),
        ),
      });
    }
    return out;
  }

  /**
   * Writes one shard of a window's flush state (`S#windowStart`, sk = shard), deflated. It orders
   * the window's revisions, so it must be written: a shard too large for an item throws (more
   * shards, `FLUSH_SHARDS`, split it).
   */
  async putFlushState(
    windowStartMs: number,
    shard: number,
    state: FlushState,
    expectedVersion: number | undefined,
    deadlineMs: number,
  ): Promise<'ok' | 'conflict'> {
    const rows = [...state.series].map(([s, v]) =>
      v.pending ? [s, v.digest, v.revision, 1] : [s, v.digest, v.revision],
    );
    const d = deflateRawSync(Buffer.from(JSON.stringify(rows)));
    if (d.length > MAX_FLUSH_STATE_BYTES) {
      throw new StateStoreError(
        `flush state of window ${windowStartMs} shard ${shard} is ${d.length} bytes deflated (${state.series.size} series), over ${MAX_FLUSH_STATE_BYTES}: raise FLUSH_SHARDS`,
      );
    }
    return this.conditionalPut(
      {
        TableName: this.opts.stateTableName,
        Item: {
          pk: `S#${windowStartMs}`,
          sk: String(shard),
          v: state.version,
          d,
          ttl: this.ttl(this.now(), this.opts.stateTtlSeconds),
        },
        ...expectValue('v', expectedVersion, 'pk'),
      },
      deadlineMs,
    );
  }

  /** BatchGetItem, consistent, ≤ 100 keys per call (calls concurrent), UnprocessedKeys retried. */
  private async batchGet(
    keys: Array<Record<string, unknown>>,
    deadlineMs: number,
    table = this.opts.stateTableName,
  ): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    const calls: Promise<void>[] = [];
    for (let i = 0; i < keys.length; i += 100) {
      let pending: Array<Record<string, unknown>> = keys.slice(i, i + 100);
      const call = this.retry(async () => {
        while (pending.length > 0) {
          const res = await this.doc.send(
            new BatchGetCommand({
              RequestItems: { [table]: { Keys: pending, ConsistentRead: true } },
              ReturnConsumedCapacity: 'TOTAL',
            }),
          );
          for (const c of res.ConsumedCapacity ?? []) {
            this.consumed.read += c.ReadCapacityUnits ?? c.CapacityUnits ?? 0;
          }
          out.push(...(res.Responses?.[table] ?? []));
          const left = res.UnprocessedKeys?.[table]?.Keys ?? [];
          if (left.length > 0) {
            pending = left;
            const err = new Error(`${left.length} keys unprocessed`);
            err.name = 'ProvisionedThroughputExceededException';
            throw err;
          }
          pending = [];
        }
      }, deadlineMs);
      calls.push(call);
    }
    await Promise.all(calls);
    return out;
  }

  /**
   * A consistent-read Query of the state table, page after page (each page retried like every
   * other call), up to `limit` items when given.
   */
  private async queryConsistent(
    input: Pick<QueryCommandInput, 'KeyConditionExpression' | 'ExpressionAttributeValues'>,
    deadlineMs: number,
    limit = Number.POSITIVE_INFINITY,
  ): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const res = await this.send<{
        Items?: Record<string, unknown>[];
        LastEvaluatedKey?: Record<string, unknown>;
      }>(
        () =>
          new QueryCommand({
            TableName: this.opts.stateTableName,
            ...input,
            ConsistentRead: true,
            ...(Number.isFinite(limit) ? { Limit: limit - out.length } : {}),
            ExclusiveStartKey: startKey,
          }),
        false,
        deadlineMs,
      );
      for (const item of res.Items ?? []) out.push(item);
      startKey = res.LastEvaluatedKey;
    } while (startKey && out.length < limit);
    return out;
  }

  /**
   * Writes emitted revisions to the window table (when one is configured), each unless the table
   * already holds a later revision of its window: a resend or a late writer never moves a window
   * back. One conditional put per window event.
   */
  async putWindowItems(events: readonly MetricsWindowEvent[], deadlineMs: number): Promise<void> {
    const table = this.opts.windowTableName;
    if (table === undefined) return;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < events.length) {
        const e = events[next++]!;
        try {
          await this.send(
            () =>
              new PutCommand({
                TableName: table,
                Item: windowItem(
                  e,
                  this.ttl(Date.parse(e.data.windowStart), this.opts.windowTtlSeconds),
                ),
                ConditionExpression: 'attribute_not_exists(series) OR revision <= :r',
                ExpressionAttributeValues: { ':r': e.data.revision },
              }),
            true,
            deadlineMs,
          );
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
        }
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(WINDOW_PUT_CONCURRENCY, events.length) }, worker),
    );
  }

  async clearMarker(m: DirtyMarker, deadlineMs: number): Promise<void> {
    try {
      await this.send(
        () =>
          new DeleteCommand({
            TableName: this.opts.stateTableName,
            Key: {
              pk: `M#${bucketOf(String(m.windowStartMs), this.opts.markerBuckets)}`,
              sk: `${sortableMs(m.windowEndMs)}#${m.windowStartMs}#${m.lane}`,
            },
            ConditionExpression: '#t = :t',
            ExpressionAttributeNames: { '#t': 'token' },
            ExpressionAttributeValues: { ':t': m.token },
          }),
        true,
        deadlineMs,
      );
    } catch (error) {
      // A commit touched the window after we read the marker: keep it, the next flush re-emits.
      if (!isConditionFailure(error)) throw error;
    }
  }
}

/** Condition: `attr` equals `expected`, or (undefined) the item does not exist (`key` absent). */
function expectValue(attr: string, expected: number | undefined, key: string) {
  return expected === undefined
    ? { ConditionExpression: `attribute_not_exists(${key})` }
    : {
        ConditionExpression: '#c = :c',
        ExpressionAttributeNames: { '#c': attr },
        ExpressionAttributeValues: { ':c': expected },
      };
}

/** Sort key of a chain item: fixed width, so that the last item is the head. */
function versionKey(version: number): string {
  return String(version).padStart(12, '0');
}

/**
 * The window table item of a revision: its key, revision, the statistics as attributes (what a
 * reader of the table filters and shows) and the whole `metrics.window` event, sketch included,
 * deflated in `z`. The event's JSON repeats every attribute and the sketch; stored as text it made
 * an item of ≈ 1.5 KB (2 write units) at 30 events per window, deflated ≈ 0.8 KB (1 unit)
 * (docs/aggregator-design.md, "Write and read units").
 */
export function windowItem(event: MetricsWindowEvent, ttl: number): Record<string, unknown> {
  const d = event.data;
  return {
    series: d.series,
    windowStart: d.windowStart,
    revision: d.revision,
    kind: d.kind,
    count: d.count,
    sum: d.sum,
    min: d.min,
    max: d.max,
    mean: d.mean,
    p50: d.p50,
    p90: d.p90,
    p99: d.p99,
    lateCount: d.lateCount,
    z: deflateRawSync(JSON.stringify(event)),
    ttl,
  };
}

/** The event of a window item (`z`, or `event` as text in items written before `z`). */
export function windowEventOf(item: Record<string, unknown>): MetricsWindowEvent {
  const json =
    item.z instanceof Uint8Array ? inflateRawSync(item.z).toString('utf8') : String(item.event);
  return JSON.parse(json) as MetricsWindowEvent;
}

/** FNV-1a of the key, modulo the bucket count: stable across invocations and deployments. */
export function bucketOf(key: string, buckets: number): number {
  return fnv1a(key) % buckets;
}
