import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type FaultProxy, startFaultProxy } from '@streamlens/local-aws';
import { compiledQueryFileText, parseQueryFile } from '@streamlens/query';
import { type MetricsWindow, validateEvent } from '@streamlens/schema';
import { idHashOf } from '../../src/domain/event-id.js';
import type { Observation } from '../../src/domain/types.js';
import {
  kinesisEvent,
  kinesisRecord,
  lambdaContext,
  telemetry,
} from '../helpers/kinesis-events.js';
import { type AggregatorHandler, localAggregator } from '../helpers/local-handler.js';
import { batchQuery } from '../helpers/query-oracle.js';
import { prng } from '../helpers/records.js';

// The query file through the real handlers against DynamoDB Local and kinesalite: one query per
// window kind, two shards, re-sent events, a crash after the query state was written but before
// the checkpoint, a redelivered batch, an aggregates-stream outage after the windows' revisions
// were stored, and the idle rule at the end. Every query's final windows (last revision per
// window, retracted ones dropped) must equal the batch computation over the distinct events.
const QUERY_FILE = `version: 1
queries:
  - name: per-host
    groupBy: [dimensions.host]
    window: { kind: tumbling, size: 60s }
    aggregates: [{ fn: count }, { fn: sum }, { fn: min }, { fn: max }, { fn: quantile, q: 0.9 }]
  - name: per-region
    source: { metric: "q.*", where: [{ field: value, op: ge, value: 0 }] }
    groupBy: [dimensions.region]
    window: { kind: sliding, size: 90s, slide: 30s }
    aggregates:
      - { fn: count }
      - { fn: avg }
      - { fn: distinct, field: dimensions.host, as: hosts }
      - { fn: topk, field: dimensions.host, k: 2 }
  - name: stagger
    groupBy: [dimensions.host]
    window: { kind: stagger, size: 45s }
    aggregates: [{ fn: count }, { fn: max }]
  - name: sessions
    groupBy: []
    window: { kind: session, gap: 25s }
    aggregates: [{ fn: count }, { fn: sum }]
    having: [{ aggregate: count, op: ge, value: 2 }]
`;
const dir = mkdtempSync(join(tmpdir(), 'aggq-'));
const parsed = parseQueryFile(QUERY_FILE);
const { queries } = parsed;
// What `pnpm queries compile` writes: the function loads the compiled model.
writeFileSync(join(dir, 'queries.json'), compiledQueryFileText(parsed, 'queries.yaml'));

const { names, aws, start } = localAggregator('aggq', {
  QUERY_FILE: join(dir, 'queries.json'),
  IDLE_TIMEOUT_SECONDS: '1',
  ALLOWED_LATENESS_SECONDS: '20',
  MAX_LATENESS_SECONDS: '600',
  DEADLINE_SAFETY_MS: '500',
});
let handler: AggregatorHandler;
let idle: (e: unknown, c: ReturnType<typeof lambdaContext>) => Promise<{ emitted: number }>;
let ddb: FaultProxy;
let kinesis: FaultProxy;

const T0 = Date.UTC(2026, 11, 8, 1, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const SHARDS = ['shardId-000000000001', 'shardId-000000000002'];

type Sent = { shard: number; seq: string; obs: Observation; id: string };

/** Two shards' events: 3 s apart per shard with ±8 s jitter, a gap of 70 s for the sessions. */
function workload(): { byShard: Sent[][]; all: Observation[] } {
  const rand = prng(20261208);
  const byShard: Sent[][] = [[], []];
  const all: Observation[] = [];
  let seq = 0;
  for (let s = 0; s < 2; s++) {
    for (let i = 0; i < 90; i++) {
      const host = `h${Math.floor(rand() * 4)}`;
      const gap = i >= 45 ? 70_000 : 0;
      const timeMs = T0 + i * 3000 + gap + Math.floor(rand() * 16_000) - 8000;
      const value = Math.floor(rand() * 200) - 20;
      const id = `q-${s}-${i}`;
      const obs: Observation = {
        series: `q.m|host=${host}|region=r${Number(host.slice(1)) % 2}`,
        kind: 'telemetry',
        metric: 'q.m',
        dimensions: { host, region: `r${Number(host.slice(1)) % 2}` },
        timeMs,
        value,
        idHash: idHashOf(id),
      };
      all.push(obs);
      byShard[s]!.push({ shard: s, seq: (10n ** 20n + BigInt(++seq)).toString(), obs, id });
    }
  }
  // About one event in eight is sent again later on the other shard (a producer's retry).
  for (let s = 0; s < 2; s++) {
    for (const e of [...byShard[s]!]) {
      if (rand() < 0.125) {
        byShard[1 - s]!.push({ ...e, shard: 1 - s, seq: (10n ** 20n + BigInt(++seq)).toString() });
      }
    }
  }
  for (const list of byShard) list.sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1));
  return { byShard, all };
}

function eventOf(batch: readonly Sent[]) {
  return kinesisEvent(
    batch.map((e) =>
      kinesisRecord(
        SHARDS[e.shard]!,
        e.seq,
        telemetry(e.id, e.obs.metric, e.obs.value, iso(e.obs.timeMs), e.obs.dimensions),
      ),
    ),
  );
}

async function queryWindows(): Promise<MetricsWindow[]> {
  const records = await aws.readStream(names.stream);
  return records
    .map((r) => JSON.parse(Buffer.from(r.data).toString('utf8')) as MetricsWindow)
    .filter((e) => e.data.query !== undefined);
}

beforeAll(async () => {
  ddb = await startFaultProxy({ target: aws.env.AWS_ENDPOINT_URL_DYNAMODB! });
  kinesis = await startFaultProxy({ target: aws.env.AWS_ENDPOINT_URL_KINESIS! });
  process.env.AWS_ENDPOINT_URL_DYNAMODB = ddb.endpoint;
  process.env.AWS_ENDPOINT_URL_KINESIS = kinesis.endpoint;
  handler = await start();
  idle = (await import('../../src/handler.js')).idle as typeof idle;
});

afterAll(async () => {
  await ddb?.stop();
  await kinesis?.stop();
  aws.close();
});

describe('stream-aggregator with a query file', () => {
  it('gives every window kind its batch computation through crashes, redelivery and an outage', async () => {
    // Prepare
    const { byShard, all } = workload();
    const batches: Sent[][] = [];
    const cursors = [0, 0];
    const rand = prng(7);
    while (cursors.some((c, s) => c < byShard[s]!.length)) {
      for (let s = 0; s < 2; s++) {
        const size = 6 + Math.floor(rand() * 14);
        const batch = byShard[s]!.slice(cursors[s], cursors[s]! + size);
        cursors[s]! += batch.length;
        if (batch.length > 0) batches.push(batch);
      }
    }

    // Act
    for (let b = 0; b < batches.length; b++) {
      const event = eventOf(batches[b]!);
      if (b === 3) {
        // Crash after the query groups were written, before the checkpoint: the marking of the
        // per-series windows (UpdateItem) throttles until the deadline, the batch fails.
        ddb.setRules([
          {
            kind: 'error',
            operation: 'UpdateItem',
            status: 400,
            errorType: 'ProvisionedThroughputExceededException',
          },
        ]);
        // (A Lambda timeout is the same crash for this test: nothing after the query groups.)
        const failed = await handler(structuredClone(event), lambdaContext(2500)).catch(() => ({
          batchItemFailures: [{ itemIdentifier: 'timed out' }],
        }));
        ddb.setRules([]);
        expect(failed.batchItemFailures.length).toBeGreaterThan(0);
      }
      if (b === 9) {
        // The aggregates stream is down: windows whose revisions were stored are not sent.
        kinesis.setRules([
          {
            kind: 'error',
            operation: 'PutRecords',
            status: 400,
            errorType: 'ProvisionedThroughputExceededException',
            times: 40,
          },
        ]);
        // The invocation may time out in the outage: a crash after the revisions were stored.
        await handler(structuredClone(event), lambdaContext(2500)).catch(() => undefined);
        kinesis.setRules([]);
      }
      const out = await handler(structuredClone(event), lambdaContext());
      expect(out.batchItemFailures).toEqual([]);
      // The response is lost now and then: Lambda delivers the same batch again.
      if (b % 5 === 2) await handler(structuredClone(event), lambdaContext());
    }
    await new Promise((r) => setTimeout(r, 1_100));
    await idle({}, lambdaContext());

    // Assess
    const emitted = await queryWindows();
    for (const e of emitted) expect(validateEvent(e).ok).toBe(true);
    const last = new Map<string, MetricsWindow>();
    for (const e of emitted) {
      const key = `${e.data.series}|${e.data.windowStart}`;
      const prev = last.get(key);
      if (prev === undefined || e.data.revision >= prev.data.revision) last.set(key, e);
    }
    const final = [...last.values()].filter((e) => e.data.retracted !== true);
    for (const q of queries) {
      const expected = batchQuery(q, all, 0.01);
      const got = final.filter((e) => e.data.query === q.name);
      const keyOf = (e: MetricsWindow) =>
        `${JSON.stringify(q.groupBy.map((_, i) => Object.values(e.data.group ?? {})[i]))}|${Date.parse(e.data.windowStart)}`;
      expect(got.map(keyOf).sort()).toEqual([...expected.keys()].sort());
      for (const e of got) {
        const want = expected.get(keyOf(e))!;
        expect(Date.parse(e.data.windowEnd)).toBe(want.endMs);
        expect({ ...e.data.aggregates, ...e.data.top }).toEqual(want.results);
      }
    }
    expect(final.length).toBeGreaterThan(20);
  });
});
