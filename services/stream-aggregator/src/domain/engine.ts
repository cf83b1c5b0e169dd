import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { PartialAggregate } from './partial.js';
import { comparePosition, compareSeq, type Position } from './sequence.js';
import type {
  Checkpoint,
  Commit,
  DirtyMarker,
  InputRecord,
  MetricsWindowEvent,
  RecordSource,
  RejectedRecord,
  RejectSink,
  SeriesMeta,
  StateStore,
  StoredPartial,
  StoredWindow,
  WindowSink,
} from './types.js';
import { classifyLateness, isoMs, Lateness, windowStartOf } from './window.js';

/** Tunables of the aggregation (see README: configuration). */
export type EngineConfig = {
  windowMs: number;
  /** Watermark = max event time seen on the lane − allowedLatenessMs. */
  allowedLatenessMs: number;
  /** A record whose window closed less than this long ago is a correction; later ones are rejected. */
  maxLatenessMs: number;
  alpha: number;
  maxBins: number;
  /** Partials per TransactWriteItems (each also writes its dirty marker): ≤ 49. */
  maxPartialsPerCommit: number;
  /**
   * Partials folded before committing: a plan's partials go out in transactions of
   * `maxPartialsPerCommit`, concurrently, the lanes' checkpoints with the last one.
   */
  maxPartialsPerPlan: number;
  /** Checkpoint per (shard, partition key) instead of per shard: needed when ParallelizationFactor > 1. */
  laneByPartitionKey: boolean;
  /** `route`: invalid records go to the reject sink and the shard moves on; `report`: batch item failure. */
  invalidRecords: 'route' | 'report';
  emitSketch: boolean;
  /** Windows emitted per invocation at most (the rest stay dirty for the next one). */
  flushLimit: number;
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
  maxPartialsPerCommit: 49,
  maxPartialsPerPlan: 490,
  laneByPartitionKey: false,
  invalidRecords: 'route',
  emitSketch: true,
  flushLimit: 1000,
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

/** Hooks for tests and logging; all optional. */
export type EngineDeps = {
  store: StateStore;
  windows: WindowSink;
  rejects: RejectSink;
  now?: () => number;
  onError?: (message: string, error: unknown, context?: Record<string, unknown>) => void;
};

type Delta = {
  lane: string;
  series: string;
  windowStartMs: number;
  meta: SeriesMeta;
  partial: PartialAggregate;
  /** Position of the last record folded in (the stored partial's progress). */
  lastSeq: string;
  lastSub: number;
  /** Ordinal of that record among the plan's records of its lane (0-based): names the delta in tokens. */
  lastOrd: number;
};

/** A partial of a commit, with the ordinal that names its delta in the pack's token. */
type PackEntry = Commit['partials'][number] & { ord: number };

type Plan = {
  end: number;
  first: Position | undefined;
  last: Position | undefined;
  lanes: Map<string, Checkpoint>;
  /** Records taken into the plan per lane (those past its checkpoint, duplicates left out). */
  taken: Map<string, number>;
  /** Deltas by series. */
  deltas: Map<string, Delta[]>;
  deltaCount: number;
  rejected: RejectedRecord[];
  applied: number;
  duplicates: number;
  corrections: number;
  tooLate: number;
  invalid: number;
  /** The record at `end` is invalid and must be reported (invalidRecords = report). */
  stop: boolean;
};

const MAX_TRANSACT_ACTIONS = 100;
/** Windows a flush works on at once (each: a partials query and a conditional put). */
const FLUSH_CONCURRENCY = 16;
/**
 * Lanes of one plan: their checkpoints go in the plan's last transaction, and a window's partials
 * (one per lane) go in one transaction with its marker, so both must fit in 100 actions.
 */
const MAX_LANES_PER_PLAN = 49;

/**
 * The exactly-once windowed aggregator. Hand it one invocation's records (in shard order); it
 * applies each record at most once to durable per-lane partial aggregates, together with the lane's
 * checkpoint, and (re-)emits the windows the watermark has closed. See README: exactly-once design.
 */
export class Aggregator {
  private readonly now: () => number;
  /**
   * A partial that has been through every operation the hot path uses, a shard view and a hash,
   * kept for the container's life. V8 holds the hidden classes (maps) of objects only weakly once no object uses them: after
   * a full garbage collection between two invocations, every partial, sketch and bin store is
   * gone, their maps die, and all optimised code that checks those maps is thrown away (measured:
   * a batch then runs 3× slower while V8 re-optimises). One live instance of each keeps the maps,
   * hence the optimised code, across invocations.
   */
  readonly shapeAnchor: unknown[];

  constructor(
    readonly cfg: EngineConfig,
    private readonly deps: EngineDeps,
  ) {
    if (cfg.maxPartialsPerCommit < 1 || cfg.maxPartialsPerCommit * 2 + 1 > MAX_TRANSACT_ACTIONS) {
      throw new RangeError('maxPartialsPerCommit must be within 1..49');
    }
    if (cfg.maxPartialsPerPlan < cfg.maxPartialsPerCommit) {
      throw new RangeError('maxPartialsPerPlan must be at least maxPartialsPerCommit');
    }
    this.now = deps.now ?? Date.now;
    const view = new ShardView(new ArraySource([]), '', undefined, false);
    view.laneAt(0);
    this.shapeAnchor = [exercisedPartial(cfg.alpha, cfg.maxBins), view, createHash('sha256')];
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
    // Lambda sends one shard per invocation; grouping keeps shard order if a caller mixes them.
    const views: ShardView[] = [];
    const first = src.length > 0 ? src.shardIdAt(0) : '';
    let mixed = false;
    for (let i = 1; i < src.length && !mixed; i++) mixed = src.shardIdAt(i) !== first;
    if (!mixed) {
      if (src.length > 0)
        views.push(new ShardView(src, first, undefined, this.cfg.laneByPartitionKey));
    } else {
      const byShard = new Map<string, number[]>();
      for (let i = 0; i < src.length; i++) {
        const shardId = src.shardIdAt(i);
        let list = byShard.get(shardId);
        if (!list) {
          list = [];
          byShard.set(shardId, list);
        }
        list.push(i);
      }
      for (const [shardId, idx] of byShard) {
        views.push(new ShardView(src, shardId, idx, this.cfg.laneByPartitionKey));
      }
    }
    let laneWatermark = Number.NEGATIVE_INFINITY;
    for (const view of views) {
      const wm = await this.processShard(view, deadlineMs, out);
      if (wm > laneWatermark) laneWatermark = wm;
    }
    if (this.now() >= deadlineMs) return out;
    try {
      const global = await this.deps.store.raiseWatermark(laneWatermark);
      out.emitted = await this.flush(global, deadlineMs);
    } catch (error) {
      // Applied records are durable and their windows stay dirty: the next invocation emits them.
      out.flushError = error;
      this.deps.onError?.('flush failed; windows stay dirty for the next invocation', error);
    }
    return out;
  }

  /** Returns the highest lane watermark seen on the shard. */
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
    let ckpts: Map<string, Checkpoint>;
    try {
      ckpts = await this.deps.store.loadCheckpoints(lanes);
    } catch (error) {
      fail(0, error);
      return Number.NEGATIVE_INFINITY;
    }
    let conflicts = 0;
    // (lane, series, window) → position up to which a partial already holds the lane's records
    // although the checkpoint is behind (an earlier attempt's transactions committed, not its
    // checkpoint): the plan leaves those records out.
    const applied = new Map<string, Position>();
    let i = 0;
    while (i < records.length) {
      if (this.now() >= deadlineMs) {
        fail(i, new Error('invocation deadline reached before the record was applied'));
        break;
      }
      const plan = this.plan(records, i, ckpts, applied);
      if (plan.lanes.size > 0) {
        let result: number | 'conflict';
        try {
          result = await this.commitPlan(shardId, plan, ckpts, applied, deadlineMs);
        } catch (error) {
          fail(i, error);
          break;
        }
        if (result === 'conflict') {
          out.conflicts++;
          if (++conflicts > this.cfg.maxConflictRetries) {
            fail(i, new Error('too many concurrent-commit conflicts'));
            break;
          }
          try {
            ckpts = await this.deps.store.loadCheckpoints(lanes);
          } catch (error) {
            fail(i, error);
            break;
          }
          continue;
        }
        // The stored checkpoint is the plan's with version + 1 (commitPlan): the next sub-batch's
        // condition must expect that version, or every further commit of the batch conflicts.
        for (const [lane, ck] of plan.lanes) ckpts.set(lane, { ...ck, version: ck.version + 1 });
        out.commits += result;
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
    for (const ck of ckpts.values()) {
      const w = ck.maxEventMs - this.cfg.allowedLatenessMs;
      if (w > wm) wm = w;
    }
    return wm;
  }

  /** Plans the next sub-batch from `start`: as many records as fit in one transaction. */
  private plan(
    records: ShardView,
    start: number,
    ckpts: Map<string, Checkpoint>,
    applied: ReadonlyMap<string, Position>,
  ): Plan {
    const cfg = this.cfg;
    const windowMs = cfg.windowMs;
    const p: Plan = {
      end: records.length,
      first: undefined,
      last: undefined,
      lanes: new Map(),
      taken: new Map(),
      deltas: new Map(),
      deltaCount: 0,
      rejected: [],
      applied: 0,
      duplicates: 0,
      corrections: 0,
      tooLate: 0,
      invalid: 0,
      stop: false,
    };
    // Without parallelization every record is on the shard's lane: one lookup for the sub-batch.
    const oneLane = !cfg.laneByPartitionKey;
    let ck: Checkpoint | undefined;
    let lane = records.shardId;
    // The last record taken into the plan (its position becomes `p.last` and its lane's checkpoint).
    let lastSeq = '';
    let lastSub = 0;
    let lastCk: Checkpoint | undefined;
    // Records taken on the lane so far (one lane: a local count, stored in p.taken at the end).
    let taken = 0;
    for (let j = start; j < records.length; j++) {
      const r = records.at(j);
      if (!oneLane) {
        lane = records.laneAt(j);
        ck = p.lanes.get(lane);
      } else if (ck === undefined) {
        ck = p.lanes.get(lane);
      }
      const base = ck ?? ckpts.get(lane) ?? emptyCheckpoint(lane);
      // At or below the lane's last position (taken in this plan, or its checkpoint): duplicate.
      const seq = r.seq;
      const sub = r.sub;
      let atSeq: string | undefined;
      let atSub = 0;
      if (ck !== undefined && ck === lastCk) {
        atSeq = lastSeq;
        atSub = lastSub;
      } else if (base.pos !== undefined) {
        atSeq = base.pos.seq;
        atSub = base.pos.sub;
      }
      if (atSeq !== undefined) {
        const c = compareSeq(seq, atSeq);
        if (c < 0 || (c === 0 && sub <= atSub)) {
          p.duplicates++;
          continue;
        }
      }
      const obs = r.obs;
      if (obs === undefined && cfg.invalidRecords === 'report') {
        p.end = j;
        p.stop = true;
        break;
      }
      let obsWindow = 0;
      let cls: Lateness = Lateness.OnTime;
      let maxEventMs = base.maxEventMs;
      // Deltas are found by series first (one string hash per record, as the floor does), then
      // by lane and window in a short list.
      let bySeries: Delta[] | undefined;
      let d: Delta | undefined;
      if (obs !== undefined) {
        if (obs.timeMs > maxEventMs) maxEventMs = obs.timeMs;
        obsWindow = windowStartOf(obs.timeMs, windowMs);
        cls = classifyLateness(
          obsWindow + windowMs,
          maxEventMs - cfg.allowedLatenessMs,
          cfg.maxLatenessMs,
        );
        if (cls !== Lateness.TooLate) {
          bySeries = p.deltas.get(obs.series);
          if (bySeries !== undefined) {
            for (let x = 0; x < bySeries.length; x++) {
              const y = bySeries[x]!;
              if (y.windowStartMs === obsWindow && y.lane === lane) {
                d = y;
                break;
              }
            }
          }
        }
      }
      // Already in its stored partial (an unfinished earlier attempt): skipped like a duplicate,
      // but the checkpoint and the lane's event time move past it as when it was applied.
      let done = false;
      if (applied.size > 0 && obs !== undefined && cls !== Lateness.TooLate) {
        const at = applied.get(partialKey(lane, obs.series, obsWindow));
        if (at !== undefined) {
          const c = compareSeq(seq, at.seq);
          done = c < 0 || (c === 0 && sub <= at.sub);
        }
      }
      // Would this record overflow the plan? (Its partials are split over transactions.)
      const newLane = ck === undefined ? 1 : 0;
      const newDelta =
        obs !== undefined && cls !== Lateness.TooLate && d === undefined && !done ? 1 : 0;
      if (
        (newDelta && p.deltaCount >= cfg.maxPartialsPerPlan) ||
        p.lanes.size + newLane > MAX_LANES_PER_PLAN
      ) {
        p.end = j;
        break;
      }
      if (ck === undefined) {
        ck = { lane, pos: base.pos, maxEventMs: base.maxEventMs, version: base.version };
        p.lanes.set(lane, ck);
      }
      let ord: number;
      if (oneLane) {
        ord = taken++;
      } else {
        ord = p.taken.get(lane) ?? 0;
        p.taken.set(lane, ord + 1);
      }
      // Positions are materialised once per lane switch and at the end, not per record.
      if (lastCk !== undefined && lastCk !== ck) lastCk.pos = { seq: lastSeq, sub: lastSub };
      lastCk = ck;
      lastSeq = seq;
      lastSub = sub;
      ck.maxEventMs = maxEventMs;
      if (p.first === undefined) p.first = { seq, sub };
      if (done) {
        p.duplicates++;
        continue;
      }
      if (obs === undefined) {
        p.invalid++;
        p.rejected.push(rejected(r, 'invalid', r.error));
        continue;
      }
      if (cls === Lateness.TooLate) {
        p.tooLate++;
        const rej = rejected(r, 'too-late');
        rej.windowStart = isoMs(obsWindow);
        p.rejected.push(rej);
        continue;
      }
      if (d === undefined) {
        d = {
          lane,
          series: obs.series,
          windowStartMs: obsWindow,
          meta: {
            series: obs.series,
            kind: obs.kind,
            metric: obs.metric,
            dimensions: obs.dimensions,
          },
          partial: new PartialAggregate(cfg.alpha, cfg.maxBins),
          lastSeq: seq,
          lastSub: sub,
          lastOrd: ord,
        };
        if (bySeries === undefined) p.deltas.set(obs.series, [d]);
        else bySeries.push(d);
        p.deltaCount++;
      }
      d.partial.add(obs.value);
      d.lastSeq = seq;
      d.lastSub = sub;
      d.lastOrd = ord;
      if (cls === Lateness.Correction) {
        d.partial.lateCount++;
        p.corrections++;
      }
      p.applied++;
    }
    if (lastCk !== undefined) {
      const pos = { seq: lastSeq, sub: lastSub };
      lastCk.pos = pos;
      p.last = pos;
    }
    if (oneLane && taken > 0) p.taken.set(lane, taken);
    return p;
  }

  /**
   * Commits a plan: its partials and their windows' dirty markers in transactions of at most
   * `maxPartialsPerCommit` partials, sent concurrently, and the lanes' checkpoints in the last
   * one, sent only once every other transaction committed. Each partial carries the lane position
   * it reaches, so a retry after a crash between them skips what was applied (see `applied`).
   * Returns the number of transactions, or `conflict` when the plan must be made again (a
   * concurrent commit, or partials found ahead of the checkpoint: added to `applied`).
   */
  private async commitPlan(
    shardId: string,
    plan: Plan,
    ckpts: Map<string, Checkpoint>,
    applied: Map<string, Position>,
    deadlineMs: number,
  ): Promise<number | 'conflict'> {
    const store = this.deps.store;
    const first = plan.first!;
    const last = plan.last!;
    const checkpoints: Commit['checkpoints'] = [];
    let writer: string | undefined;
    for (const [lane, after] of plan.lanes) {
      const before = ckpts.get(lane) ?? emptyCheckpoint(lane);
      checkpoints.push({ before, after: { ...after, version: before.version + 1 } });
      if (writer === undefined || lane < writer) writer = lane;
    }
    // Idempotency tokens (ClientRequestToken). DynamoDB answers a token it saw in the last 10
    // minutes with success and no write when the request is the same, and with
    // IdempotentParameterMismatchException (permanent: the batch fails, and fails again on every
    // redelivery while the token lives) when it is not; so a token must never name two contents.
    // `tokenBase` fixes the plan's records: the shard, the first and last positions, and per lane
    // (sorted) its checkpoint version (one position per version: versions only move through
    // conditional commits) and how many records the plan took on it. Lambda delivers a lane's
    // records in order and never past its first unapplied one (failures are reported from
    // there), so those are the lane's next records after its checkpoint: fixed by the base.
    // A record feeds exactly one delta, so (lane, ordinal of its last record) names a delta; its
    // records are the lane's of that (series, window) in the plan minus what an earlier attempt
    // folded into the stored partial (`applied`: at most the position stored with the version
    // the commit expects), so (expected version, record count after the merge) fix its content. Markers follow
    // from the deltas, checkpoints from the base. A crash between transactions leaves some
    // partials applied; the re-plan skips them and the packs shift, but each pack's token lists
    // its own deltas, so a shifted pack gets a new token; the pack carrying the checkpoints is
    // marked, as its deltas may have been another attempt's whole pack without them. Hashing
    // numbers instead of series names: the names were ~7-21 % of the engine's time.
    const laneNames = [...plan.lanes.keys()];
    if (laneNames.length > 1) laneNames.sort();
    let tokenBase = `${shardId}|${first.seq}.${first.sub}|${last.seq}.${last.sub}`;
    for (const lane of laneNames) {
      const before = ckpts.get(lane)?.version ?? 0;
      tokenBase += `|${lane}@${before}#${plan.taken.get(lane) ?? 0}`;
    }
    const laneIndex =
      laneNames.length > 1 ? new Map(laneNames.map((l, i) => [l, i] as const)) : undefined;
    // Rejected records first: once the checkpoint passes them they would never be seen again.
    // The key is deterministic, so a retry overwrites the same object.
    if (plan.rejected.length > 0) {
      await this.deps.rejects.put(
        `${shardId}/${first.seq}-${first.sub}_${last.seq}-${last.sub}`,
        plan.rejected,
      );
    }
    const deltas: Delta[] = [];
    for (const list of plan.deltas.values()) for (const d of list) deltas.push(d);
    const existing = deltas.length > 0 ? await store.loadPartials(deltas) : new Map();
    // A partial past its lane's checkpoint holds records of this plan: an earlier attempt's
    // transactions committed but not its checkpoint (crash, lost answer, concurrent duplicate).
    let ahead = false;
    for (const [k, prev] of existing as Map<string, StoredPartial>) {
      if (prev.pos === undefined) continue;
      const ckPos = ckpts.get(prev.lane)?.pos;
      if (ckPos !== undefined && comparePosition(prev.pos, ckPos) <= 0) continue;
      const known = applied.get(k);
      if (known !== undefined && comparePosition(known, prev.pos) >= 0) continue;
      applied.set(k, prev.pos);
      ahead = true;
    }
    if (ahead) return 'conflict';
    // A window's partials (one per lane) and its marker go in one transaction, so that a flush
    // never clears a marker without seeing every partial of the commit that wrote it.
    // With one lane every delta is a distinct window: a list, no lookup; several lanes share
    // windows, found by series and start.
    const groups: Array<{ partials: PackEntry[]; marker: DirtyMarker }> = [];
    const byWindow = plan.lanes.size > 1 ? new Map<string, { partials: PackEntry[] }>() : undefined;
    for (const d of deltas) {
      const prev =
        existing.size > 0 ? existing.get(partialKey(d.lane, d.series, d.windowStartMs)) : undefined;
      const merged = prev ? prev.partial.clone() : d.partial;
      if (prev) merged.merge(d.partial);
      const next: StoredPartial = {
        lane: d.lane,
        series: d.meta.series,
        windowStartMs: d.windowStartMs,
        version: (prev?.version ?? 0) + 1,
        partial: merged,
        pos: { seq: d.lastSeq, sub: d.lastSub },
      };
      const entry: PackEntry = {
        expectedVersion: prev?.version ?? 0,
        next,
        meta: d.meta,
        ord: d.lastOrd,
      };
      let wk = '';
      if (byWindow !== undefined) {
        wk = `${d.meta.series}\u0000${d.windowStartMs}`;
        const g = byWindow.get(wk);
        if (g !== undefined) {
          g.partials.push(entry);
          continue;
        }
      }
      const g = {
        partials: [entry],
        // Explicit fields, not a spread: V8 builds spread-then-extend literals on a slow path.
        marker: {
          series: d.meta.series,
          kind: d.meta.kind,
          metric: d.meta.metric,
          dimensions: d.meta.dimensions,
          windowStartMs: d.windowStartMs,
          windowEndMs: d.windowStartMs + this.cfg.windowMs,
          token: '',
        },
      };
      groups.push(g);
      byWindow?.set(wk, g);
    }
    // Pack the windows into transactions (≤ maxPartialsPerCommit partials, ≤ 100 actions).
    type Pack = { partials: PackEntry[]; markers: DirtyMarker[] };
    const packs: Pack[] = [];
    let cur: Pack = { partials: [], markers: [] };
    for (const g of groups) {
      const n = cur.partials.length + g.partials.length;
      if (
        cur.markers.length > 0 &&
        (n > this.cfg.maxPartialsPerCommit || n + cur.markers.length + 1 > MAX_TRANSACT_ACTIONS)
      ) {
        packs.push(cur);
        cur = { partials: [], markers: [] };
      }
      for (const e of g.partials) cur.partials.push(e);
      cur.markers.push(g.marker);
    }
    // The checkpoints ride with the last pack if they fit, else alone.
    const lastFits =
      cur.partials.length + cur.markers.length + checkpoints.length <= MAX_TRANSACT_ACTIONS;
    if (!lastFits) {
      packs.push(cur);
      cur = { partials: [], markers: [] };
    }
    packs.push(cur);
    const commits: Commit[] = [];
    for (let k = 0; k < packs.length; k++) {
      const pk = packs[k]!;
      // Fixed-width numbers per partial (lane, ordinal, expected version, count): unambiguous.
      const ids = new Float64Array(pk.partials.length * 4);
      let w = 0;
      for (const e of pk.partials) {
        ids[w++] = laneIndex === undefined ? 0 : laneIndex.get(e.next.lane)!;
        ids[w++] = e.ord;
        ids[w++] = e.expectedVersion;
        ids[w++] = e.next.partial.count;
      }
      const token = createHash('sha256')
        .update(k === packs.length - 1 ? `${tokenBase}|checkpoints` : tokenBase)
        .update(ids)
        .digest('hex')
        .slice(0, 36);
      for (const m of pk.markers) m.token = token;
      commits.push({ token, writer, checkpoints: [], partials: pk.partials, markers: pk.markers });
    }
    const final = commits.pop()!;
    final.checkpoints = checkpoints;
    if (commits.length > 0) {
      const results = await Promise.allSettled(commits.map((c) => store.commit(c, deadlineMs)));
      let conflict = false;
      for (const r of results) {
        if (r.status === 'rejected') throw r.reason;
        if (r.value === 'conflict') conflict = true;
      }
      if (conflict) return 'conflict';
    }
    const result = await store.commit(final, deadlineMs);
    return result === 'ok' ? commits.length + 1 : 'conflict';
  }

  /**
   * Emits every dirty window that ended at or before `watermarkMs` (at most `flushLimit`): merges
   * all lanes' partials, stores the window with revision + 1 when its content changed, sends it to
   * the window sink, then clears the marker if no commit touched the window meanwhile.
   * Returns the number of windows emitted.
   */
  async flush(watermarkMs: number, deadlineMs: number): Promise<number> {
    const { store, windows } = this.deps;
    const cfg = this.cfg;
    if (!Number.isFinite(watermarkMs) && watermarkMs < 0) return 0;
    const due = await store.dueMarkers(watermarkMs, cfg.flushLimit);
    try {
      // A window may have one marker per writer lane (DynamoDB store): it is merged once, and
      // every marker read before that merge is cleared with it (their commits are in the merge).
      const byWindow = new Map<string, DirtyMarker[]>();
      for (const m of due) {
        const wk = `${m.series}\u0000${m.windowStartMs}`;
        const list = byWindow.get(wk);
        if (list === undefined) byWindow.set(wk, [m]);
        else list.push(m);
      }
      const groups = [...byWindow.values()];
      if (groups.length === 0) return 0;
      // The stored revisions of every due window in one read where the store can.
      const stored = store.getWindows
        ? await store.getWindows(
            groups.map((g) => ({ series: g[0]!.series, windowStartMs: g[0]!.windowStartMs })),
          )
        : undefined;
      // Windows are independent: up to FLUSH_CONCURRENCY of them in flight; events keep the
      // markers' order (oldest window first).
      const results: Array<MetricsWindowEvent | undefined> = new Array(groups.length);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < groups.length && this.now() < deadlineMs) {
          const g = next++;
          const m = groups[g]![0]!;
          results[g] = await this.flushWindow(
            m,
            stored ? (stored.get(`${m.series}\u0000${m.windowStartMs}`) ?? null) : undefined,
          );
        }
      };
      const workers: Promise<void>[] = [];
      for (let w = 0; w < Math.min(FLUSH_CONCURRENCY, groups.length); w++) workers.push(worker());
      await Promise.all(workers);
      const events: MetricsWindowEvent[] = [];
      const done: DirtyMarker[] = [];
      for (let g = 0; g < groups.length; g++) {
        const e = results[g];
        if (e === undefined) continue;
        events.push(e);
        for (const m of groups[g]!) done.push(m);
      }
      if (events.length === 0) return 0;
      await windows.emit(events);
      await Promise.all(done.map((m) => store.clearMarker(m)));
      return events.length;
    } finally {
      await store.endFlush?.(due);
    }
  }

  /**
   * Merges one due window's partials and stores its next revision when the content changed.
   * Returns the event to send (new, or stored but perhaps never sent), or undefined when another
   * flush owns the newer content. `stored`: the stored window if already read (`null`: absent).
   */
  private async flushWindow(
    m: DirtyMarker,
    stored: StoredWindow | null | undefined,
  ): Promise<MetricsWindowEvent | undefined> {
    const { store } = this.deps;
    const cfg = this.cfg;
    const parts = await store.windowPartials(m.series, m.windowStartMs);
    if (parts.length === 0) return undefined;
    const merged = new PartialAggregate(cfg.alpha, cfg.maxBins);
    const vector: Record<string, number> = {};
    for (const p of parts) {
      merged.merge(p.partial);
      vector[p.lane] = p.version;
    }
    const current =
      stored === undefined
        ? await store.getWindow(m.series, m.windowStartMs)
        : (stored ?? undefined);
    const order = current ? compareVectors(vector, current.vector) : 'newer';
    // Stored but perhaps never sent (crash between the two): send the same revision again.
    if (order === 'equal' && current) return current.event;
    // Our read is older than what another flush stored: that flush (or a later one) emits.
    if (order !== 'newer') return undefined;
    const revision = current ? current.revision + 1 : 0;
    const event = this.windowEvent(m, merged, revision);
    const put = await store.putWindow(
      { series: m.series, windowStartMs: m.windowStartMs, revision, vector, event },
      current?.revision,
    );
    return put === 'conflict' ? undefined : event;
  }

  /** Builds the deterministic `metrics.window` CloudEvent of a window revision. */
  windowEvent(
    m: SeriesMeta & { windowStartMs: number },
    merged: PartialAggregate,
    revision: number,
  ) {
    const cfg = this.cfg;
    const windowStart = isoMs(m.windowStartMs);
    const windowEnd = isoMs(m.windowStartMs + cfg.windowMs);
    const event: MetricsWindowEvent = {
      specversion: '1.0',
      id: `${m.series}|${windowStart}|r${revision}`,
      source: cfg.source,
      type: 'metrics.window',
      time: windowEnd,
      subject: m.series,
      datacontenttype: 'application/json',
      data: {
        series: m.series,
        kind: m.kind,
        metric: m.metric,
        dimensions: m.dimensions,
        windowStart,
        windowEnd,
        windowSeconds: cfg.windowMs / 1000,
        revision,
        ...merged.stats(),
        ...(cfg.emitSketch ? { sketch: merged.sketch.toJSON() } : {}),
        lateCount: merged.lateCount,
        final: true,
      },
    };
    return event;
  }
}

/**
 * One shard's records of an invocation, in order: all of the source (the usual case: Lambda sends
 * one shard per invocation) or the given indexes. A class rather than closures, so that the
 * engine's calls through it stay monomorphic from one invocation to the next.
 */
class ShardView {
  readonly length: number;

  constructor(
    private readonly src: RecordSource,
    readonly shardId: string,
    private readonly idx: readonly number[] | undefined,
    private readonly laneByPartitionKey: boolean,
  ) {
    this.length = idx === undefined ? src.length : idx.length;
  }

  at(j: number): InputRecord {
    return this.src.at(this.idx === undefined ? j : this.idx[j]!);
  }

  /** The record's lane: its shard, or shard × partition key when parallelized. */
  laneAt(j: number): string {
    if (!this.laneByPartitionKey) return this.shardId;
    return `${this.shardId}#${this.src.partitionKeyAt(this.idx === undefined ? j : this.idx[j]!)}`;
  }
}

/** An array of input records as a {@link RecordSource}. */
class ArraySource implements RecordSource {
  constructor(private readonly records: readonly InputRecord[]) {}
  get length(): number {
    return this.records.length;
  }
  shardIdAt(i: number): string {
    return this.records[i]!.shardId;
  }
  partitionKeyAt(i: number): string {
    return this.records[i]!.partitionKey;
  }
  at(i: number): InputRecord {
    return this.records[i]!;
  }
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

/** Key of a partial in maps: lane, series, window start. */
export function partialKey(lane: string, series: string, windowStartMs: number): string {
  return `${lane}\u0000${series}\u0000${windowStartMs}`;
}

function emptyCheckpoint(lane: string): Checkpoint {
  return { lane, pos: undefined, maxEventMs: Number.NEGATIVE_INFINITY, version: 0 };
}

/** `newer`: a ≥ b everywhere and > somewhere; `equal`; `older`: a ≤ b; `concurrent`: neither. */
export function compareVectors(
  a: Record<string, number>,
  b: Record<string, number>,
): 'newer' | 'equal' | 'older' | 'concurrent' {
  let greater = false;
  let less = false;
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[k] ?? 0;
    const y = b[k] ?? 0;
    if (x > y) greater = true;
    else if (x < y) less = true;
  }
  if (greater && less) return 'concurrent';
  if (greater) return 'newer';
  if (less) return 'older';
  return 'equal';
}

// Records of a batch mostly share their arrival millisecond: format it once.
let lastArrivalMs = Number.NaN;
let lastArrivalIso = '';
function arrivalIso(ms: number): string {
  if (ms !== lastArrivalMs) {
    lastArrivalIso = isoMs(ms);
    lastArrivalMs = ms;
  }
  return lastArrivalIso;
}

function rejected(
  r: InputRecord,
  reason: RejectedRecord['reason'],
  error?: RejectedRecord['error'],
): RejectedRecord {
  // A string payload is the base64 of the record's bytes (the Kinesis event's own `data`).
  const bytes =
    typeof r.payload === 'string'
      ? Buffer.from(r.payload, 'base64')
      : Buffer.from(r.payload.buffer, r.payload.byteOffset, r.payload.byteLength);
  // Readable text when the bytes are UTF-8 (JSON, logs), else base64 (a KPL aggregate that failed
  // to decode, binary junk), so that nothing is lost or mangled.
  const utf8 = isUtf8(bytes);
  // Every field in one literal (one shape); undefined fields are left out of the JSON line.
  return {
    reason,
    shardId: r.shardId,
    sequenceNumber: r.seq,
    subSequenceNumber: r.sub,
    partitionKey: r.partitionKey,
    arrivalTime: arrivalIso(r.arrivalTimeMs),
    error,
    windowStart: undefined,
    data: bytes.toString(utf8 ? 'utf8' : 'base64'),
    dataEncoding: utf8 ? 'utf8' : 'base64',
  };
}
