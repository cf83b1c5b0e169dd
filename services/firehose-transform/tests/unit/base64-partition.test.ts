import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { base64Length, decodeBase64Strict } from '../../src/base64.js';
import { partitionKeysJsonLength, partitionKeysOf } from '../../src/partition.js';

describe('decodeBase64Strict', () => {
  it('decodes what Buffer encodes, for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const text = Buffer.from(bytes).toString('base64');
        expect(decodeBase64Strict(text)).toEqual(Buffer.from(bytes));
        expect(base64Length(bytes.length)).toBe(text.length);
      }),
    );
  });

  it('rejects unpadded, whitespace, misplaced padding and non-string input', () => {
    for (const bad of ['YWJj\n', 'YWI', 'a b=', 'YW=j', '!!!!', 42, undefined]) {
      expect(decodeBase64Strict(bad)).toBeUndefined();
    }
  });
});

describe('partition keys', () => {
  it('takes date and hour from the normalised event time', () => {
    expect(partitionKeysOf('app.log', '2026-01-02T23:59:59.999Z')).toEqual({
      type: 'app.log',
      date: '2026-01-02',
      hour: '23',
    });
  });

  it('computes the JSON length without serialising', () => {
    const keys = partitionKeysOf('telemetry.reading', '2026-01-02T03:04:05.000Z');
    expect(partitionKeysJsonLength(keys)).toBe(JSON.stringify(keys).length);
  });
});
