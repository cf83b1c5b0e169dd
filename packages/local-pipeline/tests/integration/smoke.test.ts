// `pnpm smoke` against the local stand-ins: the same code path as against a deployed stage, its
// SDK clients pointed at kinesalite, the S3 emulator and DynamoDB Local by AWS_ENDPOINT_URL_*.
// The stage's resources are created under the names the services give them, and a small
// deployed-shape writer drains the events stream into the lake, the events table and the windows
// table as the functions would, so that the smoke run has something to reconcile.
import { randomUUID } from 'node:crypto';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from '@jest/globals';
import { connectLocalAws, type LocalAwsConnection } from '@streamlens/local-aws';
// The producer's validation rule, as the Firehose transformation applies it (not a dependency of
// this package: only this writer needs it).
import { seriesKeyOf, validateInputEvent } from '@streamlens/schema';
import { main } from '../../src/smoke/cli.js';

const WINDOW_MS = 60_000;
const aws: LocalAwsConnection = connectLocalAws();

afterAll(() => aws.close());

/** Create a stage's stream, lake bucket and tables under the resources' and services' names. */
async function deployStage(stage: string): Promise<void> {
  await aws.createResources({
    streams: [{ name: `streamlens-${stage}-events`, shardCount: 2 }],
    buckets: [`streamlens-resources-${stage}-lakebucket-1a2b3c4d5e6f`],
    tables: [
      {
        TableName: `streamlens-${stage}-events`,
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      },
      {
        TableName: `streamlens-${stage}-windows`,
        AttributeDefinitions: [
          { AttributeName: 'series', AttributeType: 'S' },
          { AttributeName: 'windowStart', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'series', KeyType: 'HASH' },
          { AttributeName: 'windowStart', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      },
    ],
  });
}

/**
 * Drain the stage's events stream into its sinks until stopped: each valid event into an events/
 * object and the events table, each invalid record into an errors/ object, and per series and
 * window one final telemetry item with the count so far (the aggregator's window table's key). `skipInTable` leaves out that many events from the
 * events table (a sink that lost data).
 */
function drain(stage: string, skipInTable = 0): { stop(): Promise<void> } {
  const { kinesis, s3, dynamodb } = aws.clients();
  const stream = `streamlens-${stage}-events`;
  const bucket = `streamlens-resources-${stage}-lakebucket-1a2b3c4d5e6f`;
  const perWindow = new Map<string, { series: string; start: string; count: number }>();
  let skipped = 0;
  let running = true;
  let batch = 0;
  const loop = (async () => {
    const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
    const iterators = new Map<string, string | undefined>();
    for (const shard of Shards) {
      const it = await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: stream,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      iterators.set(shard.ShardId ?? '', it.ShardIterator);
    }
    while (running) {
      for (const [shard, iterator] of iterators) {
        if (!iterator) continue;
        const got = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
        iterators.set(shard, got.NextShardIterator);
        const valid: string[] = [];
        const invalid: string[] = [];
        for (const record of got.Records ?? []) {
          const text = Buffer.from(record.Data ?? new Uint8Array()).toString('utf8');
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            invalid.push(JSON.stringify({ rawData: text }));
            continue;
          }
          const result = validateInputEvent(parsed);
          if (!result.ok) {
            invalid.push(JSON.stringify({ rawData: text }));
            continue;
          }
          const event = result.value;
          valid.push(JSON.stringify(event));
          if (skipped < skipInTable) skipped++;
          else
            await dynamodb.send(
              new PutItemCommand({
                TableName: `streamlens-${stage}-events`,
                Item: { id: { S: event.id } },
              }),
            );
          if (event.type === 'telemetry.reading') {
            const start = new Date(
              Math.floor(Date.parse(event.time) / WINDOW_MS) * WINDOW_MS,
            ).toISOString();
            const series = seriesKeyOf(event);
            const key = `${series}\u0000${start}`;
            const w = perWindow.get(key) ?? { series, start, count: 0 };
            w.count++;
            perWindow.set(key, w);
          }
        }
        batch++;
        for (const [prefix, lines] of [
          ['events', valid],
          ['errors', invalid],
        ] as const) {
          if (lines.length === 0) continue;
          await s3.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: `${prefix}/${shard}-${batch}.json`,
              Body: `${lines.join('\n')}\n`,
            }),
          );
        }
      }
      for (const { series, start, count } of perWindow.values()) {
        await dynamodb.send(
          new PutItemCommand({
            TableName: `streamlens-${stage}-windows`,
            Item: {
              series: { S: series },
              windowStart: { S: start },
              kind: { S: 'telemetry' },
              count: { N: String(count) },
              event: { S: JSON.stringify({ data: { final: true } }) },
            },
          }),
        );
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

async function smoke(stage: string, timeoutSeconds: number) {
  const lines: string[] = [];
  const code = await main(
    [
      '--stage',
      stage,
      '--events',
      '120',
      '--rate',
      '60',
      '--scenario',
      'invalid-heavy',
      '--seed',
      '7',
      '--timeout',
      String(timeoutSeconds),
      '--poll',
      '1',
    ],
    process.env,
    (l) => lines.push(l),
  );
  return { code, output: lines.join('\n') };
}

describe('pnpm smoke against the local stand-ins', () => {
  it('passes (exit 0) when every sink holds what it produced', async () => {
    const stage = `s${randomUUID().slice(0, 8)}`;
    await deployStage(stage);
    const writer = drain(stage);
    const { code, output } = await smoke(stage, 60).finally(() => writer.stop());
    expect(output).toMatch(/smoke: PASSED/);
    expect(output).toMatch(/ok +lake: every valid event in an events\/ object/);
    expect(output).toMatch(/ok +lake: every invalid record at the error prefix/);
    expect(output).toMatch(/ok +events table: every valid event stored once by id/);
    expect(output).toMatch(/ok +windows: final telemetry window counts equal/);
    expect(code).toBe(0);
  });

  it('fails (exit 1) naming the sink when one lost an event, once the wait times out', async () => {
    const stage = `s${randomUUID().slice(0, 8)}`;
    await deployStage(stage);
    const writer = drain(stage, 1);
    const { code, output } = await smoke(stage, 8).finally(() => writer.stop());
    expect(output).toMatch(
      /FAILED +events table: every valid event stored once by id: .*missing 1/,
    );
    expect(output).toMatch(/smoke: FAILED \(still failing after 8 s: events table/);
    expect(code).toBe(1);
  });

  it('exits 2 without a stage, and 1 when the stage has no lake bucket', async () => {
    const lines: string[] = [];
    expect(await main([], process.env, (l) => lines.push(l))).toBe(2);
    expect(
      await main(['--stage', `none${randomUUID().slice(0, 8)}`], process.env, (l) => lines.push(l)),
    ).toBe(1);
    expect(lines.join('\n')).toMatch(/no lake bucket for stage none/);
  });
});
