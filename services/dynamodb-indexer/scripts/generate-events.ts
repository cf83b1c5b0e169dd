// Writes the sample events of events/ (deterministic): `npx tsx services/dynamodb-indexer/scripts/generate-events.ts`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { aggregate } from '@streamlens/schema';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

const STREAM_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/streamlens-dev-events';
const ARRIVAL = Date.UTC(2026, 10, 25, 12) / 1000;
let seq = 49_657_000_000_000_000_000_000_000_000_000_000_000_000_000_000_000_000_000n;

function record(
  shard: number,
  data: Uint8Array | string,
  partitionKey: string,
): KinesisStreamRecord {
  seq += 1n;
  const sequenceNumber = seq.toString();
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey,
      sequenceNumber,
      data: Buffer.from(data).toString('base64'),
      approximateArrivalTimestamp: ARRIVAL + Number(seq % 1000n) / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `shardId-00000000000${shard}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/streamlens-dynamodb-indexer-dev',
    awsRegion: 'us-east-1',
    eventSourceARN: STREAM_ARN,
  };
}

const time = (s: number) => new Date(Date.UTC(2026, 10, 25, 12, 0, s)).toISOString();
const reading = (i: number, host: string) => ({
  specversion: '1.0',
  id: `sample-tr-${i}`,
  source: 'streamlens/samples',
  type: 'telemetry.reading',
  time: time(i),
  subject: host,
  data: { metric: 'cpu.utilization', value: 20 + i, unit: 'Percent', dimensions: { host } },
});
const log = (i: number, level: string) => ({
  specversion: '1.0',
  id: `sample-log-${i}`,
  source: 'streamlens/samples/checkout',
  type: 'app.log',
  time: time(i),
  data: {
    level,
    message: `order ${i} ${level === 'ERROR' ? 'failed' : 'served'}`,
    service: 'checkout',
  },
});

const json = (v: unknown) => JSON.stringify(v);
const events: Record<string, KinesisStreamEvent> = {
  // Readings of two hosts and checkout logs, over two shards; two readings share a time.
  'kinesis-batch': {
    Records: [
      record(0, json(reading(0, 'web-1')), 'web-1'),
      record(1, json(reading(1, 'web-2')), 'web-2'),
      record(0, json({ ...reading(2, 'web-1'), id: 'sample-tr-2b', time: time(2) }), 'web-1'),
      record(0, json(reading(2, 'web-1')), 'web-1'),
      record(1, json(log(3, 'INFO')), 'checkout'),
      record(1, json(log(4, 'ERROR')), 'checkout'),
    ],
  },
  // A poison record (truncated JSON) and a schema violation between valid ones: quarantined.
  'kinesis-poison': {
    Records: [
      record(0, json(reading(10, 'web-1')), 'web-1'),
      record(0, '{"specversion":"1.0","id":"sample-broken"', 'web-1'),
      record(
        0,
        json({ ...reading(11, 'web-1'), data: { metric: 'cpu.utilization', value: 'high' } }),
        'web-1',
      ),
      record(0, json(reading(12, 'web-1')), 'web-1'),
    ],
  },
  // A KPL-aggregated record holding three events, and one redelivered duplicate of them.
  'kinesis-kpl': {
    Records: [
      record(
        0,
        aggregate(
          [20, 21, 22].map((i) => ({
            partitionKey: 'web-3',
            data: Buffer.from(json(reading(i, 'web-3'))),
          })),
        ),
        'web-3',
      ),
      record(0, json(reading(21, 'web-3')), 'web-3'),
    ],
  },
};

const dir = join(import.meta.dirname, '..', 'events');
for (const [name, event] of Object.entries(events)) {
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(event, null, 2)}\n`);
}
console.log(`wrote ${Object.keys(events).length} sample events to ${dir}`);
