import { describe, expect, it } from '@jest/globals';
import { parseQueryFile } from '@streamlens/query';
import { idHashOf } from '../../../src/domain/event-id.js';
import type { Observation } from '../../../src/domain/types.js';
import { DurableQueries, QueryStateTooLarge } from '../../../src/query/durable.js';
import type { QueryWindow } from '../../../src/query/group.js';
import { MemoryQueryStore } from '../../helpers/memory-query-store.js';

const cfg = {
  allowedLatenessMs: 10_000,
  maxLatenessMs: 600_000,
  alpha: 0.01,
  flushLimit: 100,
  idleMs: 60_000,
  concurrency: 4,
};
const T0 = Date.UTC(2026, 11, 8, 12, 0, 0);
const { queries } = parseQueryFile(`version: 1
queries:
  - name: sessions
    groupBy: []
    window: { kind: session, gap: 30s }
    aggregates: [{ fn: count }, { fn: sum }]
`);

function obs(id: string, timeMs: number, value: number): Observation {
  return {
    series: 'm',
    kind: 'telemetry',
    metric: 'm',
    dimensions: {},
    timeMs,
    value,
    idHash: idHashOf(id),
  };
}

class Sink {
  fail = false;
  readonly sent: QueryWindow[] = [];
  async emit(windows: readonly QueryWindow[]): Promise<void> {
    if (this.fail) throw new Error('aggregates stream unavailable');
    this.sent.push(...structuredClone(windows));
  }
}

const lane = (name: string, observations: Observation[]) => ({
  lane: name,
  maxEventMsBefore: Number.NEGATIVE_INFINITY,
  observations,
});

describe('DurableQueries', () => {
  it('re-reads and merges again when another container wrote the group between its read and its write', async () => {
    // Prepare: container A reads the group; before A writes, B merges its own event.
    const store = new MemoryQueryStore();
    const sink = new Sink();
    const a = new DurableQueries(queries, cfg, store, sink);
    const b = new DurableQueries(queries, cfg, store, sink);
    store.beforePut = async () => {
      await b.apply([lane('shard-2', [obs('b', T0 + 5000, 7)])], Number.POSITIVE_INFINITY);
    };
    // Act
    await a.apply([lane('shard-1', [obs('a', T0, 3)])], Number.POSITIVE_INFINITY);
    await a.flush(T0 + 60_000, Number.POSITIVE_INFINITY);
    // Assess: one session holding both events.
    expect(sink.sent).toMatchObject([
      { query: 'sessions', windowStartMs: T0, revision: 0, results: { count: 2, sum: 10 } },
    ]);
  });

  it('sends the revisions it stored before a failed send, unchanged, at the next evaluation', async () => {
    // Prepare: a window is evaluated and stored while the aggregates stream is down.
    const store = new MemoryQueryStore();
    const sink = new Sink();
    const q = new DurableQueries(queries, cfg, store, sink);
    await q.apply([lane('shard-1', [obs('a', T0, 3)])], Number.POSITIVE_INFINITY);
    sink.fail = true;
    await expect(q.flush(T0 + 60_000, Number.POSITIVE_INFINITY)).rejects.toThrow('unavailable');
    sink.fail = false;
    // Act: an event joins the session meanwhile; the next flush (another container's) evaluates.
    await q.apply([lane('shard-1', [obs('b', T0 + 10_000, 4)])], Number.POSITIVE_INFINITY);
    await new DurableQueries(queries, cfg, store, sink).flush(
      T0 + 70_000,
      Number.POSITIVE_INFINITY,
    );
    // Assess: revision 0 as stored (one event), then revision 1 with both.
    expect(sink.sent.map((w) => [w.revision, w.results])).toEqual([
      [0, { count: 1, sum: 3 }],
      [1, { count: 2, sum: 7 }],
    ]);
    expect([...store.groups.values()][0]!.outbox).toEqual([]);
    expect(store.due.size).toBe(0);
  });

  it('counts an event for a window it has forgotten as too late, on any lane', async () => {
    // Prepare: the watermark moves far past the first session; it is emitted and forgotten.
    const store = new MemoryQueryStore();
    const sink = new Sink();
    const q = new DurableQueries(queries, cfg, store, sink);
    await q.apply([lane('shard-1', [obs('a', T0, 3)])], Number.POSITIVE_INFINITY);
    await q.flush(T0 + 2 * cfg.maxLatenessMs, Number.POSITIVE_INFINITY);
    // Act: a lane seen for the first time brings an event for it.
    const out = await q.apply([lane('shard-9', [obs('late', T0 + 1000, 1)])], Infinity);
    // Assess
    expect(out).toEqual({ applied: 0, duplicates: 0, tooLate: 1, dropped: 0 });
    expect(sink.sent).toHaveLength(1);
  });

  it('drops the new events of a group whose state is full, counts them and goes on with the batch', async () => {
    // Prepare: two queries; the store refuses any write of the session group as too large.
    const { queries: two } = parseQueryFile(`version: 1
queries:
  - name: sessions
    groupBy: []
    window: { kind: session, gap: 30s }
    aggregates: [{ fn: count }]
  - name: per-series
    window: { kind: tumbling, size: 60s }
    aggregates: [{ fn: count }]
`);
    const store = new MemoryQueryStore();
    const put = store.putGroup.bind(store);
    store.putGroup = async (query, key, g) => {
      if (query === 'sessions') throw new QueryStateTooLarge('group state is 400000 bytes');
      return put(query, key, g);
    };
    const dropped: string[] = [];
    const q = new DurableQueries(two, cfg, store, new Sink(), Date.now, (name) => {
      dropped.push(name);
    });
    // Act
    const out = await q.apply(
      [lane('shard-1', [obs('a', T0, 3), obs('b', T0 + 1000, 4)])],
      Number.POSITIVE_INFINITY,
    );
    // Assess
    expect(out).toEqual({ applied: 2, duplicates: 0, tooLate: 0, dropped: 2 });
    expect(dropped).toEqual(['sessions']);
    expect([...store.groups.keys()]).toEqual(['per-series\u0000m']);
  });
});
