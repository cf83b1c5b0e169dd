import { decodeDelta, encodeDelta } from '../../src/domain/delta-codec.js';
import type { Aggregator } from '../../src/domain/engine.js';
import type {
  Checkpoint,
  Delta,
  DirtyMarker,
  FlushState,
  MetricsWindowEvent,
  RejectedRecord,
  RejectSink,
  StateStore,
  WindowDelta,
  WindowRef,
  WindowSink,
} from '../../src/domain/types.js';

/** Error a fault hook throws to simulate throttling. */
export class SimulatedThrottle extends Error {
  override name = 'SimulatedThrottle';
}

/**
 * How a write fails in tests (see {@link MemoryStore.faults}): `throw` before it reaches the
 * table, `lost` after it was applied (a crash or a lost answer).
 */
export type WriteFault = 'throw' | 'lost';

/** A fault hook failing about `p` of the calls, each way in turn at random. */
export function randomFaults(rand: () => number, p: number): () => WriteFault | undefined {
  const kinds: WriteFault[] = ['throw', 'lost'];
  return () => (rand() < p ? kinds[Math.floor(rand() * kinds.length)] : undefined);
}

/**
 * A StateStore in memory with DynamoDB's conditions (new chain versions, revisions) and
 * copy-on-read (deltas go through their stored encoding), so that the engine cannot share
 * objects with the "table". `faults` lets a test fail writes.
 */
export class MemoryStore implements StateStore {
  /** lane → version → encoded delta. */
  chains = new Map<string, Map<number, Uint8Array>>();
  /** window start → lane → listed versions. */
  index = new Map<number, Map<string, Set<number>>>();
  markers = new Map<string, DirtyMarker>();
  /** `windowStart/shard` → stored flush state. */
  flushStates = new Map<string, { version: number; json: string }>();
  faults: {
    append?: (d: Delta) => WriteFault | undefined;
    mark?: () => WriteFault | undefined;
    /** A flush-state write: `lost` = written, then the writer crashed (nothing after it ran). */
    flushState?: (state: FlushState) => WriteFault | undefined;
  } = {};
  /** Called before every flush-state write is applied (tests interleave flushers here). */
  beforeFlushStatePut?: (windowStartMs: number, state: FlushState) => Promise<void>;
  /** Deltas appended (conditional writes that succeeded). */
  appends = 0;

  async loadHeads(lanes: readonly string[]): Promise<Map<string, Checkpoint>> {
    const out = new Map<string, Checkpoint>();
    for (const lane of lanes) {
      const chain = this.chains.get(lane);
      if (!chain || chain.size === 0) continue;
      const d = decodeDelta(chain.get(Math.max(...chain.keys()))!);
      out.set(lane, { lane, pos: d.pos, maxEventMs: d.maxEventMs, version: d.version });
    }
    return out;
  }

  async markWindows(
    lane: string,
    version: number,
    windows: readonly WindowRef[],
    at: number,
  ): Promise<void> {
    const fault = this.faults.mark?.();
    if (fault === 'throw') throw new SimulatedThrottle('throttled');
    for (const w of windows) {
      let byLane = this.index.get(w.windowStartMs);
      if (!byLane) {
        byLane = new Map();
        this.index.set(w.windowStartMs, byLane);
      }
      const set = byLane.get(lane) ?? new Set();
      set.add(version);
      byLane.set(lane, set);
      this.markers.set(`${w.windowStartMs}\u0000${lane}`, {
        ...w,
        lane,
        token: String(version),
        at,
      });
    }
    if (fault === 'lost') throw new SimulatedThrottle('answer lost after the write');
  }

  async appendDelta(d: Delta): Promise<'ok' | 'conflict'> {
    const fault = this.faults.append?.(d);
    if (fault === 'throw') throw new SimulatedThrottle('throttled');
    let chain = this.chains.get(d.lane);
    if (!chain) {
      chain = new Map();
      this.chains.set(d.lane, chain);
    }
    if (chain.has(d.version)) return 'conflict';
    chain.set(d.version, encodeDelta(d));
    this.appends++;
    if (fault === 'lost') throw new SimulatedThrottle('answer lost after the write');
    return 'ok';
  }

  async dueMarkers(watermarkMs: number, limit: number): Promise<DirtyMarker[]> {
    return [...this.markers.values()]
      .filter((m) => m.windowEndMs <= watermarkMs)
      .sort((a, b) => a.windowEndMs - b.windowEndMs)
      .slice(0, limit)
      .map((m) => ({ ...m }));
  }

  async allMarkers(limit: number): Promise<DirtyMarker[]> {
    return this.dueMarkers(Number.POSITIVE_INFINITY, limit);
  }

  async windowDeltas(windowStartMs: number): Promise<WindowDelta[]> {
    const out: WindowDelta[] = [];
    for (const [lane, versions] of this.index.get(windowStartMs) ?? []) {
      for (const v of versions) {
        const bytes = this.chains.get(lane)?.get(v);
        if (bytes === undefined) continue;
        out.push({ lane, version: v, entries: () => decodeDelta(bytes, windowStartMs).entries });
      }
    }
    return out;
  }

  async getFlushStates(windowStartMs: number): Promise<Map<number, FlushState>> {
    const out = new Map<number, FlushState>();
    for (const [k, s] of this.flushStates) {
      const [w, shard] = k.split('/');
      if (Number(w) !== windowStartMs) continue;
      out.set(Number(shard), { version: s.version, series: new Map(JSON.parse(s.json)) });
    }
    return out;
  }

  async putFlushState(
    windowStartMs: number,
    shard: number,
    state: FlushState,
    expectedVersion: number | undefined,
  ): Promise<'ok' | 'conflict'> {
    await this.beforeFlushStatePut?.(windowStartMs, state);
    const fault = this.faults.flushState?.(state);
    if (fault === 'throw') throw new SimulatedThrottle('throttled');
    const k = `${windowStartMs}/${shard}`;
    if (this.flushStates.get(k)?.version !== expectedVersion) return 'conflict';
    this.flushStates.set(k, { version: state.version, json: JSON.stringify([...state.series]) });
    if (fault === 'lost') throw new SimulatedThrottle('answer lost after the write');
    return 'ok';
  }

  async clearMarker(m: DirtyMarker): Promise<void> {
    const k = `${m.windowStartMs}\u0000${m.lane}`;
    if (this.markers.get(k)?.token === m.token) this.markers.delete(k);
  }
}

/** Flushes until no window is dirty (time has passed: every watermark is past every window). */
export async function drain(engine: Aggregator, store: MemoryStore): Promise<void> {
  for (let round = 0; store.markers.size > 0; round++) {
    if (round > 50) throw new Error(`${store.markers.size} markers left after 50 flushes`);
    await engine.flush(Number.MAX_SAFE_INTEGER, Number.POSITIVE_INFINITY);
  }
}

/** Collects emitted windows; `failNext` makes the next emit throw. */
export class MemoryWindowSink implements WindowSink {
  events: MetricsWindowEvent[] = [];
  failNext = 0;
  async emit(events: readonly MetricsWindowEvent[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new SimulatedThrottle('sink down');
    }
    this.events.push(...structuredClone(events));
  }
  /** Latest revision of every window by `series|windowStart`. */
  latest(): Map<string, MetricsWindowEvent> {
    const out = new Map<string, MetricsWindowEvent>();
    for (const e of this.events) {
      const k = `${e.data.series}|${e.data.windowStart}`;
      const prev = out.get(k);
      if (!prev || prev.data.revision <= e.data.revision) out.set(k, e);
    }
    return out;
  }
}

/** Collects rejected records by batch key (a retry overwrites, as an S3 key would). */
export class MemoryRejectSink implements RejectSink {
  objects = new Map<string, RejectedRecord[]>();
  async put(batchKey: string, records: readonly RejectedRecord[]): Promise<void> {
    this.objects.set(batchKey, structuredClone([...records]));
  }
  all(): RejectedRecord[] {
    return [...this.objects.values()].flat();
  }
}
