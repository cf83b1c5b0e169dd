/**
 * Measures one invocation's worth of work (batches of 100 `metrics.window` records of ~100
 * series) against DynamoDB Local and the SNS stand-in, with the time spent in each kind of I/O.
 * Usage: `npx tsx services/anomaly-alerts/scripts/measure-batch.ts [--batches N] [--series N]`.
 * Not part of the Lambda; a diagnostic for issue 5's throughput.
 */
import { parseArgs } from 'node:util';
import { SNSClient } from '@aws-sdk/client-sns';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '@streamlens/lambda-kit/dynamodb';
import { processKinesisBatch } from '@streamlens/lambda-kit/kinesis';
import { startLocalAws } from '@streamlens/local-aws';
import type { MetricsWindow } from '@streamlens/schema';
import { DEFAULT_ALERTING_CONFIG } from '../src/alerting/episode.js';
import { processWindowBatch } from '../src/batch.js';
import { DEFAULT_DETECTOR_CONFIG } from '../src/detector/index.js';
import { emptyCounters, type ProcessorDeps } from '../src/processor.js';
import { SnsAlertPublisher } from '../src/publisher.js';
import { createRecordHandler } from '../src/records.js';
import type { SeriesItem } from '../src/scoring.js';
import { DynamoSeriesStore, type SeriesStore } from '../src/store.js';
import { kinesisEventOf, steadyValues, windowAt } from '../tests/helpers/windows.js';

const { values } = parseArgs({
  options: {
    batches: { type: 'string', default: '6' },
    series: { type: 'string', default: '100' },
    warm: { type: 'string', default: '40' },
    // Concurrent BatchWriteItem loops on another table while timing (the local pipeline's
    // dynamodb-indexer shares DynamoDB Local with this service).
    load: { type: 'string', default: '0' },
  },
});
const nBatches = Number(values.batches);
const nSeries = Number(values.series);
const warm = Number(values.warm);
const loadWriters = Number(values.load);

/** Wraps a store to time its calls. */
class TimedStore implements SeriesStore {
  readonly t = { get: 0, gets: 0, put: 0, puts: 0, getMany: 0, getManys: 0 };
  constructor(private readonly inner: SeriesStore) {}
  async get(series: string) {
    const s = performance.now();
    try {
      return await this.inner.get(series);
    } finally {
      this.t.get += performance.now() - s;
      this.t.gets++;
    }
  }
  async put(item: SeriesItem, v: number) {
    const s = performance.now();
    try {
      return await this.inner.put(item, v);
    } finally {
      this.t.put += performance.now() - s;
      this.t.puts++;
    }
  }
  async getMany(series: readonly string[]) {
    const s = performance.now();
    try {
      return await (this.inner.getMany as NonNullable<SeriesStore['getMany']>).call(
        this.inner,
        series,
      );
    } finally {
      this.t.getMany += performance.now() - s;
      this.t.getManys++;
    }
  }
}

const aws = await startLocalAws({ services: ['dynamodb', 'sns'] });
Object.assign(process.env, aws.env);
try {
  const tables = ['old', 'new'].map((k) => `measure-${k}`);
  const created = await aws.createResources({
    tables: [...tables, 'measure-load'].map((TableName) => ({
      TableName,
      KeySchema: [{ AttributeName: 'series', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'series', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    })),
    topics: [{ name: 'measure-alerts', subscriptions: [] }],
  });
  const topicArn = created.topics?.['measure-alerts'] as string;
  const doc = createDocumentClient();
  const sns = new SNSClient({});
  const publisher = new SnsAlertPublisher(sns, topicArn);
  const hosts = Array.from({ length: nSeries }, (_, i) => `host-${i}`);
  const values = steadyValues(warm + nBatches + 2, warm + 2);
  // Window i of every series, as one batch (the aggregator emits every series each window).
  const batchAt = (i: number): MetricsWindow[] =>
    hosts.map((host) => windowAt(i, values[i] as number, { dimensions: { host } }));
  const deps = (store: SeriesStore): ProcessorDeps => ({
    store,
    publisher,
    detector: DEFAULT_DETECTOR_CONFIG,
    alerting: DEFAULT_ALERTING_CONFIG,
    maxConflictRetries: 5,
    outboxLeaseMs: 10_000,
  });
  const impls = {
    old: async (store: SeriesStore, windows: MetricsWindow[], seq: number) =>
      processKinesisBatch(
        kinesisEventOf(windows, seq),
        createRecordHandler(deps(store), emptyCounters()),
      ),
    new: async (store: SeriesStore, windows: MetricsWindow[], seq: number) =>
      processWindowBatch(kinesisEventOf(windows, seq), deps(store), emptyCounters()),
  } as const;
  // Warm each table with the same history (not timed): items of realistic size exist.
  for (const [k, table] of [
    ['old', tables[0]],
    ['new', tables[1]],
  ] as const) {
    const store = new DynamoSeriesStore(doc, table as string);
    for (let i = 0; i < warm; i++) await impls.new(store, batchAt(i), 1000 + i * 1000);
    void k;
  }
  console.log(`warmed ${nSeries} series × ${warm} windows`);
  let loading = loadWriters > 0;
  let loadWrites = 0;
  const loaders = Array.from({ length: loadWriters }, async (_, w) => {
    for (let n = 0; loading; n++) {
      const items = Array.from({ length: 25 }, (_, k) => ({
        PutRequest: { Item: { series: `load-${w}-${n}-${k}`, body: 'x'.repeat(400) } },
      }));
      await doc.send(new BatchWriteCommand({ RequestItems: { 'measure-load': items } }));
      loadWrites += 25;
    }
  });
  const loadStart = performance.now();
  const rows: string[] = [];
  for (let b = 0; b < nBatches; b++) {
    const i = warm + b;
    // Interleaved: old then new on the same window index, alternating who goes first.
    const order = b % 2 === 0 ? (['old', 'new'] as const) : (['new', 'old'] as const);
    for (const k of order) {
      const store = new TimedStore(
        new DynamoSeriesStore(doc, k === 'old' ? (tables[0] as string) : (tables[1] as string)),
      );
      const s = performance.now();
      const res = await impls[k](store, batchAt(i), 1000 + i * 1000);
      const ms = performance.now() - s;
      const t = store.t;
      rows.push(
        `${k} window ${i}: ${ms.toFixed(0)} ms, ${((nSeries / ms) * 1000).toFixed(0)} records/s; get ${t.gets}× ${t.get.toFixed(0)} ms, put ${t.puts}× ${t.put.toFixed(0)} ms, batchGet ${t.getManys}× ${t.getMany.toFixed(0)} ms; failures ${res.batchItemFailures.length}`,
      );
      console.log(rows.at(-1));
    }
  }
  loading = false;
  await Promise.all(loaders);
  if (loadWriters > 0)
    console.log(
      `background load: ${loadWrites} items written, ${((loadWrites / (performance.now() - loadStart)) * 1000).toFixed(0)} items/s`,
    );
  doc.destroy();
  sns.destroy();
} finally {
  await aws.stop();
}
