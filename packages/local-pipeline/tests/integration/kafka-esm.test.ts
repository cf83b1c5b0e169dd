import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Admin } from '@platformatic/kafka';
import { connectLocalAws, writeKafkaRecords } from '@streamlens/local-aws';
import {
  KafkaEventSourceMapping,
  type KafkaFailureRecord,
  type KafkaMappingSettings,
} from '../../src/esm/kafka-mapping.js';
import type { InvokeOutcome } from '../../src/runtime/container.js';

// Lambda's Kafka event source mapping, emulated against the real broker (packages/local-aws).

const aws = connectLocalAws();
const bootstrap = aws.env.KAFKA_BOOTSTRAP_SERVERS as string;
const running: KafkaEventSourceMapping[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((m) => m.stop()));
});

type KafkaEvent = {
  eventSource: string;
  eventSourceArn?: string;
  bootstrapServers?: string;
  records: Record<
    string,
    Array<{
      topic: string;
      partition: number;
      offset: number;
      key?: string;
      value: string | null;
      headers: Array<Record<string, number[]>>;
    }>
  >;
};

async function freshTopic(partitions = 1) {
  const topic = `esm-${randomUUID().slice(0, 8)}`;
  await aws.createResources({ kafkaTopics: [{ name: topic, partitions }] });
  return { topic, group: `group-${topic}` };
}

const settings = (
  topic: string,
  group: string,
  over: Partial<KafkaMappingSettings> = {},
): KafkaMappingSettings => ({
  topic,
  consumerGroup: group,
  eventSource: 'aws:kafka',
  eventSourceArn:
    'arn:aws:kafka:us-east-1:000000000000:cluster/local/00000000-0000-0000-0000-000000000000-1',
  batchSize: 100,
  batchWindowSeconds: 0.2,
  startingPosition: 'TRIM_HORIZON',
  maximumRetryAttempts: -1,
  ...over,
});

/** A function that records each event and answers as `answer` says (throw: a function error). */
function fakeFunction(answer: (event: KafkaEvent, call: number) => void) {
  const events: KafkaEvent[] = [];
  const invoke = async (event: unknown): Promise<InvokeOutcome> => {
    events.push(event as KafkaEvent);
    try {
      answer(event as KafkaEvent, events.length);
      return { ok: true, value: null, durationMs: 1 };
    } catch (error) {
      return {
        ok: false,
        errorType: 'Error',
        errorMessage: (error as Error).message,
        durationMs: 1,
      };
    }
  };
  return { events, invoke };
}

function mapping(
  s: KafkaMappingSettings,
  invoke: (event: unknown) => Promise<InvokeOutcome>,
  failures?: KafkaFailureRecord[],
) {
  const esm = new KafkaEventSourceMapping({
    functionName: 'fn',
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn',
    bootstrapServers: bootstrap,
    settings: {
      ...s,
      ...(failures ? { onFailureArn: 'arn:aws:sqs:us-east-1:000000000000:f' } : {}),
    },
    invoke,
    retryDelayMs: () => 5,
    ...(failures ? { failureSink: { write: (_arn, record) => void failures.push(record) } } : {}),
  });
  running.push(esm);
  return esm;
}

const values = (events: readonly KafkaEvent[]) =>
  events.flatMap((e) =>
    Object.values(e.records).flatMap((rs) =>
      rs.map((r) => Buffer.from(r.value ?? '', 'base64').toString()),
    ),
  );

/** The group's committed offset of partition 0 (-1: none). */
async function committed(topic: string, group: string): Promise<bigint> {
  const admin = new Admin({ clientId: 'esm-test', bootstrapBrokers: bootstrap.split(',') });
  try {
    const groups = await admin.listConsumerGroupOffsets({
      groups: [{ groupId: group, topics: [{ name: topic, partitionIndexes: [0] }] }],
    });
    const partition = groups[0]?.topics[0]?.partitions[0];
    return partition?.committedOffset ?? -1n;
  } finally {
    await admin.close();
  }
}

describe('Kafka event source mapping on the real broker', () => {
  it('sends what Lambda sends: records by topic-partition in offset order, base64 key and value, headers as byte lists', async () => {
    // Prepare
    const { topic, group } = await freshTopic(2);
    await writeKafkaRecords(bootstrap, topic, [
      { key: 'a', value: 'v0', partition: 0, headers: { 'content-type': 'text/plain' } },
      { key: 'b', value: 'v1', partition: 1 },
      { key: 'a', value: 'v2', partition: 0 },
    ]);
    const fn = fakeFunction(() => undefined);
    const esm = mapping(settings(topic, group), fn.invoke);

    // Act
    await esm.start();
    expect(await esm.drain(30_000)).toBe(true);

    // Assess
    const byGroup = Object.assign({}, ...fn.events.map((e) => e.records));
    expect(Object.keys(byGroup).sort()).toEqual([`${topic}-0`, `${topic}-1`]);
    expect(byGroup[`${topic}-0`]).toEqual([
      expect.objectContaining({
        topic,
        partition: 0,
        offset: 0,
        key: Buffer.from('a').toString('base64'),
        value: Buffer.from('v0').toString('base64'),
        headers: [{ 'content-type': [...Buffer.from('text/plain')] }],
      }),
      expect.objectContaining({ offset: 1, value: Buffer.from('v2').toString('base64') }),
    ]);
    expect(fn.events[0]).toMatchObject({
      eventSource: 'aws:kafka',
      eventSourceArn: expect.stringMatching(/^arn:aws:kafka:/),
      bootstrapServers: bootstrap,
    });
    expect(esm.stats.recordsProcessed).toBe(3);
  });

  it('batches by BatchSize per partition', async () => {
    // Prepare
    const { topic, group } = await freshTopic(1);
    await writeKafkaRecords(
      bootstrap,
      topic,
      Array.from({ length: 25 }, (_, i) => ({ value: `r${i}` })),
    );
    const fn = fakeFunction(() => undefined);
    const esm = mapping(
      settings(topic, group, { batchSize: 10, batchWindowSeconds: 5 }),
      fn.invoke,
    );

    // Act
    await esm.start();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const beforeWindow = fn.events.map((e) => Object.values(e.records)[0]?.length);
    expect(await esm.drain(30_000)).toBe(true);

    // Assess
    // Two full batches before the 5 s window; the last 5 records wait for it (or the drain).
    expect(beforeWindow).toEqual([10, 10]);
    expect(values(fn.events)).toEqual(Array.from({ length: 25 }, (_, i) => `r${i}`));
  });

  it('keeps a batch within the 6 MB invocation payload', async () => {
    // Prepare: 10 records of 900 KiB (1.2 MB as base64), one request each (a broker takes
    // record batches up to 1 MB).
    const { topic, group } = await freshTopic(1);
    for (let i = 0; i < 10; i++) {
      await writeKafkaRecords(bootstrap, topic, [{ value: Buffer.alloc(900 * 1024, 97 + i) }]);
    }
    const fn = fakeFunction(() => undefined);
    // A window longer than the test: the batches start only when the drain asks, all 10 read.
    const esm = mapping(settings(topic, group, { batchWindowSeconds: 300 }), fn.invoke);

    // Act
    await esm.start();
    while (esm.stats.recordsRead < 10) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await esm.drain(60_000)).toBe(true);

    // Assess
    const sizes = fn.events.map((e) => Object.values(e.records)[0]?.length ?? 0);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(10);
    expect(sizes).toEqual([5, 5]);
    for (const event of fn.events) {
      expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThanOrEqual(6 * 1024 * 1024);
    }
  });

  it('retries a failing batch whole, and commits its offset only after the function succeeded', async () => {
    // Prepare
    const { topic, group } = await freshTopic(1);
    await writeKafkaRecords(
      bootstrap,
      topic,
      Array.from({ length: 5 }, (_, i) => ({ value: `r${i}` })),
    );
    let failing = true;
    const fn = fakeFunction(() => {
      if (failing) throw new Error('downstream unavailable');
    });
    const esm = mapping(settings(topic, group), fn.invoke);

    // Act
    await esm.start();
    while (fn.events.length < 3) await new Promise((resolve) => setTimeout(resolve, 50));
    const whileFailing = await committed(topic, group);
    failing = false;
    expect(await esm.drain(30_000)).toBe(true);

    // Assess
    expect(whileFailing).toBe(-1n);
    expect(await committed(topic, group)).toBe(5n);
    // Every invocation carried the same whole batch.
    for (const event of fn.events) expect(values([event])).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect(esm.stats.retries).toBe(fn.events.length - 1);
  });

  it('redelivers an uncommitted batch to the next member of the group after a stop', async () => {
    // Prepare
    const { topic, group } = await freshTopic(1);
    await writeKafkaRecords(bootstrap, topic, [{ value: 'a' }, { value: 'b' }]);
    const first = fakeFunction(() => {
      throw new Error('crash before the commit');
    });
    const esm = mapping(settings(topic, group), first.invoke);
    await esm.start();
    while (first.events.length < 1) await new Promise((resolve) => setTimeout(resolve, 50));
    await esm.stop();
    await writeKafkaRecords(bootstrap, topic, [{ value: 'c' }]);
    const second = fakeFunction(() => undefined);
    const next = mapping(settings(topic, group), second.invoke);

    // Act
    await next.start();
    expect(await next.drain(30_000)).toBe(true);

    // Assess
    expect(values(first.events.slice(0, 1))).toEqual(['a', 'b']);
    expect(values(second.events)).toEqual(['a', 'b', 'c']);
    expect(await committed(topic, group)).toBe(3n);
  });

  it('after the retry limit sends the batch metadata to the on-failure destination and moves on', async () => {
    // Prepare
    const { topic, group } = await freshTopic(1);
    await writeKafkaRecords(bootstrap, topic, [{ value: 'poison' }]);
    const fn = fakeFunction((event) => {
      if (values([event]).includes('poison')) throw new Error('poison');
    });
    const failures: KafkaFailureRecord[] = [];
    const esm = mapping(settings(topic, group, { maximumRetryAttempts: 2 }), fn.invoke, failures);
    await esm.start();
    while (esm.stats.recordsDiscarded < 1) await new Promise((resolve) => setTimeout(resolve, 50));
    await writeKafkaRecords(bootstrap, topic, [{ value: 'after' }]);

    // Act
    expect(await esm.drain(30_000)).toBe(true);

    // Assess
    expect(values(fn.events)).toEqual(['poison', 'poison', 'poison', 'after']);
    expect(failures).toEqual([
      expect.objectContaining({
        requestContext: expect.objectContaining({
          condition: 'RetryAttemptsExhausted',
          approximateInvokeCount: 3,
        }),
        KafkaBatchInfo: {
          topic,
          partition: 0,
          startOffset: 0,
          endOffset: 0,
          batchSize: 1,
          consumerGroupId: group,
        },
      }),
    ]);
    expect(await committed(topic, group)).toBe(2n);
  });

  it('gives up after 10 retries when retries are infinite and an on-failure destination is set', async () => {
    // Prepare
    const { topic, group } = await freshTopic(1);
    await writeKafkaRecords(bootstrap, topic, [{ value: 'x' }]);
    const fn = fakeFunction(() => {
      throw new Error('always');
    });
    const failures: KafkaFailureRecord[] = [];
    const esm = mapping(settings(topic, group, { maximumRetryAttempts: -1 }), fn.invoke, failures);

    // Act
    await esm.start();
    expect(await esm.drain(30_000)).toBe(true);

    // Assess
    expect(fn.events).toHaveLength(11);
    expect(failures).toHaveLength(1);
  });
});
