import { describe, expect, it } from '@jest/globals';
import { Aggregator, DEFAULT_ENGINE_CONFIG, type EngineConfig } from '../../src/domain/engine.js';
import { classifyLateness, windowStartOf } from '../../src/domain/window.js';
import { MemoryRejectSink, MemoryStore, MemoryWindowSink } from '../helpers/memory-store.js';
import { badRecord, obsRecord, seqOf } from '../helpers/records.js';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const S = 'shardId-000000000000';

function setup(over: Partial<EngineConfig> = {}) {
  const store = new MemoryStore();
  const windows = new MemoryWindowSink();
  const rejects = new MemoryRejectSink();
  const agg = new Aggregator({ ...DEFAULT_ENGINE_CONFIG, ...over }, { store, windows, rejects });
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
    expect(store.checkpoints.get(S)?.pos).toEqual({ seq: seqOf(1), sub: 0 });
  });

  it('applies a redelivered batch once and fails from the first unapplied record when throttled', async () => {
    // Prepare
    // One partial per plan: each record is committed with its checkpoint.
    const { agg, store } = setup({ maxPartialsPerCommit: 1, maxPartialsPerPlan: 1 });
    const batch = [
      obsRecord(S, seqOf(1), 0, { series: 'a', timeMs: T0, value: 1 }),
      obsRecord(S, seqOf(2), 0, { series: 'b', timeMs: T0, value: 1 }),
    ];
    let calls = 0;
    store.faults.commit = () => (++calls === 2 ? 'throw' : undefined);
    // Act
    const first = await agg.processBatch(batch, Number.POSITIVE_INFINITY);
    const second = await agg.processBatch(batch, Number.POSITIVE_INFINITY);
    // Assess
    expect(first.failures.map((f) => f.seq)).toEqual([seqOf(2)]);
    expect(second).toMatchObject({ failures: [], duplicates: 1, applied: 1 });
    const counts = [...store.partials.values()].map((p) => JSON.parse(p.json).n);
    expect(counts).toEqual([1, 1]);
  });
});
