import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  kinesisEvent,
  kinesisRecord,
  lambdaContext,
  telemetry,
} from '../helpers/kinesis-events.js';
import { type AggregatorHandler, localAggregator } from '../helpers/local-handler.js';

// The idle rule through the real handlers: a stream that stops leaves its last window dirty (no
// record moves a watermark past it); the scheduled `idle` handler emits it once no lane has
// touched it for IDLE_TIMEOUT_SECONDS.
const { names, aws, start } = localAggregator('aggi', { IDLE_TIMEOUT_SECONDS: '1' });
let handler: AggregatorHandler;
let idle: (e: unknown, c: ReturnType<typeof lambdaContext>) => Promise<{ emitted: number }>;

const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const S = 'shardId-000000000011';
const seq = (i: number) => (10n ** 20n + BigInt(i)).toString();

async function windowItems() {
  const res = await DynamoDBDocumentClient.from(aws.clients().dynamodb).send(
    new QueryCommand({
      TableName: names.windows,
      KeyConditionExpression: 'series = :s',
      ExpressionAttributeValues: { ':s': 'idle.metric' },
      ConsistentRead: true,
    }),
  );
  return res.Items ?? [];
}

beforeAll(async () => {
  handler = await start();
  idle = (await import('../../src/handler.js')).idle as typeof idle;
});

afterAll(() => aws.close());

describe('stream-aggregator idle handler', () => {
  it('emits the last window of a stream that stopped, once it was quiet for the idle timeout', async () => {
    // Prepare: three events of one window, then the stream stops.
    const event = kinesisEvent(
      [1, 2, 3].map((v, i) =>
        kinesisRecord(S, seq(i), telemetry(`idle-${i}`, 'idle.metric', v, iso(T0 + 1000 * i))),
      ),
    );
    const out = await handler(event, lambdaContext());
    // Act
    const early = await idle({}, lambdaContext());
    await new Promise((r) => setTimeout(r, 1_100));
    const late = await idle({}, lambdaContext());
    // Assess
    expect(out.batchItemFailures).toEqual([]);
    expect(early.emitted).toBe(0);
    expect(late.emitted).toBe(1);
    expect(await windowItems()).toMatchObject([
      { windowStart: iso(T0), count: 3, sum: 6, revision: 0 },
    ]);
  });
});
