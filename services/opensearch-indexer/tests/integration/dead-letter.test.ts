import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connectLocalAws } from '@streamlens/local-aws';
import { appLog, telemetryReading } from '@streamlens/schema/testing';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { createOpenSearchClient } from '../../src/client.js';
import { type DeadLetter, deadLetterKey } from '../../src/dead-letter.js';
import { ensureIndexTemplate } from '../../src/template.js';
import { kinesisEventOf, lambdaContext } from '../helpers/kinesis.js';

// The handler as deployed (configuration read at import), against the shared OpenSearch node and
// the S3 stand-in, with a bucket and an index prefix of this file's own.
const endpoint = process.env.OPENSEARCH_ENDPOINT!;
const aws = connectLocalAws();
const bucket = `dl-${randomUUID().slice(0, 8)}`;
const prefix = `dl-${randomUUID().slice(0, 8)}`;
const dlPrefix = 'dead-letter/opensearch-indexer/';
const client = createOpenSearchClient({
  endpoint,
  region: 'us-east-1',
  service: 'es',
  signing: 'auto',
  requestTimeoutMs: 10_000,
});

type Handler = (
  event: KinesisStreamEvent,
  context: ReturnType<typeof lambdaContext>,
) => Promise<KinesisStreamBatchResponse>;
let handler: Handler;

beforeAll(async () => {
  await aws.createResources({ buckets: [bucket] });
  process.env.INDEX_PREFIX = prefix;
  process.env.DEAD_LETTER_BUCKET = bucket;
  process.env.DEAD_LETTER_PREFIX = dlPrefix;
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  ({ handler } = (await import('../../src/handler.js')) as unknown as { handler: Handler });
});

afterAll(async () => {
  await client.close();
  aws.close();
});

async function deadLetters(): Promise<Array<DeadLetter & { key: string; deadLetteredAt: string }>> {
  const objects = await aws.getObjects(bucket, dlPrefix);
  return objects
    .map((o) => ({ key: o.key, ...JSON.parse(Buffer.from(o.body).toString('utf8')) }))
    .sort((a, b) => a.key.localeCompare(b.key));
}

describe('opensearch-indexer dead letters into S3 (s3rver)', () => {
  it('stores rejected and invalid events with their reason, indexes the rest, and redelivery adds nothing', async () => {
    // Prepare: 6 events on 2 shards, two of which OpenSearch refuses (text in a field the day's
    // index maps as a number), and one record that is not an event at all.
    const tag = randomUUID();
    const time = '2026-04-01T08:00:00.000Z';
    const refused = [`dl-${tag}-1`, `dl-${tag}-4`];
    const events = Array.from({ length: 6 }, (_, i) => {
      const id = `dl-${tag}-${i}`;
      const event =
        i % 2 === 0
          ? appLog({ id, subject: tag, time })
          : telemetryReading({ id, subject: tag, time });
      return { ...event, data: { ...event.data, code: refused.includes(id) ? 'not-a-number' : i } };
    });
    // The template first, as the handler puts it, so that the day's index gets it too.
    await ensureIndexTemplate(client, prefix);
    await client.request({
      method: 'PUT',
      path: `/${prefix}-2026.04.01`,
      body: { mappings: { properties: { data: { properties: { code: { type: 'long' } } } } } },
    });
    const event = kinesisEventOf([...events, '{"specversion":"1.0","id":'], 2);
    const invalidRecord = event.Records[6]!;

    // Act
    const first = await handler(event, lambdaContext());
    const afterFirst = await deadLetters();
    const second = await handler(structuredClone(event), lambdaContext());
    const afterSecond = await deadLetters();

    // Assess: nothing reported, the rejected and the invalid ones dead-lettered with the reason
    expect(first).toEqual({ batchItemFailures: [] });
    expect(second).toEqual({ batchItemFailures: [] });
    expect(afterFirst).toHaveLength(3);
    const byId = new Map(afterFirst.map((l) => [l.id ?? 'invalid', l]));
    for (const id of refused) {
      const original = events.find((e) => e.id === id)!;
      const record = event.Records[events.indexOf(original)]!;
      expect(byId.get(id)).toMatchObject({
        reason: { status: 400, type: 'mapper_parsing_exception' },
        event: original,
        document: { id },
        index: `${prefix}-2026.04.01`,
        shardId: record.eventID.split(':')[0],
        sequenceNumber: record.kinesis.sequenceNumber,
      });
      expect(byId.get(id)!.reason.message).toContain(
        'failed to parse field [data.code] of type [long]',
      );
    }
    const invalid = byId.get('invalid')!;
    expect(invalid.reason).toMatchObject({ type: 'INVALID_JSON' });
    expect(invalid.sequenceNumber).toBe(invalidRecord.kinesis.sequenceNumber);
    expect(Buffer.from(invalid.raw!, 'base64').toString('utf8')).toBe('{"specversion":"1.0","id":');
    for (const l of afterFirst) expect(l.key).toBe(deadLetterKey(dlPrefix, l));

    // ... the rest indexed once; redelivery overwrote the same objects and documents
    expect(afterSecond.map((l) => l.key)).toEqual(afterFirst.map((l) => l.key));
    await fetch(`${endpoint}/${prefix}-*/_refresh`, { method: 'POST' });
    const hits = await client.search(prefix, {
      query: { term: { subject: tag } },
      sort: [{ id: 'asc' }],
      size: 100,
    });
    expect(hits.body.hits.hits.map((h) => h._id)).toEqual(
      [0, 2, 3, 5].map((i) => `dl-${tag}-${i}`),
    );
    const doc = await client.getDocument(`${prefix}-2026.04.01`, `dl-${tag}-0`);
    expect(doc.body._version).toBe(2);
  });
});
