import { randomUUID } from 'node:crypto';
import { Consumer, Producer } from '@platformatic/kafka';

/** A record read back from a topic. */
export interface KafkaTopicRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly key: Buffer | undefined;
  readonly value: Buffer | undefined;
  readonly headers: ReadonlyMap<string, Buffer>;
  readonly timestamp: bigint;
}

/**
 * Reads a topic from its start until `count` records arrived (or `timeoutMs` passed: then it
 * returns what it has), in a consumer group of its own that commits nothing.
 */
export async function readKafkaTopic(
  bootstrapServers: string,
  topic: string,
  options: { count: number; timeoutMs?: number },
): Promise<KafkaTopicRecord[]> {
  const consumer = new Consumer({
    clientId: 'streamlens-local-aws-reader',
    groupId: `reader-${randomUUID()}`,
    bootstrapBrokers: bootstrapServers.split(','),
  });
  const records: KafkaTopicRecord[] = [];
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
    const timer = setTimeout(() => void stream.close(), options.timeoutMs ?? 20_000);
    try {
      for await (const m of stream) {
        const headers = new Map<string, Buffer>();
        for (const [k, v] of m.headers) headers.set(Buffer.from(k).toString(), Buffer.from(v));
        records.push({
          topic: m.topic,
          partition: m.partition,
          offset: m.offset,
          key: m.key === undefined || m.key === null ? undefined : Buffer.from(m.key),
          value: m.value === undefined || m.value === null ? undefined : Buffer.from(m.value),
          headers,
          timestamp: m.timestamp,
        });
        if (records.length >= options.count) break;
      }
    } finally {
      clearTimeout(timer);
      await stream.close();
    }
  } finally {
    await consumer.close(true);
  }
  return records;
}

/** A record to write with {@link writeKafkaRecords}. */
export interface KafkaRecordToWrite {
  readonly key?: Buffer | string;
  readonly value: Buffer | string | null;
  readonly headers?: ReadonlyMap<string, Buffer> | Readonly<Record<string, Buffer | string>>;
  /** Default 0. */
  readonly partition?: number;
}

/**
 * Writes records to a topic as they are (tests: tombstones, odd headers, exact partitions), in one
 * request, acknowledged by the broker (acks=all). Returns each record's partition and offset.
 */
export async function writeKafkaRecords(
  bootstrapServers: string,
  topic: string,
  records: readonly KafkaRecordToWrite[],
): Promise<{ partition: number; offset: bigint }[]> {
  const producer = new Producer({
    clientId: 'streamlens-local-aws-writer',
    bootstrapBrokers: bootstrapServers.split(','),
    // Idempotent, so a send the client retries (a slow broker on a busy machine) is not written
    // twice: tests read exact offsets back.
    idempotent: true,
    acks: -1,
  });
  const buf = (v: Buffer | string) => (typeof v === 'string' ? Buffer.from(v) : v);
  try {
    const partitions = records.map((r) => r.partition ?? 0);
    const result = await producer.send({
      acks: -1,
      messages: records.map((r, i) => ({
        topic,
        partition: partitions[i],
        ...(r.key === undefined ? {} : { key: buf(r.key) }),
        value: (r.value === null ? null : buf(r.value)) as Buffer,
        headers: new Map(
          [...(r.headers instanceof Map ? r.headers : Object.entries(r.headers ?? {}))].map(
            ([k, v]) => [Buffer.from(k), buf(v as Buffer | string)],
          ),
        ),
      })),
    });
    const next = new Map<number, bigint>();
    for (const o of result.offsets ?? []) next.set(o.partition, o.offset);
    return partitions.map((partition) => {
      const offset = next.get(partition) ?? -1n;
      next.set(partition, offset + 1n);
      return { partition, offset };
    });
  } finally {
    await producer.close();
  }
}
