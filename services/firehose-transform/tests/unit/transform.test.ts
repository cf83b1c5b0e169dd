import { describe, expect, it } from '@jest/globals';
import { aggregate, ErrorCode } from '@streamlens/schema';
import fc from 'fast-check';
import { DEFAULT_CONFIG, type TransformConfig } from '../../src/config.js';
import { DropReason } from '../../src/model.js';
import { Extension, type OkOutcome, RecordTransformer } from '../../src/transform.js';
import {
  ARRIVAL_MS,
  appLogEvent,
  cloudWatchLogsData,
  DELIVERY_STREAM_ARN,
  firehoseRecord,
  SOURCE_STREAM_ARN,
  telemetryEvent,
} from '../helpers/factories.js';

const directPut = { deliveryStreamArn: DELIVERY_STREAM_ARN };
const kinesisSource = {
  deliveryStreamArn: DELIVERY_STREAM_ARN,
  sourceKinesisStreamArn: SOURCE_STREAM_ARN,
};

function transformer(overrides: Partial<TransformConfig> = {}): RecordTransformer {
  return new RecordTransformer({ ...DEFAULT_CONFIG, ...overrides });
}

function lines(outcome: OkOutcome): Record<string, unknown>[] {
  const text = Buffer.from(outcome.data, 'base64').toString('utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((l) => JSON.parse(l));
}

function expectOk(outcome: ReturnType<RecordTransformer['transform']>): OkOutcome {
  expect(outcome.kind).toBe('ok');
  return outcome as OkOutcome;
}

describe('RecordTransformer: valid events', () => {
  it('normalises, enriches and partitions a telemetry reading as one NDJSON line', () => {
    // Prepare
    const event = telemetryEvent(1, {
      id: '  evt-1  ',
      time: '2026-11-25T12:14:59+02:00',
      data: { metric: ' cpu ', value: 3, dimensions: { zone: 'b', host: 'h1' } },
    });
    const record = firehoseRecord(event, { arrivalMs: ARRIVAL_MS });
    // Act
    const outcome = expectOk(transformer().transform(record, directPut));
    // Assess
    const [line] = lines(outcome);
    expect(line).toMatchObject({
      id: 'evt-1',
      time: '2026-11-25T10:14:59.000Z',
      data: { metric: 'cpu', value: 3 },
      [Extension.ingestedAt]: '2026-11-25T10:15:00.000Z',
      [Extension.source]: DELIVERY_STREAM_ARN,
    });
    expect(Object.keys((line!.data as { dimensions: object }).dimensions)).toEqual([
      'host',
      'zone',
    ]);
    expect(line).not.toHaveProperty(Extension.shard);
    expect(outcome.partitionKeys).toEqual({
      type: 'telemetry.reading',
      date: '2026-11-25',
      hour: '10',
    });
    expect(outcome.events).toBe(1);
  });

  it('adds the source stream, shard, sequence and sub-sequence when Firehose reads from Kinesis', () => {
    // Prepare
    const record = firehoseRecord(appLogEvent(2), {
      kinesis: {
        shardId: 'shardId-000000000003',
        sequenceNumber: '4954511524349098501828',
        subsequenceNumber: 7,
      },
    });
    // Act
    const outcome = expectOk(transformer().transform(record, kinesisSource));
    // Assess
    expect(lines(outcome)[0]).toMatchObject({
      [Extension.source]: SOURCE_STREAM_ARN,
      [Extension.shard]: 'shardId-000000000003',
      [Extension.sequence]: '4954511524349098501828',
      [Extension.subsequence]: 7,
    });
  });

  it('replaces enrichment attributes a producer sent, so they cannot be forged or duplicated', () => {
    // Prepare
    const record = firehoseRecord(
      telemetryEvent(3, { [Extension.source]: 'forged', [Extension.shard]: 'x' }),
    );
    // Act
    const outcome = expectOk(transformer().transform(record, directPut));
    // Assess
    const text = Buffer.from(outcome.data, 'base64').toString('utf8');
    expect(text.match(/streamlenssource/g)).toHaveLength(1);
    expect(lines(outcome)[0]).toMatchObject({ [Extension.source]: DELIVERY_STREAM_ARN });
    expect(lines(outcome)[0]).not.toHaveProperty(Extension.shard);
  });

  it('writes the ingestion time as toISOString would, for any sequence of arrival times', () => {
    const t = transformer();
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 4_102_444_800_000 }), { minLength: 1, maxLength: 20 }),
        (arrivals) => {
          for (const arrival of arrivals.flatMap((a) => [a, a + 1, a + 999])) {
            const outcome = expectOk(
              t.transform(firehoseRecord(telemetryEvent(), { arrivalMs: arrival }), directPut),
            );
            expect(lines(outcome)[0]![Extension.ingestedAt]).toBe(new Date(arrival).toISOString());
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  it('uses extension attribute names CloudEvents allows (lowercase letters and digits, ≤ 20)', () => {
    for (const name of Object.values(Extension)) {
      expect(name).toMatch(/^[a-z0-9]{1,20}$/);
    }
  });
});

describe('RecordTransformer: bad records fail with a reason, never throw', () => {
  const cases: Array<[string, unknown, string]> = [
    ['invalid JSON', '{"specversion":"1.0",', ErrorCode.INVALID_JSON],
    ['a JSON array', '[1,2]', ErrorCode.NOT_AN_OBJECT],
    ['an unknown type', telemetryEvent(1, { type: 'telemetry.unknown' }), ErrorCode.UNKNOWN_TYPE],
    ['a missing field', { ...telemetryEvent(1), id: undefined }, ErrorCode.MISSING_FIELD],
    [
      'a wrong type',
      telemetryEvent(1, { data: { metric: 'm', value: '12' } }),
      ErrorCode.WRONG_TYPE,
    ],
    [
      'a non-finite number',
      '{"specversion":"1.0","id":"a","source":"s","type":"telemetry.reading","time":"2026-11-25T10:00:00Z","data":{"metric":"m","value":1e999}}',
      ErrorCode.NON_FINITE_NUMBER,
    ],
    [
      'an unsupported specversion',
      telemetryEvent(1, { specversion: '0.3' }),
      ErrorCode.UNSUPPORTED_SPECVERSION,
    ],
  ];
  for (const [name, data, code] of cases) {
    it(`reports ${name} as ${code}`, () => {
      // Prepare
      const record = firehoseRecord(data);
      // Act
      const outcome = transformer().transform(record, directPut);
      // Assess
      expect(outcome).toMatchObject({ kind: 'failed', issue: { code } });
      if (outcome.kind === 'failed') expect(outcome.issue.message.length).toBeGreaterThan(0);
    });
  }

  it('reports data that is not base64 as INVALID_BASE64', () => {
    // Prepare
    const record = { ...firehoseRecord(telemetryEvent()), data: 'not base64!' };
    // Act
    const outcome = transformer().transform(record, directPut);
    // Assess
    expect(outcome).toMatchObject({ kind: 'failed', issue: { code: ErrorCode.INVALID_BASE64 } });
  });

  it('reports a record over MAX_EVENT_BYTES as OVERSIZE', () => {
    // Prepare
    const record = firehoseRecord(
      telemetryEvent(1, { data: { metric: 'm', value: 1, unit: 'x'.repeat(2000) } }),
    );
    // Act
    const outcome = transformer({ maxEventBytes: 1024 }).transform(record, directPut);
    // Assess
    expect(outcome).toMatchObject({ kind: 'failed', issue: { code: ErrorCode.OVERSIZE } });
  });
});

describe('RecordTransformer: configuration filters drop events', () => {
  it('drops types on the deny list', () => {
    // Prepare
    const record = firehoseRecord(telemetryEvent());
    // Act
    const outcome = transformer({ denyTypes: new Set(['telemetry.reading']) }).transform(
      record,
      directPut,
    );
    // Assess
    expect(outcome).toEqual({ kind: 'dropped', reason: DropReason.DeniedType });
  });

  it('drops logs below the minimum level and keeps those at or above it', () => {
    // Prepare
    const t = transformer({ minLogLevel: 'WARN' });
    // Act
    const info = t.transform(firehoseRecord(appLogEvent(1, 'INFO')), directPut);
    const warn = t.transform(firehoseRecord(appLogEvent(2, 'WARN')), directPut);
    const reading = t.transform(firehoseRecord(telemetryEvent()), directPut);
    // Assess
    expect(info).toEqual({ kind: 'dropped', reason: DropReason.BelowMinLevel });
    expect(warn.kind).toBe('ok');
    expect(reading.kind).toBe('ok');
  });
});

describe('RecordTransformer: CloudWatch Logs records', () => {
  it('turns every log event into an app.log line with an id derived from the log event id', () => {
    // Prepare
    const data = cloudWatchLogsData([
      'INFO started',
      '{"level":"error","msg":"boom"}',
      'WARN slow',
    ]);
    const record = firehoseRecord(data);
    // Act
    const first = expectOk(transformer().transform(record, directPut));
    const again = expectOk(transformer().transform(record, directPut));
    // Assess
    const events = lines(first);
    expect(events).toHaveLength(3);
    expect(events.map((e) => e.type)).toEqual(['app.log', 'app.log', 'app.log']);
    expect(events.map((e) => (e.data as { level: string }).level)).toEqual([
      'INFO',
      'ERROR',
      'WARN',
    ]);
    expect(new Set(events.map((e) => e.id)).size).toBe(3);
    expect(lines(again).map((e) => e.id)).toEqual(events.map((e) => e.id));
    expect(first.partitionKeys).toEqual({ type: 'app.log', date: '2026-11-25', hour: '10' });
    expect(first.cloudWatch?.logEvents).toHaveLength(3);
  });

  it('drops CONTROL_MESSAGE records', () => {
    // Prepare
    const record = firehoseRecord(
      cloudWatchLogsData(['CWL CONTROL MESSAGE'], { messageType: 'CONTROL_MESSAGE' }),
    );
    // Act
    const outcome = transformer().transform(record, directPut);
    // Assess
    expect(outcome).toEqual({ kind: 'dropped', reason: DropReason.ControlMessage });
  });

  it('applies the minimum level to log events and drops the record when none is left', () => {
    // Prepare
    const mixed = firehoseRecord(cloudWatchLogsData(['DEBUG a', 'ERROR b']));
    const quiet = firehoseRecord(cloudWatchLogsData(['DEBUG a', 'INFO b']));
    const t = transformer({ minLogLevel: 'WARN' });
    // Act
    const kept = expectOk(t.transform(mixed, directPut));
    const none = t.transform(quiet, directPut);
    // Assess
    expect(lines(kept).map((e) => (e.data as { message: string }).message)).toEqual(['ERROR b']);
    expect(none).toEqual({ kind: 'dropped', reason: DropReason.BelowMinLevel });
  });

  it('fails a corrupt gzip record with INVALID_GZIP', () => {
    // Prepare
    const bytes = cloudWatchLogsData(['x']);
    const corrupt = Buffer.concat([bytes.subarray(0, 12), Buffer.from('garbage-garbage')]);
    // Act
    const outcome = transformer().transform(firehoseRecord(corrupt), directPut);
    // Assess
    expect(outcome).toMatchObject({ kind: 'failed', issue: { code: ErrorCode.INVALID_GZIP } });
  });
});

describe('RecordTransformer: KPL-aggregated records', () => {
  const user = (data: unknown, partitionKey = 'pk') => ({
    partitionKey,
    data: Buffer.from(typeof data === 'string' ? data : JSON.stringify(data)),
  });

  it('de-aggregates user records into one line each, with the user record index as sub-sequence', () => {
    // Prepare
    const agg = aggregate([
      user(telemetryEvent(1)),
      user(telemetryEvent(2)),
      user(telemetryEvent(3)),
    ]);
    const record = firehoseRecord(agg, { kinesis: { sequenceNumber: '123' } });
    // Act
    const outcome = expectOk(transformer().transform(record, kinesisSource));
    // Assess
    const events = lines(outcome);
    expect(events.map((e) => e.id)).toEqual([
      'evt-telemetry-1',
      'evt-telemetry-2',
      'evt-telemetry-3',
    ]);
    expect(events.map((e) => e[Extension.subsequence])).toEqual([0, 1, 2]);
    expect(events.every((e) => e[Extension.sequence] === '123')).toBe(true);
    expect(outcome.reingest).toBeUndefined();
  });

  it('fails an aggregate whose checksum does not match with KPL_CHECKSUM_MISMATCH', () => {
    // Prepare
    const agg = Buffer.from(aggregate([user(telemetryEvent(1)), user(telemetryEvent(2))]));
    agg[agg.length - 1] = agg[agg.length - 1]! ^ 0xff;
    // Act
    const outcome = transformer().transform(firehoseRecord(agg), kinesisSource);
    // Assess
    expect(outcome).toMatchObject({
      kind: 'failed',
      issue: { code: ErrorCode.KPL_CHECKSUM_MISMATCH },
    });
  });

  it('keeps the valid user records and re-ingests an invalid one alone, with its reason', () => {
    // Prepare
    const agg = aggregate([
      user(telemetryEvent(1), 'a'),
      user('{oops', 'b'),
      user(telemetryEvent(3), 'c'),
    ]);
    // Act
    const outcome = expectOk(transformer().transform(firehoseRecord(agg), kinesisSource));
    // Assess
    expect(lines(outcome)).toHaveLength(2);
    expect(outcome.reingest?.map((r) => [r.partitionKey, Buffer.from(r.data).toString()])).toEqual([
      ['b', '{oops'],
    ]);
    expect(outcome.issues).toMatchObject([{ index: 1, code: ErrorCode.INVALID_JSON }]);
  });

  it('re-ingests user records of another partition so that each S3 prefix gets only its own events', () => {
    // Prepare
    const agg = aggregate([user(telemetryEvent(1), 'a'), user(appLogEvent(2), 'b')]);
    // Act
    const outcome = expectOk(transformer().transform(firehoseRecord(agg), kinesisSource));
    // Assess
    expect(lines(outcome).map((e) => e.type)).toEqual(['telemetry.reading']);
    expect(outcome.reingest?.map((r) => r.partitionKey)).toEqual(['b']);
    expect(outcome.issues).toBeUndefined();
  });

  it('fails the aggregate when no user record is valid', () => {
    // Prepare
    const agg = aggregate([user('nope'), user('{}')]);
    // Act
    const outcome = transformer().transform(firehoseRecord(agg), kinesisSource);
    // Assess
    expect(outcome).toMatchObject({ kind: 'failed', issue: { code: ErrorCode.INVALID_JSON } });
    if (outcome.kind === 'failed') expect(outcome.issue.message).toContain('user record 0');
  });
});

describe('JSON.parse on the general path', () => {
  it("reports JSON.parse's own message and leaves Error.stackTraceLimit as it was", () => {
    // Prepare
    const t = transformer();
    const before = Error.stackTraceLimit;
    const text = '{"specversion":"1.0",';
    let expected = '';
    try {
      JSON.parse(text);
    } catch (err) {
      expected = (err as Error).message;
    }
    // Act: a malformed record, then a valid one the scanner declines (whitespace), then a throw
    const bad = t.transform(firehoseRecord(text), directPut);
    const spaced = t.transform(firehoseRecord(` ${JSON.stringify(telemetryEvent(1))}`), directPut);
    // Assess
    expect(bad).toEqual({
      kind: 'failed',
      issue: { code: ErrorCode.INVALID_JSON, message: expected, path: '$' },
    });
    expect(spaced.kind).toBe('ok');
    expect(Error.stackTraceLimit).toBe(before);
    expect(new Error('x').stack?.split('\n').length).toBeGreaterThan(1);
  });
});
