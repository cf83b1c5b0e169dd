import { WindowFlusher } from './flush.js';
import { fnv1a } from './hash.js';
import { PartialAggregate } from './partial.js';
import { type LanePlan, type Plan, planRecords } from './plan.js';
import { ArraySource, type ShardView, shardViews } from './records.js';
import type {
  Checkpoint,
  Delta,
  DirtyMarker,
  InputRecord,
  Observation,
  RecordSource,
  RejectedRecord,
  RejectSink,
  StateStore,
  WindowEvents,
  WindowSink,
} from './types.js';

/** Tunables of the aggregation (see README: configuration). */
export type EngineConfig = {
  windowMs: number;
  /** Watermark of a lane = max event time applied on it − allowedLatenessMs. */
  allowedLatenessMs: number;
  /** A record whose window closed less than this long ago is a correction; later ones are rejected. */
  maxLatenessMs: number;
  alpha: number;
  maxBins: number;
  /** Events one lane's delta holds at most (a larger sub-batch becomes several deltas). */
  maxEventsPerDelta: number;
  /**
   * Lane per (shard, partition key of the Kinesis record) instead of per shard: needed when
   * ParallelizationFactor > 1, as Lambda then keeps order per that key only.
   */
  laneByPartitionKey: boolean;
  /** `route`: invalid records go to the reject sink and the shard moves on; `report`: batch item failure. */
  invalidRecords: 'route' | 'report';
  emitSketch: boolean;
  /** Dirty markers one flush reads at most (the rest wait for the next one). */
  flushLimit: number;
  /**
   * Shards of each window's flush state, by series hash: one item holds ≈ 11 bytes per series
   * deflated under DynamoDB's 400 KB item limit (`flushShardsFor`).
   */
  flushShards: number;
  /**
   * The idle rule: a dirty window that no lane has touched for this long (processing time) is
   * emitted by `flushIdle` even if no watermark has passed its end.
   */
  idleMs: number;
  source: string;
  /** Times a sub-batch is re-planned after a concurrent commit before the batch fails there. */
  maxConflictRetries: number;
};

export const DEFAULT_ENGINE_CONFIG: EngineConfig = {
  windowMs: 60_000,
  allowedLatenessMs: 30_000,
  maxLatenessMs: 3_600_000,
  alpha: 0.01,
  maxBins: 2048,
  maxEventsPerDelta: 8000,
  laneByPartitionKey: false,
  invalidRecords: 'route',
  emitSketch: true,
  flushLimit: 1000,
  flushShards: 1,
  idleMs: 60_000,
  source: 'streamlens/stream-aggregator',
  maxConflictRetries: 5,
};

/** Counters of one invocation, for logs and metrics. */
export type BatchOutcome = {
  /** Per shard, the first record not applied: report it and every later record of the shard. */
  failures: Array<{ shardId: string; seq: string; sub: number; error: unknown }>;
  applied: number;
  duplicates: number;
  corrections: number;
  tooLate: number;
  invalid: number;
  commits: number;
  conflicts: number;
  emitted: number;
  flushError?: unknown;
};

/**
 * The declarative queries run beside the per-series windows (src/query/durable.ts): `apply` gets
 * every lane's new valid observations before the lane's delta is appended, the flushes follow
 * the engine's.
 */
export interface QueryHook {
  apply(
    lanes: ReadonlyArray<{
      lane: string;
      maxEventMsBefore: number;
      observations: readonly Observation[];
    }>,
    deadlineMs: number,
  ): Promise<unknown>;
  flush(watermarkMs: number, deadlineMs: number): Promise<number>;
  flushIdle(nowMs: number, deadlineMs: number): Promise<number>;
}

/** Hooks for tests and logging; all optional. */
export type EngineDeps = {
  store: StateStore;
  windows: WindowSink;
  rejects: RejectSink;
  queries?: QueryHook;
  now?: () => number;
  onError?: (message: string, error: unknown, context?: Record<string, unknown>) => void;
};

/** Lane heads a container remembers between invocations (beyond: forgotten, read again). */
const MAX_CACHED_HEADS = 10_000;

/**
 * The exactly-once windowed aggregator. Hand it one invocation's records (in shard order): it
 * appends each lane's new records as one delta to the lane's chain (the delta is the lane's
 * checkpoint: written only if its version is new), then emits the windows its lanes' watermark
 * has closed, merging every lane's deltas of a window and counting each event id once. See
 * docs/aggregator-design.md.
 */
export class Aggregator {
  private readonly now: () => number;
  private readonly flusher: WindowFlusher;
  private readonly planCfg: EngineConfig & { collectObservations: boolean };
  /**
   * The lanes' chain heads this container last saw or wrote. Only a hint: a delta is written
   * only if its version is new, so a stale head costs a conflict and a read, never a wrong write.
   */
  private readonly heads = new Map<string, Checkpoint>();
  /**
   * A partial that has been through every operation the hot path uses, kept for the container's
   * life. V8 holds the hidden classes (maps) of objects only weakly once no object uses them:
   * after a full garbage collection between two invocations, every partial, sketch and bin store
   * is gone, their maps die, and all optimised code that checks those maps is thrown away
   * (measured: a batch then runs 3× slower while V8 re-optimises). One live instance of each
   * keeps the maps, hence the optimised code, across invocations.
   */
  readonly shapeAnchor: unknown[];

  constructor(
    readonly cfg: EngineConfig,
    private readonly deps: EngineDeps,
  ) {
    if (cfg.maxEventsPerDelta < 1) throw new RangeError('maxEventsPerDelta must be at least 1');
    this.now = deps.now ?? Date.now;
    this.flusher = new WindowFlusher(cfg, deps.store, deps.windows, this.now);
    this.planCfg = { ...cfg, collectObservations: deps.queries !== undefined };
    const view = shardViews(new ArraySource([]), false);
    this.shapeAnchor = [exercisedPartial(cfg.alpha, cfg.maxBins), view];
  }

  /** Processes one invocation's records; never throws for per-record or sink problems. */
  async processBatch(
    input: readonly InputRecord[] | RecordSource,
    deadlineMs: number,
  ): Promise<BatchOutcome> {
    const src: RecordSource = Array.isArray(input)
      ? new ArraySource(input)
      : (input as RecordSource);
    const out: BatchOutcome = {
      failures: [],
      applied: 0,
      duplicates: 0,
      corrections: 0,
      tooLate: 0,
      invalid: 0,
      commits: 0,
      conflicts: 0,
      emitted: 0,
    };
    let watermark = Number.NEGATIVE_INFINITY;
    for (const view of shardViews(src, this.cfg.laneByPartitionKey)) {
      const wm = await this.processShard(view, deadlineMs, out);
      if (wm > watermark) watermark = wm;
    }
    if (this.now() >= deadlineMs) return out;
    try {
      out.emitted = await this.flush(watermark, deadlineMs);
    } catch (error) {
      // Applied records are durable and their windows stay dirty: a later flush emits them.
      out.flushError = error;
      this.deps.onError?.('flush failed; windows stay dirty for the next invocation', error);
    }
    if (this.deps.queries !== undefined && this.now() < deadlineMs) {
      try {
        out.emitted += await this.deps.queries.flush(watermark, deadlineMs);
      } catch (error) {
        out.flushError ??= error;
        this.deps.onError?.('query flush failed; groups stay due for the next invocation', error);
      }
    }
    return out;
  }

  /**
   * Emits every dirty window that ended at or before `watermarkMs` (markers: at most
   * `flushLimit`). Returns the number of window events sent.
   */
  async flush(watermarkMs: number, deadlineMs: number): Promise<number> {
    if (!(watermarkMs > Number.NEGATIVE_INFINITY)) return 0;
    const { store } = this.deps;
    const due = await store.dueMarkers(watermarkMs, this.cfg.flushLimit, deadlineMs);
    try {
      return await this.flusher.flush(due, deadlineMs);
    } finally {
      await store.endFlush?.(due, deadlineMs);
    }
  }

  /**
   * The idle rule: emits every dirty window that no lane has touched for `idleMs` of processing
   * time, whatever the watermarks say. Lambda invokes the aggregator only with records, so a
   * stream that goes quiet never moves its watermark past its last windows; a schedule calls this
   * instead (handler `idle`). A record arriving later for such a window makes it a correction.
   */
  async flushIdle(nowMs: number, deadlineMs: number): Promise<number> {
    const { store, queries } = this.deps;
    let fromQueries = 0;
    try {
      fromQueries = (await queries?.flushIdle(nowMs, deadlineMs)) ?? 0;
    } catch (error) {
      this.deps.onError?.('query idle flush failed; groups stay due', error);
    }
    const all = await store.allMarkers(this.cfg.flushLimit, deadlineMs);
    try {
      const lastTouch = new Map<number, number>();
      for (const m of all)
        lastTouch.set(m.windowStartMs, Math.max(lastTouch.get(m.windowStartMs) ?? 0, m.at));
      const quiet = all.filter((m) => lastTouch.get(m.windowStartMs)! <= nowMs - this.cfg.idleMs);
      return fromQueries + (await this.flusher.flush(quiet, deadlineMs));
    } finally {
      await store.endFlush?.(all, deadlineMs);
    }
  }

  /** Returns the highest lane watermark of the shard. */
  private async processShard(
    records: ShardView,
    deadlineMs: number,
    out: BatchOutcome,
  ): Promise<number> {
    const shardId = records.shardId;
    const fail = (index: number, error: unknown): void => {
      const r = records.at(index);
      out.failures.push({ shardId, seq: r.seq, sub: r.sub, error });
      this.deps.onError?.('batch stopped at first unapplied record', error, {
        shardId,
        sequenceNumber: r.seq,
      });
    };
    const laneSet = new Set<string>();
    for (let j = 0; j < records.length; j++) laneSet.add(records.laneAt(j));
    const lanes = [...laneSet];
    try {
      await this.loadHeads(
        lanes.filter((l) => !this.heads.has(l)),
        deadlineMs,
      );
    } catch (error) {
      fail(0, error);
      return Number.NEGATIVE_INFINITY;
    }
    let conflicts = 0;
    let i = 0;
    while (i < records.length) {
      if (this.now() >= deadlineMs) {
        fail(i, new Error('invocation deadline reached before the record was applied'));
        break;
      }
      const plan = planRecords(records, i, this.heads, this.planCfg);
      if (plan.lanes.size > 0) {
        let conflicted: string[];
        try {
          conflicted = await this.commitPlan(shardId, plan, deadlineMs);
        } catch (error) {
          fail(i, error);
          break;
        }
        if (conflicted.length > 0) {
          // Another invocation appended to these lanes: read their heads and plan again (the
          // lanes that did commit now skip their records as duplicates).
          out.conflicts++;
          if (++conflicts > this.cfg.maxConflictRetries) {
            fail(i, new Error('too many concurrent-commit conflicts'));
            break;
          }
          try {
            await this.loadHeads(conflicted, deadlineMs);
          } catch (error) {
            fail(i, error);
            break;
          }
          continue;
        }
        out.commits += plan.lanes.size;
        out.applied += plan.applied;
        out.corrections += plan.corrections;
        out.tooLate += plan.tooLate;
        out.invalid += plan.invalid;
      }
      out.duplicates += plan.duplicates;
      i = plan.end;
      if (plan.stop) {
        fail(i, new Error(records.at(i).error?.message ?? 'invalid record'));
        break;
      }
    }
    let wm = Number.NEGATIVE_INFINITY;
    for (const lane of lanes) {
      const ck = this.heads.get(lane);
      if (ck === undefined) continue;
      const w = ck.maxEventMs - this.cfg.allowedLatenessMs;
      if (w > wm) wm = w;
    }
    return wm;
  }

  private async loadHeads(lanes: readonly string[], deadlineMs: number): Promise<void> {
    if (lanes.length === 0) return;
    const loaded = await this.deps.store.loadHeads(lanes, deadlineMs);
    if (this.heads.size + lanes.length > MAX_CACHED_HEADS) this.heads.clear();
    for (const lane of lanes) {
      const ck = loaded.get(lane);
      if (ck) this.heads.set(lane, ck);
      else this.heads.delete(lane);
    }
  }

  /**
   * Commits a plan: per lane (concurrently), lists the delta's version under the windows it
   * touches and marks them dirty, then appends the delta, written only if that version is new.
   * Returns the lanes whose append found their version taken (a concurrent or earlier attempt).
   */
  private async commitPlan(shardId: string, plan: Plan, deadlineMs: number): Promise<string[]> {
    const { store } = this.deps;
    // Rejected records first: once the checkpoint passes them they would never be seen again.
    // The key names exactly the records it holds, so a retry of the same records overwrites the
    // same object, and two plans over one range (concurrent invocations of a shard, or a retry
    // whose duplicates differ) never overwrite each other's records.
    if (plan.rejected.length > 0) {
      await this.deps.rejects.put(rejectsKey(shardId, plan.rejected), plan.rejected, deadlineMs);
    }
    // The queries' groups take the records before the checkpoints pass them (idempotent by
    // event id: a crash before the appends, or a lost race for a version, applies nothing twice).
    if (this.deps.queries !== undefined) {
      await this.deps.queries.apply(
        [...plan.lanes.values()].map((lp) => ({
          lane: lp.lane,
          maxEventMsBefore: lp.before.maxEventMs,
          observations: lp.observations,
        })),
        deadlineMs,
      );
    }
    const at = this.now();
    const results = await Promise.allSettled(
      [...plan.lanes.values()].map(async (lp) => {
        const delta = deltaOf(lp, at);
        if (lp.windows.size > 0) {
          await store.markWindows(lp.lane, delta.version, [...lp.windows.values()], at, deadlineMs);
        }
        if (this.now() >= deadlineMs) throw new Error('invocation deadline reached');
        return {
          lane: lp.lane,
          result: await store.appendDelta(delta, deadlineMs),
          after: lp.after,
        };
      }),
    );
    const conflicted: string[] = [];
    let failure: unknown;
    for (const r of results) {
      if (r.status === 'rejected') {
        failure ??= r.reason;
        continue;
      }
      if (r.value.result === 'ok') this.heads.set(r.value.lane, r.value.after);
      else conflicted.push(r.value.lane);
    }
    if (failure !== undefined) throw failure;
    return conflicted;
  }
}

/**
 * The object key of a plan's rejected records: shard, first and last rejected position, their
 * count and an FNV-1a hash of every position (a function of the set, not of the plan's range).
 */
export function rejectsKey(shardId: string, rejected: readonly RejectedRecord[]): string {
  const positions = rejected.map((r) => `${r.sequenceNumber}-${r.subSequenceNumber};`).join('');
  const first = rejected[0]!;
  const last = rejected[rejected.length - 1]!;
  return `${shardId}/${first.sequenceNumber}-${first.subSequenceNumber}_${last.sequenceNumber}-${last.subSequenceNumber}_${rejected.length}-${fnv1a(positions).toString(16).padStart(8, '0')}`;
}

function deltaOf(lp: LanePlan, at: number): Delta {
  const entries: WindowEvents[] = [];
  for (const list of lp.entries.values()) for (const e of list) entries.push(e);
  return {
    lane: lp.lane,
    version: lp.after.version,
    pos: lp.after.pos!,
    maxEventMs: lp.after.maxEventMs,
    at,
    entries,
  };
}

/** A partial with positive, negative and zero values that was merged, cloned and serialised. */
function exercisedPartial(alpha: number, maxBins: number): PartialAggregate {
  const p = new PartialAggregate(alpha, maxBins);
  p.add(1.5);
  p.add(-2.5);
  p.add(0);
  p.toJSON();
  p.merge(p.clone());
  p.stats();
  return p;
}

export type { DirtyMarker };
