// `pnpm smoke` against the local stand-ins: the same code path as against a deployed stage, its
// SDK clients pointed at kinesalite, the S3 emulator, DynamoDB Local and the PostgreSQL-backed
// Redshift Data API by AWS_ENDPOINT_URL_*, and at the OpenSearch node by --opensearch-endpoint.
// The stage's resources are created under the names the services give them, and a small
// deployed-shape writer drains the events stream into the lake, the events table, the windows
// table (and, when asked, the search index and the warehouse's events table) as the functions
// would, so that the smoke run has something to reconcile.
import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
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
import { runStatement } from '../../src/sqs/warehouse.js';

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

/** Where the writer also puts valid events, and how many it leaves out (a sink that lost data). */
interface DrainOptions {
  readonly skipInTable?: number;
  /** Index valid events under `<prefix>-smoke` of the OpenSearch node. */
  readonly searchPrefix?: string;
  /** Insert valid events' ids into `events` of this warehouse database, less `skip`. */
  readonly warehouse?: { readonly database: string; readonly skip?: number };
}

/** The warehouse database of a stage, with the loader's events table (its id column suffices). */
async function deployWarehouse(database: string): Promise<void> {
  await runStatement(
    aws.clients().redshiftData,
    { database, workgroupName: `streamlens-${database}` },
    'CREATE TABLE IF NOT EXISTS events (id VARCHAR(256) NOT NULL)',
  );
}

/**
 * Drain the stage's events stream into its sinks until stopped: each valid event into an events/
 * object and the events table, each invalid record into an errors/ object, and per series and
 * window one final telemetry item with the count so far (the aggregator's window table's key);
 * with the options, into the search index and the warehouse too.
 */
function drain(stage: string, options: DrainOptions = {}): { stop(): Promise<void> } {
  const { skipInTable = 0, searchPrefix, warehouse } = options;
  const { kinesis, s3, dynamodb, redshiftData } = aws.clients();
  let warehouseSkipped = 0;
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
        const ids = valid.map((line) => (JSON.parse(line) as { id: string }).id);
        if (searchPrefix && ids.length > 0) {
          const body = ids
            .map(
              (id) =>
                `${JSON.stringify({ index: { _index: `${searchPrefix}-smoke`, _id: id } })}\n{}\n`,
            )
            .join('');
          const res = await fetch(`${process.env.OPENSEARCH_ENDPOINT}/_bulk`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-ndjson' },
            body,
          });
          if (!res.ok) throw new Error(`_bulk answered ${res.status}`);
        }
        if (warehouse) {
          const kept = ids.filter(() => warehouseSkipped++ >= (warehouse.skip ?? 0));
          if (kept.length > 0) {
            await runStatement(
              redshiftData,
              { database: warehouse.database, workgroupName: `streamlens-${warehouse.database}` },
              `INSERT INTO events (id) VALUES ${kept.map((id) => `('${id}')`).join(',')}`,
            );
          }
        }
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

/**
 * An HTTP front of the OpenSearch node on 127.0.0.1 that records each request's headers: the node
 * runs without the security plugin and accepts any request, so the front is where a test sees
 * whether smoke signed them.
 */
async function recordingFront(target: string) {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    const url = new URL(req.url ?? '/', target);
    const forward = httpRequest(
      url,
      { method: req.method, headers: { ...req.headers, host: url.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function smoke(stage: string, timeoutSeconds: number, extra: string[] = []) {
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
      ...extra,
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
    const writer = drain(stage, { skipInTable: 1 });
    const { code, output } = await smoke(stage, 8).finally(() => writer.stop());
    expect(output).toMatch(
      /FAILED +events table: every valid event stored once by id: .*missing 1/,
    );
    expect(output).toMatch(/smoke: FAILED \(still failing after 8 s: events table/);
    expect(code).toBe(1);
  });

  it('reads a search index with SigV4-signed requests and counts the run in the warehouse', async () => {
    // Prepare
    const stage = `s${randomUUID().slice(0, 8)}`;
    await deployStage(stage);
    await deployWarehouse(stage);
    const front = await recordingFront(process.env.OPENSEARCH_ENDPOINT ?? '');
    const writer = drain(stage, { searchPrefix: stage, warehouse: { database: stage } });

    // Act
    const { code, output } = await smoke(stage, 60, [
      '--opensearch-endpoint',
      front.endpoint,
      '--opensearch-signing',
      'sigv4',
      '--index-prefix',
      stage,
      '--warehouse-workgroup',
      `streamlens-${stage}`,
      '--warehouse-database',
      stage,
    ]).finally(() => Promise.all([writer.stop(), front.close()]));

    // Assess
    expect(output).toMatch(/ok +search index: /);
    expect(output).toMatch(/ok +warehouse: events holds every valid event of the run once/);
    expect(output).toMatch(/smoke: PASSED/);
    expect(code).toBe(0);
    // Every request signed as the indexer signs: the credential chain's key, for service es.
    const key = process.env.AWS_ACCESS_KEY_ID ?? '';
    expect(front.seen.length).toBeGreaterThan(0);
    for (const headers of front.seen) {
      expect(headers.authorization).toMatch(
        new RegExp(
          `^AWS4-HMAC-SHA256 Credential=${key}/\\d{8}/us-east-1/es/aws4_request, SignedHeaders=.*, Signature=[0-9a-f]{64}$`,
        ),
      );
      expect(headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    }
  });

  it("fails (exit 1) naming the warehouse when it lost one of the run's events", async () => {
    // Prepare
    const stage = `s${randomUUID().slice(0, 8)}`;
    await deployStage(stage);
    await deployWarehouse(stage);
    const writer = drain(stage, { warehouse: { database: stage, skip: 1 } });

    // Act
    const { code, output } = await smoke(stage, 8, [
      '--warehouse-workgroup',
      `streamlens-${stage}`,
      '--warehouse-database',
      stage,
    ]).finally(() => writer.stop());

    // Assess
    expect(output).toMatch(
      /FAILED +warehouse: events holds every valid event of the run once: (\d+) rows/,
    );
    const [, rows, valid] =
      /(\d+) rows \(\d+ distinct ids\) for (\d+) valid events/.exec(output) ?? [];
    expect(Number(rows)).toBe(Number(valid) - 1);
    expect(output).toMatch(/smoke: FAILED \(still failing after 8 s: .*warehouse: events/);
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
