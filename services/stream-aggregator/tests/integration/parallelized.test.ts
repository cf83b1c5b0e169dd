import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  kinesisEvent,
  kinesisRecord,
  lambdaContext,
  telemetry,
} from '../helpers/kinesis-events.js';
import { type AggregatorHandler, localAggregator } from '../helpers/local-handler.js';

// The handler with PARALLELIZATION_FACTOR=2 (as the event source's setting): checkpoints per
// shard × partition key, in DynamoDB Local, with two invocations of one shard at once.
const { names, aws, start } = localAggregator('aggp', { PARALLELIZATION_FACTOR: '2' });
let handler: AggregatorHandler;

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const S = 'shardId-000000000009';
const seq = (i: number) => (10n ** 20n + BigInt(i)).toString();
const doc = () => DynamoDBDocumentClient.from(aws.clients().dynamodb);

function rec(i: number, key: string, value: number, atMs: number) {
  return kinesisRecord(S, seq(i), telemetry(`p-${i}`, 'par.metric', value, iso(atMs)), key);
}

beforeAll(async () => {
  handler = await start();
});

afterAll(() => aws.close());

describe('stream-aggregator handler with ParallelizationFactor 2', () => {
  it('counts concurrent per-key batches of one shard exactly once, redelivery included', async () => {
    // Prepare: key a holds the higher sequence numbers; key b's batch runs at the same time.
    const a = kinesisEvent([rec(3, 'a', 1, T0 + 1000), rec(5, 'a', 2, T0 + 2000)]);
    const b = kinesisEvent([rec(2, 'b', 10, T0 + 1500), rec(4, 'b', 20, T0 + 2500)]);
    const close = kinesisEvent([rec(6, 'a', 0, T0 + 95_000)]);
    // Act: both at once, then b again (its response was lost), then a record that closes T0.
    const [ra, rb] = await Promise.all([
      handler(structuredClone(a), lambdaContext()),
      handler(structuredClone(b), lambdaContext()),
    ]);
    const again = await handler(structuredClone(b), lambdaContext());
    await handler(structuredClone(close), lambdaContext());
    // Assess
    expect([ra, rb, again].map((r) => r.batchItemFailures)).toEqual([[], [], []]);
    const window = await doc().send(
      new QueryCommand({
        TableName: names.windows,
        KeyConditionExpression: 'series = :s AND windowStart = :w',
        ExpressionAttributeValues: { ':s': 'par.metric', ':w': iso(T0) },
        ConsistentRead: true,
      }),
    );
    expect(window.Items?.[0]).toMatchObject({ count: 4, sum: 33, min: 1, max: 20 });
    // One chain per key (lane `shard#key`), none for the shard alone.
    const head = async (lane: string) =>
      (
        await doc().send(
          new QueryCommand({
            TableName: names.state,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': `D#${lane}` },
            ScanIndexForward: false,
            Limit: 1,
            ConsistentRead: true,
          }),
        )
      ).Items?.[0];
    const lanes = await Promise.all([`${S}#a`, `${S}#b`].map(head));
    expect(lanes.map((l) => l?.seq)).toEqual([seq(6), seq(4)]);
    expect(await head(S)).toBeUndefined();
  });
});
