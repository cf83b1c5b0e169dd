import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connectLocalAws, type FaultProxy, startFaultProxy } from '@streamlens/local-aws';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { tableDefinitions } from '../../src/adapters/tables.js';
import {
  appLog,
  kinesisEvent,
  kinesisRecord,
  lambdaContext,
  telemetry,
} from '../helpers/kinesis-events.js';

// One set of resources and one handler module for the file; each test uses its own series and
// shard ids so that tests do not see each other's windows.
const suffix = randomUUID().slice(0, 8);
const names = {
  state: `agg-state-${suffix}`,
  windows: `agg-windows-${suffix}`,
  stream: `agg-aggregates-${suffix}`,
  bucket: `agg-lake-${suffix}`,
};
const aws = connectLocalAws();
let ddbProxy: FaultProxy;
let kinesisProxy: FaultProxy;
let handler: (
  e: KinesisStreamEvent,
  c: ReturnType<typeof lambdaContext>,
) => Promise<KinesisStreamBatchResponse>;

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
let seqCounter = 0;
const nextSeq = () => (10n ** 20n + BigInt(++seqCounter)).toString();

/** Records for `series` in the window at T0 (values 1..n) plus one that closes it. */
function windowBatch(shardId: string, metric: string, values: number[]) {
  const records = values.map((v, i) =>
    kinesisRecord(
      shardId,
      nextSeq(),
      telemetry(`${shardId}-${metric}-${i}`, metric, v, iso(T0 + 1000 * i)),
    ),
  );
  records.push(
    kinesisRecord(
      shardId,
      nextSeq(),
      telemetry(`${shardId}-${metric}-close`, metric, 0, iso(T0 + 95_000)),
    ),
  );
  return records;
}

async function windowItem(series: string, startMs: number) {
  const doc = DynamoDBDocumentClient.from(aws.clients().dynamodb);
  const res = await doc.send(
    new QueryCommand({
      TableName: names.windows,
      KeyConditionExpression: 'series = :s AND windowStart = :w',
      ExpressionAttributeValues: { ':s': series, ':w': iso(startMs) },
      ConsistentRead: true,
    }),
  );
  return res.Items?.[0];
}

async function streamEvents(series: string) {
  const records = await aws.readStream(names.stream);
  return records
    .map((r) => JSON.parse(Buffer.from(r.data).toString('utf8')))
    .filter((e) => e.subject === series);
}

beforeAll(async () => {
  await aws.createResources({
    streams: [{ name: names.stream, shardCount: 1 }],
    tables: tableDefinitions(names.state, names.windows),
    buckets: [names.bucket],
  });
  ddbProxy = await startFaultProxy({ target: aws.env.AWS_ENDPOINT_URL_DYNAMODB! });
  kinesisProxy = await startFaultProxy({ target: aws.env.AWS_ENDPOINT_URL_KINESIS! });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: ddbProxy.endpoint,
    AWS_ENDPOINT_URL_KINESIS: kinesisProxy.endpoint,
    STATE_TABLE_NAME: names.state,
    WINDOW_TABLE: 'on',
    WINDOW_TABLE_NAME: names.windows,
    AGGREGATES_STREAM_NAME: names.stream,
    LAKE_BUCKET_NAME: names.bucket,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
    DEADLINE_SAFETY_MS: '1000',
  });
  ({ handler } = await import('../../src/handler.js'));
});

afterAll(async () => {
  await ddbProxy?.stop();
  await kinesisProxy?.stop();
  aws.close();
});

describe('stream-aggregator handler against the local stand-ins', () => {
  it('keeps counts exact when a batch is redelivered after a crash past the DynamoDB write', async () => {
    // Prepare
    const event = kinesisEvent(windowBatch('shardId-000000000001', 'crash.metric', [1, 2, 3, 4]));
    // Act: the first response is "lost" (crash before returning), Lambda delivers the batch again.
    await handler(structuredClone(event), lambdaContext());
    const second = await handler(structuredClone(event), lambdaContext());
    // Assess
    expect(second.batchItemFailures).toEqual([]);
    const item = await windowItem('crash.metric', T0);
    expect(item).toMatchObject({ count: 4, sum: 10, min: 1, max: 4, revision: 0 });
    const emitted = await streamEvents('crash.metric');
    expect(new Set(emitted.map((e) => e.id))).toEqual(new Set([`crash.metric|${iso(T0)}|r0`]));
    expect(emitted[0].data).toMatchObject({ count: 4, sum: 10, final: true });
  });

  it('retries throttled writes within the deadline', async () => {
    // Prepare
    ddbProxy.reset();
    ddbProxy.setRules([
      {
        kind: 'error',
        operation: 'PutItem',
        status: 400,
        errorType: 'ProvisionedThroughputExceededException',
        times: 3,
      },
    ]);
    const event = kinesisEvent(windowBatch('shardId-000000000002', 'throttle.metric', [5, 5, 10]));
    // Act
    const out = await handler(event, lambdaContext());
    // Assess
    ddbProxy.setRules([]);
    expect(out.batchItemFailures).toEqual([]);
    expect(ddbProxy.stats().errors).toBe(3);

    expect(await windowItem('throttle.metric', T0)).toMatchObject({ count: 3, sum: 20 });
  });

  it('reports the batch from the first unapplied record when throttling outlasts the deadline, then recovers', async () => {
    // Prepare
    ddbProxy.setRules([
      {
        kind: 'error',
        operation: 'PutItem',
        status: 400,
        errorType: 'ProvisionedThroughputExceededException',
      },
    ]);
    const records = windowBatch('shardId-000000000003', 'deadline.metric', [1, 1]);
    const event = kinesisEvent(records);
    // Act
    const failed = await handler(structuredClone(event), lambdaContext(3_000));
    ddbProxy.setRules([]);
    const retried = await handler(structuredClone(event), lambdaContext());
    // Assess
    expect(failed.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
      records.map((r) => r.kinesis.sequenceNumber),
    );
    expect(retried.batchItemFailures).toEqual([]);
    expect(await windowItem('deadline.metric', T0)).toMatchObject({ count: 2, sum: 2 });
  });

  it('routes a poison record to the late-data prefix and applies the rest of the shard', async () => {
    // Prepare
    const shard = 'shardId-000000000004';
    const records = windowBatch(shard, 'poison.metric', [7, 8]);
    records.splice(1, 0, kinesisRecord(shard, nextSeq(), '{"specversion":"1.0",'));
    records.push(
      kinesisRecord(shard, nextSeq(), appLog('log-1', 'checkout', 'ERROR', iso(T0 + 96_000))),
    );
    // Sequence numbers must stay increasing in shard order.
    records.forEach((r, i) => {
      r.kinesis.sequenceNumber = (10n ** 21n + BigInt(i)).toString();
      r.eventID = `${shard}:${r.kinesis.sequenceNumber}`;
    });
    // Act
    const out = await handler(kinesisEvent(records), lambdaContext());
    // Assess
    expect(out.batchItemFailures).toEqual([]);
    expect(await windowItem('poison.metric', T0)).toMatchObject({ count: 2, sum: 15 });
    const late = await aws.getObjects(names.bucket, 'late-data/stream-aggregator/');
    const lines = late.flatMap((o) =>
      Buffer.from(o.body)
        .toString('utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    );
    expect(lines).toEqual([
      expect.objectContaining({
        reason: 'invalid',
        sequenceNumber: records[1]!.kinesis.sequenceNumber,
        shardId: shard,
      }),
    ]);
  });

  it('retries only the failed entries of a PutRecords partial failure: each window once', async () => {
    // Prepare
    kinesisProxy.reset();
    kinesisProxy.setRules([{ kind: 'putRecordsPartialFailure', entries: [0], times: 2 }]);
    const shard = 'shardId-000000000005';
    const records = [
      ...windowBatch(shard, 'prf.a', [1]).slice(0, 1),
      ...windowBatch(shard, 'prf.b', [2]).slice(0, 1),
      kinesisRecord(shard, nextSeq(), telemetry('prf-close', 'prf.close', 0, iso(T0 + 95_000))),
    ];
    // Act
    const out = await handler(kinesisEvent(records), lambdaContext());
    // Assess
    kinesisProxy.setRules([]);
    expect(out.batchItemFailures).toEqual([]);
    expect(kinesisProxy.stats().failedEntries).toBe(2);
    const a = await streamEvents('prf.a');
    const b = await streamEvents('prf.b');
    expect(a.map((e) => e.id)).toEqual([`prf.a|${iso(T0)}|r0`]);
    expect(b.map((e) => e.id)).toEqual([`prf.b|${iso(T0)}|r0`]);
    const archived = await aws.listObjectKeys(names.bucket, 'aggregates/dt=2026-11-25/');
    expect(archived.length).toBeGreaterThan(0);
  });

  it('merges partials of two shards exactly and emits a correction for the later shard', async () => {
    // Prepare
    const a = kinesisEvent(windowBatch('shardId-000000000006', 'multi.metric', [1, 2]));
    const b = kinesisEvent(windowBatch('shardId-000000000007', 'multi.metric', [10]));
    // Act
    await handler(a, lambdaContext());
    await handler(b, lambdaContext());
    // Assess
    const item = await windowItem('multi.metric', T0);
    expect(item).toMatchObject({ count: 3, sum: 13, min: 1, max: 10, revision: 1 });
    const ids = (await streamEvents('multi.metric'))
      .filter((e) => e.data.windowStart === iso(T0))
      .map((e) => e.id);
    expect(ids).toEqual([`multi.metric|${iso(T0)}|r0`, `multi.metric|${iso(T0)}|r1`]);
  });
});
