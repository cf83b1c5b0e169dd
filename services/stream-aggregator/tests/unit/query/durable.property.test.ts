import { describe, it } from '@jest/globals';
import { parseQueryFile } from '@streamlens/query';
import fc from 'fast-check';
import { DurableQueries } from '../../../src/query/durable.js';
import type { QueryWindow } from '../../../src/query/group.js';
import { MemoryQueryStore, Outage } from '../../helpers/memory-query-store.js';
import { expectBatchResults, finalWindows, shardObservations } from '../../helpers/query-oracle.js';
import { prng } from '../../helpers/records.js';

const ALLOWED = 20_000;
const cfg = {
  allowedLatenessMs: ALLOWED,
  maxLatenessMs: 300_000,
  alpha: 0.01,
  flushLimit: 1000,
  idleMs: 60_000,
  concurrency: 4,
};
const T0 = Date.UTC(2026, 11, 8, 12, 0, 0);

const { queries } = parseQueryFile(`version: 1
queries:
  - name: per-series
    window: { kind: tumbling, size: 60s }
    aggregates: [{ fn: count }, { fn: sum }, { fn: min }, { fn: max }, { fn: quantile, q: 0.5 }]
  - name: per-region
    groupBy: [dimensions.region]
    window: { kind: sliding, size: 90s, slide: 30s }
    aggregates:
      - { fn: count }
      - { fn: distinct, field: dimensions.host, as: hosts }
      - { fn: topk, field: dimensions.host, k: 2 }
  - name: per-host
    groupBy: [dimensions.host]
    window: { kind: stagger, size: 45s }
    aggregates: [{ fn: count }, { fn: max }]
  - name: sessions
    groupBy: []
    window: { kind: session, gap: 25s }
    aggregates: [{ fn: count }, { fn: sum }]
    having: [{ aggregate: count, op: ge, value: 2 }]
`);

class FlakySink {
  fail = false;
  readonly emitted: QueryWindow[] = [];
  async emit(windows: readonly QueryWindow[]): Promise<void> {
    await Promise.resolve();
    if (this.fail) throw new Outage('sink unavailable');
    this.emitted.push(...structuredClone(windows));
  }
}

const eventArb = fc.record({
  shard: fc.nat(1),
  series: fc.nat(2),
  host: fc.nat(3),
  jitter: fc.integer({ min: -(ALLOWED / 2) + 1, max: ALLOWED / 2 - 1 }),
  value: fc.integer({ min: -50, max: 500 }),
});

describe('DurableQueries under at-least-once delivery', () => {
  it('emits final windows equal to a batch computation through crashes, store and sink outages and concurrent flushes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(eventArb, { minLength: 1, maxLength: 80 }),
        fc.integer({ min: 500, max: 20_000 }),
        fc.integer(),
        async (events, stepMs, seed) => {
          // Prepare: two shards; about one event in seven is re-sent later on either shard.
          const rand = prng(seed);
          const { shards, all } = shardObservations(events, 2, T0, stepMs, rand);
          const store = new MemoryQueryStore();
          store.turns = () => Math.floor(rand() * 12);
          const sink = new FlakySink();
          // Two containers share the state table (concurrent invocations of the two shards).
          const runners = [0, 1].map(() => new DurableQueries(queries, cfg, store, sink));
          const cursors = [0, 0];
          // The lanes' checkpoints: the largest event time applied (what the delta chain keeps).
          const heads = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];

          // Act: random batches; an outage can strike any store call or the sink; a failed
          // batch does not move its checkpoint and comes again (the crash before the append);
          // merges and flushes of the two containers interleave at every store call.
          for (let steps = 0; steps < 400; steps++) {
            const open = [0, 1].filter((s) => cursors[s]! < shards[s]!.length);
            if (open.length === 0) break;
            const s = open[Math.floor(rand() * open.length)]!;
            const batch = shards[s]!.slice(cursors[s], cursors[s]! + 1 + Math.floor(rand() * 6));
            store.fail = () => rand() < 0.04;
            sink.fail = rand() < 0.15;
            const outage = (error: unknown) => {
              if (!(error instanceof Outage)) throw error;
            };
            const wmBefore = Math.max(...heads) - ALLOWED;
            // The other container flushes meanwhile now and then (its writes race this merge).
            await Promise.all([
              runners[s]!.apply(
                [{ lane: `shard-${s}`, maxEventMsBefore: heads[s]!, observations: batch }],
                Number.POSITIVE_INFINITY,
              ).then(() => {
                cursors[s]! += batch.length;
                for (const o of batch) heads[s] = Math.max(heads[s]!, o.timeMs);
              }, outage),
              rand() < 0.3
                ? runners[1 - s]!.flush(wmBefore, Number.POSITIVE_INFINITY).catch(outage)
                : undefined,
            ]);
            const wm = Math.max(...heads) - ALLOWED;
            // An invocation that ran out of time flushes nothing (the groups stay due for the
            // next one's concurrent flush); both containers flush at once now and then.
            if (rand() < 0.4) continue;
            await Promise.all(
              (rand() < 0.3 ? runners : [runners[s]!]).map((r) =>
                r.flush(wm, Number.POSITIVE_INFINITY).catch(outage),
              ),
            );
          }
          store.fail = () => false;
          sink.fail = false;
          await runners[0]!.flushIdle(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);

          // Assess: each query's final windows are the batch computation over the distinct events.
          expectBatchResults(queries, finalWindows(sink.emitted), all, cfg.alpha);
        },
      ),
      { numRuns: 60 },
    );
  });
});
