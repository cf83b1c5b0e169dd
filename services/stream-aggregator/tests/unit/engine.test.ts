import { describe, expect, it } from '@jest/globals';
import { decodeDelta } from '../../src/domain/delta-codec.js';
import { Aggregator, DEFAULT_ENGINE_CONFIG, type EngineConfig } from '../../src/domain/engine.js';
import { idHashOf } from '../../src/domain/event-id.js';
import { classifyLateness, windowStartOf } from '../../src/domain/window.js';
import { MemoryRejectSink, MemoryStore, MemoryWindowSink } from '../helpers/memory-store.js';
import { badRecord, obsRecord, seqOf } from '../helpers/records.js';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const S = 'shardId-000000000000';

function setup(over: Partial<EngineConfig> = {}, now: () => number = Date.now) {
  const store = new MemoryStore();
  const windows = new MemoryWindowSink();
  const rejects = new MemoryRejectSink();
  const agg = new Aggregator(
    { ...DEFAULT_ENGINE_CONFIG, ...over },
    { store, windows, rejects, now },
  );
  return { store, windows, rejects, agg };
}

describe('window assignment and lateness', () => {
  it('aligns tumbling windows on the epoch and classifies against the watermark', () => {
    expect(windowStartOf(T0 + 59_999, 60_000)).toBe(T0);
    expect(windowStartOf(T0 + 60_000, 60_000)).toBe(T0 + 60_000);
    expect(classifyLateness(T0 + 60_000, T0 + 59_999, 1000)).toBe('on-time');
    expect(classifyLateness(T0 + 60_000, T0 + 60_000, 1000)).toBe('correction');
    expect(classifyLateness(T0 + 60_000, T0 + 61_000, 1000)).toBe('too-late');
  });
});

describe('Aggregator', () => {
  it('emits a window once the watermark passes its end, with a deterministic id', async () => {
    // Prepare
    const { agg, windows } = setup();
    const batch = [
      obsRecord(S, seqOf(1), 0, { series: 'cpu', timeMs: T0 + 1000, value: 2 }),
      obsRecord(S, seqOf(2), 0, { series: 'cpu', timeMs: T0 + 2000, value: 4 }),
      obsRecord(S, seqOf(3), 0, { series: 'cpu', timeMs: T0 + 95_000, value: 1 }),
    ];
    // Act
    const out = await agg.processBatch(batch, Number.POSITIVE_INFINITY);
    // Assess
    expect(out.failures).toEqual([]);
    expect(windows.events.map((e) => e.id)).toEqual([`cpu|${new Date(T0).toISOString()}|r0`]);
    expect(windows.events[0]!.data).toMatchObject({
      count: 2,
      sum: 6,
      min: 2,
      max: 4,
      mean: 3,
      final: true,
    });
  });

  it('turns a record for a closed window into a correction with revision + 1', async () => {
    // Prepare
    const { agg, windows } = setup();
    await agg.processBatch(
      [
        obsRecord(S, seqOf(1), 0, { series: 'cpu', timeMs: T0 + 1000, value: 2 }),
        obsRecord(S, seqOf(2), 0, { series: 'cpu', timeMs: T0 + 95_000, value: 1 }),
      ],
      Number.POSITIVE_INFINITY,
    );
    // Act
    const out = await agg.processBatch(
      [obsRecord(S, seqOf(3), 0, { series: 'cpu', timeMs: T0 + 3000, value: 10 })],
      Number.POSITIVE_INFINITY,
    );
    // Assess
    expect(out.corrections).toBe(1);
    const last = windows.events.at(-1)!;
    expect(last.id).toBe(`cpu|${new Date(T0).toISOString()}|r1`);
    expect(last.data).toMatchObject({ revision: 1, count: 2, sum: 12, lateCount: 1 });
  });

  it('routes records past the maximum lateness without applying them', async () => {
    // Prepare
    const { agg, windows, rejects } = setup({ maxLatenessMs: 10_000 });
    await agg.processBatch(
      [obsRecord(S, seqOf(1), 0, { series: 'cpu', timeMs: T0 + 200_000, value: 1 })],
      Number.POSITIVE_INFINITY,
    );
    // Act
    const out = await agg.processBatch(
      [obsRecord(S, seqOf(2), 0, { series: 'cpu', timeMs: T0 + 1000, value: 5 })],
      Number.POSITIVE_INFINITY,
    );
    // Assess
    expect(out.tooLate).toBe(1);
    expect(rejects.all()).toMatchObject([{ reason: 'too-late', sequenceNumber: seqOf(2) }]);
    expect(windows.events.some((e) => e.data.windowStart === new Date(T0).toISOString())).toBe(
      false,
    );
  });

  it('reports an invalid record and every later one when invalidRecords = report', async () => {
    // Prepare
    const { agg, store } = setup({ invalidRecords: 'report' });
    const batch = [
      obsRecord(S, seqOf(1), 0, { series: 'cpu', timeMs: T0, value: 1 }),
      badRecord(S, seqOf(2)),
      obsRecord(S, seqOf(3), 0, { series: 'cpu', timeMs: T0, value: 1 }),
    ];
    // Act
    const out = await agg.processBatch(batch, Number.POSITIVE_INFINITY);
    // Assess
    expect(out.failures.map((f) => f.seq)).toEqual([seqOf(2)]);
    expect(out.applied).toBe(1);
    expect((await store.loadHeads([S])).get(S)?.pos).toEqual({ seq: seqOf(1), sub: 0 });
  });

  it('applies a redelivered batch once and fails from the first unapplied record when throttled', async () => {
    // Prepare
    // One event per delta: each record is committed with its own checkpoint.
    const { agg, store } = setup({ maxEventsPerDelta: 1 });
    const batch = [
      obsRecord(S, seqOf(1), 0, { series: 'a', timeMs: T0, value: 1 }),
      obsRecord(S, seqOf(2), 0, { series: 'b', timeMs: T0, value: 1 }),
    ];
    let calls = 0;
    store.faults.append = () => (++calls === 2 ? 'throw' : undefined);
    // Act
    const first = await agg.processBatch(batch, Number.POSITIVE_INFINITY);
    const second = await agg.processBatch(batch, Number.POSITIVE_INFINITY);
    // Assess
    expect(first.failures.map((f) => f.seq)).toEqual([seqOf(2)]);
    expect(second).toMatchObject({ failures: [], duplicates: 1, applied: 1 });
    const chain = store.chains.get(S)!;
    expect([...chain.keys()]).toEqual([1, 2]);
    expect([...chain.values()].map((d) => decodeDelta(d).entries[0]!.ids.length)).toEqual([1, 1]);
  });
});

describe('Aggregator: exactly once per event id', () => {
  const W0 = new Date(T0).toISOString();

  it('counts an event re-sent under a new sequence number on another shard once', async () => {
    // Prepare: event e1 on shard 0, then again (a producer retry) on shard 1 among new events.
    const { agg, windows } = setup();
    const e1 = { series: 'cpu', timeMs: T0 + 1000, value: 7, idHash: idHashOf('e1') };
    await agg.processBatch(
      [
        obsRecord(S, seqOf(1), 0, e1),
        obsRecord(S, seqOf(2), 0, { series: 'cpu', timeMs: T0 + 2000, value: 3 }),
      ],
      Number.POSITIVE_INFINITY,
    );
    // Act
    await agg.processBatch(
      [
        obsRecord('shardId-000000000001', seqOf(9), 0, e1),
        obsRecord('shardId-000000000001', seqOf(10), 0, {
          series: 'cpu',
          timeMs: T0 + 95_000,
          value: 1,
        }),
      ],
      Number.POSITIVE_INFINITY,
    );
    // Assess
    const w = windows.latest().get(`cpu|${W0}`)!.data;
    expect(w).toMatchObject({ count: 2, sum: 10, revision: 0 });
  });

  it('counts a copy arriving after the window was emitted once: no new revision', async () => {
    // Prepare
    const { agg, windows } = setup();
    const e1 = { series: 'cpu', timeMs: T0 + 1000, value: 7, idHash: idHashOf('e1') };
    await agg.processBatch(
      [
        obsRecord(S, seqOf(1), 0, e1),
        obsRecord(S, seqOf(2), 0, { series: 'cpu', timeMs: T0 + 95_000, value: 1 }),
      ],
      Number.POSITIVE_INFINITY,
    );
    // Act: the agent re-sends the line after a crash, within the maximum lateness.
    const out = await agg.processBatch(
      [
        obsRecord(S, seqOf(3), 0, e1),
        obsRecord(S, seqOf(4), 0, { series: 'cpu', timeMs: T0 + 96_000, value: 1 }),
      ],
      Number.POSITIVE_INFINITY,
    );
    // Assess: applied as a correction on its lane, merged away by id: nothing to re-emit.
    expect(out.corrections).toBe(1);
    expect(windows.events.filter((e) => e.data.windowStart === W0).map((e) => e.id)).toEqual([
      `cpu|${W0}|r0`,
    ]);
  });

  it('keeps the same copy of an id whose copies disagree, whatever the order', async () => {
    // Prepare: two records with one id and different values, in both orders on two setups.
    const a = { series: 'cpu', timeMs: T0 + 1000, value: 5, idHash: idHashOf('dup') };
    const b = { ...a, value: 2 };
    const close = { series: 'x', timeMs: T0 + 95_000, value: 1 };
    const results = [];
    for (const [first, second] of [
      [a, b],
      [b, a],
    ]) {
      const { agg, windows } = setup();
      // Act
      await agg.processBatch(
        [
          obsRecord(S, seqOf(1), 0, first!),
          obsRecord(S, seqOf(2), 0, second!),
          obsRecord(S, seqOf(3), 0, close),
        ],
        Number.POSITIVE_INFINITY,
      );
      results.push(windows.latest().get(`cpu|${W0}`)!.data);
    }
    // Assess: one event, the smaller value, either way.
    expect(results[0]).toEqual(results[1]);
    expect(results[0]).toMatchObject({ count: 1, sum: 2 });
  });
});

describe('Aggregator: the idle rule', () => {
  it('emits the last windows of a stream that stops once no lane touched them for idleMs', async () => {
    // Prepare: a stream that sends two windows' worth of events, then nothing.
    let now = Date.UTC(2026, 11, 7, 12, 0, 0);
    const { agg, windows } = setup({ idleMs: 60_000 }, () => now);
    const batch = [0, 20_000, 40_000, 70_000, 100_000].map((dt, i) =>
      obsRecord(S, seqOf(i), 0, { series: 'cpu', timeMs: T0 + dt, value: i }),
    );
    const out = await agg.processBatch(batch, Number.POSITIVE_INFINITY);
    // The watermark (100 s − 30 s lateness) closed the first window only.
    expect(out.emitted).toBe(1);
    // Act: processing time passes with no records; the scheduled idle flush runs.
    now += 59_000;
    const early = await agg.flushIdle(now, Number.POSITIVE_INFINITY);
    now += 2_000;
    const late = await agg.flushIdle(now, Number.POSITIVE_INFINITY);
    // Assess
    expect(early).toBe(0);
    expect(late).toBe(1);
    expect(windows.latest().get(`cpu|${new Date(T0 + 60_000).toISOString()}`)!.data).toMatchObject({
      count: 2,
      sum: 7,
      revision: 0,
    });
  });

  it('emits a record arriving after an idle flush as a correction of that window', async () => {
    // Prepare
    let now = Date.UTC(2026, 11, 7, 12, 0, 0);
    const { agg, windows } = setup({ idleMs: 60_000 }, () => now);
    await agg.processBatch(
      [obsRecord(S, seqOf(1), 0, { series: 'cpu', timeMs: T0 + 1000, value: 1 })],
      Number.POSITIVE_INFINITY,
    );
    now += 61_000;
    await agg.flushIdle(now, Number.POSITIVE_INFINITY);
    // Act: the producer comes back with one more event of that window and a later one.
    await agg.processBatch(
      [
        obsRecord(S, seqOf(2), 0, { series: 'cpu', timeMs: T0 + 2000, value: 4 }),
        obsRecord(S, seqOf(3), 0, { series: 'cpu', timeMs: T0 + 95_000, value: 9 }),
      ],
      Number.POSITIVE_INFINITY,
    );
    // Assess
    expect(
      windows.events
        .filter((e) => e.data.windowStart === new Date(T0).toISOString())
        .map((e) => [e.data.revision, e.data.count]),
    ).toEqual([
      [0, 1],
      [1, 2],
    ]);
  });
});
