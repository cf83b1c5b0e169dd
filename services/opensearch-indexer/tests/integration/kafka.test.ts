import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  connectLocalAws,
  type KafkaRecordToWrite,
  lambdaKafkaEvent,
  readKafkaTopic,
  setOpenSearchFaults,
  writeKafkaRecords,
} from '@streamlens/local-aws';
import { type StreamlensEvent, toKafkaBinary, toKafkaStructured } from '@streamlens/schema';
import { appLog } from '@streamlens/schema/testing';
import type { KinesisStreamBatchResponse } from 'aws-lambda';
import { bulkSender, createOpenSearchClient } from '../../src/client.js';
import type { DeadLetter } from '../../src/dead-letter.js';
import { indexKafkaBatch } from '../../src/indexer.js';
import { ensureIndexTemplate } from '../../src/template.js';
import { lambdaContext } from '../helpers/kinesis.js';

// Kafka records on the real broker, read back as Lambda's Kafka event source mapping hands them,
// indexed into the run's real OpenSearch node (behind its fault front); indices under a prefix of
// this file's own.
const aws = connectLocalAws();
const bootstrap = aws.env.KAFKA_BOOTSTRAP_SERVERS as string;
const endpoint = process.env.OPENSEARCH_ENDPOINT!;
const prefix = `itk-${randomUUID().slice(0, 8)}`;
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
let handler: (
  e: unknown,
  c: ReturnType<typeof lambdaContext>,
) => Promise<KinesisStreamBatchResponse>;

function encode(
  e: StreamlensEvent,
  mode: 'structured' | 'binary',
  partition = 0,
): KafkaRecordToWrite {
  const encoded = mode === 'binary' ? toKafkaBinary(e) : toKafkaStructured(JSON.stringify(e));
  return { key: e.subject ?? e.id, value: encoded.value, headers: encoded.headers, partition };
}

async function kafkaEvent(records: KafkaRecordToWrite[], partitions = 1) {
  const topic = `osk-${randomUUID()}`;
  await aws.createResources({ kafkaTopics: [{ name: topic, partitions }] });
  await writeKafkaRecords(bootstrap, topic, records);
  return lambdaKafkaEvent(await readKafkaTopic(bootstrap, topic, { count: records.length }), {
    eventSource: 'SelfManagedKafka',
    bootstrapServers: bootstrap,
  });
}

async function idsOf(subject: string): Promise<string[]> {
  await fetch(`${endpoint}/${prefix}-*/_refresh`, { method: 'POST' });
  const res = await client.search(prefix, {
    query: { term: { subject } },
    sort: [{ id: 'asc' }],
    size: 1000,
  });
  return res.body.hits.hits.map((h) => h._id);
}

beforeAll(async () => {
  process.env.INDEX_PREFIX = prefix;
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  ({ handler } = (await import('../../src/handler.js')) as unknown as { handler: typeof handler });
  await ensureIndexTemplate(client, prefix);
});

describe('opensearch-indexer on Lambda Kafka events from the real broker', () => {
  it('indexes binary and structured records by id; a redelivered batch leaves one document per event', async () => {
    // Prepare
    const tag = randomUUID();
    const events = Array.from({ length: 10 }, (_, i) =>
      appLog({ id: `k-${tag}-${i}`, subject: tag }),
    );
    const event = await kafkaEvent(
      events.map((e, i) => encode(e, i % 2 ? 'binary' : 'structured', i % 2)),
      2,
    );
    // Act
    const first = await handler(structuredClone(event), lambdaContext());
    const second = await handler(structuredClone(event), lambdaContext());
    // Assess
    expect(first).toEqual({ batchItemFailures: [] });
    expect(second).toEqual({ batchItemFailures: [] });
    expect(await idsOf(tag)).toEqual(events.map((e) => e.id).sort());
  });

  it('lists what is still throttled at the deadline as unapplied, and the handler fails the invocation', async () => {
    // Prepare
    const tag = randomUUID();
    const events = Array.from({ length: 3 }, (_, i) =>
      appLog({ id: `kl-${tag}-${i}`, subject: tag }),
    );
    const event = await kafkaEvent(events.map((e) => encode(e, 'structured')));
    await setOpenSearchFaults(endpoint, { reject: { ids: { [`kl-${tag}-1`]: 1000 } } });
    // Act
    const r = await indexKafkaBatch(event, { send }, opts, Date.now() + 300);
    const thrown = await handler(structuredClone(event), lambdaContext(2_000)).catch(
      (e: Error) => e,
    );
    await setOpenSearchFaults(endpoint, undefined);
    const retried = await handler(structuredClone(event), lambdaContext());
    // Assess
    const group = Object.keys(event.records)[0];
    expect(r.unapplied).toEqual([{ topicPartition: group, offset: '1' }]);
    expect((thrown as Error).name).toBe('KafkaBatchIncompleteError');
    expect(retried).toEqual({ batchItemFailures: [] });
    expect(await idsOf(tag)).toEqual(events.map((e) => e.id).sort());
  });

  it('dead-letters unreadable records with their reason and position, and indexes the rest', async () => {
    // Prepare
    const tag = randomUUID();
    const good = [0, 1].map((i) => appLog({ id: `kd-${tag}-${i}`, subject: tag }));
    const event = await kafkaEvent([
      encode(good[0]!, 'binary'),
      { key: 'x', value: null, headers: { ce_id: 'tombstone' } },
      { key: 'x', value: 'not json', headers: { ce_id: 'a', ce_type: 'app.log' } },
      encode(good[1]!, 'structured'),
    ]);
    const letters: DeadLetter[] = [];
    // Act
    const r = await indexKafkaBatch(
      event,
      { send, deadLetter: async (e) => void letters.push(...e) },
      opts,
      Date.now() + 30_000,
    );
    // Assess
    expect(r.unapplied).toEqual([]);
    expect(letters.map((l) => [l.sequenceNumber, l.reason.type, l.reason.message])).toEqual([
      ['1', 'KAFKA_RECORD_INVALID', 'the record has no value (a tombstone)'],
      ['2', 'KAFKA_RECORD_INVALID', 'the data is not JSON (content type application/json)'],
    ]);
    expect(await idsOf(tag)).toEqual(good.map((e) => e.id).sort());
  });
});
