import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { connectLocalAws, readKafkaTopic } from '@streamlens/local-aws';
import { cloudEventBytesFromKafka } from '@streamlens/schema';
import { appLog } from '@streamlens/schema/testing';
import { sinkFor } from '../../src/agent/cli.js';
import { Agent, type AgentConfig, KafkaProducer, produce } from '../../src/index.js';
import { tempDir } from '../helpers/agent.js';

// The shared broker of the integration run (global setup). Topics are this file's own.
const bootstrap = process.env.KAFKA_BOOTSTRAP_SERVERS as string;
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

async function topic(partitions: number): Promise<string> {
  const name = `producer-${randomUUID()}`;
  await connectLocalAws().createResources({ kafkaTopics: [{ name, partitions }] });
  return name;
}

describe('KafkaProducer against the real broker', () => {
  it('acknowledges every record where the broker stored it, each key in one partition, in put order', async () => {
    // Prepare
    const name = await topic(3);
    const producer = new KafkaProducer({ bootstrapServers: bootstrap, topic: name, lingerMs: 5 });
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
    // Act
    const results = await Promise.all(
      Array.from({ length: 600 }, (_, i) =>
        producer.put({
          data: JSON.stringify({ n: i }),
          partitionKey: keys[i % keys.length] as string,
        }),
      ),
    );
    await producer.close();
    const stored = await readKafkaTopic(bootstrap, name, { count: 600 });
    // Assess
    expect(stored).toHaveLength(600);
    const where = new Map(stored.map((r) => [`${r.partition}/${r.offset}`, r]));
    results.forEach((r, i) => {
      expect(JSON.parse(where.get(`${r.partition}/${r.offset}`)?.value?.toString() ?? '')).toEqual({
        n: i,
      });
    });
    for (const key of keys) {
      const ofKey = stored.filter((r) => r.key?.toString() === key);
      expect(new Set(ofKey.map((r) => r.partition)).size).toBe(1);
      const ns = ofKey
        .sort((x, y) => Number(x.offset - y.offset))
        .map((r) => JSON.parse(String(r.value)).n);
      expect(ns).toEqual([...ns].sort((x, y) => x - y));
    }
    expect(new Set(stored.map((r) => r.partition)).size).toBeGreaterThan(1);
  });

  it('binary mode: attributes as ce_ headers, the data alone as the value, and back to the event', async () => {
    // Prepare
    const name = await topic(1);
    const event = appLog();
    const producer = new KafkaProducer({
      bootstrapServers: bootstrap,
      topic: name,
      mode: 'binary',
    });
    // Act
    await producer.put(event);
    await producer.close();
    const [record] = await readKafkaTopic(bootstrap, name, { count: 1 });
    const decoded = cloudEventBytesFromKafka({
      value: record?.value ?? null,
      headers: [...(record?.headers ?? [])],
    });
    // Assess
    expect(record?.headers.get('ce_id')?.toString()).toBe(event.id);
    expect(record?.headers.get('ce_type')?.toString()).toBe('app.log');
    expect(JSON.parse(String(record?.value))).toEqual(event.data);
    expect(record?.key?.toString()).toBe(event.subject ?? event.id);
    expect(decoded.ok && JSON.parse(Buffer.from(decoded.bytes).toString())).toEqual(event);
  });

  it('retries until the topic exists: records put before it was created are all stored once', async () => {
    // Prepare
    const name = `producer-late-${randomUUID()}`;
    const producer = new KafkaProducer({ bootstrapServers: bootstrap, topic: name, lingerMs: 5 });
    // Act
    const puts = Array.from({ length: 20 }, (_, i) =>
      producer.put({ data: `{"n":${i}}`, partitionKey: 'k' }),
    );
    await new Promise((resolve) => setTimeout(resolve, 700));
    await connectLocalAws().createResources({ kafkaTopics: [{ name }] });
    const results = await Promise.all(puts);
    await producer.close();
    const stored = await readKafkaTopic(bootstrap, name, { count: 21, timeoutMs: 5_000 });
    // Assess
    expect(results.map((r) => r.offset)).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i)));
    expect(stored.map((r) => String(r.value))).toEqual(
      Array.from({ length: 20 }, (_, i) => `{"n":${i}}`),
    );
  });

  it('produce() sends generated traffic: every generated record acknowledged, none failed', async () => {
    // Prepare
    const name = await topic(2);
    const producer = new KafkaProducer({ bootstrapServers: bootstrap, topic: name });
    // Act
    const summary = await produce({ producer, seed: 3, rate: 200, durationSeconds: 1.5 });
    await producer.close();
    const stored = await readKafkaTopic(bootstrap, name, { count: summary.generated });
    // Assess
    expect(summary.generated).toBeGreaterThan(200);
    expect(summary.acknowledged).toBe(summary.generated);
    expect(summary.failed).toBe(0);
    expect(stored).toHaveLength(summary.generated);
  });

  it('pnpm produce --target kafka --topic T writes to the topic', async () => {
    // Prepare
    const name = await topic(1);
    // Act
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(repoRoot, 'packages/producer/src/cli.ts'),
        'produce',
        '--target',
        'kafka',
        '--topic',
        name,
        '--rate',
        '50',
        '--duration',
        '1',
        '--quiet',
        '--mode',
        'binary',
      ],
      { cwd: repoRoot, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const summary = JSON.parse(out) as { generated: number; acknowledged: number };
    const stored = await readKafkaTopic(bootstrap, name, { count: summary.generated });
    // Assess
    expect(code).toBe(0);
    expect(summary.acknowledged).toBe(summary.generated);
    expect(stored).toHaveLength(summary.generated);
    expect(stored.some((r) => r.headers.has('ce_specversion'))).toBe(true);
  });

  it('pnpm agent with a Kafka sink: every line of a tailed file in the topic, in order, once', async () => {
    // Prepare
    const name = await topic(1);
    const { dir, cleanup } = await tempDir();
    const config: AgentConfig = {
      checkpointFile: join(dir, 'cp.json'),
      progressIntervalMillis: 0,
      maxBufferAgeMillis: 5,
      kafka: { bootstrapServers: bootstrap },
      flows: [{ filePattern: join(dir, 'app.log'), kafkaTopic: name, partitionKeyOption: 'FILE' }],
    };
    const agent = new Agent(config, { sinkFor: (flow) => sinkFor(config, flow), log: () => {} });
    const lines = Array.from({ length: 50 }, (_, i) => `line-${i}`);
    // Act
    await appendFile(join(dir, 'app.log'), lines.map((l) => `${l}\n`).join(''));
    await agent.pollOnce();
    await agent.pollOnce();
    await agent.stop();
    const stored = await readKafkaTopic(bootstrap, name, { count: 51, timeoutMs: 5_000 });
    await cleanup();
    // Assess
    expect(stored.map((r) => String(r.value))).toEqual(lines);
  });
});
