import { describe, it } from '@jest/globals';
import { parseQueryFile } from '@streamlens/query';
import fc from 'fast-check';
import { QueryRunner, type QueryWindow } from '../../../src/query/runner.js';
import { expectBatchResults, finalWindows, shardObservations } from '../../helpers/query-oracle.js';
import { prng } from '../../helpers/records.js';

const ALLOWED = 20_000;
const cfg = { allowedLatenessMs: ALLOWED, maxLatenessMs: 300_000, alpha: 0.01 };
const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);

// Every window kind and every aggregate, with filters, groupings and HAVING.
const { queries } = parseQueryFile(`version: 1
queries:
  - name: per-series
    window: { kind: tumbling, size: 60s }
    aggregates:
      - { fn: count }
      - { fn: sum }
      - { fn: min }
      - { fn: max }
      - { fn: avg }
      - { fn: quantile, q: 0.5 }
      - { fn: quantile, q: 0.99 }
  - name: per-region
    source: { where: [{ field: value, op: ge, value: 0 }] }
    groupBy: [dimensions.region]
    window: { kind: sliding, size: 90s, slide: 30s }
    aggregates:
      - { fn: count }
      - { fn: sum }
      - { fn: distinct, field: dimensions.host, as: hosts }
      - { fn: topk, field: dimensions.host, k: 2 }
  - name: per-host
    source: { type: [telemetry], metric: "m[0-2]*" }
    groupBy: [dimensions.host]
    window: { kind: stagger, size: 45s }
    aggregates: [{ fn: count }, { fn: min }, { fn: max }, { fn: avg }]
  - name: sessions
    source: { where: [{ field: metric, op: ne, value: m3 }] }
    groupBy: []
    window: { kind: session, gap: 25s }
    aggregates: [{ fn: count }, { fn: sum }, { fn: quantile, q: 0.9 }]
    having: [{ aggregate: count, op: ge, value: 2 }]
`);

const eventArb = fc.record({
  shard: fc.nat(2),
  series: fc.nat(3),
  host: fc.nat(4),
  // Within ±allowed/2 of the shard's steady clock: never too late on the event's own shard.
  jitter: fc.integer({ min: -(ALLOWED / 2) + 1, max: ALLOWED / 2 - 1 }),
  value: fc.oneof(
    fc.integer({ min: -50, max: 500 }),
    fc.double({ min: 0.001, max: 1e6, noNaN: true }),
  ),
});

class FlakySink {
  failNext = 0;
  readonly emitted: QueryWindow[] = [];
  async emit(windows: readonly QueryWindow[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('sink unavailable');
    }
    this.emitted.push(...windows);
  }
}

describe('QueryRunner under at-least-once delivery', () => {
  it('emits, for every window kind and aggregate, final windows equal to a batch computation', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(eventArb, { minLength: 1, maxLength: 120 }),
        fc.integer({ min: 200, max: 40_000 }),
        fc.integer(),
        async (events, stepMs, seed) => {
          // Prepare: each shard's observations; about one in seven is re-sent later on a shard
          // at random (same event id, new position).
          const rand = prng(seed);
          const { shards, all } = shardObservations(events, 3, T0, stepMs, rand);
          const runner = new QueryRunner(queries, cfg);
          // Every shard is a known lane from the start (as a stream's shards are).
          for (let s = 0; s < 3; s++) runner.apply(`shard-${s}`, []);
          const sink = new FlakySink();
          const cursors = [0, 0, 0];

          // Act: random batch sizes and shard interleaving; crashes after the write (the same
          // batch comes again), rewinds (older records again), sink outages.
          for (let steps = 0; steps < 5000; steps++) {
            const open = [0, 1, 2].filter((s) => cursors[s]! < shards[s]!.length);
            if (open.length === 0) break;
            const s = open[Math.floor(rand() * open.length)]!;
            const from = cursors[s]!;
            const batch = shards[s]!.slice(from, from + 1 + Math.floor(rand() * 8));
            runner.apply(`shard-${s}`, batch);
            if (rand() < 0.1) sink.failNext = 1;
            await runner.flush(sink).catch(() => undefined);
            const roll = rand();
            if (roll < 0.1) continue;
            if (roll < 0.15) cursors[s] = Math.floor(rand() * (from + 1));
            else cursors[s] = from + batch.length;
          }
          sink.failNext = 0;
          await runner.flushIdle(sink);

          // Assess: each query's final windows are the batch computation over the distinct events.
          expectBatchResults(queries, finalWindows(sink.emitted), all, cfg.alpha);
        },
      ),
      { numRuns: 120 },
    );
  });
});
