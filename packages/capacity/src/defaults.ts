/**
 * The per-event inputs of the cost and scale models, each with where it comes from. A number
 * measured on a laptop against local stand-ins is a stand-in for AWS's; where no measurement
 * exists the assumption is said plainly. Change them here (or with flags) and nowhere else.
 */
export interface Sourced<T> {
  readonly value: T;
  readonly source: string;
}

const AGGREGATOR_PERF = 'docs/performance/2026-12-07-aggregator.md';

export const DEFAULTS = {
  /** Lambda memory of every function (each serverless.yml: `memorySize: 512`, arm64). */
  memoryMb: { value: 512, source: 'services/*/serverless.yml memorySize, architecture arm64' },
  /** Event source mapping batch settings of the Kinesis consumers. */
  batchSize: {
    value: 1000,
    source: 'services/stream-aggregator/serverless.yml aggregatorBatchSize',
  },
  batchWindowSeconds: {
    value: 5,
    source: 'the scale issue (#23): "batch 1,000, window 5 s"',
  },
  /** Lambda wall-clock ms per event, per function (billed duration). */
  ms: {
    streamAggregator: {
      value: 0.0705,
      source: `${AGGREGATOR_PERF}: aggregator-2000-series bench, median 70.5 ms per 1,000-record invocation into DynamoDB Local (CPU + I/O)`,
    },
    dynamodbIndexer: {
      value: 0.225,
      source:
        'docs/performance/2026-11-25-dynamodb-indexer.md: CPU 628 ms per 5,038 records (0.125 ms) + assumed I/O 0.1 ms (BatchWriteItem of 25 at ≈ 10 ms, 4 in flight; not measured on AWS)',
    },
    firehoseTransform: {
      value: 0.01,
      source:
        'assumption from pnpm bench: the transform runs at 0.65–1.05× the floor of ≈ 105,000 records/s on one core; no I/O',
    },
    opensearchIndexer: {
      value: 0.32,
      source:
        'docs/performance/2026-11-25-opensearch-indexer-bundle.md: 500-record batch into the stand-in, median ≈ 160 ms',
    },
    /** Per window event (the aggregates stream), not per raw event. */
    anomalyAlertsPerWindow: {
      value: 0.076,
      source:
        'docs/performance/2026-12-07-detector.md: scoreWindow 65–76 µs per window; plus anomalyAlertsIoMsPerInvocation',
    },
  },
  anomalyAlertsIoMsPerInvocation: {
    value: 20,
    source:
      'assumption: one BatchGetItem and the batch’s conditional puts in parallel, ≈ 10 ms per round trip on AWS (not measured)',
  },
  /** DynamoDB request units per event (on-demand). */
  dynamo: {
    streamAggregatorWrite: {
      value: 0.0193,
      source:
        'docs/performance/2026-12-08-scale.md: 0.0193 write units per event measured over 5 min at 1,000 ev/s, 2,000 series, 60 s windows, window table off (the state table: deltas, window index, markers, flush state written pending then sent)',
    },
    streamAggregatorRead: {
      value: 0.0045,
      source: 'docs/performance/2026-12-08-scale.md: 0.0045 read units per event, same run',
    },
    /** Per window event, when the window table is on: one item of ≈ 0.8 KB. */
    windowItemWrite: {
      value: 1,
      source:
        'docs/performance/2026-12-08-scale.md: the window table took 0.036 write units per event with it on (1.08 per window event; 1 unit per item of ≤ 1 KB, services/stream-aggregator/tests/unit/window-item.test.ts)',
    },
    /** Per window event: one consistent BatchGetItem read of the series item, one conditional put. */
    anomalyAlertsWritePerWindow: {
      value: 1.034,
      source:
        'docs/performance/2026-12-07-scale.md: 1.034 write units per window measured (services/anomaly-alerts/bench/write-units.ts, 200 series, last of 120 minutes; 2.080 with the item stored as plain JSON)',
    },
    anomalyAlertsReadPerWindow: {
      value: 1,
      source:
        'docs/performance/2026-12-07-scale.md: 1.000 read units per window measured (item ≤ 4 KB, strongly consistent BatchGetItem)',
    },
    /** Bytes an event item adds to the event itself (keys, type-index keys, TTL, attribute names). */
    indexerItemOverheadBytes: {
      value: 200,
      source:
        'assumption from services/dynamodb-indexer/src/keys.ts: pk, sk, gsi1pk, gsi1sk, expiresAt and their names',
    },
  },
  /** Window events per raw event: 2,000 series × one event per 60 s window at 1,000 ev/s. */
  windowEventsPerEvent: {
    value: 2000 / 60 / 1000,
    source:
      'the 1,000 ev/s workload of #23: 2,000 series, 60 s windows (30 events per series-window)',
  },
  windowEventBytes: {
    value: 1300,
    source: `${AGGREGATOR_PERF} and docs/aggregator-design.md: metrics.window event ≈ 1.3 KB (window item ≈ 1.5 KB)`,
  },
  alertsPerWindowEvent: {
    value: 0.001,
    source:
      'assumption: one alert (SNS publish) per 1,000 scored windows; the detector’s threshold is p ≤ 1e-5 per window (docs/detector.md)',
  },
  /** Log bytes per Lambda invocation (EMF metrics line + one summary line). */
  logBytesPerInvocation: {
    value: 1024,
    source: 'assumption: one EMF document and one summary line per invocation at INFO level',
  },
  /** Custom CloudWatch metrics (unique name + dimensions) per function. */
  customMetricsPerFunction: {
    value: 10,
    source: 'assumption: the fixed EMF metric set each function emits (counts by outcome and code)',
  },
  /** Lake (Firehose → S3). */
  lake: {
    bufferSeconds: {
      value: 300,
      source: 'services/firehose-transform/serverless.yml lakeBufferIntervalSeconds (300)',
    },
    bufferBytes: {
      value: 128 * 1024 * 1024,
      source: 'services/firehose-transform/serverless.yml lakeBufferSizeMb (128)',
    },
    processorBufferBytes: {
      value: 1024 * 1024,
      source:
        'services/firehose-transform/serverless.yml processorBufferSizeMb (1): one transform invocation per MB',
    },
    activePartitions: {
      value: 2,
      source:
        'services/firehose-transform/serverless.yml prefix type/dt/hour: one active prefix per event type in the hour (telemetry.reading, app.log)',
    },
    retentionMonths: {
      value: 12,
      source:
        'assumption: raw NDJSON kept 12 months in S3 Standard (steady state: 12 months stored)',
    },
  },
  /** DynamoDB storage kept: events table TTL and window table TTL, days. */
  eventsTtlDays: { value: 30, source: 'assumption: events table retention 30 days' },
  /** Bytes of a window table item (statistics as attributes, the event deflated). */
  windowItemBytes: {
    value: 819,
    source:
      'services/stream-aggregator/tests/unit/window-item.test.ts: a window of 30 events, its item ≤ 1 KB (819 B for a 61-byte series key)',
  },
  windowTtlDays: {
    value: 7,
    source:
      'services/stream-aggregator/src/config.ts: WINDOW_TTL_DAYS default 7 (= STATE_TTL_DAYS; the aggregates archive in S3 keeps every window)',
  },
  /** Managed Flink throughput per KPU for a windowed aggregation. */
  flinkEventsPerKpu: {
    value: 5000,
    source:
      'Alibaba Cloud Realtime Compute for Apache Flink "Billable items": 5,000–10,000 records/s per CU (1 CPU, 4 GiB, like a KPU) for aggregation; the low end (https://www.alibabacloud.com/help/en/flink/product-overview/billable-items). AWS publishes no such figure',
  },
} as const;
