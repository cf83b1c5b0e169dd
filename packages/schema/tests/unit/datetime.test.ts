import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import * as z from 'zod';
import { isRfc3339DateTime } from '../../src/datetime.js';

// The zod schemas are the source of truth: `time` is `z.iso.datetime({ offset: true })`.
const zodDateTime = z.iso.datetime({ offset: true });
const zodAccepts = (s: string): boolean => zodDateTime.safeParse(s).success;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

// Components around every boundary the grammar has (0, the maxima, one past them), so that
// most generated strings are near-valid and the two implementations are compared where it matters.
const year = fc.oneof(
  fc.integer({ min: 0, max: 9999 }),
  fc.constantFrom(0, 4, 100, 400, 1900, 2000, 2023, 2024, 2100, 9996, 9999),
);
const month = fc.integer({ min: 0, max: 13 });
const day = fc.oneof(fc.integer({ min: 0, max: 32 }), fc.constantFrom(28, 29, 30, 31));
const hour = fc.integer({ min: 0, max: 25 });
const minuteOrSecond = fc.oneof(fc.integer({ min: 0, max: 61 }), fc.constant(59));
const fraction = fc.oneof(
  fc.constant(''),
  fc.constant('.'),
  fc.stringMatching(/^\.\d{1,12}$/),
  fc.constant('.5a'),
);
const zone = fc.oneof(
  fc.constantFrom('Z', 'z', '', '+00:00', '-00:00', '+23:59', '-24:00', '+05:60', '+0530', '+5:30'),
  fc
    .tuple(
      fc.constantFrom('+', '-'),
      fc.integer({ min: 0, max: 25 }),
      fc.integer({ min: 0, max: 61 }),
    )
    .map(([sign, h, m]) => `${sign}${pad(h, 2)}:${pad(m, 2)}`),
);
const separator = fc.constantFrom('T', 'T', 'T', 't', ' ');

const nearValid = fc
  .tuple(year, month, day, separator, hour, minuteOrSecond, minuteOrSecond, fraction, zone)
  .map(
    ([y, mo, d, t, h, mi, s, f, zn]) =>
      `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}${t}${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}${f}${zn}`,
  );

// One character of a near-valid string replaced, inserted or removed.
const mutated = fc
  .tuple(
    nearValid,
    fc.nat(),
    fc.constantFrom('0', '9', '-', ':', 'T', 'Z', '.', ' ', 'x', '٣'),
    fc.nat(2),
  )
  .map(([s, at, c, op]) => {
    const i = at % (s.length + 1);
    if (op === 0) return s.slice(0, i) + c + s.slice(i + 1);
    if (op === 1) return s.slice(0, i) + c + s.slice(i);
    return s.slice(0, i) + s.slice(i + 1);
  });

describe('isRfc3339DateTime', () => {
  it('accepts the RFC 3339 forms the schemas allow', () => {
    // Assess
    for (const s of [
      '2026-11-25T21:35:07Z',
      '2026-11-25T21:35:07.123Z',
      '2026-11-25T21:35:07.123456789+05:30',
      '2024-02-29T00:00:00-23:59',
      '2000-02-29T23:59:59Z',
      '0000-01-01T00:00:00Z',
    ]) {
      expect({ s, accepted: isRfc3339DateTime(s) }).toEqual({ s, accepted: true });
    }
  });

  it('rejects impossible dates, leap seconds, lower case and missing zones', () => {
    // Assess
    for (const s of [
      '2023-02-29T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-12-31T23:59:60Z',
      '2026-12-31T24:00:00Z',
      '2026-12-31t23:00:00Z',
      '2026-12-31T23:00:00z',
      '2026-12-31T23:00:00',
      '2026-12-31T23:00:00.Z',
      '2026-12-31T23:00:00+2400',
      '2026-12-31 23:00:00Z',
      '2026-12-31T23:00:00Z ',
      '',
    ]) {
      expect({ s, accepted: isRfc3339DateTime(s) }).toEqual({ s, accepted: false });
    }
  });

  it('decides exactly as the zod schema does on near-valid and mutated strings', () => {
    // Assess
    fc.assert(
      fc.property(fc.oneof(nearValid, mutated, fc.string()), (s) => {
        expect({ s, accepted: isRfc3339DateTime(s) }).toEqual({ s, accepted: zodAccepts(s) });
      }),
      { numRuns: 20_000 },
    );
  });
});
