import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Admin, Consumer, Producer, stringDeserializers } from '@platformatic/kafka';
import { connectLocalAws, startLocalAws } from '../../src/index.js';
import { isAlive } from '../helpers/processes.js';

// The shared broker of the integration run (global setup). Topic names are this file's own.
const bootstrap = process.env.KAFKA_BOOTSTRAP_SERVERS as string;
const admin = new Admin({ clientId: 'local-aws-test', bootstrapBrokers: [bootstrap] });

afterAll(async () => {
  await admin.close();
});

describe('the kafka service: a real Apache Kafka broker', () => {
  it('listens on 127.0.0.1 and creates topics idempotently, with their partitions', async () => {
    // Prepare
    const topic = `local-aws-kafka-${process.pid}`;
    const aws = connectLocalAws();
    // Act
    const created = await aws.createResources({ kafkaTopics: [{ name: topic, partitions: 3 }] });
    const again = await aws.createResources({ kafkaTopics: [{ name: topic, partitions: 3 }] });
    const metadata = await admin.metadata({ topics: [topic] });
    // Assess
    expect(bootstrap).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(created.kafkaTopics).toEqual({ [topic]: topic });
    expect(again.kafkaTopics).toEqual({ [topic]: topic });
    expect(metadata.topics.get(topic)?.partitionsCount).toBe(3);
    aws.close();
  });

  it('refuses to create a topic on produce (auto-creation off, as on MSK by default)', async () => {
    // Prepare
    const producer = new Producer({
      clientId: 'local-aws-test',
      bootstrapBrokers: [bootstrap],
      serializers: { key: undefined, value: undefined },
      retries: 0,
    });
    // Act
    const result = await producer
      .send({ messages: [{ topic: `missing-${process.pid}`, value: Buffer.from('x') }] })
      .then(
        () => 'sent',
        () => 'refused',
      );
    await producer.close();
    // Assess
    expect(result).toBe('refused');
  });

  it('keeps records with their key, headers and offsets per partition', async () => {
    // Prepare
    const topic = `local-aws-kafka-rt-${process.pid}`;
    await connectLocalAws().createResources({ kafkaTopics: [{ name: topic }] });
    const producer = new Producer({ clientId: 'local-aws-test', bootstrapBrokers: [bootstrap] });
    const consumer = new Consumer({
      clientId: 'local-aws-test',
      groupId: `g-${topic}`,
      bootstrapBrokers: [bootstrap],
      deserializers: stringDeserializers,
    });
    // Act
    await producer.send({
      acks: -1,
      messages: [1, 2, 3].map((n) => ({
        topic,
        key: Buffer.from(`k${n}`),
        value: Buffer.from(`v${n}`),
        headers: new Map([[Buffer.from('ce_id'), Buffer.from(`id-${n}`)]]),
      })),
    });
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
    const seen: { key: string; value: string; offset: bigint; id: string | undefined }[] = [];
    for await (const message of stream) {
      seen.push({
        key: message.key,
        value: message.value,
        offset: message.offset,
        id: message.headers.get('ce_id'),
      });
      if (seen.length === 3) break;
    }
    await stream.close();
    await consumer.close(true);
    await producer.close();
    // Assess
    expect(seen).toEqual([
      { key: 'k1', value: 'v1', offset: 0n, id: 'id-1' },
      { key: 'k2', value: 'v2', offset: 1n, id: 'id-2' },
      { key: 'k3', value: 'v3', offset: 2n, id: 'id-3' },
    ]);
  });

  it('a broker of its own stops with nothing left: no process, no folder', async () => {
    // Prepare
    const aws = await startLocalAws({ services: ['kafka'], quiet: true });
    const pid = aws.details.kafka?.pid as number;
    const dataDir = aws.details.kafka?.dataDir as string;
    const wasAlive = isAlive(pid);
    const hadData = existsSync(dataDir);
    // Act
    await aws.stop();
    // Assess
    expect(wasAlive).toBe(true);
    expect(hadData).toBe(true);
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(dataDir)).toBe(false);
  });
});
