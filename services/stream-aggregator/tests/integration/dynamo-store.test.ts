import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connectLocalAws } from '@streamlens/local-aws';
import { tableDefinitions } from '../../src/adapters/tables.js';
import { Aggregator, DEFAULT_ENGINE_CONFIG } from '../../src/domain/engine.js';
import { idHashOf } from '../../src/domain/event-id.js';
import type { Delta } from '../../src/domain/types.js';
import { localDoc, localStateStore } from '../helpers/local-store.js';
import { MemoryRejectSink, MemoryWindowSink } from '../helpers/memory-store.js';
import { obsRecord, seqOf } from '../helpers/records.js';

const suffix = randomUUID().slice(0, 8);
const names = { state: `aggs-state-${suffix}`, windows: `aggs-windows-${suffix}` };
const aws = connectLocalAws();
const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);

const newStore = () => localStateStore(localDoc(aws), names);

function delta(lane: string, version: number, seq: number, values: number[]): Delta {
  return {
    lane,
    version,
    pos: { seq: seqOf(seq), sub: 0 },
    maxEventMs: T0 + seq,
    at: Date.now(),
    entries: [
      {
        meta: { series: 'cpu|host=a', kind: 'telemetry', metric: 'cpu', dimensions: { host: 'a' } },
        windowStartMs: T0,
        ids: values.map((v) => idHashOf(`${lane}-${v}`)),
        values,
        late: values.map(() => 0),
      },
    ],
  };
}

beforeAll(async () => {
  await aws.createResources({ tables: tableDefinitions(names.state, names.windows) });
});

afterAll(() => aws.close());

describe('DynamoStateStore lane chains', () => {
  it('appends a version once, reads the head back, and lists a window’s deltas', async () => {
    // Prepare
    const store = newStore();
    const lane = `shardId-${suffix}-chain`;
    const window = [{ windowStartMs: T0, windowEndMs: T0 + 60_000 }];
    const deadline = Date.now() + 30_000;
    // Act
    await store.markWindows(lane, 1, window, Date.now(), deadline);
    const first = await store.appendDelta(delta(lane, 1, 1, [1, 2]), deadline);
    await store.markWindows(lane, 2, window, Date.now(), deadline);
    const second = await store.appendDelta(delta(lane, 2, 5, [3]), deadline);
    // A concurrent duplicate invocation with other content for version 2.
    const again = await store.appendDelta(delta(lane, 2, 4, [9]), deadline);
    const heads = await store.loadHeads([lane, `${lane}-none`], deadline);
    const deltas = await store.windowDeltas(T0, deadline);
    // Assess
    expect([first, second, again]).toEqual(['ok', 'ok', 'conflict']);
    expect(heads.get(lane)).toEqual({
      lane,
      pos: { seq: seqOf(5), sub: 0 },
      maxEventMs: T0 + 5,
      version: 2,
    });
    expect(heads.has(`${lane}-none`)).toBe(false);
    expect(deltas.map((d) => [d.version, d.entries[0]!.values]).sort()).toEqual([
      [1, [1, 2]],
      [2, [3]],
    ]);
    // Every call's consumed capacity was counted.
    expect(store.consumed.write).toBeGreaterThanOrEqual(6);
    expect(store.consumed.read).toBeGreaterThan(0);
  });

  it('counts an event id re-sent on another shard once, through DynamoDB', async () => {
    // Prepare: two containers (shards); shard 1 gets a copy of shard 0's event e1.
    const windows = new MemoryWindowSink();
    const engines = [0, 1].map(
      () =>
        new Aggregator(DEFAULT_ENGINE_CONFIG, {
          store: newStore(),
          windows,
          rejects: new MemoryRejectSink(),
        }),
    );
    const [s0, s1] = [`shardId-${suffix}-0`, `shardId-${suffix}-1`];
    const e1 = { series: 'dedup|host=a', timeMs: T0 + 1000, value: 4, idHash: idHashOf('e1') };
    // Act
    await engines[0]!.processBatch(
      [
        obsRecord(s0, seqOf(1), 0, e1),
        obsRecord(s0, seqOf(2), 0, { ...e1, value: 1, idHash: idHashOf('e2') }),
      ],
      Number.POSITIVE_INFINITY,
    );
    await engines[1]!.processBatch(
      [
        obsRecord(s1, seqOf(7), 0, e1),
        obsRecord(s1, seqOf(8), 0, { series: 'other', timeMs: T0 + 95_000, value: 1 }),
      ],
      Number.POSITIVE_INFINITY,
    );
    // Assess
    const w = windows.latest().get(`dedup|host=a|${new Date(T0).toISOString()}`)!.data;
    expect(w).toMatchObject({ count: 2, sum: 5, revision: 0 });
  });
});
