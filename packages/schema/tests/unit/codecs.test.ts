import { gzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import {
  type CloudWatchLogsPayload,
  decodeBase64,
  decodeCloudWatchLogs,
  ErrorCode,
  encodeBase64,
  isGzip,
  logEventToAppLog,
  parseBase64InputEventJson,
  parseNdjson,
  toNdjsonLine,
  validateEvent,
} from '../../src/index.js';
import { appLog, telemetryReading, toBase64Data } from '../../src/testing/index.js';

const payload: CloudWatchLogsPayload = {
  messageType: 'DATA_MESSAGE',
  owner: '123456789012',
  logGroup: '/aws/lambda/checkout',
  logStream: '2026/01/01/[$LATEST]abc',
  subscriptionFilters: ['all'],
  logEvents: [
    {
      id: '37',
      timestamp: 1767225600000,
      message: '2026-01-01T00:00:00Z abc ERROR payment failed',
    },
    { id: '38', timestamp: 1767225601000, message: '{"level":"warn","msg":"slow"}' },
    { id: '39', timestamp: 1767225602000, message: 'plain line' },
  ],
};

describe('base64', () => {
  it('round-trips bytes', () => {
    // Prepare
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    // Act
    const back = decodeBase64(encodeBase64(bytes));
    // Assess
    expect(back.ok && Buffer.from(back.value).equals(bytes)).toBe(true);
  });

  it.each(['abc', 'ab!d', 'a=bc', '====', 'YQ==YQ=='])('rejects %s as INVALID_BASE64', (s) => {
    // Act
    const result = decodeBase64(s);
    // Assess
    expect(!result.ok && result.error.code).toBe(ErrorCode.INVALID_BASE64);
  });

  it('parses a Kinesis data field into an input event', () => {
    // Prepare
    const event = telemetryReading();
    // Act
    const result = parseBase64InputEventJson(toBase64Data(event));
    // Assess
    expect(result).toEqual({ ok: true, value: event });
  });
});

describe('NDJSON', () => {
  it('parses each non-empty line in order', () => {
    // Prepare
    const a = telemetryReading();
    const b = appLog();
    const text = `${toNdjsonLine(a)}\n{bad\n${toNdjsonLine(b)}`;
    // Act
    const results = parseNdjson(text);
    // Assess
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    expect(results[2]).toEqual({ ok: true, value: b });
  });
});

describe('CloudWatch Logs', () => {
  it('decodes a gzipped subscription payload', () => {
    // Prepare
    const bytes = gzipSync(JSON.stringify(payload));
    // Act
    const result = decodeCloudWatchLogs(bytes);
    // Assess
    expect(isGzip(bytes)).toBe(true);
    expect(result).toEqual({ ok: true, value: payload });
  });

  it('reports bad gzip, bad JSON and a bad shape with their codes', () => {
    // Prepare / Act
    const notGzip = decodeCloudWatchLogs(Buffer.from('{}'));
    const corrupt = decodeCloudWatchLogs(Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    const badJson = decodeCloudWatchLogs(gzipSync('{'));
    const badShape = decodeCloudWatchLogs(
      gzipSync(
        JSON.stringify({ ...payload, logEvents: [{ id: '1', timestamp: 'x', message: '' }] }),
      ),
    );
    // Assess
    expect(!notGzip.ok && notGzip.error.code).toBe(ErrorCode.INVALID_GZIP);
    expect(!corrupt.ok && corrupt.error.code).toBe(ErrorCode.INVALID_GZIP);
    expect(!badJson.ok && badJson.error.code).toBe(ErrorCode.INVALID_JSON);
    expect(!badShape.ok && badShape.error).toEqual({
      code: ErrorCode.INVALID_CLOUDWATCH_LOGS,
      message: expect.any(String),
      path: '$.logEvents[0].timestamp',
    });
  });

  it('reports a payload that inflates past maxBytes as OVERSIZE', () => {
    // Prepare
    const bytes = gzipSync(JSON.stringify({ ...payload, owner: 'x'.repeat(100_000) }));
    // Act
    const result = decodeCloudWatchLogs(bytes, { maxBytes: 10_000 });
    // Assess
    expect(!result.ok && result.error.code).toBe(ErrorCode.OVERSIZE);
  });

  it('maps log events to valid app.log events with deterministic ids and levels', () => {
    // Prepare / Act
    const events = payload.logEvents.map((e) => logEventToAppLog(payload, e));
    const again = payload.logEvents.map((e) => logEventToAppLog(payload, e));
    // Assess
    expect(events.map((e) => validateEvent(e).ok)).toEqual([true, true, true]);
    expect(events.map((e) => e.id)).toEqual(again.map((e) => e.id));
    expect(new Set(events.map((e) => e.id)).size).toBe(3);
    expect(events.map((e) => e.data.level)).toEqual(['ERROR', 'WARN', 'INFO']);
    expect(events[0]?.data.service).toBe('checkout');
    expect(events[0]?.time).toBe('2026-01-01T00:00:00.000Z');
  });

  it('takes the service and default level from options', () => {
    // Prepare
    const event = payload.logEvents[2];
    if (!event) throw new Error('fixture');
    // Act
    const out = logEventToAppLog(payload, event, { service: 'svc', defaultLevel: 'DEBUG' });
    // Assess
    expect(out.data).toMatchObject({ service: 'svc', level: 'DEBUG' });
  });
});
