import fc from 'fast-check';
import { isReservedKey } from '../../src/limits.js';

/** fast-check arbitraries of valid events and of mutations that may make them invalid. */

const MIN_MS = Date.UTC(1970, 0, 1);
const MAX_MS = Date.UTC(2100, 0, 1);

/** RFC 3339 times in the shapes producers send: Z or offset, 0–9 fraction digits. */
export const rfc3339Time = fc
  .tuple(
    fc.integer({ min: MIN_MS, max: MAX_MS }),
    fc.constantFrom('Z', '+00:00', '-05:30', '+14:00', '-23:59'),
    fc.constantFrom('', '.1', '.123', '.123456', '.123456789'),
  )
  .map(([ms, zone, frac]) => `${new Date(ms).toISOString().slice(0, 19)}${frac}${zone}`);

const nonEmpty = fc.string({ minLength: 1, maxLength: 12 });
/** Map keys of valid events: non-empty and not reserved (limits.ts). */
const mapKey = nonEmpty.filter((k) => !isReservedKey(k));
const stringMap = fc.dictionary(mapKey, fc.string({ maxLength: 8 }), { maxKeys: 4 });
const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
/** A reading's value: finite and within ±(2^53 − 1). */
const readingValue = fc.double({
  min: -Number.MAX_SAFE_INTEGER,
  max: Number.MAX_SAFE_INTEGER,
  noNaN: true,
});

function envelope<T>(type: string, data: fc.Arbitrary<T>) {
  return fc.record(
    {
      specversion: fc.constant('1.0'),
      id: nonEmpty,
      source: nonEmpty,
      type: fc.constant(type),
      time: rfc3339Time,
      subject: nonEmpty,
      datacontenttype: fc.constant('application/json'),
      dataschema: nonEmpty,
      data,
    },
    { requiredKeys: ['specversion', 'id', 'source', 'type', 'time', 'data'] },
  );
}

export const telemetryReadingArb = envelope(
  'telemetry.reading',
  fc.record(
    { metric: nonEmpty, value: readingValue, unit: nonEmpty, dimensions: stringMap },
    { requiredKeys: ['metric', 'value'] },
  ),
);

export const appLogArb = envelope(
  'app.log',
  fc.record(
    {
      level: fc.constantFrom('DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'),
      message: fc.string({ maxLength: 40 }),
      service: nonEmpty,
      traceId: nonEmpty,
      attributes: fc.dictionary(mapKey, fc.oneof(fc.string(), finite, fc.boolean()), {
        maxKeys: 4,
      }),
    },
    { requiredKeys: ['level', 'message', 'service'] },
  ),
);

const count = fc.nat({ max: 1_000_000 });

export const metricsWindowArb = envelope(
  'metrics.window',
  fc.record(
    {
      series: nonEmpty,
      kind: fc.constantFrom('telemetry', 'log'),
      metric: nonEmpty,
      dimensions: stringMap,
      windowStart: rfc3339Time,
      windowEnd: rfc3339Time,
      windowSeconds: fc.integer({ min: 1, max: 3600 }),
      revision: fc.nat({ max: 50 }),
      count,
      sum: finite,
      min: finite,
      max: finite,
      mean: finite,
      p50: finite,
      p90: finite,
      p99: finite,
      sketch: fc.record({ alpha: fc.double({ min: 0.001, max: 0.5, noNaN: true }) }),
      lateCount: count,
      final: fc.boolean(),
      query: nonEmpty,
      group: stringMap,
      aggregates: fc.dictionary(mapKey, finite, { maxKeys: 4 }),
      top: fc.dictionary(
        mapKey,
        fc.array(fc.record({ value: fc.string({ maxLength: 8 }), count }), { maxLength: 3 }),
        { maxKeys: 2 },
      ),
      retracted: fc.boolean(),
    },
    {
      requiredKeys: [
        'series',
        'kind',
        'metric',
        'dimensions',
        'windowStart',
        'windowEnd',
        'windowSeconds',
        'revision',
        'count',
        'sum',
        'min',
        'max',
        'mean',
        'p50',
        'p90',
        'p99',
        'final',
      ],
    },
  ),
);

export const alertAnomalyArb = envelope(
  'alert.anomaly',
  fc.record(
    {
      series: nonEmpty,
      metric: nonEmpty,
      dimensions: stringMap,
      windowStart: rfc3339Time,
      windowEnd: rfc3339Time,
      status: fc.constantFrom('open', 'recovered'),
      observed: finite,
      expectedLow: finite,
      expectedHigh: finite,
      score: fc.double({ min: 0, max: 1, noNaN: true }),
      severity: fc.constantFrom('low', 'medium', 'high', 'critical'),
      explanation: fc.string(),
      features: fc.dictionary(mapKey, finite, { maxKeys: 3 }),
      windowEventId: nonEmpty,
      episodeId: nonEmpty,
    },
    {
      requiredKeys: [
        'series',
        'metric',
        'dimensions',
        'windowStart',
        'windowEnd',
        'status',
        'observed',
        'expectedLow',
        'expectedHigh',
        'score',
        'severity',
        'explanation',
        'windowEventId',
        'episodeId',
      ],
    },
  ),
);

/** Values that sit on the edges of what the schemas accept. */
export const edgeValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constant(''),
  fc.constant(' '),
  fc.constantFrom('1.0', '0.3', 'INFO', 'info', 'open', 'log', 'telemetry', 'critical'),
  fc.constantFrom('telemetry.reading', 'app.log', 'metrics.window', 'alert.anomaly'),
  fc.constantFrom(
    '2026-01-01T00:00:00Z',
    '2026-01-01T00:00:00',
    '2026-02-30T00:00:00Z',
    '2026-01-01t00:00:00z',
    '2026-01-01T00:00:60Z',
  ),
  fc.string(),
  fc.double(),
  fc.integer(),
  fc.constantFrom(-1, 0, 0.5, 1, 1.5, 2 ** 53, -0, Number.NaN, Number.POSITIVE_INFINITY),
  fc.boolean(),
  fc.array(fc.anything(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)), {
    maxKeys: 3,
  }),
  fc.object({ maxDepth: 1 }),
);

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every path into an object (up to depth 3), for choosing what to mutate. */
function pathsOf(v: unknown, prefix: string[] = [], depth = 0): string[][] {
  if (!isObj(v) || depth > 3) return [];
  const out: string[][] = [];
  for (const k of Object.keys(v)) {
    out.push([...prefix, k]);
    out.push(...pathsOf(v[k], [...prefix, k], depth + 1));
  }
  return out;
}

/** Replaces (or deletes, or adds) the value at one path of a deep clone. */
export function mutate(
  value: unknown,
  pick: number,
  replacement: unknown,
  extraKey: string,
): unknown {
  const copy = structuredClone(value) as Obj;
  const paths = pathsOf(copy);
  // Also allow adding unknown keys at the envelope, data and map levels.
  paths.push([extraKey], ['data', extraKey], ['data', 'dimensions', extraKey]);
  const path = paths[pick % paths.length] as string[];
  let node: unknown = copy;
  for (const seg of path.slice(0, -1)) {
    if (!isObj(node)) return copy;
    node = node[seg];
  }
  if (!isObj(node)) return copy;
  const last = path[path.length - 1] as string;
  if (replacement === undefined && pick % 2 === 0) delete node[last];
  else node[last] = replacement;
  return copy;
}

/** A valid event of any type, possibly mutated once or twice. */
export const maybeInvalidEvent: fc.Arbitrary<unknown> = fc
  .tuple(
    fc.oneof(telemetryReadingArb, appLogArb, metricsWindowArb, alertAnomalyArb),
    fc.array(fc.tuple(fc.nat(), edgeValue, fc.string({ maxLength: 6 })), { maxLength: 2 }),
  )
  .map(([event, mutations]) =>
    mutations.reduce<unknown>((acc, [pick, v, key]) => mutate(acc, pick, v, key), event),
  );
