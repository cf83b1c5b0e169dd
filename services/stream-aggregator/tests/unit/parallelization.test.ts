import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { decodeDelta } from '../../src/domain/delta-codec.js';
import { Aggregator, DEFAULT_ENGINE_CONFIG, type EngineConfig } from '../../src/domain/engine.js';
import type { InputRecord } from '../../src/domain/types.js';
import { expectBatchComputation } from '../helpers/expect-windows.js';
import {
  drain,
  MemoryRejectSink,
  MemoryStore,
  MemoryWindowSink,
  randomFaults,
} from '../helpers/memory-store.js';
import { badRecord, obsRecord, prng, seqOf } from '../helpers/records.js';

// ParallelizationFactor > 1: Lambda runs several batches of one shard at once, each holding some
// partition keys, in order per key only. The engine then keeps one lane (chain) per
// shard × partition key of the Kinesis record.
const cfg: EngineConfig = {
  ...DEFAULT_ENGINE_CONFIG,
  laneByPartitionKey: true,
  maxEventsPerDelta: 3,
};
const L = cfg.allowedLatenessMs;
const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const S = 'shardId-000000000004';

function keyed(r: InputRecord, key: string): InputRecord {
  return { ...r, partitionKey: key, orderKey: key };
}

/** Events per lane as stored: every delta of the lane, decoded. */
async function eventsPerLane(store: MemoryStore): Promise<Array<[string, number]>> {
  const out: Array<[string, number]> = [];
  for (const [lane, chain] of store.chains) {
    let n = 0;
    for (const bytes of chain.values()) {
      for (const e of decodeDelta(bytes).entries) n += e.ids.length;
    }
    out.push([lane, n]);
  }
  return out.sort();
}

function setup(over: Partial<EngineConfig> = {}) {
  const store = new MemoryStore();
  const windows = new MemoryWindowSink();
  const rejects = new MemoryRejectSink();
  const agg = new Aggregator({ ...cfg, ...over }, { store, windows, rejects, now: () => 0 });
  return { store, windows, rejects, agg };
}

describe('Aggregator with lanes per partition key', () => {
  it('applies a key whose records come after a higher sequence number of another key', async () => {
    // Prepare: key b's record (seq 2) arrives in a later batch than key a's (seq 3), as concurrent
    // batches of one shard do.
    const a = keyed(obsRecord(S, seqOf(3), 0, { series: 'cpu', timeMs: T0, value: 10 }), 'a');
    const b = keyed(obsRecord(S, seqOf(2), 0, { series: 'cpu', timeMs: T0, value: 5 }), 'b');
    const perKey = setup();
    const perShard = setup({ laneByPartitionKey: false });
    // Act
    await perKey.agg.processBatch([a], Number.POSITIVE_INFINITY);
    const keyOut = await perKey.agg.processBatch([b], Number.POSITIVE_INFINITY);
    await perShard.agg.processBatch([a], Number.POSITIVE_INFINITY);
    const shardOut = await perShard.agg.processBatch([b], Number.POSITIVE_INFINITY);
    // Assess: per key, both count; one lane per shard would have dropped b as a duplicate.
    expect(keyOut).toMatchObject({ applied: 1, duplicates: 0 });
    expect([...perKey.store.chains.keys()].sort()).toEqual([`${S}#a`, `${S}#b`]);
    const heads = await perKey.store.loadHeads([`${S}#b`]);
    expect(heads.get(`${S}#b`)?.pos).toEqual({ seq: seqOf(2), sub: 0 });
    expect(shardOut).toMatchObject({ applied: 0, duplicates: 1 });
  });

  it('skips each key’s redelivered records against that key’s own checkpoint', async () => {
    // Prepare
    const { agg, store } = setup();
    const r = (i: number, key: string) =>
      keyed(obsRecord(S, seqOf(i), 0, { series: `m-${key}`, timeMs: T0 + i, value: i }), key);
    await agg.processBatch([r(1, 'a'), r(2, 'b'), r(3, 'a')], Number.POSITIVE_INFINITY);
    // Act: b is redelivered from its start with a new record; a's records come again, interleaved.
    const out = await agg.processBatch(
      [r(1, 'a'), r(2, 'b'), r(3, 'a'), r(4, 'b'), r(5, 'a')],
      Number.POSITIVE_INFINITY,
    );
    // Assess
    expect(out).toMatchObject({ applied: 2, duplicates: 3, failures: [] });
    const heads = await store.loadHeads([`${S}#a`, `${S}#b`]);
    expect(heads.get(`${S}#a`)?.pos?.seq).toBe(seqOf(5));
    expect(heads.get(`${S}#b`)?.pos?.seq).toBe(seqOf(4));
    expect(await eventsPerLane(store)).toEqual([
      [`${S}#a`, 3],
      [`${S}#b`, 2],
    ]);
  });

  it('appends one delta per key of a batch, each to its own chain', async () => {
    // Prepare: 60 keys, one record each.
    const { agg, store } = setup({ maxEventsPerDelta: 8000 });
    const batch = Array.from({ length: 60 }, (_v, i) =>
      keyed(obsRecord(S, seqOf(i), 0, { series: 'cpu', timeMs: T0, value: 1 }), `k${i}`),
    );
    // Act
    const out = await agg.processBatch(batch, Number.POSITIVE_INFINITY);
    // Assess
    expect(out).toMatchObject({ applied: 60, failures: [] });
    expect(store.chains.size).toBe(60);
    expect(store.appends).toBe(60);
  });
});

const eventArb = fc.record({
  key: fc.nat(4),
  series: fc.nat(2),
  // Within ±L/2 of the key's steady clock: a key's events are out of order by less than the
  // allowed lateness (keys may lag each other arbitrarily).
  jitter: fc.integer({ min: -(L / 2) + 1, max: L / 2 - 1 }),
  value: fc.oneof(
    fc.integer({ min: -50, max: 500 }),
    fc.double({ min: 0.001, max: 1e6, noNaN: true }),
  ),
  // A quarter invalid records, drawn by fast-check (not Math.random) so that a failure replays.
  bad: fc.nat(3).map((n) => n === 0),
});

describe('Aggregator with lanes per partition key, under parallel at-least-once delivery', () => {
  it('emits final windows equal to a batch computation over the event set', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(eventArb, { minLength: 1, maxLength: 100 }),
        fc.integer({ min: 200, max: 40_000 }),
        fc.integer(),
        async (events, stepMs, seed) => {
          // Prepare: one shard; sequence numbers follow the shard order; per key, a record list.
          const rand = prng(seed);
          const perKey: InputRecord[][] = [[], [], [], [], []];
          const keyClock = [0, 0, 0, 0, 0];
          const valid: Array<{ series: string; timeMs: number; value: number }> = [];
          events.forEach((e, i) => {
            const key = `pk-${e.key}`;
            const timeMs = T0 + keyClock[e.key]!++ * stepMs + e.jitter;
            const series = `m${e.series}`;
            const rec = e.bad
              ? badRecord(S, seqOf(i))
              : obsRecord(S, seqOf(i), 0, { series, timeMs, value: e.value });
            perKey[e.key]!.push(keyed(rec, key));
            if (!e.bad) valid.push({ series, timeMs, value: e.value });
          });
          const store = new MemoryStore();
          const windows = new MemoryWindowSink();
          const rejects = new MemoryRejectSink();
          store.faults.append = randomFaults(rand, 0.1);
          // Two engines on one store: Lambda's concurrent invocations for one shard.
          const engines = [0, 1].map(
            () => new Aggregator(cfg, { store, windows, rejects, now: () => 0 }),
          );
          // Act: Lambda's parallel delivery, records one by one under their own key.
          await deliverInParallel(perKey, engines, windows, rand, (r) => [r]);
          store.faults.append = undefined;
          windows.failNext = 0;
          await drain(engines[0]!, store);

          // Assess
          expectBatchComputation(windows, valid, cfg.windowMs, cfg.alpha);
          const routed = new Set(rejects.all().map((r) => r.sequenceNumber));
          expect(routed.size).toBe(events.filter((e) => e.bad).length);
          expect(rejects.all().every((r) => r.reason === 'invalid')).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

// Lambda's real rule with ParallelizationFactor > 1: it keeps order per partition key of the
// Kinesis record, and a KPL aggregate is one Kinesis record under one key (our producer uses its
// first user record's key) holding user records of other keys too. Concurrent batches of one
// shard therefore split by outer key, and one user key's records can be in two of them at once.
const kplEventArb = fc.record({
  key: fc.nat(4),
  series: fc.nat(2),
  jitter: fc.integer({ min: -(L / 2) + 1, max: L / 2 - 1 }),
  value: fc.oneof(
    fc.integer({ min: -50, max: 500 }),
    fc.double({ min: 0.001, max: 1e6, noNaN: true }),
  ),
  join: fc.boolean(),
});

describe('Aggregator with lanes per partition key, KPL aggregates under their first key', () => {
  it('emits final windows equal to a batch computation when batches split by outer key', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(kplEventArb, { minLength: 2, maxLength: 100 }),
        fc.integer({ min: 200, max: 40_000 }),
        fc.integer(),
        async (events, stepMs, seed) => {
          // Prepare: one shard; user records grouped into outer records (a KPL aggregate takes
          // up to 4 consecutive user records of any keys; its key is its first record's key).
          const rand = prng(seed);
          type Outer = { key: string; seq: string; users: InputRecord[] };
          const outers: Outer[] = [];
          const valid: Array<{ series: string; timeMs: number; value: number }> = [];
          events.forEach((e, i) => {
            const userKey = `pk-${e.key}`;
            const timeMs = T0 + i * stepMs + e.jitter;
            const series = `m${e.series}`;
            const last = outers[outers.length - 1];
            const join = last !== undefined && last.users.length < 4 && e.join;
            const outer: Outer = join
              ? last
              : { key: userKey, seq: seqOf(outers.length), users: [] };
            if (!join) outers.push(outer);
            const rec = obsRecord(S, outer.seq, outer.users.length, {
              series,
              timeMs,
              value: e.value,
            });
            outer.users.push({ ...rec, partitionKey: userKey, orderKey: outer.key } as InputRecord);
            valid.push({ series, timeMs, value: e.value });
          });
          const keys = [...new Set(outers.map((o) => o.key))];
          const perKey = keys.map((k) => outers.filter((o) => o.key === k));
          const store = new MemoryStore();
          const windows = new MemoryWindowSink();
          const rejects = new MemoryRejectSink();
          store.faults.append = randomFaults(rand, 0.1);
          const engines = [0, 1].map(
            () => new Aggregator(cfg, { store, windows, rejects, now: () => 0 }),
          );
          // Act: Lambda's parallel delivery by outer key, an aggregate's user records together.
          await deliverInParallel(perKey, engines, windows, rand, (o) => o.users);
          store.faults.append = undefined;
          windows.failNext = 0;
          await drain(engines[0]!, store);

          // Assess
          expectBatchComputation(windows, valid, cfg.windowMs, cfg.alpha);
        },
      ),
      { numRuns: 120 },
    );
  });
});

/**
 * Lambda's delivery with ParallelizationFactor > 1, over Kinesis records (`units`) grouped by the
 * key Lambda orders by: each step, one or two concurrent batches over disjoint sets of keys, each
 * batch in shard order; crashes after the write (response lost), per-key rewinds (redelivery from
 * an older record), reported failures (Lambda resends from the Kinesis record holding the first
 * one) and sink outages.
 */
async function deliverInParallel<U extends { seq: string }>(
  perKey: U[][],
  engines: Aggregator[],
  windows: MemoryWindowSink,
  rand: () => number,
  records: (unit: U) => InputRecord[],
): Promise<void> {
  const keyOf = new Map<U, number>();
  perKey.forEach((units, k) => {
    for (const u of units) keyOf.set(u, k);
  });
  const cursors = perKey.map(() => 0);
  for (let steps = 0; steps < 4000; steps++) {
    const open = perKey.map((_r, k) => k).filter((k) => cursors[k]! < perKey[k]!.length);
    if (open.length === 0) break;
    for (let i = open.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [open[i], open[j]] = [open[j]!, open[i]!];
    }
    const split =
      open.length > 1 && rand() < 0.5 ? 1 + Math.floor(rand() * (open.length - 1)) : open.length;
    const groups = [open.slice(0, split), open.slice(split)].filter((g) => g.length > 0);
    const batches = groups.map((keys) =>
      keys
        .flatMap((k) => {
          const from = cursors[k]!;
          return perKey[k]!.slice(from, from + 1 + Math.floor(rand() * 5));
        })
        .sort((x, y) => x.seq.length - y.seq.length || (x.seq < y.seq ? -1 : 1)),
    );
    if (rand() < 0.1) windows.failNext = 1;
    const outs = await Promise.all(
      batches.map((b, i) => engines[i]!.processBatch(b.flatMap(records), Number.POSITIVE_INFINITY)),
    );
    batches.forEach((batch, i) => {
      const roll = rand();
      if (roll < 0.1) return; // crash after the writes, before the response
      const keys = groups[i]!;
      if (roll < 0.15) {
        const k = keys[Math.floor(rand() * keys.length)]!;
        cursors[k] = Math.floor(rand() * (cursors[k]! + 1)); // redelivery from older
        return;
      }
      // Everything before the first failure was applied; Lambda resends from there.
      const failure = outs[i]!.failures[0];
      const stop = failure ? batch.findIndex((u) => u.seq === failure.seq) : batch.length;
      for (const u of batch.slice(0, stop)) {
        const k = keyOf.get(u)!;
        cursors[k] = perKey[k]!.indexOf(u) + 1;
      }
    });
  }
}
