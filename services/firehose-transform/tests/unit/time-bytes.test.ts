import { describe, expect, it } from '@jest/globals';
import { isRfc3339DateTime, normalizeTime } from '@streamlens/schema';
import fc from 'fast-check';
import { TimeBytesNormalizer } from '../../src/time-bytes.js';

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Valid RFC 3339 times: any year 0000–9999, fraction of 0–12 digits, `Z` or any offset. */
const rfc3339 = fc
  .record({
    year: fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(0, 1970, 9999)),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 31 }),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.integer({ min: 0, max: 59 }),
    fraction: fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 12 }),
    zone: fc.oneof(
      fc.constant('Z'),
      fc
        .tuple(
          fc.constantFrom('+', '-'),
          fc.integer({ min: 0, max: 23 }),
          fc.integer({ min: 0, max: 59 }),
        )
        .map(([sign, h, m]) => `${sign}${pad(h, 2)}:${pad(m, 2)}`),
    ),
  })
  .map(
    (t) =>
      `${pad(t.year, 4)}-${pad(t.month, 2)}-${pad(t.day, 2)}T${pad(t.hour, 2)}:${pad(t.minute, 2)}:` +
      `${pad(t.second, 2)}${t.fraction.length > 0 ? `.${t.fraction}` : ''}${t.zone}`,
  )
  // Days past the month's end (Feb 30...) are not valid times.
  .filter(isRfc3339DateTime);

describe('TimeBytesNormalizer', () => {
  it('writes normalizeTime of every valid time it does not leave to normalizeTime', () => {
    // Prepare: one normaliser for all, so its cache is hit, missed and evicted
    const normalizer = new TimeBytesNormalizer();
    const out = new Uint8Array(24);
    let written = 0;
    fc.assert(
      fc.property(
        fc.array(rfc3339, { minLength: 1, maxLength: 20 }),
        fc.nat(3),
        (times, offset) => {
          for (const time of times) {
            const b = Buffer.from(`${'x'.repeat(offset)}"${time}"`, 'latin1');
            // Act
            const ok = normalizer.normalize(b, offset + 1, b.length - 1, out);
            // Assess
            if (ok) {
              written++;
              expect(Buffer.from(out).toString('latin1')).toBe(normalizeTime(time));
            } else {
              // Left to normalizeTime: only out-of-range years (kept) and fractions of 10+ digits.
              const fraction = /\.(\d+)/.exec(time)?.[1] ?? '';
              expect(normalizeTime(time) === time || fraction.length > 9).toBe(true);
            }
          }
        },
      ),
      { numRuns: 400 },
    );
    expect(written).toBeGreaterThan(1000);
  });

  it.each([
    ['2026-01-15T13:00:00.083+01:00', '2026-01-15T12:00:00.083Z'],
    ['2026-01-01T00:00:00.9999Z', '2026-01-01T00:00:00.999Z'],
    ['2026-01-01T00:30:59.5-00:45', '2026-01-01T01:15:59.500Z'],
    ['2026-03-01T00:10:00+00:20', '2026-02-28T23:50:00.000Z'],
    ['2026-11-25T10:14:59Z', '2026-11-25T10:14:59.000Z'],
    ['2026-11-25T10:14:59.123456789+05:30', '2026-11-25T04:44:59.123Z'],
  ])('%s -> %s', (time, expected) => {
    // Prepare
    const b = Buffer.from(time, 'latin1');
    const out = new Uint8Array(24);
    // Act
    const ok = new TimeBytesNormalizer().normalize(b, 0, b.length, out);
    // Assess
    expect(ok).toBe(true);
    expect(Buffer.from(out).toString('latin1')).toBe(expected);
  });

  it('declines a time whose UTC year leaves 0000-9999 (normalizeTime keeps those)', () => {
    // Prepare
    const normalizer = new TimeBytesNormalizer();
    const out = new Uint8Array(24);
    // Act / Assess
    for (const time of ['0000-01-01T00:30:00+01:00', '9999-12-31T23:30:00-01:00']) {
      const b = Buffer.from(time, 'latin1');
      expect(normalizer.normalize(b, 0, b.length, out)).toBe(false);
      expect(normalizeTime(time)).toBe(time);
    }
  });
});
