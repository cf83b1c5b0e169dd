import { randomUUID } from 'node:crypto';
import {
  DeleteStreamCommand,
  KinesisClient,
  PutRecordsCommand,
  type PutRecordsCommandOutput,
} from '@aws-sdk/client-kinesis';
import { Producer } from '@platformatic/kafka';
import { defineBench, defineWorkload } from '@streamlens/bench';
import { clientOptions, type LocalAws, startLocalAws } from '@streamlens/local-aws';
import {
  createGenerator,
  KafkaProducer,
  KinesisProducer,
  type KinesisSendClient,
  NullKinesisClient,
} from '../src/index.js';

/** The producer-20k records, sent to the local Kafka broker (4 partitions, fresh topic per run). */
const producerKafka = defineWorkload<ProducerWorkload>({
  name: 'producer-20k-kafka',
  description:
    'KafkaProducer: the 20 000 records of producer-20k to the local Kafka broker (4 partitions, fresh topic per run)',
  events: (d) => d.records.length,
  bytes: (d) => d.records.reduce((n, r) => n + r.data.length, 0),
  build: () => generated(20_000),
});

interface LocalKafka {
  readonly bootstrap: string;
  readonly aws: LocalAws;
  /** An idempotent client for the floor (the producer's own settings). */
  readonly client: Producer<Buffer, Buffer, Buffer, Buffer>;
}

let kafka: Promise<LocalKafka> | undefined;

/** One broker for the Kafka suites; local-aws stops it when the bench process exits. */
function startKafka(): Promise<LocalKafka> {
  kafka ??= (async () => {
    const aws = await startLocalAws({ services: ['kafka'], quiet: true });
    const bootstrap = aws.env.KAFKA_BOOTSTRAP_SERVERS as string;
    const client = new Producer<Buffer, Buffer, Buffer, Buffer>({
      clientId: 'bench-floor',
      bootstrapBrokers: [bootstrap],
      idempotent: true,
    });
    return { aws, bootstrap, client };
  })();
  return kafka;
}

/** Runs `send` against a new 4-partition topic (a new log each run, as the Kinesis suites do). */
async function withFreshTopic(
  k: LocalKafka,
  send: (topic: string) => Promise<number>,
): Promise<number> {
  const topic = `bench-${randomUUID()}`;
  await k.aws.createResources({ kafkaTopics: [{ name: topic, partitions: 4 }] });
  return send(topic);
}

interface ProducerWorkload {
  records: { data: Uint8Array; partitionKey: string }[];
}

const enc = new TextEncoder();
const SHARDS = 4;
/** The producer's default `maxConcurrentRequests`: the floors send as many calls at once. */
const CONCURRENT_CALLS = 4;

function generated(count: number): ProducerWorkload {
  return {
    records: createGenerator({ seed: 20260115, devices: 100, startTimeMs: Date.UTC(2026, 0, 1) })
      .take(count)
      .map((r) => ({ data: enc.encode(r.data), partitionKey: r.partitionKey })),
  };
}

/** 20 000 generated records (~400 B, 100 devices + 6 services as partition keys). */
const producer20k = defineWorkload<ProducerWorkload>({
  name: 'producer-20k',
  description: 'KinesisProducer: 20 000 generated records (~400 B) to a null sink with 4 shards',
  events: (d) => d.records.length,
  bytes: (d) => d.records.reduce((n, r) => n + r.data.length, 0),
  build: () => generated(20_000),
});

/** The same records, sent to kinesalite (in this process, in memory) over HTTP. */
const producerKinesalite = defineWorkload<ProducerWorkload>({
  name: 'producer-20k-kinesalite',
  description:
    'KinesisProducer: the 20 000 records of producer-20k to kinesalite (4 shards, fresh stream per run)',
  events: (d) => d.records.length,
  bytes: (d) => d.records.reduce((n, r) => n + r.data.length, 0),
  build: () => generated(20_000),
});

async function viaProducer(
  client: KinesisSendClient,
  streamName: string,
  data: ProducerWorkload,
  aggregate: boolean,
): Promise<number> {
  const producer = new KinesisProducer({
    client,
    streamName,
    aggregate,
    rateLimit: false,
    lingerMs: 0,
  });
  await Promise.all(data.records.map((r) => producer.put(r)));
  await producer.close();
  const m = producer.metrics();
  if (aggregate && m.kinesisRecords * 10 > m.recordsPut) {
    throw new Error(
      `${m.recordsPut} records in ${m.kinesisRecords} Kinesis records: not aggregated`,
    );
  }
  return m.recordsPut;
}

/** PutRecords in chunks of 500, `CONCURRENT_CALLS` at a time; no per-record promise, no retry. */
async function chunkedPutRecords(
  client: KinesisSendClient,
  streamName: string,
  data: ProducerWorkload,
): Promise<number> {
  let next = 0;
  let failed = 0;
  const worker = async (): Promise<void> => {
    while (next < data.records.length) {
      const chunk = data.records.slice(next, next + 500);
      next += 500;
      const out = (await client.send(
        new PutRecordsCommand({
          StreamName: streamName,
          Records: chunk.map((r) => ({ Data: r.data, PartitionKey: r.partitionKey })),
        }),
      )) as PutRecordsCommandOutput;
      failed += out.FailedRecordCount ?? 0;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENT_CALLS }, worker));
  return data.records.length - failed;
}

interface Kinesalite {
  readonly aws: LocalAws;
  /** Creates and deletes the streams (SDK retries on: kinesalite drops idle keep-alive sockets). */
  readonly admin: KinesisClient;
}

let kinesalite: Promise<Kinesalite> | undefined;

/** One kinesalite for the three suites; local-aws stops it when the bench process exits. */
function startKinesalite(): Promise<Kinesalite> {
  kinesalite ??= (async () => {
    const aws = await startLocalAws({ services: ['kinesis'], quiet: true });
    return { aws, admin: new KinesisClient(clientOptions(aws.env, 'kinesis')) };
  })();
  return kinesalite;
}

/**
 * Runs `send` against a new 4-shard stream and deletes it afterwards, so that kinesalite's
 * in-memory store does not grow run after run (both take a few ms, in every implementation).
 * Each run gets a new client with SDK retries off: a socket kept alive from an earlier run may
 * have been closed by kinesalite meanwhile, and the floor does not retry.
 */
async function withFreshStream(
  k: Kinesalite,
  send: (client: KinesisClient, streamName: string) => Promise<number>,
): Promise<number> {
  const streamName = `bench-${randomUUID()}`;
  await k.aws.createResources({ streams: [{ name: streamName, shardCount: SHARDS }] });
  const client = new KinesisClient({ ...clientOptions(k.aws.env, 'kinesis'), maxAttempts: 1 });
  try {
    return await send(client, streamName);
  } finally {
    client.destroy();
    await k.admin.send(new DeleteStreamCommand({ StreamName: streamName }));
  }
}

function allDelivered(out: unknown): void {
  if (out !== 20_000) throw new Error(`expected 20000 records delivered, got ${String(out)}`);
}

export default [
  defineBench({
    workload: producer20k,
    name: 'chunked PutRecords (no promises per record, no retries)',
    kind: 'floor',
    run: async (data) => {
      const client = new NullKinesisClient(SHARDS);
      await chunkedPutRecords(client, 'bench', data);
      return client.records;
    },
  }),
  defineBench({
    workload: producer20k,
    name: 'KinesisProducer',
    kind: 'streamlens',
    run: async (data) => {
      const client = new NullKinesisClient(SHARDS);
      await viaProducer(client, 'bench', data, false);
      return client.records;
    },
    check: (out) => {
      if (out !== 20_000) throw new Error(`expected 20000 Kinesis records, got ${String(out)}`);
    },
  }),
  defineBench({
    workload: producer20k,
    name: 'KinesisProducer (KPL aggregation)',
    kind: 'streamlens',
    notes: 'per-shard aggregates',
    run: (data) => viaProducer(new NullKinesisClient(SHARDS), 'bench', data, true),
    check: allDelivered,
  }),
  defineBench({
    workload: producerKinesalite,
    name: 'chunked PutRecords to kinesalite',
    kind: 'floor',
    notes: `500 per call, ${CONCURRENT_CALLS} calls at once, no retries`,
    setup: startKinesalite,
    run: (data, k) =>
      withFreshStream(k, (client, stream) => chunkedPutRecords(client, stream, data)),
    check: allDelivered,
  }),
  defineBench({
    workload: producerKinesalite,
    name: 'KinesisProducer to kinesalite',
    kind: 'streamlens',
    notes: 'rate limit off (kinesalite does not throttle)',
    setup: startKinesalite,
    run: (data, k) =>
      withFreshStream(k, (client, stream) => viaProducer(client, stream, data, false)),
    check: allDelivered,
  }),
  defineBench({
    workload: producerKinesalite,
    name: 'KinesisProducer (KPL aggregation) to kinesalite',
    kind: 'streamlens',
    notes: 'per-shard aggregates; ListShards included',
    setup: startKinesalite,
    run: (data, k) =>
      withFreshStream(k, (client, stream) => viaProducer(client, stream, data, true)),
    check: allDelivered,
  }),
  defineBench({
    workload: producerKafka,
    name: 'floor: the Kafka client, 500-record idempotent sends one after another',
    kind: 'floor',
    setup: startKafka,
    run: (data, k) =>
      withFreshTopic(k, async (topic) => {
        for (let i = 0; i < data.records.length; i += 500) {
          await k.client.send({
            messages: data.records.slice(i, i + 500).map((r) => ({
              topic,
              key: Buffer.from(r.partitionKey),
              value: Buffer.from(r.data),
            })),
          });
        }
        return data.records.length;
      }),
    check: allDelivered,
  }),
  defineBench({
    workload: producerKafka,
    name: 'KafkaProducer (structured CloudEvents, idempotent, acks=all)',
    kind: 'streamlens',
    setup: startKafka,
    run: (data, k) =>
      withFreshTopic(k, async (topic) => {
        const producer = new KafkaProducer({ bootstrapServers: k.bootstrap, topic, lingerMs: 0 });
        await Promise.all(data.records.map((r) => producer.put(r)));
        await producer.close();
        return producer.metrics().recordsPut;
      }),
    check: allDelivered,
  }),
];
