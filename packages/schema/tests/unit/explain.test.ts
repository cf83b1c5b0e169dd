import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { explainAppLog, explainTelemetryReading } from '../../src/fast.js';
import { validateEvent } from '../../src/index.js';
import { appLog, telemetryReading } from '../../src/testing/index.js';
import { EVENT_TYPES } from '../../src/zod.js';
import { zodIssueOf } from '../../src/zod-explain.js';
import { appLogArb, maybeInvalidEvent, telemetryReadingArb } from '../helpers/arbitraries.js';

// The hand-written explanations must give the code and path that zod's first issue gives, for every
// case they cover (they return undefined for the rest, which zod then explains).
const EXPLAIN = {
  'telemetry.reading': explainTelemetryReading,
  'app.log': explainAppLog,
} as const;

type InputType = keyof typeof EXPLAIN;

function isInput(value: unknown): value is { type: InputType; specversion: '1.0' } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as { type?: unknown; specversion?: unknown };
  return (v.type === 'telemetry.reading' || v.type === 'app.log') && v.specversion === '1.0';
}

function compare(value: unknown): 'covered' | 'left-to-zod' | 'valid' | 'other' {
  if (!isInput(value)) return 'other';
  const zod = zodIssueOf(value, EVENT_TYPES[value.type].schema);
  const mine = EXPLAIN[value.type](value);
  if (zod === undefined) {
    // A valid event has nothing to explain.
    expect(mine).toBeUndefined();
    return 'valid';
  }
  if (mine === undefined) return 'left-to-zod';
  if (mine.code !== zod.code || mine.path !== zod.path) {
    expect({ value, code: mine.code, path: mine.path }).toEqual({
      value,
      code: zod.code,
      path: zod.path,
    });
  }
  expect(mine.message.length).toBeGreaterThan(0);
  return 'covered';
}

/** One field of an event replaced (or removed, for `undefined`). */
function withField(event: unknown, path: readonly string[], v: unknown): unknown {
  const copy = structuredClone(event) as Record<string, unknown>;
  let node = copy;
  for (const seg of path.slice(0, -1)) node = node[seg] as Record<string, unknown>;
  const last = path[path.length - 1] as string;
  if (v === undefined) delete node[last];
  else node[last] = v;
  return copy;
}

const REPLACEMENTS: readonly unknown[] = [
  undefined,
  null,
  '',
  ' ',
  'x',
  42,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  true,
  [],
  ['a'],
  {},
  { a: 1 },
  { a: 'b' },
  'yesterday',
  '2026-01-01T00:00:00Z',
  'INFO',
];

describe('hand-written explanations agree with zod', () => {
  it.each([
    [
      'telemetry.reading',
      telemetryReading({ data: { unit: 'percent', dimensions: { host: 'a' } }, subject: 's' }),
      [
        ['id'],
        ['source'],
        ['time'],
        ['subject'],
        ['datacontenttype'],
        ['dataschema'],
        ['data'],
        ['data', 'metric'],
        ['data', 'value'],
        ['data', 'unit'],
        ['data', 'dimensions'],
        ['data', 'dimensions', 'host'],
      ],
    ],
    [
      'app.log',
      appLog({ data: { traceId: 't', attributes: { a: 1 } } }),
      [
        ['id'],
        ['source'],
        ['time'],
        ['data'],
        ['data', 'level'],
        ['data', 'message'],
        ['data', 'service'],
        ['data', 'traceId'],
        ['data', 'attributes'],
        ['data', 'attributes', 'a'],
      ],
    ],
  ] as const)('on every field of a %s replaced by edge values', (_type, event, paths) => {
    let covered = 0;
    for (const path of paths) {
      for (const v of REPLACEMENTS) {
        // Prepare
        const value = withField(event, path, v);
        // Act / Assess
        if (compare(value) === 'covered') covered++;
      }
    }
    // Most single-field failures must be covered by hand, or the fast path gains little.
    expect(covered).toBeGreaterThan(paths.length * 8);
  });

  it('on two fields broken at once (the first in schema order wins)', () => {
    // Prepare
    const value = withField(withField(telemetryReading(), ['data', 'value'], 'x'), ['id'], '');
    // Act
    const mine = explainTelemetryReading(value);
    // Assess
    expect(mine).toMatchObject({ code: 'INVALID_VALUE', path: '$.id' });
    expect(compare(value)).toBe('covered');
  });

  it('on mutated and valid events', () => {
    let covered = 0;
    fc.assert(
      fc.property(fc.oneof(maybeInvalidEvent, telemetryReadingArb, appLogArb), (value) => {
        if (compare(value) === 'covered') covered++;
      }),
      { numRuns: 4000 },
    );
    expect(covered).toBeGreaterThan(100);
  });

  it('validateEvent returns the hand-written explanation when there is one', () => {
    // Prepare
    const value = withField(telemetryReading(), ['data', 'value'], Number.POSITIVE_INFINITY);
    // Act
    const result = validateEvent(value);
    // Assess
    expect(result).toEqual({
      ok: false,
      error: {
        code: 'NON_FINITE_NUMBER',
        message: 'expected a finite number, got Infinity',
        path: '$.data.value',
      },
    });
  });

  it('covers a non-finite log attribute (a union no member matches)', () => {
    // Prepare
    const value = withField(appLog(), ['data', 'attributes'], {
      durationMs: Number.POSITIVE_INFINITY,
    });
    // Act
    const mine = explainAppLog(value);
    // Assess
    expect(mine).toMatchObject({ code: 'INVALID_VALUE', path: '$.data.attributes.durationMs' });
    expect(compare(value)).toBe('covered');
  });
});
