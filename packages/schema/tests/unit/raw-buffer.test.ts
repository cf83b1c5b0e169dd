import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  allocRawBuffer,
  asRawBuffer,
  hasNativeRawMethods,
  type RawBuffer,
  withPortableRawMethods,
} from '../../src/raw-buffer.js';

/** Every operation once on `raw`, from the same inputs. */
function exercise(raw: RawBuffer, text: string, bytes: Uint8Array) {
  raw.fill(0);
  raw.set(bytes.subarray(0, raw.length));
  const n = Math.min(bytes.length, raw.length);
  const reads = {
    utf8: raw.utf8Slice(0, n),
    latin1: raw.latin1Slice(0, n),
    base64: raw.base64Slice(0, n),
  };
  const b64 = Buffer.from(text, 'utf8').toString('base64');
  const writes = {
    base64: raw.base64Write(b64, 0, raw.length),
    afterBase64: raw.utf8Slice(0, raw.length),
    utf8: raw.utf8Write(text, 3, raw.length - 3),
    afterUtf8: raw.base64Slice(0, raw.length),
    latin1: raw.latin1Write(text, 1, raw.length - 1),
    afterLatin1: raw.latin1Slice(0, raw.length),
  };
  return { reads, writes };
}

describe('RawBuffer', () => {
  it('has Node’s own per-encoding methods here', () => {
    // Assess: on Node, asRawBuffer returns the buffer untouched.
    expect(hasNativeRawMethods).toBe(true);
    const buf = Buffer.alloc(4);
    expect(asRawBuffer(buf)).toBe(buf);
    expect(Object.getOwnPropertyNames(allocRawBuffer(8))).not.toContain('utf8Slice');
  });

  it('gives the same results through the public-API fallback as through Node’s methods', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.integer({ min: 8, max: 96 }),
        (text, bytes, size) => {
          // Prepare
          const native = asRawBuffer(Buffer.alloc(size));
          const portable = withPortableRawMethods(Buffer.alloc(size));
          // Act / Assess
          expect(Object.getOwnPropertyNames(portable)).toContain('utf8Slice');
          expect(exercise(portable, text, bytes)).toEqual(exercise(native, text, bytes));
          expect(portable.equals(native)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});
