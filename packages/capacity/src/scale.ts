import { typeShardsFor } from '@streamlens/dynamodb-indexer/keys';
import { flushShardsFor } from '@streamlens/stream-aggregator/flush-shards';
import { aggregatesShards, putUnits } from './cost.js';
import { DEFAULTS } from './defaults.js';
import { LIMITS } from './limits.js';
import {
  charge,
  dynamoLines,
  eventsPerInvocation,
  HOURS_PER_MONTH,
  type Line,
  lambdaLines,
  SECONDS_PER_MONTH,
  type Totals,
  total,
} from './money.js';

export interface ScaleInput {
  readonly rate: number;
  readonly shards: number;
  readonly series: number;
  readonly windowSeconds: number;
  readonly batchSize: number;
  readonly batchWindowSeconds: number;
  readonly parallelization: number;
  readonly eventBytes: number;
  readonly consumers: 'efo' | 'shared';
  readonly memoryMb: number;
  /** The aggregator writes its optional window table (WINDOW_TABLE=on; a query store). */
  readonly windowTable?: boolean;
}

/**
 * Constants of the stream-aggregator's delta-chain design (docs/aggregator-design.md), measured
 * there (docs/performance/2026-12-07-aggregator.md) unless marked as an assumption.
 */
export const AGGREGATOR = {
  /** Deflated delta: bytes per event and per (series, window) entry, plus a fixed header. */
  deltaBytesPerEvent: 12,
  deltaBytesPerEntry: 7,
  deltaHeaderBytes: 200,
  /** Window table item ≈ 0.8 KB (event deflated) → 1 write unit per series and window, when on. */
  windowItemWcu: 1,
  /** Flush state: deflated bytes per series; written twice per flush (pending, then sent). */
  flushStateBytesPerSeries: 11,
  flushStateWrites: 2,
  /** MARKER_BUCKETS. */
  markerBuckets: 4,
  /**
   * One window's flush in one invocation (decode its deltas, merge by event id, plan, build and
   * serialise the events): CPU per event and per series, and the peak live heap per event during
   * the merge (sampled), from the aggregator's `bench/flush-cpu.ts`
   * (docs/performance/2026-12-08-scale.md; a loaded 2-core machine, about the CPU share a 512 MB
   * Lambda function gets).
   */
  flushCpuUsPerEvent: 20,
  flushCpuUsPerSeries: 150,
  flushHeapBytesPerEvent: 129,
  /** Assumption (not measured): one conditional put ≈ 10 ms on AWS, 32 in flight (window table). */
  flushPutMs: 10,
  flushPutsInFlight: 32,
} as const;

/** Share of events that are `telemetry.reading` (the by-type index's largest type). */
const LARGEST_TYPE_SHARE = 0.8;

export interface Check {
  readonly what: string;
  readonly used: number;
  readonly limit: number;
  readonly unit: string;
}

export interface ServiceRow {
  readonly service: string;
  readonly requestsPerSecond: number;
  readonly wcuPerSecond: number;
  readonly rcuPerSecond: number;
  /** The hottest partition key and its write units/s. */
  readonly hottestKey: string;
  readonly hottestKeyWcu: number;
  readonly concurrency: number;
  readonly monthlyUsd: number;
}

export interface ScaleResult {
  readonly input: ScaleInput;
  readonly rows: readonly ServiceRow[];
  readonly checks: readonly Check[];
  /** The check with the highest used/limit: what breaks first as the load grows. */
  readonly first: Check;
  readonly broken: readonly Check[];
  readonly lines: readonly Line[];
  readonly total: Totals;
  /** Details of the aggregator model, for the docs and tests. */
  readonly aggregator: {
    readonly eventsPerInvocation: number;
    readonly invocationsPerSecond: number;
    readonly deltaBytes: number;
    readonly writeUnitsPerEvent: number;
    readonly readUnitsPerEvent: number;
    readonly flushSeconds: number;
    /** FLUSH_SHARDS for the series (the aggregator's `flushShardsFor`). */
    readonly flushShards: number;
  };
}

export function scaleModel(i: ScaleInput): ScaleResult {
  const checks: Check[] = [];
  const rows: ServiceRow[] = [];
  const lines: Line[] = [];
  const check = (what: string, used: number, limit: number, unit: string) =>
    checks.push({ what, used, limit, unit });
  const month = (l: readonly Line[]) => total(l).usd;

  // --- events stream, per shard.
  const perShard = i.rate / i.shards;
  const inBytes = perShard * i.eventBytes;
  check('events stream: records in per shard', perShard, LIMITS.kinesisShardInRecords, 'records/s');
  check('events stream: bytes in per shard', inBytes, LIMITS.kinesisShardInBytes, 'B/s');
  // Readers: Firehose always polls (shared); the Lambda consumers poll too unless on EFO. Lambda
  // and Firehose each poll a shard about once a second when caught up.
  const lambdaReaders = 2;
  const sharedReaders = 1 + (i.consumers === 'shared' ? lambdaReaders : 0);
  check(
    'events stream: shared read bytes per shard',
    sharedReaders * inBytes,
    LIMITS.kinesisShardOutBytes,
    'B/s',
  );
  check(
    'events stream: shared GetRecords per shard',
    sharedReaders,
    LIMITS.kinesisShardReadsPerSecond,
    'calls/s',
  );
  if (i.consumers === 'efo') {
    check(
      'events stream: EFO bytes per consumer and shard',
      inBytes,
      LIMITS.kinesisEfoConsumerOutBytes,
      'B/s',
    );
  }
  const streamLines = [
    charge('stream', 'events shard-hours', 'kinesisShardHour', i.shards * HOURS_PER_MONTH),
    charge(
      'stream',
      'events PUT units',
      'kinesisPutUnitsPerMillion',
      (i.rate * putUnits(i.eventBytes) * SECONDS_PER_MONTH) / 1e6,
    ),
    ...(i.consumers === 'efo'
      ? [
          charge(
            'stream',
            'EFO consumer-shard-hours (2 consumers)',
            'efoConsumerShardHour',
            lambdaReaders * i.shards * HOURS_PER_MONTH,
          ),
          charge(
            'stream',
            'EFO data (2 consumers)',
            'efoGbRetrieved',
            (lambdaReaders * i.rate * i.eventBytes * SECONDS_PER_MONTH) / 1024 ** 3,
          ),
        ]
      : []),
  ];
  lines.push(...streamLines);
  rows.push({
    service: 'Kinesis events stream',
    requestsPerSecond: i.rate,
    wcuPerSecond: 0,
    rcuPerSecond: 0,
    hottestKey: 'a shard',
    hottestKeyWcu: 0,
    concurrency: 0,
    monthlyUsd: month(streamLines),
  });

  // --- stream-aggregator (delta chains). Lane: a shard × ParallelizationFactor.
  const a = AGGREGATOR;
  const lanes = i.shards * i.parallelization;
  const laneRate = i.rate / lanes;
  const e = eventsPerInvocation(laneRate, i.batchSize, i.batchWindowSeconds);
  const interval = e / laneRate;
  const invocations = i.rate / e;
  // Series keyed to one shard: the distinct series of a batch (balls into bins).
  const laneSeries = i.series / lanes;
  const seriesPerBatch = laneSeries * (1 - Math.exp(-e / laneSeries));
  const windowsPerBatch = Math.min(2, 1 + interval / i.windowSeconds);
  const entries = seriesPerBatch * windowsPerBatch;
  const deltaBytes = a.deltaBytesPerEvent * e + a.deltaBytesPerEntry * entries + a.deltaHeaderBytes;
  const deltaWcu = Math.ceil(deltaBytes / 1024);
  // Per invocation: the delta, an index ADD and a marker put per window touched.
  const commitWcu = deltaWcu + 2 * windowsPerBatch;
  // Per window: the flush state (each shard written pending, then sent), marker deletes (one per
  // lane), bucket leases; window items only when the window table is on.
  const flushShards = flushShardsFor(i.series);
  const shardWcu = Math.ceil((a.flushStateBytesPerSeries * i.series) / flushShards / 1024);
  const flushStateWcu = a.flushStateWrites * flushShards * shardWcu;
  const windowItemsWcu = i.windowTable ? i.series * a.windowItemWcu : 0;
  const perWindowWcu = windowItemsWcu + flushStateWcu + lanes + 2 * a.markerBuckets;
  const aggWcu = commitWcu * invocations + perWindowWcu / i.windowSeconds;
  // Reads: each delta read (consistent, 4 KB units) once per window it holds; a Limit-1 query
  // per marker bucket per invocation; per window the index query and the flush state (one query).
  const aggRcu =
    Math.ceil(deltaBytes / 4096) * windowsPerBatch * invocations +
    a.markerBuckets * invocations +
    (Math.ceil((a.flushStateBytesPerSeries * i.series) / 4096) + Math.ceil((lanes * 32) / 4096)) /
      i.windowSeconds;
  // Hot keys: a window's index partition X#W and its marker bucket take one write per
  // invocation touching the window; a lane's chain D#lane its deltas.
  const indexKeyWcu = invocations;
  const laneKeyWcu = deltaWcu / interval;
  const hotAgg =
    indexKeyWcu >= laneKeyWcu
      ? { key: 'window index X#W / marker bucket', wcu: indexKeyWcu }
      : { key: 'lane chain D#lane', wcu: laneKeyWcu };
  check(
    `stream-aggregator: hottest key (${hotAgg.key})`,
    hotAgg.wcu,
    LIMITS.dynamoPartitionWcu,
    'WCU/s',
  );
  check(
    `stream-aggregator: state${i.windowTable ? ' + window' : ''} table${i.windowTable ? 's' : ''}, write units`,
    aggWcu,
    LIMITS.dynamoTableWcu,
    'WCU/s',
  );
  // One window's flush runs in one invocation: its CPU over every event and series of the
  // window, plus the window table's conditional puts when on.
  const flushSeconds =
    (i.rate * i.windowSeconds * a.flushCpuUsPerEvent + i.series * a.flushCpuUsPerSeries) / 1e6 +
    (i.windowTable ? ((i.series / a.flushPutsInFlight) * a.flushPutMs) / 1000 : 0);
  check(
    'stream-aggregator: one window’s flush in one invocation',
    flushSeconds,
    i.windowSeconds,
    's per window',
  );
  check(
    'stream-aggregator: one window’s flush memory (peak live heap)',
    i.rate * i.windowSeconds * a.flushHeapBytesPerEvent,
    i.memoryMb * 1024 * 1024,
    'B',
  );
  const aggMs = DEFAULTS.ms.streamAggregator.value * e;
  const aggNeeded = invocations * (aggMs / 1000);
  check('stream-aggregator: Lambda concurrency needed vs lanes', aggNeeded, lanes, 'concurrent');
  const aggLines = [
    ...lambdaLines('aggregator', {
      fn: 'stream-aggregator',
      unitsPerSecond: i.rate,
      msPerUnit: DEFAULTS.ms.streamAggregator.value,
      invocationsPerSecond: invocations,
      memoryMb: i.memoryMb,
    }),
    ...dynamoLines(
      'aggregator',
      i.windowTable ? 'state + window tables' : 'state table',
      aggWcu,
      aggRcu,
    ),
  ];
  lines.push(...aggLines);
  rows.push({
    service: 'stream-aggregator',
    requestsPerSecond:
      invocations * (1 + 2 * windowsPerBatch + a.markerBuckets) +
      (i.windowTable ? i.series / i.windowSeconds : 0),
    wcuPerSecond: aggWcu,
    rcuPerSecond: aggRcu,
    hottestKey: hotAgg.key,
    hottestKeyWcu: hotAgg.wcu,
    concurrency: lanes + 1,
    monthlyUsd: month(aggLines),
  });

  // --- aggregates stream + anomaly-alerts (one window event per series and window).
  const windowEvents = i.series / i.windowSeconds;
  const aggShards = aggregatesShards(i.series, i.windowSeconds, DEFAULTS.windowEventBytes.value);
  const alertsLanes = aggShards * i.parallelization;
  const alertsE = eventsPerInvocation(windowEvents / alertsLanes, 100, i.batchWindowSeconds);
  const alertsInvocations = windowEvents / alertsE;
  const alertsWcu = windowEvents * DEFAULTS.dynamo.anomalyAlertsWritePerWindow.value;
  const alertsRcu = windowEvents * DEFAULTS.dynamo.anomalyAlertsReadPerWindow.value;
  const alertsMs =
    alertsE * DEFAULTS.ms.anomalyAlertsPerWindow.value +
    DEFAULTS.anomalyAlertsIoMsPerInvocation.value;
  check(
    'anomaly-alerts: Lambda concurrency needed vs lanes',
    alertsInvocations * (alertsMs / 1000),
    alertsLanes,
    'concurrent',
  );
  check('anomaly-alerts: series table, write units', alertsWcu, LIMITS.dynamoTableWcu, 'WCU/s');
  const alertsLines = [
    charge('alerts', 'aggregates shard-hours', 'kinesisShardHour', aggShards * HOURS_PER_MONTH),
    charge(
      'alerts',
      'aggregates PUT units',
      'kinesisPutUnitsPerMillion',
      (windowEvents * SECONDS_PER_MONTH) / 1e6,
    ),
    ...lambdaLines('alerts', {
      fn: 'anomaly-alerts',
      unitsPerSecond: windowEvents,
      msPerUnit: DEFAULTS.ms.anomalyAlertsPerWindow.value,
      invocationsPerSecond: alertsInvocations,
      msPerInvocation: DEFAULTS.anomalyAlertsIoMsPerInvocation.value,
      memoryMb: i.memoryMb,
    }),
    ...dynamoLines('alerts', 'series table', alertsWcu, alertsRcu),
  ];
  lines.push(...alertsLines);
  rows.push({
    service: `anomaly-alerts (+ ${aggShards} aggregates shards)`,
    requestsPerSecond: 2 * windowEvents,
    wcuPerSecond: alertsWcu,
    rcuPerSecond: alertsRcu,
    hottestKey: 'a series item',
    hottestKeyWcu: DEFAULTS.dynamo.anomalyAlertsWritePerWindow.value / i.windowSeconds,
    concurrency: alertsLanes,
    monthlyUsd: month(alertsLines),
  });

  // --- dynamodb-indexer: one item per event in the table and in the by-type index.
  const itemWcu = Math.ceil((i.eventBytes + DEFAULTS.dynamo.indexerItemOverheadBytes.value) / 1024);
  const indexerWcu = i.rate * itemWcu * 2;
  // The indexer's own rule, sized for the busiest type's rate and this item size.
  const typeShards = typeShardsFor(
    i.rate * LARGEST_TYPE_SHARE,
    i.eventBytes + DEFAULTS.dynamo.indexerItemOverheadBytes.value,
  );
  const typeShardWcu = (i.rate * LARGEST_TYPE_SHARE * itemWcu) / typeShards;
  // One entity per series at best (subject = series host); fewer entities are hotter.
  const entityWcu = (i.rate / i.series) * itemWcu;
  const hotIdx =
    typeShardWcu >= entityWcu
      ? { key: `byType T#telemetry.reading#shard (${typeShards} shards)`, wcu: typeShardWcu }
      : { key: 'entity E#<subject>', wcu: entityWcu };
  check(
    `dynamodb-indexer: hottest key (${hotIdx.key})`,
    hotIdx.wcu,
    LIMITS.dynamoPartitionWcu,
    'WCU/s',
  );
  check(
    'dynamodb-indexer: events table + index, write units',
    indexerWcu,
    LIMITS.dynamoTableWcu,
    'WCU/s',
  );
  const idxLanes = i.shards * i.parallelization;
  const idxE = eventsPerInvocation(i.rate / idxLanes, 500, i.batchWindowSeconds);
  const idxInvocations = i.rate / idxE;
  check(
    'dynamodb-indexer: Lambda concurrency needed vs lanes',
    idxInvocations * ((idxE * DEFAULTS.ms.dynamodbIndexer.value) / 1000),
    idxLanes,
    'concurrent',
  );
  const idxLines = [
    ...lambdaLines('store', {
      fn: 'dynamodb-indexer',
      unitsPerSecond: i.rate,
      msPerUnit: DEFAULTS.ms.dynamodbIndexer.value,
      invocationsPerSecond: idxInvocations,
      memoryMb: i.memoryMb,
    }),
    ...dynamoLines('store', 'events table + byType index', indexerWcu, 0),
  ];
  lines.push(...idxLines);
  rows.push({
    service: 'dynamodb-indexer (every event stored)',
    requestsPerSecond: i.rate / 25,
    wcuPerSecond: indexerWcu,
    rcuPerSecond: 0,
    hottestKey: hotIdx.key,
    hottestKeyWcu: hotIdx.wcu,
    concurrency: idxLanes,
    monthlyUsd: month(idxLines),
  });

  const first = checks.reduce((m, c) => (c.used / c.limit > m.used / m.limit ? c : m));
  const broken = checks
    .filter((c) => c.used > c.limit)
    .sort((x, y) => y.used / y.limit - x.used / x.limit);
  return {
    input: i,
    rows,
    checks,
    first,
    broken,
    lines,
    total: total(lines),
    aggregator: {
      eventsPerInvocation: e,
      invocationsPerSecond: invocations,
      deltaBytes,
      writeUnitsPerEvent: aggWcu / i.rate,
      readUnitsPerEvent: aggRcu / i.rate,
      flushSeconds,
      flushShards,
    },
  };
}

/** The three workloads of the scale issue (#23): 60 s windows, batch 1,000 / 5 s, ~400-byte events. */
export const WORKLOADS: ReadonlyArray<Pick<ScaleInput, 'rate' | 'shards' | 'series'>> = [
  { rate: 1000, shards: 4, series: 2000 },
  { rate: 20_000, shards: 40, series: 100_000 },
  { rate: 200_000, shards: 400, series: 2_000_000 },
];
