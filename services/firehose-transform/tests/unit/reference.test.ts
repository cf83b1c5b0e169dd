import { describe, expect, it } from '@jest/globals';
import { aggregate } from '@streamlens/schema';
import fc from 'fast-check';
import { DEFAULT_CONFIG, LOG_LEVELS, type TransformConfig } from '../../src/config.js';
import type { FirehoseInputRecord } from '../../src/model.js';
import { Extension, type InvocationSource, RecordTransformer } from '../../src/transform.js';
import {
  ARRIVAL_MS,
  appLogEvent,
  bytesOf,
  cloudWatchLogsData,
  DELIVERY_STREAM_ARN,
  SOURCE_STREAM_ARN,
  telemetryEvent,
} from '../helpers/factories.js';
import { ReferenceTransformer } from '../helpers/reference-transform.js';

/*
 * The optimised transform (reused buffers, in-place normalisation) must answer every record exactly
 * as the transform did before it was optimised, kept in tests/helpers/reference-transform.ts: same
 * result, same base64 bytes, same partition keys, same issue. Inputs are near-valid events written
 * in every way a producer could write them (whitespace, escapes, other number spellings, duplicate
 * and integer-like keys, untrimmed strings, offsets, forged extension attributes, non-ASCII),
 * broken records, CloudWatch Logs and KPL records, under random configurations.
 */

const text = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom('web-1', ' padded ', 'é', 'emoji 🚀', 'a/b', 'quote " and \\ slash'),
  },
  { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
  { weight: 1, arbitrary: fc.constantFrom('', '\t', ' ') },
);

const time = fc.oneof(
  fc.constantFrom(
    '2026-11-25T10:14:59.123Z',
    '2026-11-25T10:14:59Z',
    '2026-11-25T12:14:59.5+02:00',
    '2026-11-25T10:14:59.123456Z',
    '2026-02-29T10:00:00Z',
    '0001-01-01T00:00:00Z',
  ),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
);

const dimensions = fc.dictionary(
  fc.oneof(fc.constantFrom('host', 'region', ' az ', '10', '2', '__proto__', 'b', 'a'), text),
  text,
  { maxKeys: 6 },
);

const telemetry = fc
  .record({
    n: fc.nat(1000),
    id: fc.oneof(fc.constant('evt-1'), text),
    time,
    metric: fc.oneof(fc.constant('cpu'), text),
    value: fc.oneof(fc.integer(), fc.double({ noNaN: true }), fc.constantFrom(0.1, 1e21, 1e-7, -0)),
    unit: fc.option(text, { nil: undefined }),
    dimensions: fc.option(dimensions, { nil: undefined }),
    subject: fc.option(text, { nil: undefined }),
  })
  .map(({ n, id, time, metric, value, unit, dimensions, subject }) => {
    const data: Record<string, unknown> = { metric, value };
    if (unit !== undefined) data.unit = unit;
    if (dimensions !== undefined) data.dimensions = dimensions;
    const e = telemetryEvent(n, { id, time, data });
    if (subject === undefined) delete e.subject;
    else e.subject = subject;
    return e;
  });

const log = fc
  .record({
    n: fc.nat(1000),
    level: fc.constantFrom(...LOG_LEVELS, 'info'),
    time,
    message: text,
    service: fc.oneof(fc.constant('checkout'), text),
    attributes: fc.option(
      fc.dictionary(
        fc.oneof(fc.constantFrom('http.status', 'durationMs', ' retry', '1'), text),
        fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.double(), fc.boolean()),
        { maxKeys: 4 },
      ),
      { nil: undefined },
    ),
  })
  .map(({ n, level, time, message, service, attributes }) => {
    const e = appLogEvent(n, level, { time });
    const data = e.data as Record<string, unknown>;
    data.message = message;
    data.service = service;
    if (attributes !== undefined) data.attributes = attributes;
    return e;
  });

/** Extra top-level members: forged enrichment, unknown extensions, oddly typed values. */
const extra = fc.dictionary(
  fc.constantFrom(...Object.values(Extension), 'traceparent', 'datacontenttype', '7'),
  fc.oneof(text, fc.integer(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 })),
  { maxKeys: 3 },
);

const event = fc
  .tuple(fc.oneof(telemetry, log), extra)
  .map(([e, more]) => ({ ...e, ...more }) as Record<string, unknown>);

/** Ways of writing an event's JSON besides `JSON.stringify` (what a non-JavaScript producer sends). */
const spellings: Array<(json: string) => string> = [
  (j) => j,
  (j) => `${j}\n`,
  (j) => `  ${j}\r\n`,
  (j) => j.replace(/,"/g, ', "').replace(/":/g, '": '),
  (j) => j.replace(/\//g, '\\/'),
  (j) => j.replace(/"id":"e/, '"id":"\\u0065'),
  (j) => j.replace(/"value":(-?\d+)([,}])/, '"value":$1.0$2'),
  (j) => j.replace(/"value":(-?\d+)([,}])/, '"value":$1e0$2'),
  (j) => j.replace(/"value":0([,}])/, '"value":-0$1'),
  (j) => `{"id":"first",${j.slice(1)}`,
  (j) => `{"9":1,${j.slice(1)}`,
  (j) => `\uFEFF${j}`,
  // Spellings the canonical-bytes fast path (src/canonical-line.ts) must decline.
  (j) => j.replace(/"value":[^,}]+/, '"value":12345678901234567890'),
  (j) => j.replace(/"value":[^,}]+/, '"value":0.00000012'),
  (j) => j.replace(/"value":[^,}]+/, '"value":1E2'),
  (j) => j.replace('"data":{', '"data":{"metric":"dup",'),
  (j) => j.replace('"dimensions":{', '"dimensions":{"zz":"1","zz":"2",'),
  (j) => j.replace('"attributes":{', '"attributes":{"__proto__":1,'),
  (j) => j.replace('"data":{', '"data":{"nested":{"b":1,"a":[2]},'),
  (j) => j.replace('"id":"', '"id":"\\u00E9'),
  (j) => j.slice(0, -1),
];

const plainPayload: fc.Arbitrary<Uint8Array> = fc
  .tuple(event, fc.integer({ min: 0, max: spellings.length - 1 }))
  .map(([e, s]) => bytesOf((spellings[s] as (j: string) => string)(JSON.stringify(e))));

const payload: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 8, arbitrary: plainPayload },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.oneof(fc.constantFrom('GET / 200'), fc.string()), { minLength: 1, maxLength: 3 })
      .map((m) => cloudWatchLogsData(m)),
  },
  {
    weight: 1,
    arbitrary: fc
      .array(plainPayload, { minLength: 1, maxLength: 3 })
      .map((parts) => aggregate(parts.map((data, i) => ({ partitionKey: `pk${i}`, data })))),
  },
);

const record: fc.Arbitrary<FirehoseInputRecord> = fc
  .record({
    data: fc.oneof(
      { weight: 12, arbitrary: payload.map((b) => Buffer.from(b).toString('base64')) },
      { weight: 1, arbitrary: payload.map((b) => Buffer.from(b).toString('base64url')) },
      { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
    ),
    arrival: fc.oneof(fc.integer({ min: 0, max: 2_000 }), fc.double()),
    kinesis: fc.option(
      fc.record({
        // A number, or the empty string AWS sends for a record outside a KPL aggregate.
        sub: fc.option(fc.oneof(fc.nat(5), fc.constant('')), { nil: undefined }),
      }),
      { nil: undefined },
    ),
  })
  .map(({ data, arrival, kinesis }) => {
    const r: FirehoseInputRecord = {
      recordId: 'r',
      approximateArrivalTimestamp: Number.isInteger(arrival) ? ARRIVAL_MS + arrival : arrival,
      data,
    };
    if (kinesis !== undefined) {
      r.kinesisRecordMetadata = {
        shardId: 'shardId-000000000003',
        partitionKey: 'pk',
        sequenceNumber: '49546986683135544286507457936321625675700192471156785154',
        ...(kinesis.sub !== undefined ? { subsequenceNumber: kinesis.sub } : {}),
      };
    }
    return r;
  });

const config: fc.Arbitrary<TransformConfig> = fc
  .record({
    deny: fc.oneof(
      { weight: 4, arbitrary: fc.constant([]) },
      { weight: 1, arbitrary: fc.subarray(['telemetry.reading', 'app.log']) },
    ),
    minLogLevel: fc.oneof(
      { weight: 4, arbitrary: fc.constant('DEBUG' as const) },
      { weight: 1, arbitrary: fc.constantFrom(...LOG_LEVELS) },
    ),
    maxEventBytes: fc.oneof(
      { weight: 4, arbitrary: fc.constant(DEFAULT_CONFIG.maxEventBytes) },
      { weight: 1, arbitrary: fc.constantFrom(200, 400) },
    ),
  })
  .map(({ deny, minLogLevel, maxEventBytes }) => ({
    ...DEFAULT_CONFIG,
    denyTypes: new Set(deny),
    minLogLevel,
    maxEventBytes,
  }));

const source: fc.Arbitrary<InvocationSource> = fc.constantFrom(
  { deliveryStreamArn: DELIVERY_STREAM_ARN },
  { deliveryStreamArn: DELIVERY_STREAM_ARN, sourceKinesisStreamArn: SOURCE_STREAM_ARN },
);

describe('RecordTransformer matches the reference (pre-optimisation) transform', () => {
  it('answers every record exactly as the reference does', () => {
    let ok = 0;
    fc.assert(
      fc.property(config, source, fc.array(record, { maxLength: 12 }), (cfg, src, records) => {
        // Prepare: both see the same records in the same order (both cache per batch).
        const optimised = new RecordTransformer(cfg);
        const reference = new ReferenceTransformer(cfg);
        for (const r of records) {
          // Act
          const actual = optimised.transform(r, src);
          const expected = reference.transform(structuredClone(r), src);
          // Assess
          expect(actual).toEqual(expected);
          if (actual.kind === 'ok') ok++;
        }
      }),
      { numRuns: 600 },
    );
    // The property is only meaningful if many records made it through to an output line.
    expect(ok).toBeGreaterThan(500);
  });

  it('matches on the bench workload records (one of each kind of invalid record)', async () => {
    // Prepare
    const { workloads } = await import('@streamlens/bench');
    const data = workloads['firehose-kinesis-1mib'].data();
    const cfg = { ...DEFAULT_CONFIG, maxEventBytes: data.maxRecordBytes };
    const src = {
      deliveryStreamArn: data.event.deliveryStreamArn,
      sourceKinesisStreamArn: data.event.sourceKinesisStreamArn,
    };
    const optimised = new RecordTransformer(cfg);
    const reference = new ReferenceTransformer(cfg);
    // Act / Assess
    for (const r of data.event.records as FirehoseInputRecord[]) {
      expect(optimised.transform(r, src)).toEqual(reference.transform(r, src));
    }
  });
});
