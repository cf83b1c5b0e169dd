import { randomUUID } from 'node:crypto';
import { Consumer } from '@platformatic/kafka';

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
