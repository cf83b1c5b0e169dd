import { describe, expect, it } from '@jest/globals';
import { Aggregator, DEFAULT_ENGINE_CONFIG, type EngineConfig } from '../../src/domain/engine.js';
import { flushShardOf } from '../../src/domain/flush.js';
import type { FlushState, WindowDelta } from '../../src/domain/types.js';
import { MemoryRejectSink, MemoryStore, MemoryWindowSink } from '../helpers/memory-store.js';
import { obsRecord, seqOf } from '../helpers/records.js';

// The flush state orders a window's revisions: written (revisions pending) before the send,
// cleared after it. These tests stop a flush between its steps.
const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const W0 = new Date(T0).toISOString();
const S1 = 'shardId-000000000001';
const S2 = 'shardId-000000000002';
const NEVER = Number.POSITIVE_INFINITY;

function container(
  store: MemoryStore,
  windows: MemoryWindowSink,
  over: Partial<EngineConfig> = {},
) {
  return new Aggregator(
    { ...DEFAULT_ENGINE_CONFIG, ...over },
    { store, windows, rejects: new MemoryRejectSink(), now: () => 0 },
  );
}

/** A store, a sink and one container on them. */
function fresh(over: Partial<EngineConfig> = {}) {
  const store = new MemoryStore();
  const windows = new MemoryWindowSink();
  return { store, windows, agg: container(store, windows, over) };
}

const ev = (shard: string, i: number, value: number, series = 'cpu') =>
  obsRecord(shard, seqOf(i), 0, { series, timeMs: T0 + 1000 + i, value });

/** Every emitted event id with the contents it was sent with (each must have one). */
function contentsById(windows: MemoryWindowSink): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const e of windows.events) {
    const set = out.get(e.id) ?? new Set();
    set.add(JSON.stringify(e.data));
    out.set(e.id, set);
  }
  return out;
}

describe('window flush: a crash between the flush-state write and the send', () => {
  it('sends the pending revision at the next flush, once its writer crashed after the state write', async () => {
    // Prepare: the first state write lands, then its writer dies (nothing after it runs).
    const { store, windows, agg } = fresh();
    await agg.processBatch([ev(S1, 1, 5), ev(S1, 2, 7)], NEVER);
    let crashes = 1;
    store.faults.flushState = () => (crashes-- > 0 ? 'lost' : undefined);
    // Act
    await expect(agg.flush(Number.MAX_SAFE_INTEGER, NEVER)).rejects.toThrow('answer lost');
    const sentBefore = windows.events.length;
    const emitted = await agg.flush(Number.MAX_SAFE_INTEGER, NEVER);
    // Assess: the revision the crashed flush assigned is sent, as it was assigned (r0).
    expect(sentBefore).toBe(0);
    expect(emitted).toBe(1);
    expect(windows.events.map((e) => e.id)).toEqual([`cpu|${W0}|r0`]);
    expect(windows.events[0]!.data).toMatchObject({ count: 2, sum: 12 });
    expect(store.markers.size).toBe(0);
    const [state] = [...store.flushStates.values()];
    expect(JSON.parse(state!.json)).toEqual([
      ['cpu', { digest: expect.any(String), revision: 0, pending: false }],
    ]);
  });

  it('sends the same revision again after a failed send, and a new one only for new events', async () => {
    // Prepare
    const { windows, agg } = fresh();
    await agg.processBatch([ev(S1, 1, 5)], NEVER);
    windows.failNext = 1;
    // Act: the send fails; the next flush resends; a correction then makes r1.
    await expect(agg.flush(Number.MAX_SAFE_INTEGER, NEVER)).rejects.toThrow('sink down');
    await agg.flush(Number.MAX_SAFE_INTEGER, NEVER);
    await agg.processBatch([ev(S1, 2, 3)], NEVER);
    await agg.flush(Number.MAX_SAFE_INTEGER, NEVER);
    // Assess
    expect(windows.events.map((e) => `${e.id} ${e.data.count}`)).toEqual([
      `cpu|${W0}|r0 1`,
      `cpu|${W0}|r1 2`,
    ]);
  });

  it('sends nothing new when a batch is redelivered after its window was flushed', async () => {
    // Prepare
    const { store, windows, agg } = fresh();
    const batch = [ev(S1, 1, 5), ev(S1, 2, 7)];
    await agg.processBatch(batch, NEVER);
    await agg.flush(Number.MAX_SAFE_INTEGER, NEVER);
    // Act: the same batch again (a lost response), in a new container with no cached head.
    const again = container(store, windows);
    const out = await again.processBatch(batch, NEVER);
    const emitted = await again.flush(Number.MAX_SAFE_INTEGER, NEVER);
    // Assess
    expect(out.duplicates).toBe(2);
    expect(emitted).toBe(0);
    expect(windows.events.map((e) => e.id)).toEqual([`cpu|${W0}|r0`]);
  });
});

describe('window flush: two flushers racing', () => {
  it('never stores an older merge over a newer one: the flusher that read less retries and sends nothing stale', async () => {
    // Prepare: container A commits e1; when A's flush is about to write the state, container B
    // commits e2 and flushes the window completely.
    const store = new MemoryStore();
    const windows = new MemoryWindowSink();
    const a = container(store, windows);
    const b = container(store, windows);
    await a.processBatch([ev(S1, 1, 5)], NEVER);
    let raced = false;
    store.beforeFlushStatePut = async () => {
      if (raced) return;
      raced = true;
      await b.processBatch([ev(S2, 2, 7)], NEVER);
      await b.flush(Number.MAX_SAFE_INTEGER, NEVER);
    };
    // Act
    await a.flush(Number.MAX_SAFE_INTEGER, NEVER);
    // Assess: B's revision r0 holds both events; A's merge of e1 alone was never sent.
    expect(raced).toBe(true);
    const byId = contentsById(windows);
    for (const contents of byId.values()) expect(contents.size).toBe(1);
    expect(windows.latest().get(`cpu|${W0}`)!.data).toMatchObject({ count: 2, sum: 12 });
    expect(windows.events.every((e) => e.data.count === 2)).toBe(true);
  });

  it('gives the revision to one of two flushers that read the same deltas; the other resends it unchanged', async () => {
    // Prepare: A and B both read the window; B writes its state first (between A's read and write).
    const store = new MemoryStore();
    const windows = new MemoryWindowSink();
    const a = container(store, windows);
    const b = container(store, windows);
    await a.processBatch([ev(S1, 1, 5), ev(S1, 2, 9)], NEVER);
    const written: FlushState[] = [];
    let raced = false;
    store.beforeFlushStatePut = async (_w, state) => {
      written.push(state);
      if (raced) return;
      raced = true;
      await b.flush(Number.MAX_SAFE_INTEGER, NEVER);
    };
    // Act
    await a.flush(Number.MAX_SAFE_INTEGER, NEVER);
    await a.flush(Number.MAX_SAFE_INTEGER, NEVER);
    // Assess: one revision (r0), one content; no r1 for unchanged data.
    expect(windows.events.map((e) => e.id)).toEqual([`cpu|${W0}|r0`]);
    expect(windows.latest().get(`cpu|${W0}`)!.data).toMatchObject({ count: 2, sum: 14 });
    expect(store.markers.size).toBe(0);
  });
});

describe('window flush: a window that cannot be flushed', () => {
  it('sends the other windows, keeps its markers and reports its error', async () => {
    // Prepare: two windows; every flush-state write of the first one fails.
    const { store, windows, agg } = fresh();
    await agg.processBatch(
      [
        ev(S1, 1, 5, 'a'),
        obsRecord(S1, seqOf(2), 0, { series: 'b', timeMs: T0 + 61_000, value: 3 }),
      ],
      NEVER,
    );
    store.faults.flushState = (state) =>
      [...state.series.keys()].includes('a') ? 'throw' : undefined;
    // Act
    await expect(agg.flush(Number.MAX_SAFE_INTEGER, NEVER)).rejects.toThrow('throttled');
    // Assess
    expect(windows.events.map((e) => e.data.series)).toEqual(['b']);
    expect([...store.markers.values()].map((m) => m.windowStartMs)).toEqual([T0]);
  });
});

describe('window flush: markers', () => {
  it('keeps a marker whose delta was not appended when the flush read the window', async () => {
    // Prepare: a commit listed and marked version 1 of its lane, and has not appended it yet.
    const { store, windows, agg } = fresh();
    const w = { windowStartMs: T0, windowEndMs: T0 + 60_000 };
    await store.markWindows(S1, 1, [w], 0);
    // Act: a flush runs now; then the append lands, and a later flush runs.
    const first = await agg.flush(Number.MAX_SAFE_INTEGER, NEVER);
    const keptAfterFirst = store.markers.size;
    await store.appendDelta({
      lane: S1,
      version: 1,
      pos: { seq: seqOf(1), sub: 0 },
      maxEventMs: T0 + 1000,
      at: 0,
      entries: [
        {
          meta: { series: 'cpu', kind: 'telemetry', metric: 'cpu', dimensions: {} },
          windowStartMs: T0,
          ids: [11],
          values: [4],
          late: [0],
        },
      ],
    });
    const second = await agg.flush(Number.MAX_SAFE_INTEGER, NEVER);
    // Assess
    expect(first).toBe(0);
    expect(keptAfterFirst).toBe(1);
    expect(second).toBe(1);
    expect(windows.events[0]!.data).toMatchObject({ count: 1, sum: 4 });
    expect(store.markers.size).toBe(0);
  });

  it('clears a marker whose version was never appended once its commit is older than any invocation', async () => {
    // Prepare
    let now = 0;
    const store = new MemoryStore();
    const agg = new Aggregator(DEFAULT_ENGINE_CONFIG, {
      store,
      windows: new MemoryWindowSink(),
      rejects: new MemoryRejectSink(),
      now: () => now,
    });
    await store.markWindows(S1, 1, [{ windowStartMs: T0, windowEndMs: T0 + 60_000 }], now);
    // Act
    now += 15 * 60_000;
    await agg.flush(Number.MAX_SAFE_INTEGER, NEVER);
    const at15 = store.markers.size;
    now += 2 * 60_000;
    await agg.flush(Number.MAX_SAFE_INTEGER, NEVER);
    // Assess
    expect(at15).toBe(1);
    expect(store.markers.size).toBe(0);
  });
});

describe('window flush: decoding', () => {
  it('decodes each delta of the window once, when the merge reaches it, and takes lanes and versions from the keys', async () => {
    // Prepare: the memory store's deltas, with their decoding counted.
    const { store, windows, agg } = fresh({ maxEventsPerDelta: 1 });
    await agg.processBatch([ev(S1, 1, 5), ev(S1, 2, 7), ev(S1, 3, 9)], NEVER);
    const calls: string[] = [];
    const read = store.windowDeltas.bind(store);
    store.windowDeltas = async (w: number): Promise<WindowDelta[]> =>
      (await read(w)).map((d) => ({
        lane: d.lane,
        version: d.version,
        entries: () => {
          calls.push(`${d.lane}@${d.version}`);
          return d.entries();
        },
      }));
    // Act
    await agg.flush(Number.MAX_SAFE_INTEGER, NEVER);
    // Assess
    expect(calls.sort()).toEqual([`${S1}@1`, `${S1}@2`, `${S1}@3`]);
    expect(windows.events[0]!.data).toMatchObject({ count: 3, sum: 21 });
    expect(store.markers.size).toBe(0);
  });
});

describe('window flush: the flush state sharded by series hash', () => {
  it('stores each series in its shard and emits every series once', async () => {
    // Prepare
    const { store, windows, agg } = fresh({ flushShards: 4 });
    const series = Array.from({ length: 40 }, (_, i) => `m${i}`);
    // Act
    await agg.processBatch(
      series.map((s, i) => ev(S1, i + 1, i, s)),
      NEVER,
    );
    await agg.flush(Number.MAX_SAFE_INTEGER, NEVER);
    // Assess
    expect(windows.events).toHaveLength(40);
    expect([...store.flushStates.keys()].sort()).toEqual([0, 1, 2, 3].map((k) => `${T0}/${k}`));
    for (const [key, s] of store.flushStates) {
      const shard = Number(key.split('/')[1]);
      for (const [name] of JSON.parse(s.json) as Array<[string]>) {
        expect(flushShardOf(name, 4)).toBe(shard);
      }
    }
  });
});
