import { randomBytes, randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connectLocalAws } from '@streamlens/local-aws';
import { DynamoStateStore, windowEventOf } from '../../src/adapters/dynamo-store.js';
import { tableDefinitions } from '../../src/adapters/tables.js';
import { Aggregator, DEFAULT_ENGINE_CONFIG } from '../../src/domain/engine.js';
import { idHashOf } from '../../src/domain/event-id.js';
import { WindowFlusher } from '../../src/domain/flush.js';
import { PartialAggregate } from '../../src/domain/partial.js';
import type { Delta, FlushState, MetricsWindowEvent } from '../../src/domain/types.js';
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
    expect(deltas.map((d) => [d.version, d.entries()[0]!.values]).sort()).toEqual([
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

describe('DynamoStateStore flush state and window table', () => {
  it('keeps each shard of a window’s flush state, conditional on its version, pending marks included', async () => {
    // Prepare
    const store = newStore();
    const w = T0 + 600_000;
    const deadline = Date.now() + 30_000;
    const state = (version: number, pending: boolean): FlushState => ({
      version,
      series: new Map([['cpu|host=a', { digest: 'abc', revision: 2, pending }]]),
    });
    // Act
    const first = await store.putFlushState(w, 0, state(1, true), undefined, deadline);
    const other = await store.putFlushState(w, 3, state(1, false), undefined, deadline);
    const stale = await store.putFlushState(w, 0, state(2, false), undefined, deadline);
    const next = await store.putFlushState(w, 0, state(2, false), 1, deadline);
    const states = await store.getFlushStates(w, deadline);
    // Assess
    expect([first, other, stale, next]).toEqual(['ok', 'ok', 'conflict', 'ok']);
    expect([...states.keys()].sort()).toEqual([0, 3]);
    expect(states.get(0)).toEqual(state(2, false));
    expect(states.get(3)).toEqual(state(1, false));
    expect((await store.getFlushStates(w + 60_000, deadline)).size).toBe(0);
  });

  it('refuses a flush-state shard too large for an item, naming FLUSH_SHARDS', async () => {
    // Prepare: 30,000 series with random digests (≈ 20 bytes each deflated).
    const store = newStore();
    const series = new Map(
      Array.from({ length: 30_000 }, (_, i) => [
        `s${i}`,
        { digest: randomBytes(8).toString('hex'), revision: 0, pending: true },
      ]),
    );
    // Act / Assess
    await expect(
      store.putFlushState(T0, 0, { version: 1, series }, undefined, Date.now() + 30_000),
    ).rejects.toThrow('raise FLUSH_SHARDS');
  });

  it('writes the latest revision of a window to the window table, never an older one over it', async () => {
    // Prepare
    const store = newStore();
    const deadline = Date.now() + 30_000;
    const e0 = windowEvent('wt|host=a', 0, [1, 2]);
    const e1 = windowEvent('wt|host=a', 1, [1, 2, 3]);
    // Act: r1, then a resend of r0 (an older flush's), then r1 again.
    await store.putWindowItems([e1], deadline);
    await store.putWindowItems([e0], deadline);
    await store.putWindowItems([e1], deadline);
    const item = await readWindow('wt|host=a');
    // Assess
    expect(item).toMatchObject({ revision: 1, count: 3, sum: 6 });
    expect(windowEventOf(item!)).toEqual(e1);
  });

  it('writes nothing without a window table', async () => {
    // Prepare
    const store = new DynamoStateStore(localDoc(aws), {
      stateTableName: names.state,
      markerBuckets: 4,
      stateTtlSeconds: 3600,
      windowTtlSeconds: 3600,
    });
    // Act
    await store.putWindowItems([windowEvent('off|host=a', 0, [1])], Date.now() + 30_000);
    // Assess
    expect(await readWindow('off|host=a')).toBeUndefined();
    expect(store.consumed.write).toBe(0);
  });
});

const flusher = new WindowFlusher(
  { ...DEFAULT_ENGINE_CONFIG, windowMs: 60_000 },
  {} as never,
  {} as never,
  Date.now,
);

function windowEvent(series: string, revision: number, values: number[]): MetricsWindowEvent {
  const partial = new PartialAggregate(0.01, 2048);
  for (const v of values) partial.add(v);
  return flusher.windowEvent(
    { series, kind: 'telemetry', metric: 'm', dimensions: {} },
    T0,
    partial,
    revision,
  );
}

async function readWindow(series: string) {
  const res = await localDoc(aws).send(
    new GetCommand({
      TableName: names.windows,
      Key: { series, windowStart: new Date(T0).toISOString() },
      ConsistentRead: true,
    }),
  );
  return res.Item;
}
