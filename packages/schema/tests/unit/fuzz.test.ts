import { gzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  checkCloudWatchLogs,
  deaggregate,
  decodeBase64,
  decodeCloudWatchLogs,
  decodeCloudWatchLogsRecord,
  ErrorCode,
  parseBase64EventJson,
  parseBase64InputEventJson,
  parseEventJson,
  parseInputEventJson,
  parseNdjson,
  type Result,
  validateEvent,
  validateInputEvent,
} from '../../src/index.js';
import { cloudWatchRecordBytes, hostileRecordBytes } from '../../src/testing/index.js';
import { maybeInvalidEvent } from '../helpers/arbitraries.js';

// Untrusted input must never make a decoder or validator throw: every outcome is a Result, and
// every failure carries a known code and a JSON path.
const CODES = new Set<string>(Object.values(ErrorCode));

function wellFormed(r: Result<unknown>): void {
  if (r.ok) return;
  expect(CODES.has(r.error.code)).toBe(true);
  expect(r.error.path.startsWith('$')).toBe(true);
  expect(typeof r.error.message).toBe('string');
}

const bytes = fc.uint8Array({ maxLength: 300 });
const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.json({ maxDepth: 3 }));
const values = fc.oneof(
  fc.anything({ withNullPrototype: true, withBigInt: true }),
  maybeInvalidEvent,
);

describe('fuzz: nothing throws on bad data', () => {
  it('validators on random values and mutated events', () => {
    fc.assert(
      fc.property(values, (v) => {
        // Act / Assess
        wellFormed(validateEvent(v));
        wellFormed(validateInputEvent(v));
        wellFormed(checkCloudWatchLogs(v));
      }),
      { numRuns: 2000 },
    );
  });

  it('JSON parsers on random bytes and strings, and on hostile records', () => {
    fc.assert(
      fc.property(fc.oneof(bytes, text, hostileRecordBytes), (input) => {
        // Act / Assess
        wellFormed(parseEventJson(input));
        wellFormed(parseInputEventJson(input, { maxBytes: 100 }));
        for (const r of parseNdjson(
          typeof input === 'string' ? input : Buffer.from(input).toString(),
        )) {
          wellFormed(r);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('base64 decoders on random strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.base64String()), (s) => {
        // Act / Assess
        wellFormed(decodeBase64(s));
        wellFormed(parseBase64EventJson(s));
        wellFormed(parseBase64InputEventJson(s));
      }),
      { numRuns: 2000 },
    );
  });

  it('CloudWatch Logs and KPL decoders on random bytes, raw and gzipped, and on CloudWatch Logs records', () => {
    fc.assert(
      fc.property(fc.oneof(bytes, cloudWatchRecordBytes), fc.boolean(), (b, zip) => {
        // Prepare
        const input = zip ? gzipSync(b) : b;
        // Act / Assess
        wellFormed(decodeCloudWatchLogs(input));
        wellFormed(decodeCloudWatchLogsRecord(input));
        wellFormed(deaggregate(input));
        wellFormed(deaggregate(Buffer.concat([Buffer.from([0xf3, 0x89, 0x9a, 0xc2]), input])));
      }),
      { numRuns: 2000 },
    );
  });

  it('decoders given non-bytes do not throw either', () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        // Act / Assess
        wellFormed(parseEventJson(v as string));
        wellFormed(decodeBase64(v as string));
        wellFormed(decodeCloudWatchLogs(v as Uint8Array));
        wellFormed(deaggregate(v as Uint8Array));
      }),
      { numRuns: 500 },
    );
  });
});
