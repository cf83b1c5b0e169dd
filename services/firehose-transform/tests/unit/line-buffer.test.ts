import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { decodeBase64Strict } from '../../src/base64.js';
import { LineBuffer } from '../../src/line-buffer.js';

const maybeBase64 = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('base64')),
  fc.uint8Array({ maxLength: 50 }).map((b) => Buffer.from(b).toString('base64url')),
  fc.uint8Array({ maxLength: 50 }).map((b) => ` ${Buffer.from(b).toString('base64')}`),
  fc.string({ maxLength: 16 }),
  fc.constant(''),
);

describe('LineBuffer', () => {
  it('decodes exactly what decodeBase64Strict decodes, and rejects what it rejects', () => {
    // A tiny initial buffer, so that growing is exercised too.
    const lines = new LineBuffer(4);
    fc.assert(
      fc.property(maybeBase64, (text) => {
        // Act
        const n = lines.decodeBase64(text);
        const expected = decodeBase64Strict(text);
        // Assess
        if (expected === undefined) expect(n).toBe(-1);
        else expect(Buffer.compare(lines.bytes.subarray(0, n), expected)).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects data that is not a string', () => {
    expect(new LineBuffer().decodeBase64(42)).toBe(-1);
  });

  it('encodes the line with the suffix before the closing brace and a newline, in UTF-8', () => {
    const lines = new LineBuffer(8);
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.string({ unit: 'grapheme' })),
        fc.string({ unit: 'grapheme' }),
        (object, extra) => {
          // Prepare
          const json = JSON.stringify(object);
          const suffix = extra.length > 0 ? `,"x":${JSON.stringify(extra)}` : '';
          // Act
          const data = lines.encodeLine(json, suffix);
          // Assess
          expect(data).toBe(Buffer.from(`${json.slice(0, -1)}${suffix}}\n`).toString('base64'));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('grows for the line written after a record without losing the record', () => {
    // Prepare: a record filling a small buffer.
    const lines = new LineBuffer(8);
    const n = lines.decodeBase64(Buffer.from('{"a":1}').toString('base64'));
    // Act
    const buf = lines.reserveKeeping(4 * n, n);
    // Assess
    expect(buf.length).toBeGreaterThanOrEqual(4 * n);
    expect(buf.toString('utf8', 0, n)).toBe('{"a":1}');
    expect(lines.bytes).toBe(buf);
  });
});
