import { DEFAULTS } from './defaults.js';
import { LIMITS } from './limits.js';
import {
  charge,
  dynamoLines,
  eventsPerInvocation,
  GB,
  HOURS_PER_MONTH,
  type Line,
  lambdaLines,
  SECONDS_PER_MONTH,
  type Totals,
  total,
} from './money.js';
import { PRICES } from './prices.js';

export type ConsumerMode = 'efo' | 'shared';

export interface CostInput {
  /** Events per second into the `events` stream. */
  readonly rate: number;
  /** Average event size, bytes. */
  readonly eventBytes: number;
  /** Shards of the `events` stream; default: the fewest the rate needs. */
  readonly shards?: number;
  readonly consumers: ConsumerMode;
  readonly memoryMb: number;
  readonly opensearch: boolean;
  readonly redshift: boolean;
  /** The aggregator also writes its optional window table (a query store, billed on its own). */
  readonly windowTable?: boolean;
}

export const GROUPS = {
  stream: 'events stream',
  aggregation: 'aggregation path',
  store: 'event store',
  windowTable: 'window table (query store)',
  lake: 'lake',
  observability: 'observability',
  opensearch: 'OpenSearch',
  redshift: 'Redshift',
} as const;

export interface CostResult {
  readonly input: CostInput & { readonly shards: number };
  readonly lines: readonly Line[];
  readonly groups: ReadonlyArray<{ readonly name: string } & Totals>;
  readonly total: Totals;
  /** Dollars per million events, known prices only. */
  readonly perMillionEvents: number;
}

/** The fewest shards that take `rate` events of `eventBytes` within the per-shard write limits. */
export function shardsFor(rate: number, eventBytes: number): number {
  return Math.max(
    1,
    Math.ceil((rate * eventBytes) / LIMITS.kinesisShardInBytes),
    Math.ceil(rate / LIMITS.kinesisShardInRecords),
  );
}

/** Kinesis PUT payload units of one record: 25 KB chunks. */
export function putUnits(recordBytes: number): number {
  return Math.max(1, Math.ceil(recordBytes / (25 * 1024)));
}

/**
 * Aggregates-stream shards: the window events of a window (one per series) are emitted at once
 * when it closes; the stream drains them within a quarter window at 1,000 records/s per shard,
 * and carries their bytes within 1 MB/s per shard on average.
 */
export function aggregatesShards(
  series: number,
  windowSeconds: number,
  eventBytes: number,
): number {
  const perSecond = series / windowSeconds;
  return Math.max(
    1,
    Math.ceil(series / (LIMITS.kinesisShardInRecords * (windowSeconds / 4))),
    Math.ceil((perSecond * eventBytes) / LIMITS.kinesisShardInBytes),
  );
}

/**
 * The monthly bill at `rate` events/s, from the per-event inputs of DEFAULTS (measured at
 * 1,000 ev/s, 2,000 series, 60 s windows; scaled linearly with the rate).
 */
export function costModel(input: CostInput): CostResult {
  const d = DEFAULTS;
  const r = input.rate;
  const shards = input.shards ?? shardsFor(r, input.eventBytes);
  const perShard = r / shards;
  const lines: Line[] = [];
  const batch = (size: number) =>
    r / eventsPerInvocation(perShard, size, d.batchWindowSeconds.value);

  // The events stream: shard-hours and PUT payload units (one record per event, no KPL).
  const g0 = GROUPS.stream;
  lines.push(charge(g0, 'events shard-hours', 'kinesisShardHour', shards * HOURS_PER_MONTH));
  lines.push(
    charge(
      g0,
      'events PUT payload units',
      'kinesisPutUnitsPerMillion',
      (r * putUnits(input.eventBytes) * SECONDS_PER_MONTH) / 1e6,
    ),
  );
  const efo = (group: string, consumer: string) =>
    input.consumers === 'efo'
      ? [
          charge(
            group,
            `${consumer} EFO consumer-shard-hours`,
            'efoConsumerShardHour',
            shards * HOURS_PER_MONTH,
          ),
          charge(
            group,
            `${consumer} EFO data`,
            'efoGbRetrieved',
            (r * input.eventBytes * SECONDS_PER_MONTH) / GB,
          ),
        ]
      : [];

  // Aggregation path: stream-aggregator and its state table, the aggregates stream,
  // anomaly-alerts and its series table, SNS.
  const g1 = GROUPS.aggregation;
  const windowEvents = r * d.windowEventsPerEvent.value;
  const series = windowEvents * 60;
  lines.push(
    ...lambdaLines(g1, {
      fn: 'stream-aggregator',
      unitsPerSecond: r,
      msPerUnit: d.ms.streamAggregator.value,
      invocationsPerSecond: batch(d.batchSize.value),
      memoryMb: input.memoryMb,
    }),
    ...efo(g1, 'stream-aggregator'),
    ...dynamoLines(
      g1,
      'aggregator state table',
      r * d.dynamo.streamAggregatorWrite.value,
      r * d.dynamo.streamAggregatorRead.value,
    ),
  );
  // The window table, when on: a query store of each window's latest revision, one item written
  // per window event after the send (like the event store, its cost is that of the queries).
  if (input.windowTable) {
    const g = GROUPS.windowTable;
    lines.push(
      ...dynamoLines(g, 'window table', windowEvents * d.dynamo.windowItemWrite.value, 0),
      charge(
        g,
        'window table storage',
        'dynamoStorageGbMonth',
        (windowEvents * d.windowItemBytes.value * d.windowTtlDays.value * 86_400) / GB,
      ),
    );
  }
  const aggShards = aggregatesShards(series, 60, d.windowEventBytes.value);
  lines.push(
    charge(g1, 'aggregates shard-hours', 'kinesisShardHour', aggShards * HOURS_PER_MONTH),
    charge(
      g1,
      'aggregates PUT payload units',
      'kinesisPutUnitsPerMillion',
      (windowEvents * putUnits(d.windowEventBytes.value) * SECONDS_PER_MONTH) / 1e6,
    ),
    ...lambdaLines(g1, {
      fn: 'anomaly-alerts',
      unitsPerSecond: windowEvents,
      msPerUnit: d.ms.anomalyAlertsPerWindow.value,
      invocationsPerSecond:
        windowEvents /
        eventsPerInvocation(windowEvents / aggShards, 100, d.batchWindowSeconds.value),
      msPerInvocation: d.anomalyAlertsIoMsPerInvocation.value,
      memoryMb: input.memoryMb,
    }),
    ...dynamoLines(
      g1,
      'anomaly-alerts series table',
      windowEvents * d.dynamo.anomalyAlertsWritePerWindow.value,
      windowEvents * d.dynamo.anomalyAlertsReadPerWindow.value,
    ),
    charge(
      g1,
      'alerts published',
      'snsPublishesPerMillion',
      (windowEvents * d.alertsPerWindowEvent.value * SECONDS_PER_MONTH) / 1e6,
    ),
  );

  // Event store: every valid event in DynamoDB (base table + the by-type index, projection ALL).
  const g2 = GROUPS.store;
  const itemBytes = input.eventBytes + d.dynamo.indexerItemOverheadBytes.value;
  const itemWcu = Math.ceil(itemBytes / 1024);
  lines.push(
    ...lambdaLines(g2, {
      fn: 'dynamodb-indexer',
      unitsPerSecond: r,
      msPerUnit: d.ms.dynamodbIndexer.value,
      invocationsPerSecond: batch(500),
      memoryMb: input.memoryMb,
    }),
    ...efo(g2, 'dynamodb-indexer'),
    ...dynamoLines(g2, 'events table + byType index', r * itemWcu * 2, 0),
    charge(
      g2,
      'events table storage',
      'dynamoStorageGbMonth',
      (r * itemBytes * 2 * d.eventsTtlDays.value * 86_400) / GB,
    ),
  );

  // Lake: Firehose reads the stream (shared throughput), firehose-transform, S3.
  const g3 = GROUPS.lake;
  const bytesPerSecond = r * input.eventBytes;
  const firehoseBilledBytes = r * Math.ceil(input.eventBytes / 5120) * 5120;
  const objectsPerSecond =
    d.lake.activePartitions.value /
    Math.min(d.lake.bufferSeconds.value, d.lake.bufferBytes.value / Math.max(1, bytesPerSecond));
  lines.push(
    charge(
      g3,
      'Firehose ingestion (5 KB rounding)',
      'firehoseGbIngested',
      (firehoseBilledBytes * SECONDS_PER_MONTH) / GB,
    ),
    ...lambdaLines(g3, {
      fn: 'firehose-transform',
      unitsPerSecond: r,
      msPerUnit: d.ms.firehoseTransform.value,
      invocationsPerSecond: Math.max(1 / 60, bytesPerSecond / d.lake.processorBufferBytes.value),
      memoryMb: input.memoryMb,
    }),
    charge(
      g3,
      'dynamic partitioning data',
      'firehoseDynamicPartitioningGb',
      (bytesPerSecond * SECONDS_PER_MONTH) / GB,
    ),
    charge(
      g3,
      'dynamic partitioning objects',
      'firehoseDynamicPartitioningObjects',
      (objectsPerSecond * SECONDS_PER_MONTH) / 1000,
    ),
    charge(
      g3,
      'S3 PUTs (lake objects)',
      's3PutPerThousand',
      (objectsPerSecond * SECONDS_PER_MONTH) / 1000,
    ),
    charge(
      g3,
      `S3 storage (${d.lake.retentionMonths.value} months kept)`,
      's3StorageGbMonth',
      ((bytesPerSecond * SECONDS_PER_MONTH) / GB) * d.lake.retentionMonths.value,
    ),
  );

  // Optional sinks.
  if (input.opensearch) {
    const g = GROUPS.opensearch;
    lines.push(
      ...lambdaLines(g, {
        fn: 'opensearch-indexer',
        unitsPerSecond: r,
        msPerUnit: d.ms.opensearchIndexer.value,
        invocationsPerSecond: batch(500),
        memoryMb: input.memoryMb,
      }),
      ...efo(g, 'opensearch-indexer'),
      charge(g, 'OpenSearch domain', 'opensearchInstanceHour', HOURS_PER_MONTH),
    );
  }
  if (input.redshift) {
    lines.push(
      charge(GROUPS.redshift, 'Redshift Serverless', 'redshiftServerlessRpuHour', HOURS_PER_MONTH),
    );
  }

  // Observability: log ingestion per invocation, custom metrics per function.
  const invocationsPerMonth = lines
    .filter((l) => l.price === 'lambdaRequestsPerMillion')
    .reduce((s, l) => s + l.quantity * 1e6, 0);
  const functions = lines.filter((l) => l.price === 'lambdaRequestsPerMillion').length;
  lines.push(
    charge(
      GROUPS.observability,
      'CloudWatch Logs ingestion',
      'cloudwatchLogsGbIngested',
      (invocationsPerMonth * d.logBytesPerInvocation.value) / GB,
    ),
    charge(
      GROUPS.observability,
      'CloudWatch custom metrics',
      'cloudwatchCustomMetricMonth',
      functions * d.customMetricsPerFunction.value,
    ),
  );

  const names = [...new Set(lines.map((l) => l.group))];
  const groups = names.map((name) => ({ name, ...total(lines.filter((l) => l.group === name)) }));
  const all = total(lines);
  return {
    input: { ...input, shards },
    lines,
    groups,
    total: all,
    perMillionEvents: all.usd / ((r * SECONDS_PER_MONTH) / 1e6),
  };
}

/** Managed Flink running the aggregation and detection: KPUs from throughput + orchestration. */
export function flinkMonthly(
  rate: number,
  eventsPerKpu: number = DEFAULTS.flinkEventsPerKpu.value,
): { kpus: number; usd: number } {
  const kpus = Math.max(1, Math.ceil(rate / eventsPerKpu));
  const kpuHour = PRICES.flinkKpuHour.usd;
  // State (a few KB per series) stays inside the 50 GB of running storage each KPU includes.
  return { kpus, usd: (kpus + 1) * kpuHour * HOURS_PER_MONTH };
}

/** The aggregation path's known monthly cost at `rate` (shards sized for the rate). */
export function aggregationMonthly(rate: number, base: Omit<CostInput, 'rate' | 'shards'>): number {
  const result = costModel({ ...base, rate });
  return result.groups.find((g) => g.name === GROUPS.aggregation)?.usd ?? 0;
}

/**
 * The lowest rate (events/s) at which Managed Flink costs less than the aggregation path, found
 * on a 1% grid from 1 to 10 million events/s; null if Flink never does.
 */
export function crossoverRate(
  base: Omit<CostInput, 'rate' | 'shards'>,
  eventsPerKpu: number = DEFAULTS.flinkEventsPerKpu.value,
): number | null {
  for (let rate = 1; rate <= 1e7; rate *= 1.01) {
    if (flinkMonthly(rate, eventsPerKpu).usd < aggregationMonthly(rate, base)) return rate;
  }
  return null;
}
