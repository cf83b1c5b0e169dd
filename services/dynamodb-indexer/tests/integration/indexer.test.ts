import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  clientOptions,
  connectLocalAws,
  type FaultProxy,
  startFaultProxy,
} from '@streamlens/local-aws';
import type { StreamlensEvent } from '@streamlens/schema';
import { appLog, telemetryReading } from '@streamlens/schema/testing';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { runQueryCli } from '../../src/cli.js';
import { queryByEntity, queryByType, queryQuarantine } from '../../src/query.js';
import { eventsTableDefinition } from '../../src/table.js';
import {
  kinesisEvent,
  kinesisRecord,
  lambdaContext,
  nextSequenceNumber,
} from '../helpers/kinesis.js';

const aws = connectLocalAws();
const table = `idx-events-${randomUUID().slice(0, 8)}`;
const run = randomUUID().slice(0, 6); // entities unique to this run
let proxy: FaultProxy;
let handler: (e: KinesisStreamEvent, c: Context) => Promise<KinesisStreamBatchResponse>;
let doc: DynamoDBDocumentClient; // straight to DynamoDB Local, for the queries

const T0 = Date.UTC(2026, 10, 25, 12);
const iso = (ms: number) => new Date(ms).toISOString();
const ids = (events: readonly { id: string }[]) => events.map((e) => e.id);

async function invoke(event: KinesisStreamEvent, ms = 30_000): Promise<KinesisStreamBatchResponse> {
  return handler(event, lambdaContext(ms));
}

beforeAll(async () => {
  await aws.createResources({ tables: [eventsTableDefinition(table)] });
  proxy = await startFaultProxy({ target: aws.env.AWS_ENDPOINT_URL_DYNAMODB!, seed: 11 });
  // The handler builds its client at import, from the environment, as on Lambda.
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
  ({ handler } = await import('../../src/handler.js'));
  doc = DynamoDBDocumentClient.from(new DynamoDBClient(clientOptions(aws.env, 'dynamodb')));
});

afterAll(async () => {
  await proxy?.stop();
  doc?.destroy();
  aws.close();
});

describe('dynamodb-indexer against DynamoDB Local', () => {
  it('writes a redelivered batch to the same items, never a second copy', async () => {
    // Prepare: two shards, equal times inside one entity
    const entity = `host-a-${run}`;
    const events = Array.from({ length: 30 }, (_, i) =>
      telemetryReading({
        id: `${run}-r${i}`,
        subject: entity,
        time: iso(T0 + Math.floor(i / 3) * 1000),
      }),
    );
    const event = kinesisEvent(
      events.map((e, i) => kinesisRecord(`shardId-00${i % 2}`, nextSequenceNumber(), e)),
    );
    // Act
    const first = await invoke(event);
    const afterFirst = await aws.scanTable(table);
    const second = await invoke(event);
    const afterSecond = await aws.scanTable(table);
    // Assess
    expect(first.batchItemFailures).toEqual([]);
    expect(second.batchItemFailures).toEqual([]);
    const mine = (items: typeof afterFirst) =>
      items
        .filter((i) => i.pk?.S === `E#${entity}`)
        .sort((a, b) => a.sk!.S!.localeCompare(b.sk!.S!));
    expect(mine(afterFirst)).toHaveLength(30);
    expect(mine(afterSecond)).toEqual(mine(afterFirst));
    const stored = await queryByEntity(doc, entity, {
      tableName: table,
      limit: 100,
      includeExpired: true,
    });
    expect(ids(stored)).toEqual(
      [...events]
        .sort((a, b) => (a.time === b.time ? (a.id < b.id ? 1 : -1) : a.time < b.time ? 1 : -1))
        .map((e) => e.id),
    );
  });

  it('retries UnprocessedItems and throttled calls until every event is written', async () => {
    // Prepare
    const entity = `host-b-${run}`;
    const events = Array.from({ length: 80 }, (_, i) =>
      appLog({ id: `${run}-b${i}`, subject: entity, time: iso(T0 + i) }),
    );
    proxy.setRules([
      {
        kind: 'error',
        operation: 'BatchWriteItem',
        status: 400,
        errorType: 'ProvisionedThroughputExceededException',
        times: 2,
      },
      {
        kind: 'batchWriteUnprocessed',
        operation: 'BatchWriteItem',
        itemProbability: 0.4,
        times: 6,
      },
    ]);
    proxy.reset();
    // Act
    const response = await invoke(
      kinesisEvent(events.map((e) => kinesisRecord('shardId-000', nextSequenceNumber(), e))),
    );
    const stats = proxy.stats();
    proxy.setRules([]);
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(stats.unprocessedItems).toBeGreaterThan(0);
    expect(stats.errors).toBeGreaterThan(0);
    const stored = await queryByEntity(doc, entity, {
      tableName: table,
      limit: 1000,
      ascending: true,
    });
    expect(ids(stored)).toEqual(ids(events));
  });

  it('reports what it cannot write in time, from the first such record of the shard on; redelivery completes it', async () => {
    // Prepare: DynamoDB throttles every BatchWriteItem; the invocation has ~1.5 s to spare
    const entity = `host-c-${run}`;
    const events = Array.from({ length: 10 }, (_, i) =>
      telemetryReading({ id: `${run}-c${i}`, subject: entity, time: iso(T0 + i) }),
    );
    const records = events.map((e) => kinesisRecord('shardId-000', nextSequenceNumber(), e));
    proxy.setRules([
      {
        kind: 'error',
        operation: 'BatchWriteItem',
        status: 400,
        errorType: 'ProvisionedThroughputExceededException',
      },
    ]);
    // Act
    const started = Date.now();
    const throttled = await invoke(kinesisEvent(records), 2_500);
    const elapsed = Date.now() - started;
    proxy.setRules([]);
    const reported = new Set(throttled.batchItemFailures.map((f) => f.itemIdentifier));
    const redelivered = await invoke(
      kinesisEvent(records.filter((r) => reported.has(r.kinesis.sequenceNumber))),
    );
    // Assess
    expect(throttled.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
      records.map((r) => r.kinesis.sequenceNumber),
    );
    expect(elapsed).toBeLessThan(2_500);
    expect(redelivered.batchItemFailures).toEqual([]);
    const stored = await queryByEntity(doc, entity, {
      tableName: table,
      limit: 100,
      ascending: true,
    });
    expect(ids(stored)).toEqual(ids(events));
  });

  it('quarantines a poison record without holding up the records after it', async () => {
    // Prepare
    const entity = `host-d-${run}`;
    const before = telemetryReading({ id: `${run}-d0`, subject: entity, time: iso(T0) });
    const after = telemetryReading({ id: `${run}-d1`, subject: entity, time: iso(T0 + 1) });
    const poisonSeq = nextSequenceNumber();
    const arrival = T0 / 1000 + 5;
    const event = kinesisEvent([
      kinesisRecord('shardId-000', nextSequenceNumber(), before),
      kinesisRecord('shardId-000', poisonSeq, `{"specversion":"1.0","id":"${run}-poison"`, {
        arrivalSeconds: arrival,
      }),
      kinesisRecord('shardId-000', nextSequenceNumber(), after),
    ]);
    // Act
    const response = await invoke(event);
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const stored = await queryByEntity(doc, entity, { tableName: table, includeExpired: true });
    expect(ids(stored)).toEqual([after.id, before.id]);
    const quarantined = await queryQuarantine(doc, {
      tableName: table,
      from: iso(T0),
      to: iso(T0 + 86_400_000),
      limit: 1000,
      includeExpired: true,
    });
    const mine = quarantined.filter((q) => q.sequenceNumber === poisonSeq);
    expect(mine).toMatchObject([
      { code: 'INVALID_JSON', raw: `{"specversion":"1.0","id":"${run}-poison"` },
    ]);
  });

  it('stores large events and numbers a map cannot hold compressed, and reads them back whole', async () => {
    // Prepare
    const entity = `host-g-${run}`;
    const big = appLog({
      id: `${run}-g0`,
      subject: entity,
      time: iso(T0),
      data: { message: 'y'.repeat(100_000) },
    });
    const odd = telemetryReading({
      id: `${run}-g1`,
      subject: entity,
      time: iso(T0 + 1),
      data: { value: 1e-7 },
    });
    const plain = telemetryReading({
      id: `${run}-g2`,
      subject: entity,
      time: iso(T0 + 2),
      data: { value: 2.5 },
    });
    // Act
    const response = await invoke(
      kinesisEvent(
        [big, odd, plain].map((e) => kinesisRecord('shardId-000', nextSequenceNumber(), e)),
      ),
    );
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const stored = await queryByEntity(doc, entity, {
      tableName: table,
      ascending: true,
      includeExpired: true,
    });
    expect(stored).toEqual([big, odd, plain]);
    const items = (await aws.scanTable(table)).filter((i) => i.pk?.S === `E#${entity}`);
    expect(items.map((i) => ('eventGz' in i ? 'gz' : 'map'))).toEqual(['gz', 'gz', 'map']);
  });

  it('answers the by-type query with exactly the events of that type in range, newest first, across shards', async () => {
    // Prepare: a type unique to this run, spread over the 4 shards, plus other types around it
    const type = 'app.log';
    const entity = `svc-e-${run}`;
    const logs: StreamlensEvent[] = Array.from({ length: 40 }, (_, i) =>
      appLog({ id: `${run}-e${i}`, subject: entity, time: iso(T0 + 3_600_000 + (i % 10) * 1000) }),
    );
    const others = Array.from({ length: 10 }, (_, i) =>
      telemetryReading({
        id: `${run}-f${i}`,
        subject: entity,
        time: iso(T0 + 3_600_000 + i * 1000),
      }),
    );
    await invoke(
      kinesisEvent(
        [...logs, ...others].map((e) => kinesisRecord('shardId-000', nextSequenceNumber(), e)),
      ),
    );
    const from = iso(T0 + 3_600_000 + 2000);
    const to = iso(T0 + 3_600_000 + 8000);
    // Act
    const byType = await queryByType(doc, type, {
      tableName: table,
      from,
      to,
      limit: 1000,
      shards: 4,
    });
    const top5 = await queryByType(doc, type, { tableName: table, from, to, limit: 5, shards: 4 });
    // Assess (other test files may write app.log events: keep this run's)
    const key = (e: StreamlensEvent) => `${e.time}#${e.id}`;
    const expected = logs
      .filter((e) => e.time >= from && e.time < to)
      .sort((a, b) => (key(a) < key(b) ? 1 : -1))
      .map((e) => e.id);
    expect(ids(byType).filter((id) => id.startsWith(`${run}-e`))).toEqual(expected);
    const all = await queryByType(doc, type, { tableName: table, from, to, limit: 5, shards: 4 });
    expect(ids(top5)).toEqual(ids(all));
    expect(top5).toHaveLength(5);
    expect(ids(top5)).toEqual(ids(byType).slice(0, 5));
  });

  it('serves `pnpm query` (NDJSON) through the CLI module and the script', async () => {
    // Prepare
    const entity = `host-a-${run}`;
    const lines: string[] = [];
    // Act
    await runQueryCli(['entity', entity, '--limit', '3', '--include-expired'], doc, {
      out: (l) => lines.push(l),
      env: { EVENTS_TABLE_NAME: table },
    });
    const script = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(
        'npx',
        [
          'tsx',
          join(import.meta.dirname, '../../scripts/query.ts'),
          'entity',
          entity,
          '--limit',
          '3',
          '--table',
          table,
          '--include-expired',
        ],
        { env: { ...process.env, ...aws.env }, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      child.on('close', (code) => resolve({ code, out }));
    });
    // Assess
    expect(lines.map((l) => JSON.parse(l).id)).toEqual([`${run}-r29`, `${run}-r28`, `${run}-r27`]);
    expect(script.code).toBe(0);
    expect(script.out).toBe(lines.join(''));
  }, 120_000);
});
