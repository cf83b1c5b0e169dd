import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { EVENT_TYPE_VERSIONS, type EventType, isEventType } from '../../src/events.js';
import { explainEvent } from '../../src/explain.js';
import { validateEvent } from '../../src/index.js';
import { alertAnomaly, appLog, metricsWindow, telemetryReading } from '../../src/testing/index.js';
import { EVENT_TYPES } from '../../src/zod.js';
import { zodIssueOf } from '../../src/zod-explain.js';
import {
  alertAnomalyArb,
  appLogArb,
  maybeInvalidEvent,
  metricsWindowArb,
  telemetryReadingArb,
} from '../helpers/arbitraries.js';

// explain.ts (what the Lambdas run, without zod) must report the code and path that zod's first
// issue gives (zod-explain.ts, test-only), for every registered type and every kind of failure.

const TYPES = Object.keys(EVENT_TYPES) as EventType[];

/** 'valid' when zod accepts; otherwise asserts the hand-written issue matches zod's. */
function compare(value: unknown, type: EventType): 'valid' | 'rejected' {
  const zod = zodIssueOf(value, EVENT_TYPES[type].schema);
  const mine = explainEvent(value, type);
  if (zod === undefined) {
    if (mine !== undefined) expect({ type, value, mine }).toEqual({ type, value, mine: undefined });
    return 'valid';
  }
  if (mine === undefined || mine.code !== zod.code || mine.path !== zod.path) {
    expect({ type, value, code: mine?.code, path: mine?.path }).toEqual({
      type,
      value,
      code: zod.code,
      path: zod.path,
    });
  }
  expect(mine?.message.length).toBeGreaterThan(0);
  return 'rejected';
}

/** A deep clone with the value at `path` replaced (or deleted, for `undefined`). */
function withField(event: unknown, path: readonly string[], v: unknown): unknown {
  const copy = structuredClone(event) as Record<string, unknown>;
  let node = copy;
  for (const seg of path.slice(0, -1)) node = node[seg] as Record<string, unknown>;
  const last = path[path.length - 1] as string;
  if (v === undefined) delete node[last];
  else node[last] = v;
  return copy;
}

/** Every path of an event's fields (envelope, data, one level into maps). */
function pathsOf(v: unknown, prefix: string[] = []): string[][] {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || prefix.length > 2) return [];
  return Object.keys(v).flatMap((k) => [
    [...prefix, k],
    ...pathsOf((v as Record<string, unknown>)[k], [...prefix, k]),
  ]);
}

const EDGES: readonly unknown[] = [
  undefined,
  null,
  '',
  ' ',
  'x',
  0,
  -0,
  -1,
  0.5,
  1,
  1.5,
  -1.5,
  2 ** 60,
  -(2 ** 60),
  42,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  true,
  false,
  [],
  ['a'],
  {},
  { a: 1 },
  { a: 'b' },
  { '': 'b' },
  { a: Number.NaN },
  { alpha: 0.01 },
  { alpha: 1 },
  new Date(0),
  Object.create(null),
  'yesterday',
  '2026-01-01T00:00:00Z',
  '2026-02-30T00:00:00Z',
  'INFO',
  'open',
  'log',
  'critical',
];

const FULL = {
  'telemetry.reading': telemetryReading({
    subject: 's',
    datacontenttype: 'application/json',
    dataschema: 'x',
    data: { unit: 'percent', dimensions: { host: 'a', az: 'b' } },
  }),
  'app.log': appLog({ data: { traceId: 't', attributes: { a: 1, b: 'x', c: true } } }),
  'metrics.window': metricsWindow({ data: { sketch: { alpha: 0.01 }, lateCount: 2 } }),
  'alert.anomaly': alertAnomaly({ data: { features: { z: 3.5 } } }),
} as const;

describe('explainEvent agrees with the zod schemas', () => {
  it('knows every registered type at its registered version', () => {
    // Assess
    expect(Object.fromEntries(TYPES.map((t) => [t, EVENT_TYPES[t].version]))).toEqual(
      EVENT_TYPE_VERSIONS,
    );
    expect(TYPES.every(isEventType)).toBe(true);
    expect(isEventType('constructor')).toBe(false);
  });

  it.each(TYPES)('on every field of a full %s replaced by edge values', (type) => {
    // Prepare
    const event = FULL[type];
    let rejected = 0;
    expect(compare(event, type)).toBe('valid');
    for (const path of pathsOf(event)) {
      for (const v of EDGES) {
        // Act / Assess
        if (compare(withField(event, path, v), type) === 'rejected') rejected++;
      }
    }
    // Most replacements must be rejections, or the comparison proves little.
    expect(rejected).toBeGreaterThan(pathsOf(event).length * 10);
  });

  it.each(TYPES)('on map keys zod rejects or skips in a %s', (type) => {
    // Prepare
    const mapPath = type === 'app.log' ? ['data', 'attributes'] : ['data', 'dimensions'];
    const symbolKeyed = { a: 'x', [Symbol('k')]: 'y' };
    const hidden = Object.defineProperty({ a: 'x' }, 'b', { value: 5, enumerable: false });
    const proto = JSON.parse('{"__proto__": 5, "a": "x"}') as unknown;
    const numeric = { b: 'x', 10: 7 };
    for (const map of [symbolKeyed, hidden, proto, numeric, { '': 'x' }]) {
      // Act / Assess
      compare(withField(FULL[type], mapPath, map), type);
    }
    expect(compare(withField(FULL[type], mapPath, symbolKeyed), type)).toBe('rejected');
  });

  it('reports the first broken field in schema order when several are broken', () => {
    // Prepare
    const value = withField(
      withField(metricsWindow(), ['data', 'p99'], 'x'),
      ['data', 'revision'],
      1.5,
    );
    // Act
    const mine = explainEvent(value, 'metrics.window');
    // Assess
    expect(mine).toMatchObject({ code: 'WRONG_TYPE', path: '$.data.revision' });
    expect(compare(value, 'metrics.window')).toBe('rejected');
  });

  it('on mutated and valid events of every type, against every type', () => {
    let rejected = 0;
    let valid = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          maybeInvalidEvent,
          telemetryReadingArb,
          appLogArb,
          metricsWindowArb,
          alertAnomalyArb,
        ),
        (value) => {
          for (const type of TYPES) {
            // Act / Assess
            if (compare(value, type) === 'valid') valid++;
            else rejected++;
          }
        },
      ),
      { numRuns: 1500 },
    );
    expect(valid).toBeGreaterThan(300);
    expect(rejected).toBeGreaterThan(1500);
  });

  it('on arbitrary values', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        for (const type of TYPES) compare(value, type);
      }),
      { numRuns: 500 },
    );
  });

  it('validateEvent reports what zod reports for output types', () => {
    fc.assert(
      fc.property(maybeInvalidEvent, (value) => {
        // Prepare
        const type = (value as { type?: unknown }).type;
        if (type !== 'metrics.window' && type !== 'alert.anomaly') return;
        if ((value as { specversion?: unknown }).specversion !== '1.0') return;
        // Act
        const result = validateEvent(value);
        const zod = zodIssueOf(value, EVENT_TYPES[type].schema);
        // Assess
        if (zod === undefined) expect(result.ok).toBe(true);
        else
          expect(result.ok ? undefined : [result.error.code, result.error.path]).toEqual([
            zod.code,
            zod.path,
          ]);
      }),
      { numRuns: 1000 },
    );
  });
});
