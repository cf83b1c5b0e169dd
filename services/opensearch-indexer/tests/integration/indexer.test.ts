import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { openSearchStats, setOpenSearchFaults } from '@streamlens/local-aws';
import { appLog, telemetryReading } from '@streamlens/schema/testing';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { bulkSender, createOpenSearchClient } from '../../src/client.js';
import type { DeadLetter } from '../../src/dead-letter.js';
import { indexBatch } from '../../src/indexer.js';
import { ensureIndexTemplate } from '../../src/template.js';
import { kinesisEventOf, lambdaContext } from '../helpers/kinesis.js';

// The shared OpenSearch node of the run (global setup), reached through the fault front that injects
// the 429s a loaded domain answers; this file's indices live under a prefix of its own.
const endpoint = process.env.OPENSEARCH_ENDPOINT!;
const prefix = `it-${randomUUID().slice(0, 8)}`;
const client = createOpenSearchClient({
  endpoint,
  region: 'us-east-1',
  service: 'es',
  signing: 'auto',
  requestTimeoutMs: 10_000,
});
const send = bulkSender(client);
const opts = {
  indexPrefix: prefix,
  maxEventBytes: 1_048_576,
  bulk: { maxDocs: 50, baseDelayMs: 5 },
};

type Handler = (
  event: KinesisStreamEvent,
  context: ReturnType<typeof lambdaContext>,
) => Promise<KinesisStreamBatchResponse>;
let handler: Handler;

beforeAll(async () => {
  // The handler reads its configuration at import, as on Lambda.
  process.env.INDEX_PREFIX = prefix;
  process.env.POWERTOOLS_METRICS_NAMESPACE = 'streamlens';
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  ({ handler } = (await import('../../src/handler.js')) as unknown as { handler: Handler });
  await ensureIndexTemplate(client, prefix);
});

/** Make what was indexed searchable now (the template's refresh interval is 5 s). */
async function refresh(): Promise<void> {
  const res = await fetch(`${endpoint}/${prefix}-*/_refresh`, { method: 'POST' });
  if (!res.ok) throw new Error(`refresh: HTTP ${res.status}`);
}

async function searchIds(
  query: unknown,
  sort: unknown = [{ time: 'asc' }, { id: 'asc' }],
): Promise<string[]> {
  await refresh();
  const res = await client.search(prefix, { query, sort, size: 1000 });
  return res.body.hits.hits.map((h) => h._id);
}

describe('opensearch-indexer against a real OpenSearch node', () => {
  it('redelivery overwrites: the same batch twice leaves one document per event id', async () => {
    // Prepare
    const tag = randomUUID();
    const events = Array.from({ length: 30 }, (_, i) =>
      appLog({
        id: `redeliver-${tag}-${i}`,
        subject: tag,
        time: `2026-02-0${(i % 3) + 1}T10:00:00.000Z`,
      }),
    );
    const event = kinesisEventOf(events, 2);
    // Act
    const first = await handler(event, lambdaContext());
    const second = await handler(structuredClone(event), lambdaContext());
    // Assess
    expect(first).toEqual({ batchItemFailures: [] });
    expect(second).toEqual({ batchItemFailures: [] });
    await refresh();
    const count = await client.count(prefix, { query: { term: { subject: tag } } });
    expect(count.body.count).toBe(30);
    const doc = await client.getDocument(`${prefix}-2026.02.01`, `redeliver-${tag}-0`);
    expect(doc.body._version).toBe(2);
  });

  it('retries items rejected with 429 until they are indexed', async () => {
    // Prepare
    const tag = randomUUID();
    const events = Array.from({ length: 10 }, (_, i) =>
      telemetryReading({ id: `throttle-${tag}-${i}`, subject: tag }),
    );
    const before = await openSearchStats(endpoint);
    await setOpenSearchFaults(endpoint, {
      reject: { ids: { [`throttle-${tag}-3`]: 3, [`throttle-${tag}-7`]: 1 } },
    });
    // Act
    const r = await indexBatch(kinesisEventOf(events), { send }, opts, Date.now() + 30_000);
    // Assess
    const after = await openSearchStats(endpoint);
    await setOpenSearchFaults(endpoint, undefined);
    expect(r.response.batchItemFailures).toEqual([]);
    expect(r.counts).toMatchObject({ indexed: 10, rejected: 0, unfinished: 0, retriedItems: 4 });
    expect(after.injected429 - before.injected429).toBe(4);
    expect((await searchIds({ term: { subject: tag } })).length).toBe(10);
  });

  it('reports what is still throttled at the deadline, from the first failure of the shard', async () => {
    // Prepare
    const tag = randomUUID();
    const events = Array.from({ length: 4 }, (_, i) =>
      appLog({ id: `late-${tag}-${i}`, subject: tag }),
    );
    await setOpenSearchFaults(endpoint, { reject: { ids: { [`late-${tag}-1`]: 1000 } } });
    const event = kinesisEventOf(events);
    // Act
    const r = await indexBatch(event, { send }, opts, Date.now() + 300);
    // Assess
    await setOpenSearchFaults(endpoint, undefined);
    expect(r.response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
      event.Records.slice(1).map((rec) => rec.kinesis.sequenceNumber),
    );
    expect(r.unfinished.map((u) => u.doc.id)).toEqual([`late-${tag}-1`]);
  });

  it('routes a mapping error with its reason while the rest of the batch is indexed', async () => {
    // Prepare: the day's index maps data.code as a number; one event carries text there.
    const tag = randomUUID();
    const time = '2026-05-01T00:00:00.000Z';
    const events = Array.from({ length: 5 }, (_, i) => {
      const event = appLog({ id: `map-${tag}-${i}`, subject: tag, time });
      return { ...event, data: { ...event.data, code: i === 2 ? 'not-a-number' : i } };
    });
    await client.request({
      method: 'PUT',
      path: `/${prefix}-2026.05.01`,
      body: { mappings: { properties: { data: { properties: { code: { type: 'long' } } } } } },
    });
    const letters: DeadLetter[] = [];
    // Act
    const r = await indexBatch(
      kinesisEventOf(events),
      { send, deadLetter: async (e) => void letters.push(...e) },
      opts,
      Date.now() + 30_000,
    );
    // Assess
    expect(r.response.batchItemFailures).toEqual([]);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      id: `map-${tag}-2`,
      reason: { status: 400, type: 'mapper_parsing_exception' },
    });
    expect(letters[0]!.reason.message).toContain(
      'failed to parse field [data.code] of type [long]',
    );
    expect(await searchIds({ term: { subject: tag } })).toEqual(
      [0, 1, 3, 4].map((i) => `map-${tag}-${i}`),
    );
  });

  it('answers match, term, range and bool queries with exactly the expected events', async () => {
    // Prepare
    const tag = randomUUID();
    const at = (m: number) => `2026-03-01T00:0${m}:00.000Z`;
    const events = [
      appLog({
        id: `q-${tag}-1`,
        subject: tag,
        time: at(1),
        data: { level: 'ERROR', service: 'checkout', message: 'Payment FAILED for order 17' },
      }),
      appLog({
        id: `q-${tag}-2`,
        subject: tag,
        time: at(2),
        data: { level: 'WARN', service: 'checkout', message: 'payment slow' },
      }),
      appLog({
        id: `q-${tag}-3`,
        subject: tag,
        time: at(3),
        data: { level: 'ERROR', service: 'auth', message: 'token failed' },
      }),
      telemetryReading({ id: `q-${tag}-4`, subject: tag, time: at(4), data: { value: 97.5 } }),
      telemetryReading({ id: `q-${tag}-5`, subject: tag, time: at(5), data: { value: 12 } }),
    ];
    const r = await indexBatch(kinesisEventOf(events), { send }, opts, Date.now() + 30_000);
    expect(r.counts.indexed).toBe(5);
    const mine = { term: { subject: tag } };
    const id = (n: number) => `q-${tag}-${n}`;
    // Act + Assess
    expect(
      await searchIds({ bool: { filter: [mine], must: [{ match: { message: 'failed' } }] } }),
    ).toEqual([id(1), id(3)]);
    expect(
      await searchIds({
        bool: { filter: [mine, { term: { level: 'ERROR' } }, { term: { service: 'checkout' } }] },
      }),
    ).toEqual([id(1)]);
    expect(
      await searchIds({ bool: { filter: [mine, { range: { 'data.value': { gte: 50 } } }] } }),
    ).toEqual([id(4)]);
    expect(
      await searchIds({ bool: { filter: [mine, { range: { time: { gt: at(1), lte: at(4) } } }] } }),
    ).toEqual([id(2), id(3), id(4)]);
    expect(
      await searchIds({
        bool: {
          filter: [mine],
          should: [{ match: { message: 'payment' } }, { term: { type: 'telemetry.reading' } }],
          must_not: [{ term: { level: 'WARN' } }],
          minimum_should_match: 1,
        },
      }),
    ).toEqual([id(1), id(4), id(5)]);
    expect(
      await searchIds({ bool: { filter: [mine, { term: { 'data.dimensions.host': 'web-1' } }] } }),
    ).toEqual([id(4), id(5)]);
    expect(await searchIds({ bool: { filter: [mine] } }, [{ time: 'desc' }])).toEqual(
      [5, 4, 3, 2, 1].map(id),
    );
  });
});
