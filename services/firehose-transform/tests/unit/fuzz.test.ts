import { gzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import { aggregate, validateEvent } from '@streamlens/schema';
import { cloudWatchRecordBytes, hostileRecordBytes } from '@streamlens/schema/testing';
import fc from 'fast-check';
import { DEFAULT_CONFIG } from '../../src/config.js';
import type { FirehoseInputRecord } from '../../src/model.js';
import { processFirehoseEvent } from '../../src/processor.js';
import { RecordTransformer } from '../../src/transform.js';
import {
  appLogEvent,
  cloudWatchLogsData,
  firehoseEvent,
  telemetryEvent,
} from '../helpers/factories.js';
import { fakeReingest } from '../helpers/fakes.js';

const RESULTS = new Set(['Ok', 'Dropped', 'ProcessingFailed']);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

// Valid events with random field values, then randomly damaged: the interesting inputs are near-valid.
const validEvent = fc.oneof(
  fc
    .record({ n: fc.nat(), value: fc.double(), metric: fc.string(), host: fc.string() })
    .map(({ n, value, metric, host }) =>
      telemetryEvent(n, { data: { metric, value, dimensions: { host } } }),
    ),
  fc
    .record({
      n: fc.nat(),
      level: fc.constantFrom('DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL', 'info', ''),
      time: fc.date({ noInvalidDate: true }),
    })
    .map(({ n, level, time }) => appLogEvent(n, level, { time: time.toISOString() })),
);
const damaged = fc
  .tuple(
    validEvent,
    fc.constantFrom('id', 'time', 'type', 'data', 'specversion', 'source'),
    fc.jsonValue(),
  )
  .map(([event, key, value]) => ({ ...event, [key]: value }));
const payload: fc.Arbitrary<Uint8Array> = fc.oneof(
  validEvent.map((e) => Buffer.from(JSON.stringify(e))),
  damaged.map((e) => Buffer.from(JSON.stringify(e))),
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  fc.uint8Array({ maxLength: 300 }),
  fc.string().map((s) => Buffer.from(s)),
  fc.array(fc.string(), { maxLength: 5 }).map((m) => cloudWatchLogsData(m)),
  fc.uint8Array({ maxLength: 100 }).map((b) => gzipSync(b)),
  hostileRecordBytes,
  cloudWatchRecordBytes,
  fc
    .array(fc.oneof(validEvent, damaged), { minLength: 1, maxLength: 4 })
    .map((events) =>
      aggregate(
        events.map((e, i) => ({ partitionKey: `pk${i}`, data: Buffer.from(JSON.stringify(e)) })),
      ),
    ),
);
const record: fc.Arbitrary<FirehoseInputRecord> = fc
  .record({
    data: fc.oneof(
      { weight: 10, arbitrary: payload.map((b) => Buffer.from(b).toString('base64')) },
      { weight: 1, arbitrary: fc.string() },
    ),
    approximateArrivalTimestamp: fc.oneof(
      fc.integer({ min: 0, max: 4_102_444_800_000 }),
      fc.double(),
    ),
    withKinesis: fc.boolean(),
  })
  .map(({ data, approximateArrivalTimestamp, withKinesis }) => ({
    recordId: '',
    data,
    approximateArrivalTimestamp,
    ...(withKinesis
      ? {
          kinesisRecordMetadata: {
            shardId: 'shardId-000000000001',
            partitionKey: 'pk',
            sequenceNumber: '1',
            subsequenceNumber: 0,
          },
        }
      : {}),
  }));

describe('firehose-transform under random input', () => {
  it('never throws and always answers a valid response', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { maxLength: 25 }),
        fc.constantFrom(6_000_000, 4_000, 1_500),
        fc.boolean(),
        async (records, limit, kinesisSource) => {
          records.forEach((r, i) => {
            r.recordId = `record-${i}`;
          });
          const config = { ...DEFAULT_CONFIG, responseLimitBytes: limit };
          const { reingest } = fakeReingest();
          const response = await processFirehoseEvent(firehoseEvent(records, { kinesisSource }), {
            config,
            transformer: new RecordTransformer(config),
            reingest,
          });
          expect(response.records.map((r) => r.recordId)).toEqual(records.map((r) => r.recordId));
          for (const out of response.records) {
            expect(RESULTS.has(out.result)).toBe(true);
            expect(out.data).toMatch(BASE64);
            if (out.result !== 'Ok') continue;
            const text = Buffer.from(out.data, 'base64').toString('utf8');
            expect(text.endsWith('\n')).toBe(true);
            for (const line of text.slice(0, -1).split('\n')) {
              const check = validateEvent(JSON.parse(line));
              expect(check.ok).toBe(true);
              if (check.ok) expect(out.metadata?.partitionKeys.type).toBe(check.value.type);
            }
          }
          expect(
            Buffer.byteLength(JSON.stringify({ records: response.records })),
          ).toBeLessThanOrEqual(limit);
        },
      ),
      { numRuns: 400 },
    );
  });
});
