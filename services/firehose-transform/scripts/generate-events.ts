/**
 * Writes the sample Firehose transformation events of events/ (deterministic, so re-running it
 * changes nothing). `tsx scripts/generate-events.ts large` also writes events/large-6mb.json, a
 * ~6 MB event built from @streamlens/bench's seeded workload generator (not committed: it is big).
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFirehoseEvent, ONE_MIB, WORKLOAD_SEED } from '@streamlens/bench';
import { aggregate } from '@streamlens/schema';
import type { FirehoseTransformationEvent } from '../src/model.js';
import {
  appLogEvent,
  cloudWatchLogsData,
  firehoseEvent,
  firehoseRecord,
  telemetryEvent,
} from '../tests/helpers/factories.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'events');

function write(name: string, event: FirehoseTransformationEvent | object, indent = 2): void {
  writeFileSync(join(dir, name), `${JSON.stringify(event, null, indent)}\n`);
  console.log(`wrote events/${name}`);
}

const kpl = (i: number) => ({
  partitionKey: `host-${i % 3}`,
  sequenceNumber: `4954511524349098501828006771497314458218006259324${String(42000 + i)}`,
});

// 1. A small batch of valid events (direct PUT).
write(
  'small-valid.json',
  firehoseEvent([
    firehoseRecord(telemetryEvent(1)),
    firehoseRecord(telemetryEvent(2, { time: '2026-11-25T12:14:59+02:00' })),
    firehoseRecord(appLogEvent(3, 'WARN')),
    firehoseRecord(
      telemetryEvent(4, {
        data: {
          metric: ' mem.used ',
          value: 812,
          unit: 'MiB',
          dimensions: { zone: 'b', host: 'web-2' },
        },
      }),
    ),
  ]),
);

// 2. One record of every kind of bad data, between valid ones.
const { id: _id, ...noId } = telemetryEvent(13);
write(
  'mixed-invalid.json',
  firehoseEvent([
    firehoseRecord(telemetryEvent(10)),
    firehoseRecord('{"specversion":"1.0","id":"evt-broken",'),
    firehoseRecord('[1,2,3]'),
    firehoseRecord(telemetryEvent(11, { type: 'telemetry.unknown' })),
    firehoseRecord(noId),
    firehoseRecord(telemetryEvent(14, { data: { metric: 'cpu.utilization', value: '97' } })),
    firehoseRecord(
      '{"specversion":"1.0","id":"evt-inf","source":"streamlens/producer","type":"telemetry.reading","time":"2026-11-25T10:14:59Z","data":{"metric":"cpu.utilization","value":1e999}}',
    ),
    firehoseRecord(telemetryEvent(15, { specversion: '0.3' })),
    firehoseRecord(telemetryEvent(16, { time: 'yesterday' })),
    firehoseRecord(appLogEvent(17, 'LOUD')),
    firehoseRecord(
      telemetryEvent(18, { data: { metric: 'payload', value: 1, unit: 'x'.repeat(270_000) } }),
    ),
    firehoseRecord(appLogEvent(19, 'ERROR')),
  ]),
);

// 3. Read from the Kinesis events stream: kinesisRecordMetadata on every record.
write(
  'kinesis-source.json',
  firehoseEvent(
    [
      firehoseRecord(telemetryEvent(20), { kinesis: kpl(0) }),
      firehoseRecord(appLogEvent(21, 'INFO'), { kinesis: kpl(1) }),
      firehoseRecord(telemetryEvent(22), { kinesis: { ...kpl(2), subsequenceNumber: 0 } }),
      firehoseRecord('not json at all', { kinesis: kpl(3) }),
    ],
    { kinesisSource: true },
  ),
);

// 4. CloudWatch Logs subscription records (gzip): a data message and a control message.
write(
  'cloudwatch-logs.json',
  firehoseEvent([
    firehoseRecord(
      cloudWatchLogsData([
        'START RequestId: 6b1c0f0e-6f7a-4d3b-9b0e-8f3c2a1d0e9f Version: $LATEST',
        '2026-11-25T10:14:00.120Z\t6b1c0f0e\tINFO\tcharging card',
        '{"level":"ERROR","message":"card declined","orderId":"o-17"}',
        '2026-11-25T10:14:00.480Z\t6b1c0f0e\tWARN\tslow downstream: 1200 ms',
        'END RequestId: 6b1c0f0e-6f7a-4d3b-9b0e-8f3c2a1d0e9f',
      ]),
    ),
    firehoseRecord(
      cloudWatchLogsData(['CWL CONTROL MESSAGE: Checking health of destination Firehose.'], {
        messageType: 'CONTROL_MESSAGE',
        logGroup: '',
      }),
    ),
  ]),
);

// 5. KPL-aggregated records from the events stream.
const user = (data: unknown, partitionKey: string) => ({
  partitionKey,
  data: Buffer.from(typeof data === 'string' ? data : JSON.stringify(data)),
});
const good = aggregate([
  user(telemetryEvent(30), 'host-0'),
  user(telemetryEvent(31), 'host-1'),
  user(telemetryEvent(32), 'host-2'),
]);
// Mixed aggregates (some user records invalid or of another partition) re-ingest those parts
// alone, which needs a Kinesis endpoint: the unit and integration tests cover them. This one has no
// valid user record at all, so the whole aggregate fails.
const invalid = aggregate([user('{"truncated":', 'host-1'), user('[]', 'host-2')]);
const corrupt = Buffer.from(
  aggregate([user(telemetryEvent(35), 'host-0'), user(telemetryEvent(36), 'host-1')]),
);
corrupt[corrupt.length - 1] = corrupt[corrupt.length - 1]! ^ 0xff;
write(
  'kpl-aggregated.json',
  firehoseEvent(
    [
      firehoseRecord(good, { kinesis: kpl(4) }),
      firehoseRecord(invalid, { kinesis: kpl(5) }),
      firehoseRecord(corrupt, { kinesis: kpl(6) }),
      firehoseRecord(telemetryEvent(37), { kinesis: kpl(7) }),
    ],
    { kinesisSource: true },
  ),
);

// 6. ~6 MB (on demand): over the response limit once enriched, so it exercises re-ingestion.
if (process.argv.includes('large')) {
  const { event } = buildFirehoseEvent({
    targetBytes: 6 * ONE_MIB,
    seed: WORKLOAD_SEED,
    sourceStreamName: 'streamlens-dev-events',
  });
  write('large-6mb.json', event, 0);
}
