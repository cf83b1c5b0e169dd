import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
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

// Small deltas, so that a batch is split into several sub-batches.
const cfg: EngineConfig = { ...DEFAULT_ENGINE_CONFIG, maxEventsPerDelta: 3 };
const L = cfg.allowedLatenessMs;
const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);

type Ev = { shard: number; series: number; jitter: number; value: number; bad: boolean };

const eventArb = fc.record({
  shard: fc.nat(2),
  series: fc.nat(3),
  // Strictly within ±L/2 of the shard's steady clock: any two events of a shard are out of order
  // by less than the allowed lateness.
  jitter: fc.integer({ min: -(L / 2) + 1, max: L / 2 - 1 }),
  value: fc.oneof(
    fc.integer({ min: -50, max: 500 }),
    fc.double({ min: 0.001, max: 1e6, noNaN: true }),
  ),
  bad: fc.boolean().map((b) => b && Math.random() < 0.1),
});

/**
 * Builds each shard's records: KPL-style groups share a sequence number (sub-sequence 0..k).
 * About one valid event in seven is sent again later, as a new record (new sequence number, on
 * a shard at random) with the same event id: a producer retry, an agent re-send, a re-ingestion.
 */
function shardRecords(events: readonly Ev[], stepMs: number, rand: () => number) {
  const shards: InputRecord[][][] = [[], [], []];
  const counters = [0, 0, 0];
  const valid: Array<{ series: string; timeMs: number; value: number }> = [];
  const parentIdx = [0, 0, 0];
  const resends: InputRecord[] = [];
  for (const e of events) {
    const i = counters[e.shard]!++;
    const shardId = `shardId-00000000000${e.shard}`;
    const parents = shards[e.shard]!;
    const timeMs = T0 + i * stepMs + e.jitter;
    const series = `m${e.series}`;
    const lastParent = parents[parents.length - 1];
    const joinParent = lastParent !== undefined && lastParent.length < 3 && rand() < 0.3;
    const seq = joinParent ? lastParent[0]!.seq : seqOf(parentIdx[e.shard]!++);
    const sub = joinParent ? lastParent.length : 0;
    const rec = e.bad
      ? badRecord(shardId, seq, sub)
      : obsRecord(shardId, seq, sub, { series, timeMs, value: e.value });
    if (!e.bad) valid.push({ series, timeMs, value: e.value });
    if (joinParent) lastParent.push(rec);
    else parents.push([rec]);
    if (!e.bad && rand() < 0.15) resends.push(rec);
  }
  for (const original of resends) {
    const s = Math.floor(rand() * 3);
    const shardId = `shardId-00000000000${s}`;
    const copy = obsRecord(shardId, seqOf(parentIdx[s]!++), 0, original.obs!);
    shards[s]!.push([copy]);
  }
  return { shards, valid, resent: resends.length };
}

describe('Aggregator under at-least-once delivery', () => {
  it('emits final windows equal to a batch computation over the event set', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(eventArb, { minLength: 1, maxLength: 120 }),
        fc.integer({ min: 200, max: 40_000 }),
        fc.integer(),
        fc.integer({ min: 1, max: 3 }),
        async (events, stepMs, seed, flushShards) => {
          // Prepare
          const rand = prng(seed);
          const { shards, valid } = shardRecords(events, stepMs, rand);
          const store = new MemoryStore();
          const windows = new MemoryWindowSink();
          const rejects = new MemoryRejectSink();
          store.faults.append = randomFaults(rand, 0.1);
          // Flush-state writes fail too: before they land, or after (the flusher crashed between
          // the state write and the send).
          store.faults.flushState = randomFaults(rand, 0.1);
          const agg = new Aggregator(
            { ...cfg, flushShards },
            { store, windows, rejects, now: () => 0 },
          );
          const cursors = shards.map(() => 0);

          // Act: Lambda-like delivery with random batch sizes, shard interleaving, crashes after
          // the write (response lost → same batch again), rewinds (redelivery of older records),
          // throttled commits (failure reported → retry from the reported record), flush crashes and sink
          // outages.
          for (let steps = 0; steps < 5000; steps++) {
            const open = shards.map((_s, i) => i).filter((i) => cursors[i]! < shards[i]!.length);
            if (open.length === 0) break;
            const s = open[Math.floor(rand() * open.length)]!;
            const parents = shards[s]!;
            const from = cursors[s]!;
            const size = 1 + Math.floor(rand() * 8);
            const batch = parents.slice(from, from + size);
            if (rand() < 0.1) windows.failNext = 1;
            const out = await agg.processBatch(batch.flat(), Number.POSITIVE_INFINITY);
            const roll = rand();
            if (roll < 0.1) continue; // crash after the writes, before the response
            if (roll < 0.15) {
              cursors[s] = Math.floor(rand() * (from + 1)); // redelivery from an older position
              continue;
            }
            const failure = out.failures[0];
            if (failure) {
              cursors[s] = from + batch.findIndex((p) => p[0]!.seq === failure.seq);
            } else {
              cursors[s] = from + batch.length;
            }
          }
          store.faults.append = undefined;
          store.faults.flushState = undefined;
          windows.failNext = 0;
          // Time passes: the watermark closes every window.
          await drain(agg, store);

          // Assess: each event counted once, re-sent copies included.
          expectBatchComputation(windows, valid, cfg.windowMs, cfg.alpha);
          // Invalid records were routed, each at least once, never applied.
          const badCount = events.filter((e) => e.bad).length;
          // (A re-sent copy may come too late on its shard: routed as too-late, never applied.)
          const routed = new Set(
            rejects
              .all()
              .filter((r) => r.reason === 'invalid')
              .map((r) => `${r.shardId}|${r.sequenceNumber}|${r.subSequenceNumber}`),
          );
          expect(routed.size).toBe(badCount);
        },
      ),
      { numRuns: 150 },
    );
  });
});
