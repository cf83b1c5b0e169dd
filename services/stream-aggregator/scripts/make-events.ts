// Writes the sample Kinesis events of events/*.json (deterministic): `npx tsx scripts/make-events.ts`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { aggregate } from '@streamlens/schema';
import type { KinesisStreamRecord } from 'aws-lambda';
import { appLog, kinesisEvent, kinesisRecord, telemetry } from '../tests/helpers/kinesis-events.js';

const dir = join(import.meta.dirname, '..', 'events');
const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const seq = (shard: number, i: number) =>
  `4959033827149025660855969253836157109592157598913658${String(shard).padStart(2, '0')}${String(i).padStart(2, '0')}`;

function write(name: string, records: KinesisStreamRecord[]): void {
  writeFileSync(join(dir, name), `${JSON.stringify(kinesisEvent(records), null, 2)}\n`);
}

const cpu = (shard: string, s: number, i: number, v: number, t: number, host = 'web-1') =>
  kinesisRecord(
    shard,
    seq(s, i),
    telemetry(`evt-${s}-${i}`, 'cpu.utilization', v, iso(t), { host, region: 'eu-west-1' }),
    `cpu.utilization|host=${host}`,
  );

// 1. A valid batch: readings and logs in the 12:00 window, then one at 12:01:35 whose event time
//    moves the watermark (12:01:05) past 12:01:00 and closes the 12:00 window.
{
  const s = 'shardId-000000000001';
  write('valid-batch.json', [
    cpu(s, 1, 1, 41.5, T0 + 1_000),
    cpu(s, 1, 2, 45.25, T0 + 12_000),
    cpu(s, 1, 3, 97.0, T0 + 30_500, 'web-2'),
    cpu(s, 1, 4, 38.0, T0 + 44_000),
    kinesisRecord(
      s,
      seq(1, 5),
      appLog('evt-1-5', 'checkout', 'ERROR', iso(T0 + 5_000)),
      'checkout',
    ),
    kinesisRecord(
      s,
      seq(1, 6),
      appLog('evt-1-6', 'checkout', 'ERROR', iso(T0 + 7_000)),
      'checkout',
    ),
    kinesisRecord(s, seq(1, 7), appLog('evt-1-7', 'checkout', 'INFO', iso(T0 + 9_000)), 'checkout'),
    cpu(s, 1, 8, 52.75, T0 + 95_000),
  ]);
}

// 2. Valid records mixed with bad ones: invalid JSON, a missing field, a non-finite value, an
//    unknown type. The bad ones go to the late-data prefix (INVALID_RECORDS=route); the rest count.
{
  const s = 'shardId-000000000002';
  const bad = telemetry('evt-2-3', 'cpu.utilization', 1, iso(T0 + 3_000)) as Record<
    string,
    unknown
  >;
  delete bad.time;
  write('mixed-bad-records.json', [
    cpu(s, 2, 1, 10, T0 + 1_000),
    kinesisRecord(s, seq(2, 2), '{"specversion":"1.0","id":'),
    kinesisRecord(s, seq(2, 3), bad),
    kinesisRecord(
      s,
      seq(2, 4),
      '{"specversion":"1.0","id":"evt-2-4","source":"x","type":"telemetry.reading","time":"2026-11-25T12:00:04Z","data":{"metric":"cpu.utilization","value":1e999}}',
    ),
    kinesisRecord(s, seq(2, 5), { ...telemetry('evt-2-5', 'm', 1, iso(T0)), type: 'order.placed' }),
    cpu(s, 2, 6, 20, T0 + 6_000),
    cpu(s, 2, 7, 30, T0 + 95_000),
  ]);
}

// 3. Late records: the batch first advances the watermark to 12:05:00 − 30 s; then a record for the
//    12:03 window (closed < MAX_LATENESS ago: a correction, revision + 1) and one from 10:00
//    (beyond MAX_LATENESS_SECONDS=3600: counted and routed to the late-data prefix).
{
  const s = 'shardId-000000000003';
  write('late-records.json', [
    cpu(s, 3, 1, 60, T0 + 180_000),
    cpu(s, 3, 2, 61, T0 + 300_000),
    cpu(s, 3, 3, 99, T0 + 200_000),
    cpu(s, 3, 4, 5, T0 - 7_200_000),
  ]);
}

// 4. A KPL-aggregated record (four user records) followed by a plain record.
{
  const s = 'shardId-000000000004';
  const users = [1, 2, 3, 4].map((i) => ({
    partitionKey: `cpu.utilization|host=web-${i}`,
    data: Buffer.from(
      JSON.stringify(
        telemetry(`evt-4-${i}`, 'cpu.utilization', 10 * i, iso(T0 + i * 1000), {
          host: `web-${i}`,
        }),
      ),
    ),
  }));
  write('kpl-aggregated.json', [
    kinesisRecord(s, seq(4, 1), aggregate(users), 'kpl-aggregate'),
    cpu(s, 4, 2, 50, T0 + 95_000, 'web-1'),
  ]);
}
