import { describe, expect, it } from '@jest/globals';
import { Aggregator, DEFAULT_ENGINE_CONFIG, type EngineConfig } from '../../src/domain/engine.js';
import { PartialAggregate } from '../../src/domain/partial.js';
import type { Commit, InputRecord } from '../../src/domain/types.js';
import {
  IdempotentParameterMismatch,
  MemoryRejectSink,
  MemoryStore,
  MemoryWindowSink,
} from '../helpers/memory-store.js';
import { obsRecord, seqOf } from '../helpers/records.js';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const S = 'shardId-000000000000';

function setup(over: Partial<EngineConfig> = {}) {
  const store = new MemoryStore();
  const agg = new Aggregator(
    { ...DEFAULT_ENGINE_CONFIG, ...over },
    { store, windows: new MemoryWindowSink(), rejects: new MemoryRejectSink() },
  );
  return { store, agg };
}

/** Records folded into the stored partials, in all. */
function stored(store: MemoryStore): number {
  let n = 0;
  for (const p of store.partials.values()) n += JSON.parse(p.json).n as number;
  return n;
}

function commitOf(token: string, value: number): Commit {
  const partial = new PartialAggregate();
  partial.add(value);
  const meta = { series: 'cpu', kind: 'telemetry' as const, metric: 'cpu', dimensions: {} };
  return {
    token,
    checkpoints: [],
    partials: [
      {
        expectedVersion: 0,
        next: { lane: S, series: 'cpu', windowStartMs: T0, version: 1, partial },
        meta,
      },
    ],
    markers: [],
  };
}

describe('MemoryStore tokens (as DynamoDB ClientRequestToken)', () => {
  it('answers the same token and content with success without applying it twice', async () => {
    // Prepare
    const store = new MemoryStore();
    await store.commit(commitOf('t1', 5));
    // Act
    const again = await store.commit(commitOf('t1', 5));
    // Assess: the version condition (0) no longer holds, but the token makes it a success.
    expect(again).toBe('ok');
    expect(stored(store)).toBe(1);
  });

  it('rejects a token reused for other content with IdempotentParameterMismatchException', async () => {
    // Prepare
    const store = new MemoryStore();
    await store.commit(commitOf('t1', 5));
    // Act
    const reused = store.commit(commitOf('t1', 6));
    // Assess
    await expect(reused).rejects.toBeInstanceOf(IdempotentParameterMismatch);
    await expect(reused).rejects.toMatchObject({ name: 'IdempotentParameterMismatchException' });
    expect(store.mismatches).toBe(1);
  });

  it('keeps the token of a request that failed in the table, and applies it when sent again', async () => {
    // Prepare
    const store = new MemoryStore();
    store.faults.commit = () => 'rejected';
    await expect(store.commit(commitOf('t1', 5))).rejects.toThrow();
    store.faults.commit = undefined;
    // Act
    const other = store.commit(commitOf('t1', 6));
    const same = await store.commit(commitOf('t1', 5));
    // Assess
    await expect(other).rejects.toBeInstanceOf(IdempotentParameterMismatch);
    expect(same).toBe('ok');
    expect(stored(store)).toBe(1);
  });
});

describe('commit tokens of a plan sent as several transactions', () => {
  it('gives the packs of a re-plan after a crash new tokens (their content shifted)', async () => {
    // Prepare: 6 brand-new windows, 2 partials per transaction: 3 packs. The first one is
    // written and its answer lost, the second never reaches the table.
    const { store, agg } = setup({ maxPartialsPerCommit: 2 });
    const batch = Array.from({ length: 60 }, (_, i) =>
      obsRecord(S, seqOf(i + 1), 0, { series: `s${i % 6}`, timeMs: T0 + i, value: i }),
    );
    let calls = 0;
    store.faults.commit = () => {
      calls++;
      return calls === 1 ? 'lost' : calls === 2 ? 'throw' : undefined;
    };
    const first = await agg.processBatch(batch, Number.POSITIVE_INFINITY);
    // Act: Lambda retries the batch. The re-plan holds 4 partials: its first pack is the old
    // second one's partials, its second pack the old third; the first token must not come back.
    const second = await agg.processBatch(batch, Number.POSITIVE_INFINITY);
    // Assess
    expect(first.failures.map((f) => f.seq)).toEqual([seqOf(1)]);
    expect(second.failures).toEqual([]);
    expect(store.mismatches).toBe(0);
    expect(second).toMatchObject({ applied: 40, duplicates: 20 });
    expect(stored(store)).toBe(60);
    expect(store.checkpoints.get(S)?.pos?.seq).toBe(seqOf(60));
  });

  it('tells the pack with the checkpoints from an earlier attempt of the same partials without them', async () => {
    // Prepare: 30 lanes (partition keys); 20 windows with 2 lanes each, then 40 windows with one.
    // Packs of ≤ 40 partials: A = the 20 two-lane windows (60 actions), B = the 40 others (80
    // actions), and the 30 checkpoints alone (they fit with neither). A fails in the table (its
    // token counts as used), B is applied.
    const { store, agg } = setup({ maxPartialsPerCommit: 40, laneByPartitionKey: true });
    const batch: InputRecord[] = [];
    let seq = 0;
    const add = (series: string, key: number) => {
      seq++;
      const r = obsRecord(S, seqOf(seq), 0, { series, timeMs: T0 + seq, value: seq });
      batch.push({ ...r, partitionKey: `k${key}` });
    };
    for (let w = 0; w < 20; w++) {
      add(`a${w}`, w % 30);
      add(`a${w}`, (w + 1) % 30);
    }
    for (let w = 0; w < 40; w++) add(`b${w}`, w % 30);
    store.faults.commit = (c) =>
      c.partials.length === 40 && c.markers.length === 20 ? 'rejected' : undefined;
    const first = await agg.processBatch(batch, Number.POSITIVE_INFINITY);
    const afterFirst = stored(store);
    store.faults.commit = undefined;
    // Act: the retry re-plans A's partials alone, which now fit with the checkpoints.
    const second = await agg.processBatch(batch, Number.POSITIVE_INFINITY);
    // Assess
    expect(first.failures).toHaveLength(1);
    expect(afterFirst).toBe(40);
    expect(store.mismatches).toBe(0);
    expect(second.failures).toEqual([]);
    expect(stored(store)).toBe(80);
    expect(second).toMatchObject({ applied: 40, duplicates: 40 });
    expect(store.checkpoints.size).toBe(30);
  });
});
