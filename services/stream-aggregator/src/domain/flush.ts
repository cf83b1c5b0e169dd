import { digestOf, type MergedSeries, mergeWindow } from './merge.js';
import type { PartialAggregate } from './partial.js';
import type {
  DirtyMarker,
  FlushState,
  MetricsWindowEvent,
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
};

/** Windows a flush merges at once (each reads its deltas and writes its changed series). */
const FLUSH_CONCURRENCY = 4;
/** Series of one window whose revisions are stored at once (one conditional put each). */
const SERIES_CONCURRENCY = 32;
/** Attempts to store one series' next revision against concurrent flushes. */
const MAX_REVISION_ATTEMPTS = 4;

type WindowResult = {
  windowStartMs: number;
  events: MetricsWindowEvent[];
  state: FlushState;
  /** Every changed series was stored (false: some newer flush owns one; keep the markers). */
  complete: boolean;
  stateVersion: number | undefined;
};

/**
 * Emits dirty windows: merges every lane's deltas of a window (each event id once), compares each
 * series with what the window's last flush emitted, stores the changed ones with revision + 1
 * (conditional on the stored revision, ordered by the lanes' delta versions), sends them, then
 * records what was emitted and clears the markers no commit touched meanwhile.
 */
export class WindowFlusher {
  constructor(
    private readonly cfg: FlushConfig,
    private readonly store: StateStore,
    private readonly sink: WindowSink,
    private readonly now: () => number,
  ) {}

  /** Flushes the windows of `markers` (every marker of a window given is cleared if unchanged). */
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
    const worker = async (): Promise<void> => {
      while (next < windows.length && this.now() < deadlineMs) {
        const w = next++;
        results[w] = await this.flushWindow(windows[w]!, deadlineMs);
      }
    };
    const workers: Promise<void>[] = [];
    for (let w = 0; w < Math.min(FLUSH_CONCURRENCY, windows.length); w++) workers.push(worker());
    await Promise.all(workers);
    const events: MetricsWindowEvent[] = [];
    for (const r of results) if (r) for (const e of r.events) events.push(e);
    if (events.length > 0) await this.sink.emit(events, deadlineMs);
    // Only after the events went out: what was emitted, then the markers.
    await Promise.all(
      results.map(async (r) => {
        if (r === undefined) return;
        if (r.events.length > 0) {
          await this.store.putFlushState(r.windowStartMs, r.state, r.stateVersion, deadlineMs);
        }
        if (r.complete) {
          await Promise.all(
            byWindow.get(r.windowStartMs)!.map((m) => this.store.clearMarker(m, deadlineMs)),
          );
        }
      }),
    );
    return events.length;
  }

  private async flushWindow(windowStartMs: number, deadlineMs: number): Promise<WindowResult> {
    const store = this.store;
    const deltas = await store.windowDeltas(windowStartMs, deadlineMs);
    const vector: Record<string, number> = {};
    for (const d of deltas) {
      if ((vector[d.lane] ?? 0) < d.version) vector[d.lane] = d.version;
    }
    const merged = mergeWindow(deltas, this.cfg.alpha, this.cfg.maxBins);
    const prevState = await store.getFlushState(windowStartMs, deadlineMs);
    const state: FlushState = {
      version: (prevState?.version ?? 0) + 1,
      series: new Map(prevState?.series ?? []),
    };
    // The changed series, stored SERIES_CONCURRENCY at a time; events keep the series order.
    const changed: Array<{ s: string; m: MergedSeries; digest: string; prev?: number }> = [];
    for (const s of [...merged.keys()].sort()) {
      const m = merged.get(s)!;
      const digest = digestOf(this.windowEvent(m.meta, windowStartMs, m.partial, 0).data);
      const prev = state.series.get(s);
      if (prev?.digest !== digest) changed.push({ s, m, digest, prev: prev?.revision });
    }
    const stored: Array<MetricsWindowEvent | undefined> = new Array(changed.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < changed.length) {
        const c = changed[next]!;
        stored[next++] = await this.storeRevision(
          c.m,
          windowStartMs,
          vector,
          c.digest,
          c.prev,
          deadlineMs,
        );
      }
    };
    const workers: Promise<void>[] = [];
    for (let w = 0; w < Math.min(SERIES_CONCURRENCY, changed.length); w++) workers.push(worker());
    await Promise.all(workers);
    const events: MetricsWindowEvent[] = [];
    let complete = true;
    for (let i = 0; i < changed.length; i++) {
      const e = stored[i];
      if (e === undefined) {
        complete = false;
        continue;
      }
      events.push(e);
      state.series.set(changed[i]!.s, { digest: changed[i]!.digest, revision: e.data.revision });
    }
    return { windowStartMs, events, state, complete, stateVersion: prevState?.version };
  }

  /**
   * Stores the series' next revision and returns the event to send: new, or the stored one when
   * it has the same content (stored by an attempt that may not have sent it). Undefined when the
   * stored revision comes from a newer (or concurrent) read of the deltas: that flush emits.
   */
  private async storeRevision(
    m: MergedSeries,
    windowStartMs: number,
    vector: Record<string, number>,
    digest: string,
    knownRevision: number | undefined,
    deadlineMs: number,
  ): Promise<MetricsWindowEvent | undefined> {
    let expected = knownRevision;
    for (let attempt = 0; attempt < MAX_REVISION_ATTEMPTS; attempt++) {
      const revision = expected === undefined ? 0 : expected + 1;
      const event = this.windowEvent(m.meta, windowStartMs, m.partial, revision);
      const put = await this.store.putWindow(
        { series: m.meta.series, windowStartMs, revision, vector, digest, event },
        expected,
        deadlineMs,
      );
      if (put === 'ok') return event;
      const current = await this.store.getWindow(m.meta.series, windowStartMs, deadlineMs);
      if (current === undefined) {
        expected = undefined;
        continue;
      }
      if (current.digest === digest) return current.event;
      if (compareVectors(vector, current.vector) !== 'newer') return undefined;
      expected = current.revision;
    }
    return undefined;
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
