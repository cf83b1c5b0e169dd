import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { defineBench, defineWorkload } from '@streamlens/bench';
import { createGenerator, KinesisProducer, NullKinesisClient } from '../src/index.js';

interface ProducerWorkload {
  records: { data: Uint8Array; partitionKey: string }[];
}

const enc = new TextEncoder();

/** 20 000 generated records (~400 B, 100 devices + 6 services as partition keys). */
const producer20k = defineWorkload<ProducerWorkload>({
  name: 'producer-20k',
  description: 'KinesisProducer: 20 000 generated records (~400 B) to a null sink with 4 shards',
  events: (d) => d.records.length,
  bytes: (d) => d.records.reduce((n, r) => n + r.data.length, 0),
  build: () => ({
    records: createGenerator({ seed: 20260115, devices: 100, startTimeMs: Date.UTC(2026, 0, 1) })
      .take(20_000)
      .map((r) => ({ data: enc.encode(r.data), partitionKey: r.partitionKey })),
  }),
});

async function viaProducer(data: ProducerWorkload, aggregate: boolean): Promise<number> {
  const client = new NullKinesisClient(4);
  const producer = new KinesisProducer({
    client,
    streamName: 'bench',
    aggregate,
    rateLimit: false,
    lingerMs: 0,
  });
  await Promise.all(data.records.map((r) => producer.put(r)));
  await producer.close();
  return client.records;
}

export default [
  defineBench({
    workload: producer20k,
    name: 'chunked PutRecords (no promises per record, no retries)',
    kind: 'floor',
    run: async (data) => {
      const client = new NullKinesisClient(4);
      for (let i = 0; i < data.records.length; i += 500) {
        const chunk = data.records.slice(i, i + 500);
        await client.send(
          new PutRecordsCommand({
            StreamName: 'bench',
            Records: chunk.map((r) => ({ Data: r.data, PartitionKey: r.partitionKey })),
          }),
        );
      }
      return client.records;
    },
  }),
  defineBench({
    workload: producer20k,
    name: 'KinesisProducer',
    kind: 'streamlens',
    run: (data) => viaProducer(data, false),
    check: (out) => {
      if (out !== 20_000) throw new Error(`expected 20000 Kinesis records, got ${String(out)}`);
    },
  }),
  defineBench({
    workload: producer20k,
    name: 'KinesisProducer (KPL aggregation)',
    kind: 'streamlens',
    notes: 'per-shard aggregates',
    run: (data) => viaProducer(data, true),
  }),
];
