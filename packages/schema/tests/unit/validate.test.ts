import { afterEach, describe, expect, it, jest } from '@jest/globals';
import {
  ErrorCode,
  parseEventJson,
  parseInputEventJson,
  validateEvent,
  validateInputEvent,
} from '../../src/index.js';
import {
  alertAnomaly,
  appLog,
  INVALID_SAMPLES,
  metricsWindow,
  telemetryReading,
} from '../../src/testing/index.js';

describe('validateEvent', () => {
  it.each([
    ['telemetry.reading', telemetryReading()],
    ['app.log', appLog()],
    ['metrics.window', metricsWindow()],
    ['alert.anomaly', alertAnomaly()],
  ])('accepts a valid %s and returns the same object', (_type, event) => {
    // Prepare / Act
    const result = validateEvent(event);
    // Assess
    expect(result).toEqual({ ok: true, value: event });
    expect(result.ok && result.value).toBe(event);
  });

  it.each(Object.entries(INVALID_SAMPLES))('reports %s with its code', (code, sample) => {
    // Prepare / Act
    const result = typeof sample === 'string' ? parseEventJson(sample) : validateEvent(sample);
    // Assess
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.code).toBe(code);
  });

  it('gives the JSON path of the offending field', () => {
    // Prepare
    const event = telemetryReading({ data: { dimensions: { 'a.b': 7 as unknown as string } } });
    // Act
    const result = validateEvent(event);
    // Assess
    expect(result).toEqual({
      ok: false,
      error: {
        code: ErrorCode.WRONG_TYPE,
        message: expect.any(String),
        path: '$.data.dimensions["a.b"]',
      },
    });
  });

  it('reports a missing data object as MISSING_FIELD at $.data', () => {
    // Prepare
    const { data: _data, ...event } = telemetryReading();
    // Act
    const result = validateEvent(event);
    // Assess
    expect(!result.ok && result.error).toMatchObject({
      code: ErrorCode.MISSING_FIELD,
      path: '$.data',
    });
  });

  it.each([
    '2026-01-01T00:00:00Z',
    '2026-01-01T00:00:00.123456789+05:30',
    '2024-02-29T23:59:59-00:00',
  ])('accepts RFC 3339 time %s', (time) => {
    // Prepare / Act
    const result = validateEvent(telemetryReading({ time }));
    // Assess
    expect(result.ok).toBe(true);
  });

  it.each([
    '2026-01-01',
    '2026-01-01T00:00:00',
    '2026-01-01 00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2026-01-01T24:00:00Z',
    '2026-01-01T00:00Z',
    '2026-13-01T00:00:00Z',
  ])('rejects time %s with INVALID_VALUE', (time) => {
    // Prepare / Act
    const result = validateEvent(telemetryReading({ time }));
    // Assess
    expect(!result.ok && result.error).toMatchObject({
      code: ErrorCode.INVALID_VALUE,
      path: '$.time',
    });
  });

  it('rejects an empty id and an empty metric', () => {
    // Prepare / Act
    const emptyId = validateEvent(telemetryReading({ id: '' }));
    const emptyMetric = validateEvent(telemetryReading({ data: { metric: '' } }));
    // Assess
    expect(!emptyId.ok && emptyId.error.path).toBe('$.id');
    expect(!emptyMetric.ok && emptyMetric.error.path).toBe('$.data.metric');
  });

  it('keeps CloudEvents extension attributes', () => {
    // Prepare
    const event = { ...appLog(), traceparent: '00-abc' };
    // Act
    const result = validateEvent(event);
    // Assess
    expect(result.ok && result.value.traceparent).toBe('00-abc');
  });
});

describe('validateInputEvent', () => {
  it('rejects output types as UNKNOWN_TYPE', () => {
    // Prepare / Act
    const result = validateInputEvent(metricsWindow());
    // Assess
    expect(!result.ok && result.error).toMatchObject({
      code: ErrorCode.UNKNOWN_TYPE,
      path: '$.type',
    });
  });

  it('accepts input types', () => {
    // Prepare / Act
    const result = validateInputEvent(appLog());
    // Assess
    expect(result.ok).toBe(true);
  });
});

describe('parseEventJson', () => {
  it('parses bytes and strings alike', () => {
    // Prepare
    const event = telemetryReading();
    const text = JSON.stringify(event);
    // Act / Assess
    expect(parseEventJson(Buffer.from(text))).toEqual({ ok: true, value: event });
    expect(parseInputEventJson(text)).toEqual({ ok: true, value: event });
  });

  it('rejects records over maxBytes with OVERSIZE before parsing', () => {
    // Prepare
    const text = JSON.stringify(appLog({ data: { message: 'é'.repeat(600) } }));
    // Act / Assess
    expect(parseEventJson(text, { maxBytes: 1000 })).toMatchObject({
      ok: false,
      error: { code: 'OVERSIZE' },
    });
    expect(parseEventJson(Buffer.from(text), { maxBytes: 1000 })).toMatchObject({
      ok: false,
      error: { code: 'OVERSIZE' },
    });
    expect(parseEventJson(text, { maxBytes: 2000 }).ok).toBe(true);
  });

  it('reports invalid JSON', () => {
    // Prepare / Act
    const result = parseInputEventJson('{');
    // Assess
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_JSON', path: '$' } });
  });
});

describe('parseEventJson / parseInputEventJson: JSON.parse without a stack trace', () => {
  const before = Error.stackTraceLimit;
  afterEach(() => {
    jest.restoreAllMocks();
    Error.stackTraceLimit = before;
  });

  it.each(['{', '{"specversion":"1.0",', '{"a":1}x', '', '{"a":NaN}', '[1,2'])(
    "reports JSON.parse's own message for %j and restores the caller's limit",
    (text) => {
      // Prepare: the message JSON.parse gives with stack traces on, and a limit that is not the default
      let expected = '';
      try {
        JSON.parse(text);
      } catch (err) {
        expected = (err as Error).message;
      }
      Error.stackTraceLimit = 23;
      // Act
      const any = parseEventJson(text);
      const input = parseInputEventJson(Buffer.from(text));
      // Assess
      const issue = { code: ErrorCode.INVALID_JSON, message: expected, path: '$' };
      expect(any).toEqual({ ok: false, error: issue });
      expect(input).toEqual({ ok: false, error: issue });
      expect(Error.stackTraceLimit).toBe(23);
    },
  );

  it('runs JSON.parse with a stack trace limit of 0 and restores the limit after a throw or a value', () => {
    // Prepare: a JSON.parse that records the limit it runs under, throwing first a SyntaxError,
    // then something that is not an Error, then returning a value
    const seen: number[] = [];
    const outcomes = [
      () => {
        throw new SyntaxError('bad token');
      },
      () => {
        throw { notAnError: true };
      },
      () => ({ not: 'an event' }),
    ];
    let call = 0;
    jest.spyOn(JSON, 'parse').mockImplementation(() => {
      seen.push(Error.stackTraceLimit);
      const outcome = outcomes[call++];
      if (outcome === undefined) throw new Error('unexpected call');
      return outcome();
    });
    Error.stackTraceLimit = 17;
    // Act
    const first = parseEventJson('{}');
    const limitAfterFirst = Error.stackTraceLimit;
    const second = parseInputEventJson('{}');
    const limitAfterSecond = Error.stackTraceLimit;
    const third = parseEventJson('{}');
    // Assess
    expect(seen).toEqual([0, 0, 0]);
    expect(first).toEqual({
      ok: false,
      error: { code: ErrorCode.INVALID_JSON, message: 'bad token', path: '$' },
    });
    expect(second).toEqual({
      ok: false,
      error: { code: ErrorCode.INVALID_JSON, message: 'invalid JSON', path: '$' },
    });
    expect(third).toMatchObject({ ok: false, error: { code: ErrorCode.MISSING_FIELD } });
    expect([limitAfterFirst, limitAfterSecond, Error.stackTraceLimit]).toEqual([17, 17, 17]);
  });
});
