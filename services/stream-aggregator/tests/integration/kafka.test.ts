import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  connectLocalAws,
  type FaultProxy,
  type KafkaRecordToWrite,
  lambdaKafkaEvent,
  readKafkaTopic,
  startFaultProxy,
  writeKafkaRecords,
} from '@streamlens/local-aws';
import { toKafkaBinary, toKafkaStructured } from '@streamlens/schema';
import type { KinesisStreamBatchResponse } from 'aws-lambda';
import { tableDefinitions } from '../../src/adapters/tables.js';
import { lambdaContext, telemetry } from '../helpers/kinesis-events.js';

// Kafka records on the real broker, read back and handed to the real handler as Lambda's Kafka
// event source mapping hands them (tables on DynamoDB Local, behind a fault proxy).
const suffix = randomUUID().slice(0, 8);
const names = {
  state: `aggk-state-${suffix}`,
  windows: `aggk-windows-${suffix}`,
  stream: `aggk-aggregates-${suffix}`,
  bucket: `aggk-lake-${suffix}`,
};
const aws = connectLocalAws();
const bootstrap = aws.env.KAFKA_BOOTSTRAP_SERVERS as string;
let ddbProxy: FaultProxy;
let handler: (
  e: unknown,
  c: ReturnType<typeof lambdaContext>,
) => Promise<KinesisStreamBatchResponse>;

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

/** A topic of its own holding `records`, and the Lambda Kafka event of all of them. */
async function kafkaBatch(records: KafkaRecordToWrite[], partitions = 1, selfManaged = false) {
  const topic = `aggk-${randomUUID()}`;
  await aws.createResources({ kafkaTopics: [{ name: topic, partitions }] });
  await writeKafkaRecords(bootstrap, topic, records);
  const stored = await readKafkaTopic(bootstrap, topic, { count: records.length });
  return lambdaKafkaEvent(stored, {
    ...(selfManaged ? { eventSource: 'SelfManagedKafka' as const } : {}),
    bootstrapServers: bootstrap,
  });
}

/** Telemetry for `metric` in the window at T0 (values given) plus one that closes it. */
function windowRecords(
  metric: string,
  values: number[],
  mode: 'structured' | 'binary',
  partition = 0,
) {
  const events = [
    ...values.map((v, i) => telemetry(`${metric}-${i}`, metric, v, iso(T0 + 1000 * i))),
    telemetry(`${metric}-close`, metric, 0, iso(T0 + 95_000)),
  ];
  return events.map((e) => {
    const encoded = mode === 'binary' ? toKafkaBinary(e) : toKafkaStructured(JSON.stringify(e));
    return { key: metric, value: encoded.value, headers: encoded.headers, partition };
  });
}

async function windowItem(series: string) {
  const doc = DynamoDBDocumentClient.from(aws.clients().dynamodb);
  const res = await doc.send(
    new QueryCommand({
      TableName: names.windows,
      KeyConditionExpression: 'series = :s AND windowStart = :w',
      ExpressionAttributeValues: { ':s': series, ':w': iso(T0) },
      ConsistentRead: true,
    }),
  );
  return res.Items?.[0];
}

async function emitted(series: string) {
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
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: ddbProxy.endpoint,
    STATE_TABLE_NAME: names.state,
    WINDOW_TABLE: 'on',
    WINDOW_TABLE_NAME: names.windows,
    AGGREGATES_STREAM_NAME: names.stream,
    LAKE_BUCKET_NAME: names.bucket,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
    DEADLINE_SAFETY_MS: '1000',
  });
  ({ handler } = (await import('../../src/handler.js')) as unknown as { handler: typeof handler });
});

afterAll(async () => {
  await ddbProxy?.stop();
  aws.close();
});

describe('stream-aggregator on Lambda Kafka events from the real broker', () => {
  it('counts a redelivered MSK batch once (checkpoint per topic-partition and offset)', async () => {
    // Prepare
    const event = await kafkaBatch(windowRecords('kafka.redelivered', [1, 2, 3, 4], 'structured'));
    // Act: the first answer is lost; the event source mapping delivers the same batch again.
    await handler(structuredClone(event), lambdaContext());
    const second = await handler(structuredClone(event), lambdaContext());
    // Assess
    expect(second.batchItemFailures).toEqual([]);
    expect(await windowItem('kafka.redelivered')).toMatchObject({ count: 4, sum: 10, revision: 0 });
    expect((await emitted('kafka.redelivered')).map((e) => e.data.count)).toEqual([4]);
  });

  it('applies binary-mode and structured records of a self-managed batch alike, per partition', async () => {
    // Prepare
    const event = await kafkaBatch(
      [
        ...windowRecords('kafka.binary', [5, 6], 'binary', 0),
        ...windowRecords('kafka.structured', [7, 8], 'structured', 1),
      ],
      2,
      true,
    );
    // Act
    const out = await handler(event, lambdaContext());
    // Assess
    expect(out.batchItemFailures).toEqual([]);
    expect(await windowItem('kafka.binary')).toMatchObject({ count: 2, sum: 11 });
    expect(await windowItem('kafka.structured')).toMatchObject({ count: 2, sum: 15 });
  });

  it('fails the invocation when throttling outlasts the deadline, and the retried batch counts each record once', async () => {
    // Prepare
    const event = await kafkaBatch(windowRecords('kafka.throttled', [1, 1, 1], 'structured'));
    ddbProxy.setRules([
      {
        kind: 'error',
        operation: 'PutItem',
        status: 400,
        errorType: 'ProvisionedThroughputExceededException',
      },
    ]);
    // Act
    const failed = await handler(structuredClone(event), lambdaContext(3_000)).catch(
      (e: Error) => e,
    );
    ddbProxy.setRules([]);
    const retried = await handler(structuredClone(event), lambdaContext());
    const again = await handler(structuredClone(event), lambdaContext());
    // Assess
    expect(failed).toBeInstanceOf(Error);
    expect((failed as Error).name).toBe('KafkaBatchIncompleteError');
    expect(retried.batchItemFailures).toEqual([]);
    expect(again.batchItemFailures).toEqual([]);
    expect(await windowItem('kafka.throttled')).toMatchObject({ count: 3, sum: 3 });
  });

  it('routes unreadable records (tombstone, bad attribute header, bad JSON) to late data with the reason, and applies the rest', async () => {
    // Prepare
    const good = windowRecords('kafka.poison', [2, 3], 'structured');
    const event = await kafkaBatch([
      good[0]!,
      { key: 'x', value: null },
      { key: 'x', value: '{}', headers: { ce_id: 'a', ce_id2: 'b', ce_ID: 'upper' } },
      {
        key: 'x',
        value: '{"specversion":"1.0",',
        headers: { 'content-type': 'application/cloudevents+json' },
      },
      ...good.slice(1),
    ]);
    // Act
    const out = await handler(event, lambdaContext());
    // Assess
    expect(out.batchItemFailures).toEqual([]);
    expect(await windowItem('kafka.poison')).toMatchObject({ count: 2, sum: 5 });
    const late = await aws.getObjects(names.bucket, 'late-data/stream-aggregator/');
    const lines = late.flatMap((o) =>
      Buffer.from(o.body)
        .toString('utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    );
    const topicPartition = Object.keys(event.records)[0];
    expect(
      lines
        .filter((l) => l.shardId === topicPartition)
        .map((l) => [l.sequenceNumber, l.error?.code ?? l.reason]),
    ).toEqual([
      ['1', 'KAFKA_RECORD_INVALID'],
      ['2', 'KAFKA_RECORD_INVALID'],
      ['3', expect.any(String)],
    ]);
  });
});
