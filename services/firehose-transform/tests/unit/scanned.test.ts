import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { InputEventScan, scanInputEvent } from '@streamlens/schema';
import fc from 'fast-check';
import { DEFAULT_CONFIG, LOG_LEVELS, type TransformConfig } from '../../src/config.js';
import type { FirehoseInputRecord } from '../../src/model.js';
import { Extension, type InvocationSource, RecordTransformer } from '../../src/transform.js';
import {
  ARRIVAL_MS,
  appLogEvent,
  DELIVERY_STREAM_ARN,
  SOURCE_STREAM_ARN,
  telemetryEvent,
} from '../helpers/factories.js';
import { ReferenceTransformer } from '../helpers/reference-transform.js';

/*
 * Records `scanInputEvent` accepts skip JSON.parse: the transform validates them from their bytes
 * and writes their line from the scan's offsets. Here the records are compact JSON as producers
 * write it (valid, invalid, and randomly damaged), so that most take that path, and each must be
 * answered exactly as the reference (pre-optimisation) transform answers it: result, line bytes,
 * partition keys, issue. A spy on JSON.parse tells which records took the scanned path.
 */

afterEach(() => {
  jest.restoreAllMocks();
});

const word = fc.string({ unit: fc.constantFrom(...'abcxyz019-./:'), minLength: 1, maxLength: 10 });
const edgy = fc.oneof(
  { weight: 30, arbitrary: word },
  { weight: 1, arbitrary: fc.constantFrom(' a', 'a ', '', 'é', 'a"b', 'a\\b') },
);
const key = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.string({ unit: fc.constantFrom(...'abcdz.-'), minLength: 1, maxLength: 6 }),
  },
  { weight: 1, arbitrary: fc.constantFrom('1', '_x', ' k', '') },
);
const time = fc.oneof(
  fc.constantFrom(
    '2026-11-25T10:14:59.123Z',
    '2026-11-25T10:14:59Z',
    '2026-11-25T12:14:59.5+02:00',
    '2026-11-25T23:30:00.000-05:00',
    '2026-11-25T10:14:59.123456Z',
    '0000-01-01T00:30:00+01:00',
    '2026-02-29T10:00:00.000Z',
    '2026-11-25 10:14:59Z',
  ),
  fc
    .date({ min: new Date(0), max: new Date(Date.UTC(9999, 0)), noInvalidDate: true })
    .map((d) => d.toISOString()),
);
const number = fc.oneof(
  fc.integer({ min: -1e6, max: 1e6 }),
  fc.integer({ min: -99999, max: 99999 }).map((n) => n / 1000),
  fc.double(),
);

const event = fc
  .record({
    log: fc.boolean(),
    n: fc.nat(1000),
    id: edgy,
    source: edgy,
    time,
    subject: fc.option(edgy, { nil: undefined }),
    name: edgy,
    value: fc.oneof(
      { weight: 12, arbitrary: number },
      { weight: 1, arbitrary: fc.constant<unknown>('1') },
    ),
    level: fc.constantFrom<unknown>(...LOG_LEVELS, 'info'),
    message: fc.oneof(word, fc.constantFrom('', ' padded ', 'two words')),
    map: fc.option(
      fc.array(
        fc.tuple(
          key,
          fc.oneof(
            { weight: 8, arbitrary: edgy },
            { weight: 1, arbitrary: fc.constantFrom<unknown>(1, true, null) },
          ),
        ),
        { maxLength: 6 },
      ),
      { nil: undefined },
    ),
    extension: fc.oneof(
      { weight: 4, arbitrary: fc.constant(undefined) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(...Object.values(Extension), 'traceparent', 'streamlensx'),
      },
    ),
  })
  .map((r) => {
    const map = r.map === undefined ? undefined : Object.fromEntries(r.map);
    const e = r.log
      ? appLogEvent(r.n, 'INFO', { id: r.id, source: r.source, time: r.time })
      : telemetryEvent(r.n, { id: r.id, source: r.source, time: r.time });
    const data = e.data as Record<string, unknown>;
    if (r.log) {
      data.level = r.level;
      data.message = r.message;
      data.service = r.name;
      if (map !== undefined) data.attributes = map;
    } else {
      data.metric = r.name;
      data.value = r.value;
      if (map === undefined) delete data.dimensions;
      else data.dimensions = map;
    }
    if (r.subject === undefined) delete e.subject;
    else e.subject = r.subject;
    if (r.extension !== undefined) e[r.extension] = 'forged';
    return JSON.stringify(e);
  });

/** Damage to the bytes: a byte set, inserted or deleted. */
const damage = fc.array(
  fc.record({
    at: fc.nat(),
    op: fc.constantFrom('set', 'insert', 'delete'),
    byte: fc.constantFrom(...' "\\{},:.-0159eEZT_a'.split('').map((c) => c.charCodeAt(0))),
  }),
  { maxLength: 2 },
);

const record = fc
  .record({
    text: event,
    damage: fc.oneof({ weight: 4, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: damage }),
    arrival: fc.integer({ min: 0, max: 2_000 }),
    kinesis: fc.boolean(),
  })
  .map(({ text, damage, arrival, kinesis }) => {
    const bytes = [...Buffer.from(text, 'utf8')];
    for (const { at, op, byte } of damage) {
      const i = at % (bytes.length + 1);
      if (op === 'set' && i < bytes.length) bytes[i] = byte;
      else if (op === 'insert') bytes.splice(i, 0, byte);
      else bytes.splice(i, 1);
    }
    const r: FirehoseInputRecord = {
      recordId: 'r',
      approximateArrivalTimestamp: ARRIVAL_MS + arrival,
      data: Buffer.from(bytes).toString('base64'),
    };
    if (kinesis) {
      r.kinesisRecordMetadata = {
        shardId: 'shardId-000000000003',
        partitionKey: 'pk',
        sequenceNumber: '49546986683135544286507457936321625675700192471156785154',
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
      { weight: 3, arbitrary: fc.constant('DEBUG' as const) },
      { weight: 1, arbitrary: fc.constantFrom(...LOG_LEVELS) },
    ),
  })
  .map(({ deny, minLogLevel }) => ({ ...DEFAULT_CONFIG, denyTypes: new Set(deny), minLogLevel }));

const source: fc.Arbitrary<InvocationSource> = fc.constantFrom(
  { deliveryStreamArn: DELIVERY_STREAM_ARN },
  { deliveryStreamArn: DELIVERY_STREAM_ARN, sourceKinesisStreamArn: SOURCE_STREAM_ARN },
);

describe('records validated from their bytes (scanInputEvent)', () => {
  it('are answered exactly as the reference transform answers them', () => {
    const parse = jest.spyOn(JSON, 'parse');
    const taken = { scanned: 0, scannedOk: 0, parsed: 0 };
    fc.assert(
      fc.property(
        config,
        fc.array(fc.tuple(record, source), { minLength: 1, maxLength: 10 }),
        (cfg, records) => {
          // Prepare: both see the same records in the same order (both cache across records and
          // invocations, so the source may change from one record to the next).
          const optimised = new RecordTransformer(cfg);
          const reference = new ReferenceTransformer(cfg);
          for (const [r, src] of records) {
            // Act
            parse.mockClear();
            const actual = optimised.transform(r, src);
            const scanned = parse.mock.calls.length === 0;
            const expected = reference.transform(structuredClone(r), src);
            // Assess
            expect(actual).toEqual(expected);
            if (scanned) {
              taken.scanned++;
              if (actual.kind === 'ok') taken.scannedOk++;
            } else taken.parsed++;
          }
        },
      ),
      { numRuns: 500 },
    );
    // Both paths were exercised, the scanned one on many lines.
    expect(taken.scannedOk).toBeGreaterThan(300);
    expect(taken.parsed).toBeGreaterThan(100);
  });

  it('skip JSON.parse for the bench workload records the scanner accepts, with the reference answers', async () => {
    // Prepare
    const { workloads } = await import('@streamlens/bench');
    const data = workloads['firehose-1mib'].data();
    const cfg = { ...DEFAULT_CONFIG, maxEventBytes: data.maxRecordBytes };
    const src = { deliveryStreamArn: data.event.deliveryStreamArn };
    const optimised = new RecordTransformer(cfg);
    const reference = new ReferenceTransformer(cfg);
    const scan = new InputEventScan();
    const records = data.event.records as FirehoseInputRecord[];
    const declined = records.filter((r) => {
      const b = Buffer.from(r.data, 'base64');
      return !scanInputEvent(b, 0, b.length, scan);
    }).length;
    const parse = jest.spyOn(JSON, 'parse');
    // Act
    const actual = records.map((r) => optimised.transform(r, src));
    const parsedCalls = parse.mock.calls.length;
    parse.mockRestore();
    // Assess
    expect(parsedCalls).toBe(declined);
    expect(declined).toBeLessThan(records.length / 10);
    expect(actual).toEqual(records.map((r) => reference.transform(r, src)));
  });
});
