import { fnv1a } from './hash.js';
import { digestOf, type MergedSeries, mergeWindow } from './merge.js';
import type { PartialAggregate } from './partial.js';
import type {
  DirtyMarker,
  FlushState,
  MetricsWindowEvent,
  SeriesFlushState,
  SeriesMeta,
  StateStore,
  WindowSink,
} from './types.js';
import { isoMs } from './window.js';

/** What flushing needs of the engine's configuration. */
export type FlushConfig = {
  windowMs: number;
  alpha: number;
  maxBins: number;
  emitSketch: boolean;
  source: string;
  /** Shards of a window's flush state, by series hash (`flushShardOf`). */
  flushShards: number;
};

/** Windows a flush merges at once (each reads its deltas and writes its flush state). */
const FLUSH_CONCURRENCY = 4;
/** Attempts to assign a window's revisions against concurrent flushes (each reads everything again). */
const MAX_FLUSH_ATTEMPTS = 4;
/**
 * A Lambda invocation runs at most 15 minutes: a marker set longer ago than this (plus a minute
 * of clock skew) belongs to a commit whose append, if it happened at all, happened before the
 * flush read the deltas.
 */
const MAX_WRITER_MS = 16 * 60_000;

/** The flush-state shard of a series: FNV-1a of its key modulo the shard count. */
export function flushShardOf(series: string, shards: number): number {
  return shards <= 1 ? 0 : fnv1a(series) % shards;
}

type ShardResult = { shard: number; state: FlushState; events: MetricsWindowEvent[] };

type WindowResult = {
  windowStartMs: number;
  /** Shards whose revisions this flush assigned (or found pending) and must send. */
  shards: ShardResult[];
  /** Every shard was settled (false: concurrent flushes won every attempt; keep the markers). */
  complete: boolean;
  /** lane → highest delta version read (the markers it covers can be cleared). */
  vector: Record<string, number>;
  /** Processing time before the deltas were read. */
  readAt: number;
};

/**
 * Emits dirty windows: merges every lane's deltas of a window (each event id once) and compares
 * each series with the window's flush state. The state orders revisions: read before the deltas
 * and written back (conditionally on its version) with the changed series' revisions marked
 * pending, before anything is sent; then the events go out, then the pending marks are cleared,
 * then the markers whose commits the flush read. A flush that finds a revision pending (its
 * sender crashed or failed) sends it again. See docs/aggregator-design.md, "Flush".
 */
export class WindowFlusher {
  constructor(
    private readonly cfg: FlushConfig,
    private readonly store: StateStore,
    private readonly sink: WindowSink,
    private readonly now: () => number,
  ) {}

  /** Flushes the windows of `markers` (a marker is cleared if unchanged and its delta was read). */
  async flush(markers: readonly DirtyMarker[], deadlineMs: number): Promise<number> {
    const byWindow = new Map<number, DirtyMarker[]>();
    for (const m of markers) {
      const list = byWindow.get(m.windowStartMs);
      if (list === undefined) byWindow.set(m.windowStartMs, [m]);
      else list.push(m);
    }
    const windows = [...byWindow.keys()].sort((a, b) => a - b);
    if (windows.length === 0) return 0;
    const results: Array<WindowResult | undefined> = new Array(windows.length);
    let next = 0;
    // A window that cannot be flushed (e.g. a flush-state shard too large) must not hold back the
    // others: they are sent, and its error is thrown at the end (its markers stay).
    const failures: unknown[] = [];
    const worker = async (): Promise<void> => {
      while (next < windows.length && this.now() < deadlineMs) {
        const w = next++;
        try {
          results[w] = await this.flushWindow(windows[w]!, deadlineMs);
        } catch (error) {
          failures.push(error);
        }
      }
    };
    const workers: Promise<void>[] = [];
    for (let w = 0; w < Math.min(FLUSH_CONCURRENCY, windows.length); w++) workers.push(worker());
    await Promise.all(workers);
    const events: MetricsWindowEvent[] = [];
    for (const r of results)
      if (r) for (const s of r.shards) for (const e of s.events) events.push(e);
    if (events.length > 0) await this.sink.emit(events, deadlineMs);
    // Only after the events went out: the pending marks, then the markers.
    await Promise.all(
      results.map(async (r) => {
        if (r === undefined) return;
        await Promise.all(
          r.shards.map((s) =>
            // A conflict means a later flush took the shard over: it sends what is pending.
            this.store.putFlushState(
              r.windowStartMs,
              s.shard,
              sent(s.state),
              s.state.version,
              deadlineMs,
            ),
          ),
        );
        if (!r.complete) return;
        await Promise.all(
          byWindow
            .get(r.windowStartMs)!
            .filter((m) => covered(m, r))
            .map((m) => this.store.clearMarker(m, deadlineMs)),
        );
      }),
    );
    if (failures.length > 0) throw failures[0];
    return events.length;
  }

  private async flushWindow(windowStartMs: number, deadlineMs: number): Promise<WindowResult> {
    const store = this.store;
    const shards = this.cfg.flushShards;
    const done: ShardResult[] = [];
    let todo = new Set(Array.from({ length: shards }, (_, k) => k));
    let vector: Record<string, number> = {};
    let readAt = this.now();
    for (let attempt = 0; attempt < MAX_FLUSH_ATTEMPTS && todo.size > 0; attempt++) {
      if (attempt > 0 && this.now() >= deadlineMs) break;
      // The state first, then the deltas: whatever the state's writer read was committed before
      // it wrote, so the deltas read now include it, and a conditional write on the version read
      // here cannot put an older merge over a newer one.
      const states = await store.getFlushStates(windowStartMs, deadlineMs);
      readAt = this.now();
      const deltas = await store.windowDeltas(windowStartMs, deadlineMs);
      vector = {};
      for (const d of deltas) if ((vector[d.lane] ?? 0) < d.version) vector[d.lane] = d.version;
      const merged = mergeWindow(deltas, this.cfg.alpha, this.cfg.maxBins);
      const byShard = new Map<number, string[]>();
      for (const s of merged.keys()) {
        const k = flushShardOf(s, shards);
        if (!todo.has(k)) continue;
        const list = byShard.get(k);
        if (list === undefined) byShard.set(k, [s]);
        else list.push(s);
      }
      const plans: ShardResult[] = [];
      for (const k of todo) {
        const prev = states.get(k);
        const plan = this.planShard(k, prev, byShard.get(k) ?? [], merged, windowStartMs);
        if (plan === undefined) todo.delete(k);
        else plans.push(plan);
      }
      const puts = await Promise.all(
        plans.map((p) =>
          store.putFlushState(
            windowStartMs,
            p.shard,
            p.state,
            states.get(p.shard)?.version,
            deadlineMs,
          ),
        ),
      );
      const left = new Set<number>();
      plans.forEach((p, i) => {
        if (puts[i] === 'ok') done.push(p);
        else left.add(p.shard);
      });
      todo = left;
    }
    return { windowStartMs, shards: done, complete: todo.size === 0, vector, readAt };
  }

  /**
   * The next state of one shard and the events it must send: every series whose digest changed
   * gets revision + 1, pending; a pending revision whose content is unchanged is sent again as it
   * was. Undefined when the shard has nothing to send.
   */
  private planShard(
    shard: number,
    prev: FlushState | undefined,
    seriesKeys: readonly string[],
    merged: ReadonlyMap<string, MergedSeries>,
    windowStartMs: number,
  ): ShardResult | undefined {
    const state: FlushState = {
      version: (prev?.version ?? 0) + 1,
      series: new Map(prev?.series ?? []),
    };
    const events: MetricsWindowEvent[] = [];
    for (const s of [...seriesKeys].sort()) {
      const m = merged.get(s)!;
      const digest = digestOf(this.windowEvent(m.meta, windowStartMs, m.partial, 0).data);
      const known = state.series.get(s);
      if (known?.digest === digest) {
        if (known.pending)
          events.push(this.windowEvent(m.meta, windowStartMs, m.partial, known.revision));
        continue;
      }
      const revision = known === undefined ? 0 : known.revision + 1;
      state.series.set(s, { digest, revision, pending: true });
      events.push(this.windowEvent(m.meta, windowStartMs, m.partial, revision));
    }
    return events.length === 0 ? undefined : { shard, state, events };
  }

  /** The deterministic `metrics.window` CloudEvent of a window revision. */
  windowEvent(
    meta: SeriesMeta,
    windowStartMs: number,
    merged: PartialAggregate,
    revision: number,
  ): MetricsWindowEvent {
    const cfg = this.cfg;
    const windowStart = isoMs(windowStartMs);
    const windowEnd = isoMs(windowStartMs + cfg.windowMs);
    return {
      specversion: '1.0',
      id: `${meta.series}|${windowStart}|r${revision}`,
      source: cfg.source,
      type: 'metrics.window',
      time: windowEnd,
      subject: meta.series,
      datacontenttype: 'application/json',
      data: {
        series: meta.series,
        kind: meta.kind,
        metric: meta.metric,
        dimensions: meta.dimensions,
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
  }
}

/** The state once its events were sent: the same revisions, none pending. */
function sent(state: FlushState): FlushState {
  const series = new Map<string, SeriesFlushState>();
  for (const [s, v] of state.series) series.set(s, v.pending ? { ...v, pending: false } : v);
  return { version: state.version + 1, series };
}

/**
 * A marker may be cleared when the flush read its delta (its version ≤ the lane's highest version
 * read), or when its commit is older than any invocation can run (a version listed and marked
 * but never appended, e.g. its records expired before a retry). Without this, a flush that read
 * a marker before its delta was appended would clear it and leave the delta's events unemitted.
 */
function covered(m: DirtyMarker, r: WindowResult): boolean {
  return (r.vector[m.lane] ?? 0) >= Number(m.token) || m.at <= r.readAt - MAX_WRITER_MS;
}
