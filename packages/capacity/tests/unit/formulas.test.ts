import { describe, expect, it } from '@jest/globals';
import {
  aggregatesShards,
  charge,
  costModel,
  crossoverRate,
  eventsPerInvocation,
  flinkMonthly,
  PRICES,
  putUnits,
  type ScaleInput,
  scaleModel,
  shardsFor,
  total,
  WORKLOADS,
} from '../../src/index.js';

// Every expected number below is worked out by hand from the formula in docs/cost-model.md and
// the prices in src/prices.ts; a wrong formula or unit (hours per month, 1 KB vs 1,000 B, 25 KB
// PUT units, per-million) moves it.

describe('Kinesis sizing', () => {
  it('counts PUT payload units in 25 KB chunks of a record', () => {
    expect(putUnits(400)).toBe(1);
    expect(putUnits(25 * 1024)).toBe(1);
    expect(putUnits(25 * 1024 + 1)).toBe(2);
  });

  it('sizes a stream by whichever per-shard write limit binds: bytes or records', () => {
    expect(shardsFor(1000, 400)).toBe(1);
    // 500 × 4,096 B = 2,048,000 B/s over 1,048,576 B/s per shard, though only 500 records/s.
    expect(shardsFor(500, 4096)).toBe(2);
    // 1,001 records/s of 10 B: the records limit.
    expect(shardsFor(1001, 10)).toBe(2);
  });

  it('drains a window’s burst of window events within a quarter window', () => {
    // 100,000 series / (1,000 records/s × 15 s) = 6.67 → 7 shards.
    expect(aggregatesShards(100_000, 60, 1300)).toBe(7);
    expect(aggregatesShards(2000, 60, 1300)).toBe(1);
  });

  it('takes the batch, or what the batch window gathers when the lane is slower', () => {
    expect(eventsPerInvocation(250, 1000, 5)).toBe(1000);
    expect(eventsPerInvocation(100, 1000, 5)).toBe(500);
  });
});

describe('bill lines', () => {
  it('prices a quantity in the price’s unit and leaves unknown prices out of the total', () => {
    const known = charge('g', 'shard-hours', 'kinesisShardHour', 730);
    const unknown = charge('g', 'firehose', 'firehoseGbIngested', 10);
    expect(known.usd).toBeCloseTo(10.95, 6);
    expect(unknown.usd).toBeNull();
    const t = total([known, unknown]);
    expect(t.usd).toBeCloseTo(10.95, 6);
    expect(t.unknown.map((l) => l.what)).toEqual(['firehose']);
  });

  it('bills Lambda GB-seconds over a 730-hour month at the arm64 price', () => {
    // 1,000 events/s × 0.0705 ms at 512 MB: 0.0705 s/s × 0.5 GB × 2,628,000 s = 92,637 GB-s.
    const r = costModel({
      rate: 1000,
      eventBytes: 400,
      shards: 4,
      consumers: 'shared',
      memoryMb: 512,
      opensearch: false,
      redshift: false,
    });
    const duration = r.lines.find((l) => l.what === 'stream-aggregator duration');
    expect(duration?.quantity).toBeCloseTo(92_637, 0);
    expect(duration?.usd).toBeCloseTo(92_637 * 0.0000133334, 4);
    // One invocation per shard every 4 s (1,000 of its 250 events/s): 1 request/s.
    const requests = r.lines.find((l) => l.what === 'stream-aggregator requests');
    expect(requests?.quantity).toBeCloseTo(2.628, 6);
  });
});

describe('costModel', () => {
  const base = {
    rate: 1000,
    eventBytes: 400,
    shards: 4,
    memoryMb: 512,
    opensearch: false,
    redshift: false,
  } as const;

  it('bills the events stream by shard-hours and PUT units', () => {
    const r = costModel({ ...base, consumers: 'shared' });
    const stream = r.groups.find((g) => g.name === 'events stream');
    // 4 × 730 × $0.015 = $43.80; 1,000 × 2,628,000 / 10⁶ × $0.014 = $36.792.
    expect(stream?.usd).toBeCloseTo(43.8 + 36.792, 3);
  });

  it('adds two EFO consumers (aggregator, indexer): consumer-shard-hours and data', () => {
    const shared = costModel({ ...base, consumers: 'shared' });
    const efo = costModel({ ...base, consumers: 'efo' });
    // Per consumer: 4 × 730 × $0.015 = $43.80, plus 1,000 × 400 B × 2,628,000 s / 2³⁰ = 979.03 GB
    // × $0.013 = $12.727.
    const perConsumer = 43.8 + ((1000 * 400 * 2_628_000) / 1024 ** 3) * 0.013;
    expect(efo.total.usd - shared.total.usd).toBeCloseTo(2 * perConsumer, 2);
  });

  it('writes two items per stored event (table and by-type index), 1 KB units', () => {
    const small = costModel({ ...base, consumers: 'shared' });
    const writes = small.lines.find((l) => l.what === 'events table + byType index writes');
    // 400 B + 200 B overhead → 1 unit, × 2 items, × 1,000/s × 2,628,000 s = 5,256 million.
    expect(writes?.quantity).toBeCloseTo(5256, 6);
    const big = costModel({ ...base, eventBytes: 900, consumers: 'shared' });
    // 900 + 200 = 1,100 B → 2 units per item.
    expect(
      big.lines.find((l) => l.what === 'events table + byType index writes')?.quantity,
    ).toBeCloseTo(10_512, 6);
  });

  it('counts every price-unknown line out of the totals and names it', () => {
    const r = costModel({ ...base, consumers: 'shared' });
    const known = r.lines.filter((l) => l.usd !== null).reduce((s, l) => s + (l.usd ?? 0), 0);
    expect(r.total.usd).toBeCloseTo(known, 6);
    expect(r.total.unknown.map((l) => l.what)).toContain('Firehose ingestion (5 KB rounding)');
    for (const l of r.total.unknown) expect(PRICES[l.price].status).toBe('unknown');
  });

  it('bills Firehose ingestion in 5 KB steps per record', () => {
    const r = costModel({ ...base, consumers: 'shared' });
    const ingest = r.lines.find((l) => l.what === 'Firehose ingestion (5 KB rounding)');
    // 1,000 records/s × 5,120 B × 2,628,000 s / 2³⁰ = 12,531 GB (not 979 GB of payload).
    expect(ingest?.quantity).toBeCloseTo((1000 * 5120 * 2_628_000) / 1024 ** 3, 3);
  });
});

describe('the aggregation path at 1,000 ev/s', () => {
  const base = {
    rate: 1000,
    eventBytes: 400,
    consumers: 'efo',
    memoryMb: 512,
    opensearch: false,
    redshift: false,
  } as const;

  it('bills the aggregator’s state table at the measured units, and the window table apart', () => {
    const off = costModel(base);
    const on = costModel({ ...base, windowTable: true });
    // 1,000 × 0.0193 × 2,628,000 / 10⁶ = 50.72 million write units.
    const state = off.lines.find((l) => l.what === 'aggregator state table writes');
    expect(state?.quantity).toBeCloseTo(50.7204, 4);
    expect(off.groups.find((g) => g.name === 'window table (query store)')).toBeUndefined();
    // On: 33.33 window events/s × 1 unit × 2,628,000 / 10⁶ = 87.6 million units, $54.75; the
    // aggregation path is unchanged.
    const table = on.lines.find((l) => l.what === 'window table writes');
    expect(table?.quantity).toBeCloseTo(87.6, 6);
    expect(table?.usd).toBeCloseTo(54.75, 6);
    const path = (r: typeof on) => r.groups.find((g) => g.name === 'aggregation path')?.usd;
    expect(path(on)).toBeCloseTo(path(off) ?? 0, 9);
  });

  it('costs no more than the smallest Managed Flink application', () => {
    const path = costModel(base).groups.find((g) => g.name === 'aggregation path')?.usd ?? 0;
    expect(path).toBeLessThanOrEqual(flinkMonthly(1000).usd);
  });
});

describe('Managed Flink', () => {
  it('bills the KPUs the rate needs plus one orchestration KPU, at least 1 + 1', () => {
    // 2 × $0.11 × 730 = $160.60.
    expect(flinkMonthly(100).usd).toBeCloseTo(160.6, 6);
    expect(flinkMonthly(5000).kpus).toBe(1);
    expect(flinkMonthly(5001).kpus).toBe(2);
    expect(flinkMonthly(5001).usd).toBeCloseTo(240.9, 6);
  });

  it('finds the rate where Flink becomes cheaper than the aggregation path', () => {
    const base = {
      eventBytes: 400,
      consumers: 'shared',
      memoryMb: 512,
      opensearch: false,
      redshift: false,
    } as const;
    const cross = crossoverRate(base);
    expect(cross).not.toBeNull();
    const at = (rate: number) =>
      costModel({ ...base, rate }).groups.find((g) => g.name === 'aggregation path')?.usd ?? 0;
    const c = cross as number;
    expect(flinkMonthly(c).usd).toBeLessThan(at(c));
    expect(flinkMonthly(c / 1.02).usd).toBeGreaterThanOrEqual(at(c / 1.02));
  });
});

describe('scaleModel', () => {
  const workload = (k: number): ScaleInput => ({
    ...(WORKLOADS[k] as (typeof WORKLOADS)[number]),
    windowSeconds: 60,
    batchSize: 1000,
    batchWindowSeconds: 5,
    parallelization: 1,
    eventBytes: 400,
    consumers: 'efo',
    memoryMb: 512,
  });

  it('models the aggregator’s delta, commit and flush writes (1,000 ev/s, 2,000 series)', () => {
    const r = scaleModel(workload(0));
    // Per shard 250 ev/s → a full batch of 1,000 every 4 s; 1 invocation/s over 4 shards.
    expect(r.aggregator.eventsPerInvocation).toBe(1000);
    expect(r.aggregator.invocationsPerSecond).toBeCloseTo(1, 9);
    // 500 series per shard: 500 × (1 − e⁻²) = 432.33 distinct; × (1 + 4/60) windows = 461.15
    // entries; delta = 12 × 1,000 + 7 × 461.15 + 200 = 15,428 B → 16 write units.
    expect(r.aggregator.deltaBytes).toBeCloseTo(15_428, 0);
    // Per second: commits (16 + 2 × 1.0667) + per window (flush state 11 × 2,000 = 22,000 B → 22
    // units, written twice; 4 marker deletes; 8 lease writes) / 60 = 18.133 + 56 / 60 = 19.067.
    expect(r.aggregator.flushShards).toBe(1);
    expect(r.aggregator.writeUnitsPerEvent).toBeCloseTo(0.019067, 5);
    // The window table, when on, adds one item per series and window: 2,000 / 60 = 33.33 units/s.
    const withTable = scaleModel({ ...workload(0), windowTable: true });
    expect(withTable.aggregator.writeUnitsPerEvent).toBeCloseTo(0.019067 + 0.033333, 5);
  });

  it('shards the flush state by series: ⌈series / 10,000⌉ items, each written twice per window', () => {
    const r = scaleModel(workload(1));
    // 100,000 series → 10 shards of 10,000 × 11 B = 110,000 B → 108 units; × 2 writes × 10.
    // Commits: 20 invocations/s (one per shard every 2 s), each an 18,162 B delta (18 units) and
    // 2 writes per window touched (1 + 2/60).
    expect(r.aggregator.flushShards).toBe(10);
    expect(r.aggregator.deltaBytes).toBeCloseTo(18_162, 0);
    const commits = (18 + 2 * (1 + 2 / 60)) * 20;
    const perWindow = (2 * 10 * 108 + 40 + 8) / 60;
    expect(r.aggregator.writeUnitsPerEvent * 20_000).toBeCloseTo(commits + perWindow, 6);
  });

  it('finds no limit broken at 1,000 or 20,000 ev/s: the by-type shards follow the rate', () => {
    expect(scaleModel(workload(0)).broken).toEqual([]);
    const mid = scaleModel(workload(1));
    expect(mid.broken).toEqual([]);
    // 16,000 telemetry.reading/s of 600 B items: ⌈16,000 / 500⌉ = 32 shards, 500 WCU/s each.
    const hot = mid.checks.find((c) => c.what.startsWith('dynamodb-indexer: hottest key'));
    expect(hot?.what).toContain('(32 shards)');
    expect(hot?.used).toBeCloseTo(500, 6);
    // The closest limit is then the indexer's table at the 40,000-unit default quota.
    expect(mid.first.what).toBe('dynamodb-indexer: events table + index, write units');
  });

  it('puts one write per invocation on a window’s index partition: 200 WCU/s at 400 shards', () => {
    const r = scaleModel(workload(2));
    const agg = r.rows.find((row) => row.service === 'stream-aggregator');
    expect(agg?.hottestKeyWcu).toBeCloseTo(200, 6);
    // One window's flush: 12,000,000 events × 20 µs + 2,000,000 series × 150 µs = 540 s; its
    // merge holds 12,000,000 × 129 B = 1.5 GB, 2.9× the 512 MB of the function.
    expect(r.aggregator.flushSeconds).toBeCloseTo(540, 6);
    const memory = r.checks.find((c) =>
      c.what.startsWith('stream-aggregator: one window’s flush memory'),
    );
    expect((memory?.used ?? 0) / (memory?.limit ?? 1)).toBeCloseTo(1_548_000_000 / 536_870_912, 6);
    expect(r.broken.map((c) => c.what)).toEqual(
      expect.arrayContaining([
        'stream-aggregator: one window’s flush in one invocation',
        memory?.what,
      ]),
    );
    // With the window table on, its puts add 2,000,000 / 32 × 10 ms = 625 s.
    expect(scaleModel({ ...workload(2), windowTable: true }).aggregator.flushSeconds).toBeCloseTo(
      1165,
      6,
    );
  });

  it('counts shared readers against 5 GetRecords/s per shard', () => {
    const shared = scaleModel({ ...workload(0), consumers: 'shared' });
    const calls = shared.checks.find(
      (c) => c.what === 'events stream: shared GetRecords per shard',
    );
    // Firehose + stream-aggregator + dynamodb-indexer, one poll per second each.
    expect(calls?.used).toBe(3);
    const efo = scaleModel(workload(0));
    expect(
      efo.checks.find((c) => c.what === 'events stream: shared GetRecords per shard')?.used,
    ).toBe(1);
  });
});

describe('price table', () => {
  it('gives every price a source and a date, and a number exactly when it is not unknown', () => {
    for (const [id, p] of Object.entries(PRICES)) {
      expect([id, p.source.length > 10, /^\d{4}-\d{2}-\d{2}$/.test(p.read)]).toEqual([
        id,
        true,
        true,
      ]);
      expect([id, p.usd === null]).toEqual([id, p.status === 'unknown']);
    }
    // DynamoDB on-demand after the November 2024 halving.
    expect(PRICES.dynamoWritePerMillion.usd).toBe(0.625);
    expect(PRICES.dynamoReadPerMillion.usd).toBe(0.125);
  });
});
