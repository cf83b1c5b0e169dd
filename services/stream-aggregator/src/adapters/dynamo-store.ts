import { randomUUID } from 'node:crypto';
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type RetryOptions, retryWithBackoff } from '@streamlens/lambda-kit';
import { partialKey } from '../domain/engine.js';
import { PartialAggregate } from '../domain/partial.js';
import type {
  Checkpoint,
  Commit,
  DirtyMarker,
  MetricsWindowEvent,
  SeriesMeta,
  StateStore,
  StoredPartial,
  StoredWindow,
} from '../domain/types.js';
import { sortableMs } from '../domain/window.js';
import { StateStoreError } from '../errors.js';

/** Options of {@link DynamoStateStore}. */
export type DynamoStateStoreOptions = {
  stateTableName: string;
  windowTableName: string;
  /** Dirty markers are spread over this many partition keys (write throughput per key). */
  markerBuckets: number;
  stateTtlSeconds: number;
  windowTtlSeconds: number;
  /**
   * How long a flush owns the marker buckets it leased (default 30 s; 0: no leases, every flush
   * reads every bucket). Only liveness depends on it: a crashed owner delays those windows by at
   * most this long; correctness rests on the conditional window and marker writes.
   */
  flushLeaseMs?: number;
  /** Deadline for reads and small writes (the engine passes its own to `commit`). */
  deadline?: () => number;
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

function isConditionFailure(error: unknown): boolean {
  const e = error as AwsError;
  if (e?.name === 'ConditionalCheckFailedException') return true;
  return (
    e?.name === 'TransactionCanceledException' &&
    (e.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed')
  );
}

/**
 * The aggregator's state in DynamoDB. Two tables (README: exactly-once design):
 * - state table (`pk`, `sk`, TTL `ttl`): lane checkpoints `C#lane`, partials `P#series#start`
 *   (sk = lane), dirty markers `M#bucket` (sk = windowEnd#series#start), the global watermark `W`;
 * - window table (`series`, `windowStart`, TTL `ttl`): the current revision of every window.
 */
export class DynamoStateStore implements StateStore {
  private readonly now: () => number;
  /** This store's (container's) identity as a flush-lease owner. */
  private readonly owner = randomUUID();
  /** Marker buckets leased by each flush in progress, by the markers it was given. */
  private readonly leases = new WeakMap<readonly DirtyMarker[], number[]>();
  /** Flushes of this store in progress (Lambda: at most one per container). */
  private flushing = 0;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly opts: DynamoStateStoreOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  private retry<T>(fn: () => Promise<T>, deadline?: number): Promise<T> {
    return retryWithBackoff(fn, {
      maxAttempts: 8,
      ...this.opts.retry,
      deadline: deadline ?? this.opts.deadline?.() ?? this.now() + 10_000,
      retryable: isRetryable,
    }).catch((error: unknown) => {
      if (isConditionFailure(error)) throw error;
      throw new StateStoreError('DynamoDB call failed', { cause: error });
    });
  }

  private ttl(fromMs: number, seconds: number): number {
    return Math.floor(fromMs / 1000) + seconds;
  }

  async loadCheckpoints(lanes: readonly string[]): Promise<Map<string, Checkpoint>> {
    const items = await this.batchGet(lanes.map((lane) => ({ pk: `C#${lane}`, sk: '-' })));
    const out = new Map<string, Checkpoint>();
    for (const item of items) {
      const lane = String(item.pk).slice(2);
      out.set(lane, {
        lane,
        pos: item.seq === undefined ? undefined : { seq: String(item.seq), sub: Number(item.sub) },
        maxEventMs: item.maxT === undefined ? Number.NEGATIVE_INFINITY : Number(item.maxT),
        version: Number(item.v),
      });
    }
    return out;
  }

  async loadPartials(
    keys: ReadonlyArray<{ lane: string; series: string; windowStartMs: number }>,
  ): Promise<Map<string, StoredPartial>> {
    const items = await this.batchGet(
      keys.map((k) => ({ pk: partialPk(k.series, k.windowStartMs), sk: k.lane })),
    );
    const out = new Map<string, StoredPartial>();
    for (const item of items) {
      const p = toStoredPartial(item);
      out.set(partialKey(p.lane, p.series, p.windowStartMs), p);
    }
    return out;
  }

  /** BatchGetItem, consistent, ≤ 100 keys per call (calls concurrent), UnprocessedKeys retried. */
  private async batchGet(
    keys: Array<Record<string, unknown>>,
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
            }),
          );
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
      });
      calls.push(call);
    }
    await Promise.all(calls);
    return out;
  }

  async commit(c: Commit, deadlineMs: number): Promise<'ok' | 'conflict'> {
    const table = this.opts.stateTableName;
    const now = this.now();
    const stateTtl = this.ttl(now, this.opts.stateTtlSeconds);
    const items: NonNullable<
      ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']
    > = [];
    for (const { before, after } of c.checkpoints) {
      items.push({
        Put: {
          TableName: table,
          Item: {
            pk: `C#${after.lane}`,
            sk: '-',
            seq: after.pos?.seq,
            sub: after.pos?.sub,
            maxT: Number.isFinite(after.maxEventMs) ? after.maxEventMs : undefined,
            v: after.version,
            ttl: stateTtl,
          },
          ...versionCondition(before.version),
        },
      });
    }
    // A partial item carries no series metadata: nothing reads it back (the flush takes it from
    // the window's marker), and it was about a quarter of every partial item's bytes.
    for (const { expectedVersion, next } of c.partials) {
      items.push({
        Put: {
          TableName: table,
          Item: {
            pk: partialPk(next.series, next.windowStartMs),
            sk: next.lane,
            series: next.series,
            ws: next.windowStartMs,
            v: next.version,
            // The lane position this partial reaches (retries skip what it holds).
            pseq: next.pos?.seq,
            psub: next.pos?.sub,
            p: JSON.stringify(next.partial.toJSON()),
            ttl: this.ttl(next.windowStartMs, this.opts.stateTtlSeconds),
          },
          ...versionCondition(expectedVersion),
        },
      });
    }
    // Markers are per writer (the commit's first lane): two shards touching one window write two
    // items, so their transactions never share an item (no TransactionConflict between shards).
    const writer = c.writer === undefined ? writerOf(c) : fnv1a(c.writer).toString(36);
    for (const m of c.markers) {
      items.push({ Put: { TableName: table, Item: this.markerItem(m, writer) } });
    }
    try {
      await this.retry(
        () =>
          this.doc.send(
            new TransactWriteCommand({ TransactItems: items, ClientRequestToken: c.token }),
          ),
        deadlineMs,
      );
      return 'ok';
    } catch (error) {
      if (isConditionFailure(error)) return 'conflict';
      throw error;
    }
  }

  private markerItem(m: DirtyMarker, writer: string): Record<string, unknown> {
    return {
      pk: `M#${bucketOf(m.series, this.opts.markerBuckets)}`,
      sk: m.key ?? `${sortableMs(m.windowEndMs)}#${m.series}#${m.windowStartMs}#${writer}`,
      token: m.token,
      ws: m.windowStartMs,
      we: m.windowEndMs,
      meta: JSON.stringify({
        series: m.series,
        kind: m.kind,
        metric: m.metric,
        dimensions: m.dimensions,
      }),
      ttl: this.ttl(m.windowEndMs, this.opts.stateTtlSeconds),
    };
  }

  async raiseWatermark(ms: number): Promise<number> {
    const key = { pk: 'W', sk: '-' };
    if (Number.isFinite(ms)) {
      try {
        await this.retry(() =>
          this.doc.send(
            new UpdateCommand({
              TableName: this.opts.stateTableName,
              Key: key,
              UpdateExpression: 'SET wm = :w',
              ConditionExpression: 'attribute_not_exists(wm) OR wm < :w',
              ExpressionAttributeValues: { ':w': ms },
            }),
          ),
        );
        return ms;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    const res = await this.retry(() =>
      this.doc.send(
        new GetCommand({ TableName: this.opts.stateTableName, Key: key, ConsistentRead: true }),
      ),
    );
    return res.Item?.wm === undefined ? ms : Math.max(ms, Number(res.Item.wm));
  }

  /**
   * Dirty markers of the buckets this flush could lease whose window ended at or before the
   * watermark. Two shards finishing invocations at the same time would otherwise both merge,
   * store and send every closing window; with leases each bucket is flushed by one of them.
   */
  async dueMarkers(watermarkMs: number, limit: number): Promise<DirtyMarker[]> {
    const upper = `${sortableMs(watermarkMs)}#\uffff`;
    const buckets = await this.leaseBuckets(await this.bucketsWithDueMarkers(upper));
    try {
      const perBucket = await Promise.all(
        buckets.map(async (b) => {
          const items = await this.queryConsistent(
            {
              KeyConditionExpression: 'pk = :pk AND sk <= :upper',
              ExpressionAttributeValues: { ':pk': `M#${b}`, ':upper': upper },
            },
            limit,
          );
          return items.map((item): DirtyMarker => {
            const meta = JSON.parse(String(item.meta)) as SeriesMeta;
            return {
              ...meta,
              windowStartMs: Number(item.ws),
              windowEndMs: Number(item.we),
              token: String(item.token),
              key: String(item.sk),
            };
          });
        }),
      );
      const all = perBucket.flat();
      all.sort((a, b) => a.windowEndMs - b.windowEndMs);
      const due = all.slice(0, limit);
      this.leases.set(due, buckets);
      return due;
    } catch (error) {
      this.flushing--;
      await this.release(buckets);
      throw error;
    }
  }

  /**
   * The marker buckets worth leasing: with leases on, those holding at least one marker due by
   * `upper` (one `Limit: 1` query each). Most flushes find nothing due (a window closes once per
   * window length, invocations come every few seconds): they then make no lease writes at all
   * instead of a lease and a release per bucket. Only a hint: the leased buckets are read again
   * after the lease, so a marker another flush cleared meanwhile is not flushed twice; a marker
   * written after this read waits for the next flush. With leases off: every bucket, unread.
   */
  private async bucketsWithDueMarkers(upper: string): Promise<number[]> {
    const all = Array.from({ length: this.opts.markerBuckets }, (_, b) => b);
    if ((this.opts.flushLeaseMs ?? 30_000) <= 0) return all;
    const due = await Promise.all(
      all.map(async (b) => {
        const items = await this.queryConsistent(
          {
            KeyConditionExpression: 'pk = :pk AND sk <= :upper',
            ExpressionAttributeValues: { ':pk': `M#${b}`, ':upper': upper },
          },
          1,
        );
        return items.length > 0;
      }),
    );
    return all.filter((b) => due[b]);
  }

  /**
   * Leases those of `wanted` that are free (all of `wanted` when leases are off) and counts this
   * flush as in progress (until `endFlush`, or the failure of `dueMarkers`). A failed lease call
   * fails the flush; buckets it did lease expire after `flushLeaseMs` (or return at our next
   * flush that wants them).
   */
  private async leaseBuckets(wanted: readonly number[]): Promise<number[]> {
    const leaseMs = this.opts.flushLeaseMs ?? 30_000;
    // With no flush of ours in progress, a lease we still hold was left by a flush of ours that
    // could not release it (e.g. it failed past the deadline): take it back at once.
    const mine = this.flushing === 0;
    this.flushing++;
    if (leaseMs <= 0) return [...wanted];
    const now = this.now();
    const lease = async (b: number): Promise<boolean> => {
      try {
        await this.retry(() =>
          this.doc.send(
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
          ),
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

  /** Releases the buckets leased for the flush that was given `due` by {@link dueMarkers}. */
  async endFlush(due: readonly DirtyMarker[]): Promise<void> {
    const buckets = this.leases.get(due);
    if (buckets === undefined) return;
    this.leases.delete(due);
    this.flushing--;
    await this.release(buckets);
  }

  /** Ends leases (conditional on still owning them). */
  private async release(buckets: readonly number[]): Promise<void> {
    if ((this.opts.flushLeaseMs ?? 30_000) <= 0) return;
    await Promise.all(
      buckets.map(async (b) => {
        try {
          await this.retry(() =>
            this.doc.send(
              new UpdateCommand({
                TableName: this.opts.stateTableName,
                Key: { pk: `F#${b}`, sk: '-' },
                UpdateExpression: 'SET #u = :zero',
                ConditionExpression: '#o = :me',
                ExpressionAttributeNames: { '#o': 'owner', '#u': 'until' },
                ExpressionAttributeValues: { ':me': this.owner, ':zero': 0 },
              }),
            ),
          );
        } catch (error) {
          // Another flush took it over after it expired: nothing to release.
          if (!isConditionFailure(error)) throw error;
        }
      }),
    );
  }

  async windowPartials(series: string, windowStartMs: number): Promise<StoredPartial[]> {
    const items = await this.queryConsistent({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': partialPk(series, windowStartMs) },
    });
    return items.map(toStoredPartial);
  }

  /**
   * A consistent-read Query of the state table, page after page (each page retried like every
   * other call), up to `limit` items when given.
   */
  private async queryConsistent(
    input: Pick<QueryCommandInput, 'KeyConditionExpression' | 'ExpressionAttributeValues'>,
    limit = Number.POSITIVE_INFINITY,
  ): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const res = await this.retry(() =>
        this.doc.send(
          new QueryCommand({
            TableName: this.opts.stateTableName,
            ...input,
            ConsistentRead: true,
            ...(Number.isFinite(limit) ? { Limit: limit - out.length } : {}),
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      for (const item of res.Items ?? []) out.push(item);
      startKey = res.LastEvaluatedKey;
    } while (startKey && out.length < limit);
    return out;
  }

  async getWindow(series: string, windowStartMs: number): Promise<StoredWindow | undefined> {
    const res = await this.retry(() =>
      this.doc.send(
        new GetCommand({
          TableName: this.opts.windowTableName,
          Key: { series, windowStart: new Date(windowStartMs).toISOString() },
          ConsistentRead: true,
        }),
      ),
    );
    return res.Item ? toStoredWindow(res.Item) : undefined;
  }

  async getWindows(
    keys: ReadonlyArray<{ series: string; windowStartMs: number }>,
  ): Promise<Map<string, StoredWindow>> {
    const items = await this.batchGet(
      keys.map((k) => ({ series: k.series, windowStart: new Date(k.windowStartMs).toISOString() })),
      this.opts.windowTableName,
    );
    const out = new Map<string, StoredWindow>();
    for (const item of items) {
      const w = toStoredWindow(item);
      out.set(`${w.series}\u0000${w.windowStartMs}`, w);
    }
    return out;
  }

  async putWindow(
    w: StoredWindow,
    expectedRevision: number | undefined,
  ): Promise<'ok' | 'conflict'> {
    const d = w.event.data;
    try {
      await this.retry(() =>
        this.doc.send(
          new PutCommand({
            TableName: this.opts.windowTableName,
            Item: {
              series: w.series,
              windowStart: d.windowStart,
              windowEnd: d.windowEnd,
              revision: w.revision,
              eventId: w.event.id,
              metric: d.metric,
              kind: d.kind,
              dimensions: d.dimensions,
              count: d.count,
              sum: d.sum,
              min: d.min,
              max: d.max,
              mean: d.mean,
              p50: d.p50,
              p90: d.p90,
              p99: d.p99,
              lateCount: d.lateCount,
              vector: w.vector,
              event: JSON.stringify(w.event),
              ttl: this.ttl(w.windowStartMs, this.opts.windowTtlSeconds),
            },
            ...(expectedRevision === undefined
              ? { ConditionExpression: 'attribute_not_exists(series)' }
              : {
                  ConditionExpression: 'revision = :r',
                  ExpressionAttributeValues: { ':r': expectedRevision },
                }),
          }),
        ),
      );
      return 'ok';
    } catch (error) {
      if (isConditionFailure(error)) return 'conflict';
      throw error;
    }
  }

  async clearMarker(m: DirtyMarker): Promise<void> {
    const key = this.markerItem(m, '-');
    try {
      await this.retry(() =>
        this.doc.send(
          new DeleteCommand({
            TableName: this.opts.stateTableName,
            Key: { pk: key.pk, sk: key.sk },
            ConditionExpression: '#t = :t',
            ExpressionAttributeNames: { '#t': 'token' },
            ExpressionAttributeValues: { ':t': m.token },
          }),
        ),
      );
    } catch (error) {
      // A commit touched the window after we read the marker: keep it, the next flush re-emits.
      if (!isConditionFailure(error)) throw error;
    }
  }
}

/** The marker writer of a commit: a hash of its smallest lane (concurrent invocations own disjoint lanes). */
function writerOf(c: Commit): string {
  let lane: string | undefined;
  for (const { after } of c.checkpoints)
    if (lane === undefined || after.lane < lane) lane = after.lane;
  return lane === undefined ? '-' : fnv1a(lane).toString(36);
}

function versionCondition(version: number) {
  return version === 0
    ? { ConditionExpression: 'attribute_not_exists(pk)' }
    : { ConditionExpression: 'v = :v', ExpressionAttributeValues: { ':v': version } };
}

function partialPk(series: string, windowStartMs: number): string {
  return `P#${series}#${windowStartMs}`;
}

function toStoredWindow(item: Record<string, unknown>): StoredWindow {
  return {
    series: String(item.series),
    windowStartMs: Date.parse(String(item.windowStart)),
    revision: Number(item.revision),
    vector: (item.vector ?? {}) as Record<string, number>,
    event: JSON.parse(String(item.event)) as MetricsWindowEvent,
  };
}

function toStoredPartial(item: Record<string, unknown>): StoredPartial {
  return {
    lane: String(item.sk),
    series: String(item.series),
    windowStartMs: Number(item.ws),
    version: Number(item.v),
    partial: PartialAggregate.fromJSON(JSON.parse(String(item.p))),
    pos: item.pseq === undefined ? undefined : { seq: String(item.pseq), sub: Number(item.psub) },
  };
}

/** FNV-1a of the series, modulo the bucket count: stable across invocations and deployments. */
export function bucketOf(series: string, buckets: number): number {
  return fnv1a(series) % buckets;
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
