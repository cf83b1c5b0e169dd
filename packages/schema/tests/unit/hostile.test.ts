import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  decodeCloudWatchLogsRecord,
  ErrorCode,
  InputEventScan,
  isEventTime,
  logSeriesKey,
  MAX_DEPTH,
  MAX_OBJECT_KEYS,
  normalizeEvent,
  normalizeTime,
  parseEventJson,
  parseRfc3339,
  scanInputEvent,
  seriesKeyOf,
  type TelemetryReading,
  validateEvent,
} from '../../src/index.js';
import {
  appLog,
  cloudWatchControlMessage,
  cloudWatchDataMessage,
  cloudWatchRecordBytes,
  hostileRecordBytes,
  nestedJson,
  reverseMap,
  telemetryReading,
} from '../../src/testing/index.js';
import { EVENT_TYPES } from '../../src/zod.js';
import { zodIssueOf } from '../../src/zod-explain.js';

const CODES = new Set<string>(Object.values(ErrorCode));
const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));

/** The verdict of all three validators on one record's text: parse + validate, zod, scanner. */
function verdicts(text: string) {
  const parsed = parseEventJson(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const type = (value as { type?: keyof typeof EVENT_TYPES })?.type ?? 'telemetry.reading';
  const zod = zodIssueOf(value, EVENT_TYPES[type].schema);
  const b = bytes(text);
  const scanned = scanInputEvent(b, 0, b.length, new InputEventScan());
  return { parsed, zod, scanned };
}

function readingText(data: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  const base = telemetryReading({ id: 'r-1' });
  return JSON.stringify({ ...base, ...extra, data: { ...base.data, ...data } });
}

describe('reserved keys', () => {
  it.each([
    ['a dimension', '"dimensions":{', '"__proto__":"x",'],
    ['a dimension named constructor', '"dimensions":{', '"constructor":"x",'],
    ['a dimension named prototype', '"dimensions":{', '"prototype":"x",'],
    ['a dimension that trims to __proto__', '"dimensions":{', '" __proto__ ":"x",'],
    ['an extension attribute', '{', '"__proto__":{"polluted":true},'],
    ['a data field', '"data":{', '"constructor":1,'],
  ])('rejects %s with RESERVED_KEY in every validator, without throwing', (_name, at, pair) => {
    // Prepare
    const text = readingText({ dimensions: { host: 'a' } }).replace(at, `${at}${pair}`);
    // Act
    const { parsed, zod, scanned } = verdicts(text);
    // Assess
    expect(parsed).toMatchObject({ ok: false, error: { code: 'RESERVED_KEY' } });
    expect(zod?.code).toBe('RESERVED_KEY');
    expect(scanned).toBe(false);
  });

  it('rejects an attribute __proto__ of an app.log', () => {
    // Prepare
    const text = JSON.stringify(appLog({ id: 'l-1' })).replace(
      '"data":{',
      '"data":{"attributes":{"__proto__":1,"a":"b"},',
    );
    // Act
    const r = parseEventJson(text);
    // Assess
    expect(r).toMatchObject({ ok: false, error: { code: 'RESERVED_KEY' } });
  });

  it('normalisation keeps a __proto__ key as data and never changes a prototype', () => {
    // Prepare: built without validation, as a caller normalising its own objects might.
    const dimensions = JSON.parse('{"z":"1","__proto__":"x"}') as Record<string, string>;
    const event = telemetryReading({ data: { metric: 'cpu', value: 1, dimensions } });
    // Act
    const out = normalizeEvent(event).data.dimensions as Record<string, unknown>;
    // Assess
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__', 'z']);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toBe('x');
  });
});

describe('nesting', () => {
  it('rejects 5,000 levels inside an extension attribute with TOO_DEEP, without throwing', () => {
    // Prepare
    const text = `${readingText({}).slice(0, -1)},"ext":${nestedJson(5000)}}`;
    // Act
    const { parsed, zod, scanned } = verdicts(text);
    // Assess
    expect(parsed).toMatchObject({ ok: false, error: { code: 'TOO_DEEP' } });
    expect(zod?.code).toBe('TOO_DEEP');
    expect(scanned).toBe(false);
  });

  it(`accepts ${MAX_DEPTH} levels counted from the event, and rejects one more`, () => {
    // Prepare: the event is level 1, so its attribute may nest MAX_DEPTH - 1 levels.
    const at = (depth: number) => `${readingText({}).slice(0, -1)},"ext":${nestedJson(depth)}}`;
    // Act / Assess
    expect(parseEventJson(at(MAX_DEPTH - 1)).ok).toBe(true);
    expect(parseEventJson(at(MAX_DEPTH))).toMatchObject({ ok: false, error: { code: 'TOO_DEEP' } });
  });
});

describe('map sizes', () => {
  it(`accepts ${MAX_OBJECT_KEYS} dimensions and rejects more with TOO_MANY_KEYS`, () => {
    // Prepare
    const fits = readingText({ dimensions: reverseMap(MAX_OBJECT_KEYS) });
    const over = readingText({ dimensions: reverseMap(MAX_OBJECT_KEYS + 1) });
    // Act / Assess
    expect(parseEventJson(fits).ok).toBe(true);
    expect(verdicts(over).parsed).toMatchObject({ ok: false, error: { code: 'TOO_MANY_KEYS' } });
    expect(verdicts(over).zod?.code).toBe('TOO_MANY_KEYS');
  });

  it('normalises 18,000 reverse-ordered dimensions in well under a second (O(n log n))', () => {
    // Prepare: normalised without validation (the cap above keeps such maps out of the pipeline).
    const event = telemetryReading({
      data: { metric: 'cpu', value: 1, dimensions: reverseMap(18_000) },
    });
    // Act
    const started = performance.now();
    const out = normalizeEvent(event);
    const elapsed = performance.now() - started;
    // Assess: an insertion sort took 2.8 s here (docs/performance/2026-12-07-hostile-input.md).
    expect(elapsed).toBeLessThan(1000);
    const keys = Object.keys(out.data.dimensions ?? {});
    expect(keys[0]).toBe('k000000');
    expect(keys[keys.length - 1]).toBe('k017999');
  });
});

describe('Unicode', () => {
  it('rejects bytes that are not UTF-8 instead of reading them as U+FFFD', () => {
    // Prepare: two records whose ids differ only in an invalid byte.
    const text = readingText({}, { id: 'id-X' });
    const a = bytes(text);
    const b = bytes(text);
    const at = text.indexOf('id-X') + 3;
    a[at] = 0xff;
    b[at] = 0xfe;
    // Act / Assess
    expect(parseEventJson(a)).toMatchObject({ ok: false, error: { code: 'INVALID_UNICODE' } });
    expect(parseEventJson(b)).toMatchObject({ ok: false, error: { code: 'INVALID_UNICODE' } });
  });

  it('rejects a lone surrogate (a \\ud800 escape) in any string', () => {
    // Prepare
    const text = readingText({}, { id: 'x' }).replace('"id":"x"', '"id":"\\ud800"');
    // Act
    const { parsed, zod } = verdicts(text);
    // Assess
    expect(parsed).toMatchObject({ ok: false, error: { code: 'INVALID_UNICODE', path: '$.id' } });
    expect(zod?.code).toBe('INVALID_UNICODE');
  });
});

describe('reading values', () => {
  it('rejects 12345678901234567890 rather than rounding it, and accepts 2^53 - 1', () => {
    // Prepare
    const big = readingText({}).replace(/"value":[^,}]+/, '"value":12345678901234567890');
    const safe = readingText({ value: Number.MAX_SAFE_INTEGER });
    // Act
    const { parsed, zod } = verdicts(big);
    // Assess
    expect(parsed).toMatchObject({
      ok: false,
      error: { code: 'INVALID_VALUE', path: '$.data.value' },
    });
    expect(zod).toMatchObject({ code: 'INVALID_VALUE', path: '$.data.value' });
    expect(parseEventJson(safe).ok).toBe(true);
  });
});

describe('event times', () => {
  it('truncates the fraction to milliseconds digit by digit', () => {
    // Act / Assess
    expect(normalizeTime('2026-01-01T00:00:00.0008000000Z')).toBe('2026-01-01T00:00:00.000Z');
    expect(normalizeTime('2026-01-01T00:00:00.9999Z')).toBe('2026-01-01T00:00:00.999Z');
    expect(normalizeTime('2026-01-01T01:00:00.12345678901234567890+01:00')).toBe(
      '2026-01-01T00:00:00.123Z',
    );
  });

  it.each([
    ['0000-01-01T00:30:00+01:00', false],
    ['9999-12-31T23:59:59-01:00', false],
    ['0000-01-01T00:00:00Z', true],
    ['0000-01-01T00:30:00-01:00', true],
    ['9999-12-31T23:59:59.999Z', true],
    ['9999-12-31T22:59:59+01:00', true],
  ])('%s is an event time: %s, in every validator', (time, valid) => {
    // Prepare
    const text = readingText({}, { time });
    // Act
    const { parsed, zod, scanned } = verdicts(text);
    // Assess
    expect(isEventTime(time)).toBe(valid);
    expect(parsed.ok).toBe(valid);
    expect(zod === undefined).toBe(valid);
    if (!valid) {
      expect(parsed).toMatchObject({ error: { code: 'INVALID_VALUE', path: '$.time' } });
      expect(scanned).toBe(false);
    }
  });

  it('parseRfc3339 equals Date.parse on millisecond times with any offset', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('0001-01-02T00:00:00Z'),
          max: new Date('9999-12-30T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
        (date, offsetMinutes) => {
          // Prepare: the same instant written in local time at the offset.
          const local = new Date(date.getTime() + offsetMinutes * 60_000).toISOString();
          const sign = offsetMinutes < 0 ? '-' : '+';
          const abs = Math.abs(offsetMinutes);
          const hh = String(Math.floor(abs / 60)).padStart(2, '0');
          const mm = String(abs % 60).padStart(2, '0');
          const text = `${local.slice(0, 23)}${sign}${hh}:${mm}`;
          // Act / Assess
          expect(parseRfc3339(text)).toBe(date.getTime());
          expect(parseRfc3339(text)).toBe(Date.parse(text));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('series keys', () => {
  it('a telemetry reading named log.count never shares the key of a log series', () => {
    // Prepare
    const reading = telemetryReading({
      data: {
        metric: 'log.count',
        value: 1_000_000,
        dimensions: { level: 'ERROR', service: 'api' },
      },
    }) as TelemetryReading;
    const log = appLog({ data: { level: 'ERROR', service: 'api', message: 'x' } });
    // Act
    const readingKey = seriesKeyOf(reading);
    const logKey = seriesKeyOf(log);
    // Assess
    expect(logKey).toBe(logSeriesKey('api', 'ERROR'));
    expect(logKey).toBe('log.count|level=ERROR|service=api');
    expect(readingKey).not.toBe(logKey);
  });

  it('no reading and no log ever share a key, whatever their names', () => {
    const name = fc.string({
      maxLength: 12,
      unit: fc.constantFrom('a', 'log.count', 'level', 'service', '|', '=', '\\', 'ERROR'),
    });
    fc.assert(
      fc.property(
        name,
        fc.dictionary(name, name, { maxKeys: 3 }),
        name,
        (metric, dims, service) => {
          // Prepare
          const reading = telemetryReading({
            data: { metric: metric || 'm', value: 1, dimensions: dims },
          });
          const log = appLog({ data: { level: 'ERROR', service: service || 's', message: '' } });
          // Act / Assess
          expect(seriesKeyOf(reading)).not.toBe(seriesKeyOf(log));
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('CloudWatch Logs records', () => {
  it('recognises a CONTROL_MESSAGE exactly as AWS sends it (empty ids and log group)', () => {
    // Act
    const r = decodeCloudWatchLogsRecord(cloudWatchControlMessage());
    // Assess
    expect(r).toEqual({ ok: true, value: { kind: 'control' } });
  });

  it('turns every log event of a DATA_MESSAGE into a valid app.log with a stable id', () => {
    // Prepare
    const record = cloudWatchDataMessage(['{"level":"ERROR","message":"boom"}', 'INFO ready']);
    // Act
    const r = decodeCloudWatchLogsRecord(record);
    // Assess
    if (!r.ok || r.value.kind !== 'data') throw new Error('expected a data message');
    const events = r.value.events.map((e) => (e.ok ? e.value : undefined));
    expect(events.map((e) => e?.data.level)).toEqual(['ERROR', 'INFO']);
    expect(events.map((e) => e?.id)).toEqual([
      `cwl-${r.value.payload.logEvents[0]!.id}`,
      `cwl-${r.value.payload.logEvents[1]!.id}`,
    ]);
    for (const e of events) expect(validateEvent(e).ok).toBe(true);
  });

  it('gives an invalid log event its own failure and keeps the others', () => {
    // Prepare: a lone surrogate in the second line.
    const record = cloudWatchDataMessage(['fine', '\ud800', 'also fine']);
    // Act
    const r = decodeCloudWatchLogsRecord(record);
    // Assess
    if (!r.ok || r.value.kind !== 'data') throw new Error('expected a data message');
    expect(r.value.events.map((e) => e.ok)).toEqual([true, false, true]);
    expect(r.value.events[1]).toMatchObject({
      ok: false,
      error: { code: 'INVALID_UNICODE', path: '$.logEvents[1]' },
    });
  });
});

describe('every decoder on hostile records', () => {
  it('parseEventJson rejects each hostile record with a documented code and never throws', () => {
    fc.assert(
      fc.property(hostileRecordBytes, (record) => {
        // Act
        const r = parseEventJson(record);
        // Assess
        expect(r.ok).toBe(false);
        if (!r.ok) expect(CODES.has(r.error.code)).toBe(true);
        expect(scanInputEvent(record, 0, record.length, new InputEventScan())).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('decodeCloudWatchLogsRecord answers every record with a result and never throws', () => {
    fc.assert(
      fc.property(cloudWatchRecordBytes, (record) => {
        // Act
        const r = decodeCloudWatchLogsRecord(record);
        // Assess
        if (!r.ok) expect(CODES.has(r.error.code)).toBe(true);
        else if (r.value.kind === 'data') {
          for (const e of r.value.events) {
            if (e.ok) expect(validateEvent(e.value).ok).toBe(true);
            else expect(CODES.has(e.error.code)).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
