import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  clientOptions,
  connectLocalAws,
  type FaultProxy,
  type KafkaRecordToWrite,
  lambdaKafkaEvent,
  readKafkaTopic,
  startFaultProxy,
  writeKafkaRecords,
} from '@streamlens/local-aws';
import { type StreamlensEvent, toKafkaBinary, toKafkaStructured } from '@streamlens/schema';
import { appLog, telemetryReading } from '@streamlens/schema/testing';
import type { Context, KinesisStreamBatchResponse } from 'aws-lambda';
import { queryByEntity, queryQuarantine } from '../../src/query.js';
import { eventsTableDefinition } from '../../src/table.js';
import { lambdaContext } from '../helpers/kinesis.js';

// Kafka records on the real broker, read back and handed to the real handler as Lambda's Kafka
// event source mapping hands them; the table on DynamoDB Local behind a fault proxy.
const aws = connectLocalAws();
const bootstrap = aws.env.KAFKA_BOOTSTRAP_SERVERS as string;
const table = `idxk-events-${randomUUID().slice(0, 8)}`;
const run = randomUUID().slice(0, 6);
let proxy: FaultProxy;
let handler: (e: unknown, c: Context) => Promise<KinesisStreamBatchResponse>;
let doc: DynamoDBDocumentClient;

const T0 = Date.UTC(2026, 10, 25, 12);
const iso = (ms: number) => new Date(ms).toISOString();
const ids = (events: readonly { id: string }[]) => events.map((e) => e.id);

function encode(
  e: StreamlensEvent,
  mode: 'structured' | 'binary',
  partition = 0,
): KafkaRecordToWrite {
  const encoded = mode === 'binary' ? toKafkaBinary(e) : toKafkaStructured(JSON.stringify(e));
  return { key: e.subject ?? e.id, value: encoded.value, headers: encoded.headers, partition };
}

async function kafkaEvent(records: KafkaRecordToWrite[], partitions = 1) {
  const topic = `idxk-${randomUUID()}`;
  await aws.createResources({ kafkaTopics: [{ name: topic, partitions }] });
  await writeKafkaRecords(bootstrap, topic, records);
  return lambdaKafkaEvent(await readKafkaTopic(bootstrap, topic, { count: records.length }));
}

beforeAll(async () => {
  await aws.createResources({ tables: [eventsTableDefinition(table)] });
  proxy = await startFaultProxy({ target: aws.env.AWS_ENDPOINT_URL_DYNAMODB!, seed: 5 });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint,
    EVENTS_TABLE_NAME: table,
    TYPE_SHARDS: '4',
    WRITE_BASE_DELAY_MS: '20',
    WRITE_MAX_DELAY_MS: '200',
    DEADLINE_SAFETY_MS: '1000',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  ({ handler } = (await import('../../src/handler.js')) as unknown as { handler: typeof handler });
  doc = DynamoDBDocumentClient.from(new DynamoDBClient(clientOptions(aws.env, 'dynamodb')));
});

afterAll(async () => {
  await proxy?.stop();
  doc?.destroy();
  aws.close();
});

describe('dynamodb-indexer on Lambda Kafka events from the real broker', () => {
  it('indexes structured and binary records of two partitions; a redelivered batch writes the same items', async () => {
    // Prepare
    const entity = `kafka-a-${run}`;
    const events = Array.from({ length: 12 }, (_, i) =>
      telemetryReading({ id: `${run}-ka${i}`, subject: entity, time: iso(T0 + i * 1000) }),
    );
    const event = await kafkaEvent(
      events.map((e, i) => encode(e, i % 2 === 0 ? 'structured' : 'binary', i % 2)),
      2,
    );
    // Act
    const first = await handler(structuredClone(event), lambdaContext());
    const afterFirst = await aws.scanTable(table);
    const second = await handler(structuredClone(event), lambdaContext());
    const afterSecond = await aws.scanTable(table);
    // Assess
    expect(first.batchItemFailures).toEqual([]);
    expect(second.batchItemFailures).toEqual([]);
    const mine = (items: typeof afterFirst) =>
      items
        .filter((i) => i.pk?.S === `E#${entity}`)
        .sort((a, b) => a.sk!.S!.localeCompare(b.sk!.S!));
    expect(mine(afterFirst)).toHaveLength(12);
    expect(mine(afterSecond)).toEqual(mine(afterFirst));
    const stored = await queryByEntity(doc, entity, {
      tableName: table,
      limit: 100,
      ascending: true,
      includeExpired: true,
    });
    expect(stored).toEqual(events);
  });

  it('fails the invocation when writes outlast the deadline; the retried batch completes it', async () => {
    // Prepare
    const entity = `kafka-b-${run}`;
    const events = Array.from({ length: 8 }, (_, i) =>
      appLog({ id: `${run}-kb${i}`, subject: entity, time: iso(T0 + i) }),
    );
    const event = await kafkaEvent(events.map((e) => encode(e, 'structured')));
    proxy.setRules([
      {
        kind: 'error',
        operation: 'BatchWriteItem',
        status: 400,
        errorType: 'ProvisionedThroughputExceededException',
      },
    ]);
    // Act
    const failed = await handler(structuredClone(event), lambdaContext(2_500)).catch(
      (e: Error) => e,
    );
    proxy.setRules([]);
    const retried = await handler(structuredClone(event), lambdaContext());
    // Assess
    expect((failed as Error).name).toBe('KafkaBatchIncompleteError');
    expect(retried.batchItemFailures).toEqual([]);
    const stored = await queryByEntity(doc, entity, {
      tableName: table,
      limit: 100,
      ascending: true,
      includeExpired: true,
    });
    expect(ids(stored)).toEqual(ids(events));
  });

  it('quarantines unreadable records at their topic-partition and offset, and indexes the rest', async () => {
    // Prepare
    const entity = `kafka-c-${run}`;
    const good = [0, 1].map((i) =>
      telemetryReading({ id: `${run}-kc${i}`, subject: entity, time: iso(T0 + i) }),
    );
    const event = await kafkaEvent([
      encode(good[0]!, 'binary'),
      { key: 'x', value: '{"id":1}', headers: { ce_id: 'a', 'ce_Bad-Name': 'b' } },
      { key: 'x', value: null },
      encode(good[1]!, 'structured'),
    ]);
    const group = Object.keys(event.records)[0] as string;
    // Act
    const out = await handler(event, lambdaContext());
    // Assess
    expect(out.batchItemFailures).toEqual([]);
    const stored = await queryByEntity(doc, entity, {
      tableName: table,
      ascending: true,
      includeExpired: true,
    });
    expect(ids(stored)).toEqual(ids(good));
    const quarantined = await queryQuarantine(doc, {
      tableName: table,
      from: iso(Date.now() - 3_600_000),
      to: iso(Date.now() + 3_600_000),
      limit: 1000,
      includeExpired: true,
    });
    expect(
      quarantined
        .filter((q) => q.shardId === group)
        .map((q) => [q.sequenceNumber, q.code])
        .sort(),
    ).toEqual([
      ['1', 'KAFKA_RECORD_INVALID'],
      ['2', 'KAFKA_RECORD_INVALID'],
    ]);
  });
});
