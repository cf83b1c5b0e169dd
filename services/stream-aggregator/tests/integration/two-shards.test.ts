import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  kinesisEvent,
  kinesisRecord,
  lambdaContext,
  telemetry,
} from '../helpers/kinesis-events.js';
import { type AggregatorHandler, localAggregator } from '../helpers/local-handler.js';

// The handler on two shards at once with realistic batches (1,000 records over 100 series, as the
// local pipeline feeds; same windows on both shards, windows closing): no batch item failures.
const { aws, start } = localAggregator(
  'agg2',
  process.env.AGG_LOG_LEVEL ? { POWERTOOLS_LOG_LEVEL: process.env.AGG_LOG_LEVEL } : {},
);
let handler: AggregatorHandler;

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const seq = (i: number) => (10n ** 20n + BigInt(i)).toString();

/** Batch b of a shard: `size` records over 100 series, event time advancing 30 s per batch. */
function batch(shard: string, b: number, size: number) {
  const records = [];
  for (let i = 0; i < size; i++) {
    const n = b * size + i;
    const at = T0 + b * 30_000 + Math.floor((i * 30_000) / size);
    records.push(
      kinesisRecord(
        shard,
        seq(n),
        telemetry(`${shard}-${n}`, 'two.metric', i % 97, iso(at), { host: `h${i % 100}` }),
        `k${i % 100}`,
      ),
    );
  }
  return kinesisEvent(records);
}

beforeAll(async () => {
  handler = await start();
});

afterAll(() => aws.close());

describe('stream-aggregator handler on two shards at once', () => {
  it('applies concurrent realistic batches of both shards without item failures', async () => {
    // Prepare
    const shards = ['shardId-000000000000', 'shardId-000000000001'];
    const batches = 6;
    const size = 1000;
    let failures = 0;
    let busyMs = 0;
    // Act: batch b of both shards at once, like two shard containers.
    for (let b = 0; b < batches; b++) {
      const started = performance.now();
      const results = await Promise.all(
        shards.map((s) => handler(batch(s, b, size), lambdaContext())),
      );
      busyMs += performance.now() - started;
      for (const r of results) failures += r.batchItemFailures.length;
    }
    // Assess
    console.info(
      `two shards: ${batches} x 2 x ${size} records in ${busyMs.toFixed(0)} ms busy, ` +
        `${((batches * size * 1000) / busyMs).toFixed(0)} records/s per invocation, ${failures} failure reports`,
    );
    expect(failures).toBe(0);
  });
});
