// The stream-aggregator's scale and cost model: from the rate, shards, series, window and batch
// settings to requests, capacity units, the hottest partition keys against DynamoDB's
// per-partition limits, Lambda concurrency and a monthly bill at on-demand prices, for the
// delta-chain design (docs/aggregator-design.md). Every formula is in `model` below, with the
// measured constants it uses (docs/performance/2026-12-07-aggregator.md).
//
//   pnpm scale                                   # the three workloads of the scale issue
//   pnpm scale --rate 5000 --shards 8 --series 20000 [--window 60] [--batch 1000]
//              [--batch-window 5] [--event-bytes 400] [--json]
import { parseArgs } from 'node:util';

/**
 * Prices, us-east-1, as AWS publishes them (DynamoDB on-demand since the November 2024 reduction;
 * Lambda arm64; Kinesis Data Streams provisioned; Managed Service for Apache Flink).
 */
export const PRICES = {
  /** DynamoDB on-demand, per million write request units / read request units; storage per GB-month. */
  dynamoWritePerMillion: 0.625,
  dynamoReadPerMillion: 0.125,
  dynamoStoragePerGbMonth: 0.25,
  /** Lambda arm64: per GB-second, per million requests. */
  lambdaGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  /** Kinesis Data Streams provisioned: per shard-hour, per million 25 KB PUT payload units. */
  kinesisShardHour: 0.015,
  kinesisPutPerMillion: 0.014,
  /** Managed Service for Apache Flink: per KPU-hour (an application also pays one orchestration KPU). */
  flinkKpuHour: 0.11,
};

const HOURS_PER_MONTH = 730;
const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
/** DynamoDB's per-partition limit, write units per second. */
const PARTITION_WCU = 1000;

/** Measured constants (docs/performance/2026-12-07-aggregator.md). */
const MEASURED = {
  /** Deflated delta bytes: per event and per (series, window) entry (1,000 events, 563 entries: 16.1 KB). */
  deltaBytesPerEvent: 12,
  deltaBytesPerEntry: 7,
  /** Window table item (event JSON with its sketch, stats, vector): ≈ 1.5 KB → 2 write units. */
  windowItemWcu: 2,
  /** Flush state: deflated bytes per series. */
  flushStateBytesPerSeries: 11,
  /** Hot path: CPU per record (kinesis-6mb, ×0.9 the floor on a loaded machine), and per invocation I/O. */
  cpuMsPerRecord: 0.008,
  ioMsPerInvocation: 60,
  /** Emitted metrics.window event bytes (Kinesis PUT payload). */
  windowEventBytes: 1300,
};

export type Inputs = {
  rate: number;
  shards: number;
  series: number;
  windowSeconds: number;
  batchSize: number;
  batchWindowSeconds: number;
  eventBytes: number;
  /** Marker buckets (MARKER_BUCKETS) and memory (MB) of the function. */
  markerBuckets: number;
  memoryMb: number;
  /** State TTL (deltas kept) and window TTL, days. */
  stateTtlDays: number;
  windowTtlDays: number;
};

export function model(i: Inputs) {
  // Per shard: Lambda invokes when the batch is full or the batch window elapsed.
  const perShardRate = i.rate / i.shards;
  const invocationSeconds = Math.min(i.batchWindowSeconds, i.batchSize / perShardRate);
  const eventsPerInvocation = perShardRate * invocationSeconds;
  const invocationsPerSecond = i.shards / invocationSeconds;
  // Series keyed to one shard: distinct series of a batch (balls into bins).
  const seriesPerShard = i.series / i.shards;
  const seriesPerBatch = seriesPerShard * (1 - Math.exp(-eventsPerInvocation / seriesPerShard));
  // Windows a batch touches: its own span over the window length, plus one for the boundary.
  const windowsPerBatch = 1 + invocationSeconds / i.windowSeconds;
  const entries = seriesPerBatch * Math.min(windowsPerBatch, 2);
  const deltaBytes =
    MEASURED.deltaBytesPerEvent * eventsPerInvocation + MEASURED.deltaBytesPerEntry * entries + 200;
  const deltaWcu = Math.ceil(deltaBytes / 1024);
  // Per invocation: the delta, and per window touched an index update and a marker put.
  const commitWcu = deltaWcu + 2 * windowsPerBatch;
  // Per window (every windowSeconds): one item per series, the flush state, marker deletes, leases.
  const flushStateBytes = MEASURED.flushStateBytesPerSeries * i.series;
  const perWindowStateWcu =
    Math.ceil(Math.min(flushStateBytes, 350_000) / 1024) + i.shards + 2 * i.markerBuckets;
  const stateWcu = commitWcu * invocationsPerSecond + perWindowStateWcu / i.windowSeconds;
  // The output: one window table item per series and window.
  const windowTableWcu = (i.series * MEASURED.windowItemWcu) / i.windowSeconds;
  const writeUnitsPerSecond = stateWcu + windowTableWcu;
  // Reads: each delta read (strongly consistent) by the windows it holds; a Limit-1 marker query
  // per bucket per invocation (1 read unit minimum each); the window index and flush state.
  const readUnitsPerSecond =
    ((deltaBytes * windowsPerBatch) / 4096) * invocationsPerSecond +
    i.markerBuckets * invocationsPerSecond +
    (Math.ceil(Math.min(flushStateBytes, 350_000) / 4096) + i.shards) / i.windowSeconds;
  // Hottest keys: a window's index and marker partitions take one write per lane invocation
  // touching the window; a lane's chain takes its deltas; the flush state one write per window.
  const windowPartitionWcu = invocationsPerSecond * 1;
  const markerBucketWcu = invocationsPerSecond * Math.max(1, windowsPerBatch / i.markerBuckets);
  const lanePartitionWcu = deltaWcu / invocationSeconds;
  const hottest = Math.max(windowPartitionWcu, markerBucketWcu, lanePartitionWcu);
  // The flush of one window is one invocation: its window items, 32 series at once, assuming
  // ≈ 10 ms per conditional put on AWS (not measured here).
  const flushSeconds = (i.series / 32) * 0.01;
  // Lambda: one invocation per shard at a time (ParallelizationFactor 1).
  const durationMs = MEASURED.cpuMsPerRecord * eventsPerInvocation + MEASURED.ioMsPerInvocation;
  const concurrency = i.shards + 1; // + the flusher's invocation that holds the leases
  // Output stream: one metrics.window event per series and window, drained within a quarter window.
  const windowEventsPerSecond = i.series / i.windowSeconds;
  const aggregatesShards = Math.max(
    1,
    Math.ceil(i.series / (1000 * (i.windowSeconds / 4))),
    Math.ceil((windowEventsPerSecond * MEASURED.windowEventBytes) / 1_000_000),
  );
  // Storage: deltas for the state TTL, window items for the window TTL.
  const stateGb = (i.rate * (deltaBytes / eventsPerInvocation) * i.stateTtlDays * 86_400) / 1e9;
  const windowGb = (windowEventsPerSecond * 1500 * i.windowTtlDays * 86_400) / 1e9;
  const month = (unitsPerSecond: number, perMillion: number) =>
    (unitsPerSecond * SECONDS_PER_MONTH * perMillion) / 1e6;
  // The aggregation itself (state, Lambda, output stream) and, apart, the window table kept as a
  // query store (its writes and WINDOW_TTL_DAYS of storage), which Flink would not have.
  const bill = {
    stateWrites: month(stateWcu, PRICES.dynamoWritePerMillion),
    stateReads: month(readUnitsPerSecond, PRICES.dynamoReadPerMillion),
    stateStorage: stateGb * PRICES.dynamoStoragePerGbMonth,
    lambda:
      (invocationsPerSecond * SECONDS_PER_MONTH * PRICES.lambdaPerMillionRequests) / 1e6 +
      invocationsPerSecond *
        SECONDS_PER_MONTH *
        (durationMs / 1000) *
        (i.memoryMb / 1024) *
        PRICES.lambdaGbSecond,
    aggregatesStream:
      aggregatesShards * HOURS_PER_MONTH * PRICES.kinesisShardHour +
      (windowEventsPerSecond * SECONDS_PER_MONTH * PRICES.kinesisPutPerMillion) / 1e6,
  };
  const aggregation = Object.values(bill).reduce((a, b) => a + b, 0);
  const windowTable = {
    writes: month(windowTableWcu, PRICES.dynamoWritePerMillion),
    storage: windowGb * PRICES.dynamoStoragePerGbMonth,
  };
  const total = aggregation + windowTable.writes + windowTable.storage;
  const bottlenecks: string[] = [];
  if (hottest > PARTITION_WCU)
    bottlenecks.push(`hottest key ${hottest.toFixed(0)} WCU/s > ${PARTITION_WCU}`);
  if (flushSeconds > i.windowSeconds / 2)
    bottlenecks.push(
      `one window's flush ≈ ${flushSeconds.toFixed(0)} s of puts in one invocation (> half a window)`,
    );
  if (flushStateBytes > 350_000) bottlenecks.push('flush state over its 350 KB cap (not cached)');
  if (i.batchSize * i.eventBytes > 6_000_000) bottlenecks.push('batch over the 6 MB payload');
  return {
    inputs: i,
    invocationsPerSecond,
    eventsPerInvocation,
    requestsPerSecond: {
      deltaPuts: invocationsPerSecond,
      indexAndMarkerWrites: 2 * windowsPerBatch * invocationsPerSecond,
      windowPuts: i.series / i.windowSeconds,
      markerQueries: i.markerBuckets * invocationsPerSecond,
    },
    writeUnitsPerSecond,
    stateWriteUnitsPerEvent: stateWcu / i.rate,
    readUnitsPerSecond,
    writeUnitsPerEvent: writeUnitsPerSecond / i.rate,
    readUnitsPerEvent: readUnitsPerSecond / i.rate,
    hottestKeyWcu: {
      windowPartition: windowPartitionWcu,
      markerBucket: markerBucketWcu,
      lane: lanePartitionWcu,
    },
    flushSecondsPerWindow: flushSeconds,
    lambdaConcurrency: concurrency,
    aggregatesShards,
    monthly: { ...bill, aggregation, windowTable, total },
    flinkMonthly: 2 * PRICES.flinkKpuHour * HOURS_PER_MONTH,
    bottlenecks,
  };
}

/**
 * The rate (events/s, series and shards scaled with it as in the 1,000/s workload) above which the
 * aggregation costs more per month than Managed Flink's minimum (1 KPU + orchestration). Flink
 * needs more KPUs as the rate grows, so the true crossover is at or above this one.
 */
export function crossoverRate(base: Inputs): number {
  const at = (rate: number) =>
    model({
      ...base,
      rate,
      series: (base.series * rate) / base.rate,
      shards: Math.max(1, Math.ceil((base.shards * rate) / base.rate)),
    });
  let lo = base.rate / 100;
  let hi = base.rate * 1000;
  for (let k = 0; k < 60; k++) {
    const mid = Math.sqrt(lo * hi);
    const r = at(mid);
    if (r.monthly.aggregation > r.flinkMonthly) hi = mid;
    else lo = mid;
  }
  return lo;
}

const WORKLOADS: Array<Partial<Inputs>> = [
  { rate: 1000, shards: 4, series: 2000 },
  { rate: 20_000, shards: 40, series: 100_000 },
  { rate: 200_000, shards: 400, series: 2_000_000 },
];

const DEFAULTS: Inputs = {
  rate: 1000,
  shards: 4,
  series: 2000,
  windowSeconds: 60,
  batchSize: 1000,
  batchWindowSeconds: 5,
  eventBytes: 400,
  markerBuckets: 4,
  memoryMb: 512,
  stateTtlDays: 7,
  windowTtlDays: 90,
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values: a } = parseArgs({
    options: {
      rate: { type: 'string' },
      shards: { type: 'string' },
      series: { type: 'string' },
      window: { type: 'string' },
      batch: { type: 'string' },
      'batch-window': { type: 'string' },
      'event-bytes': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const given: Partial<Inputs> = {};
  if (a.rate) given.rate = Number(a.rate);
  if (a.shards) given.shards = Number(a.shards);
  if (a.series) given.series = Number(a.series);
  if (a.window) given.windowSeconds = Number(a.window);
  if (a.batch) given.batchSize = Number(a.batch);
  if (a['batch-window']) given.batchWindowSeconds = Number(a['batch-window']);
  if (a['event-bytes']) given.eventBytes = Number(a['event-bytes']);
  const runs = Object.keys(given).length > 0 ? [given] : WORKLOADS;
  const results = runs.map((w) => model({ ...DEFAULTS, ...w }));
  const crossover = crossoverRate({ ...DEFAULTS, ...runs[0] });
  if (a.json) {
    console.log(JSON.stringify({ results, crossover }, null, 2));
  } else {
    const $ = (n: number) => `$${n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2)}`;
    for (const r of results) {
      const i = r.inputs;
      console.log(
        `\n${i.rate.toLocaleString('en-US')} events/s, ${i.shards} shards, ${i.series.toLocaleString('en-US')} series, ` +
          `${i.windowSeconds} s windows, batch ${i.batchSize} / ${i.batchWindowSeconds} s`,
      );
      console.log(
        `  invocations ${r.invocationsPerSecond.toFixed(1)}/s of ${r.eventsPerInvocation.toFixed(0)} events; Lambda concurrency ${r.lambdaConcurrency}`,
      );
      console.log(
        `  DynamoDB: ${r.writeUnitsPerSecond.toFixed(0)} WCU/s (${r.writeUnitsPerEvent.toFixed(3)} per event, state ${r.stateWriteUnitsPerEvent.toFixed(3)}), ` +
          `${r.readUnitsPerSecond.toFixed(0)} RCU/s (${r.readUnitsPerEvent.toFixed(4)} per event); ` +
          `requests/s: delta ${r.requestsPerSecond.deltaPuts.toFixed(1)}, index+marker ${r.requestsPerSecond.indexAndMarkerWrites.toFixed(1)}, ` +
          `window items ${r.requestsPerSecond.windowPuts.toFixed(0)}, marker queries ${r.requestsPerSecond.markerQueries.toFixed(1)}`,
      );
      const h = r.hottestKeyWcu;
      console.log(
        `  hottest keys (WCU/s, limit ${PARTITION_WCU}): window partition ${h.windowPartition.toFixed(1)}, ` +
          `marker bucket ${h.markerBucket.toFixed(1)}, lane chain ${h.lane.toFixed(1)}; ` +
          `one window's flush ≈ ${r.flushSecondsPerWindow.toFixed(1)} s; aggregates shards ${r.aggregatesShards}`,
      );
      const m = r.monthly;
      console.log(
        `  monthly, aggregation: state writes ${$(m.stateWrites)}, reads ${$(m.stateReads)}, storage ${$(m.stateStorage)}, ` +
          `Lambda ${$(m.lambda)}, aggregates stream ${$(m.aggregatesStream)} → ${$(m.aggregation)} ` +
          `(Managed Flink's minimum, 1 KPU + orchestration: ${$(r.flinkMonthly)})`,
      );
      console.log(
        `  monthly, window table as a query store: writes ${$(m.windowTable.writes)}, ${i.windowTtlDays} days of storage ${$(m.windowTable.storage)} → all in ${$(m.total)}`,
      );
      console.log(
        `  first bottleneck: ${r.bottlenecks[0] ?? 'none within these limits'}${r.bottlenecks.length > 1 ? `; then ${r.bottlenecks.slice(1).join('; ')}` : ''}`,
      );
    }
    console.log(
      `\nThe aggregation costs more than Managed Flink's minimum (2 KPU) above ≈ ${Math.round(crossover).toLocaleString('en-US')} events/s ` +
        '(series and shards scaled with the rate; Flink needs more KPUs as the rate grows, so its real crossover is higher).',
    );
  }
}
