import { isEventTime } from './datetime.js';
import { ErrorCode, jsonPath, type ValidationIssue } from './errors.js';
import {
  ALERT_ANOMALY,
  APP_LOG,
  type EventType,
  LOG_LEVELS,
  METRICS_WINDOW,
  SPEC_VERSION,
  TELEMETRY_READING,
} from './events.js';
import { structureIssue } from './limits.js';

/*
 * Why an event is rejected, without zod. Each type is described below with small checks that
 * mirror the zod schemas of `schemas.ts` one to one, and report what `zodIssueOf` (the zod side,
 * used by the tests) derives from zod's first issue: same code, same JSON path, a plain message.
 * zod reports the fields of an object in the order of its shape, a record's entries in
 * `Reflect.ownKeys` order (key before value), and stops at a field's first failed check; these
 * checks walk the same order. tests/unit/explain-agreement.test.ts compares the two on every
 * type, so the zod schemas stay the source of truth.
 */

type Path = readonly PropertyKey[];
/** One value against one schema: its first issue, or undefined when it is valid. */
type Check = (v: unknown, path: Path) => ValidationIssue | undefined;

function issue(code: ErrorCode, message: string, path: Path): ValidationIssue {
  return { code, message, path: jsonPath(path) };
}

function jsonTypeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** zod's `invalid_type`: an absent value is a missing field, anything else a wrong type. */
function typeIssue(expected: string, v: unknown, path: Path): ValidationIssue {
  return v === undefined
    ? issue(ErrorCode.MISSING_FIELD, `missing required field (expected ${expected})`, path)
    : issue(ErrorCode.WRONG_TYPE, `expected ${expected}, got ${jsonTypeOf(v)}`, path);
}

function isObject(v: unknown): v is Record<PropertyKey, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** zod's `isPlainObject`, which `z.record` requires. */
function isPlainObject(v: unknown): v is Record<PropertyKey, unknown> {
  if (!isObject(v)) return false;
  const ctor = (v as { constructor?: unknown }).constructor;
  if (ctor === undefined || typeof ctor !== 'function') return true;
  const prot: unknown = ctor.prototype;
  return isObject(prot) && Object.hasOwn(prot, 'isPrototypeOf');
}

/** `z.string()` */
const string: Check = (v, path) =>
  typeof v === 'string' ? undefined : typeIssue('string', v, path);

/** `z.string().min(1)` */
const nonEmpty: Check = (v, path) => {
  if (typeof v !== 'string') return typeIssue('string', v, path);
  return v.length > 0
    ? undefined
    : issue(ErrorCode.INVALID_VALUE, 'expected a non-empty string', path);
};

/** What a rejected time is told (zod's `eventTime` in schemas.ts uses the same words). */
export const TIME_MESSAGE =
  'expected an RFC 3339 date-time with an offset, in years 0000-9999 once converted to UTC';

/** `eventTime` of schemas.ts: `z.iso.datetime({ offset: true })` and the UTC year range. */
const time: Check = (v, path) => {
  if (typeof v !== 'string') return typeIssue('string', v, path);
  return isEventTime(v) ? undefined : issue(ErrorCode.INVALID_VALUE, TIME_MESSAGE, path);
};

/** `z.number()` plus checks on a finite number (zod rejects NaN and ±Infinity as a type). */
function number(check?: (n: number, path: Path) => ValidationIssue | undefined): Check {
  return (v, path) => {
    if (typeof v !== 'number') return typeIssue('number', v, path);
    if (!Number.isFinite(v))
      return issue(ErrorCode.NON_FINITE_NUMBER, `expected a finite number, got ${v}`, path);
    return check?.(v, path);
  };
}

const finite = number();

/** What a reading's value beyond ±(2^53 − 1) is told (schemas.ts `readingValue`). */
export const VALUE_RANGE_MESSAGE =
  'expected a value within ±9007199254740991 (beyond it a double cannot hold every integer)';

/** `readingValue` of schemas.ts: a finite number within ±MAX_SAFE_INTEGER. */
const readingValue = number((n, path) =>
  Math.abs(n) <= Number.MAX_SAFE_INTEGER
    ? undefined
    : issue(ErrorCode.INVALID_VALUE, VALUE_RANGE_MESSAGE, path),
);

/** `z.number().int().nonnegative()`: zod reports a fraction as a type (`int`), the rest as values. */
const nonNegInt = number((n, path) => {
  if (!Number.isInteger(n))
    return issue(ErrorCode.WRONG_TYPE, `expected an integer, got ${n}`, path);
  if (!Number.isSafeInteger(n))
    return issue(ErrorCode.INVALID_VALUE, `expected a safe integer, got ${n}`, path);
  return n >= 0
    ? undefined
    : issue(ErrorCode.INVALID_VALUE, `expected a number >= 0, got ${n}`, path);
});

/** `z.number()` with bounds (`.positive()`, `.lt(1)`, `.min(0).max(1)`). */
function between(low: number, lowInclusive: boolean, high: number, highInclusive: boolean): Check {
  const text = `expected a number ${lowInclusive ? '>=' : '>'} ${low} and ${highInclusive ? '<=' : '<'} ${high}`;
  return number((n, path) =>
    (lowInclusive ? n >= low : n > low) && (highInclusive ? n <= high : n < high)
      ? undefined
      : issue(ErrorCode.INVALID_VALUE, `${text}, got ${n}`, path),
  );
}

const boolean: Check = (v, path) =>
  typeof v === 'boolean' ? undefined : typeIssue('boolean', v, path);

/** `z.enum(values)` / `z.literal(value)`: anything else, absent included, is an invalid value. */
function oneOf(values: readonly unknown[]): Check {
  const text = `expected ${values.length === 1 ? JSON.stringify(values[0]) : `one of ${values.join('|')}`}`;
  return (v, path) => (values.includes(v) ? undefined : issue(ErrorCode.INVALID_VALUE, text, path));
}

function optional(check: Check): Check {
  return (v, path) => (v === undefined ? undefined : check(v, path));
}

/** `z.string() | z.number() | z.boolean()`: no member matches → the union's invalid value. */
const scalar: Check = (v, path) => {
  const t = typeof v;
  if (t === 'string' || t === 'boolean' || (t === 'number' && Number.isFinite(v))) return undefined;
  return issue(
    ErrorCode.INVALID_VALUE,
    `expected a string, a finite number or a boolean, got ${t === 'number' ? v : jsonTypeOf(v)}`,
    path,
  );
};

/** `z.record(z.string().min(1), value)` */
function record(value: Check): Check {
  return (v, path) => {
    if (!isPlainObject(v)) return typeIssue('record', v, path);
    for (const key of Reflect.ownKeys(v)) {
      if (key === '__proto__' || !Object.prototype.propertyIsEnumerable.call(v, key)) continue;
      if (typeof key !== 'string' || key.length === 0)
        return issue(ErrorCode.INVALID_VALUE, 'expected a non-empty string key', [...path, key]);
      const found = value(v[key], [...path, key]);
      if (found !== undefined) return found;
    }
    return undefined;
  };
}

/** `z.array(item)`: the first element that fails, at its index. */
function array(item: Check): Check {
  return (v, path) => {
    if (!Array.isArray(v)) return typeIssue('array', v, path);
    for (let i = 0; i < v.length; i++) {
      const found = item(v[i], [...path, i]);
      if (found !== undefined) return found;
    }
    return undefined;
  };
}

/** `z.object(shape)` / `z.looseObject(shape)`: unknown fields are not checked by either. */
function object(shape: Readonly<Record<string, Check>>): Check {
  const fields = Object.entries(shape);
  return (v, path) => {
    if (!isObject(v)) return typeIssue('object', v, path);
    for (const [key, check] of fields) {
      const found = check(v[key], [...path, key]);
      if (found !== undefined) return found;
    }
    return undefined;
  };
}

const stringMap = record(string);

function envelope(type: EventType, data: Check): Check {
  return object({
    specversion: oneOf([SPEC_VERSION]),
    id: nonEmpty,
    source: nonEmpty,
    type: oneOf([type]),
    time,
    subject: optional(nonEmpty),
    datacontenttype: optional(nonEmpty),
    dataschema: optional(nonEmpty),
    data,
  });
}

const EXPLAIN: Record<EventType, Check> = {
  [TELEMETRY_READING]: envelope(
    TELEMETRY_READING,
    object({
      metric: nonEmpty,
      value: readingValue,
      unit: optional(nonEmpty),
      dimensions: optional(stringMap),
    }),
  ),
  [APP_LOG]: envelope(
    APP_LOG,
    object({
      level: oneOf(LOG_LEVELS),
      message: string,
      service: nonEmpty,
      traceId: optional(nonEmpty),
      attributes: optional(record(scalar)),
    }),
  ),
  [METRICS_WINDOW]: envelope(
    METRICS_WINDOW,
    object({
      series: nonEmpty,
      kind: oneOf(['telemetry', 'log']),
      metric: nonEmpty,
      dimensions: stringMap,
      windowStart: time,
      windowEnd: time,
      windowSeconds: between(0, false, Number.POSITIVE_INFINITY, false),
      revision: nonNegInt,
      count: nonNegInt,
      sum: finite,
      min: finite,
      max: finite,
      mean: finite,
      p50: finite,
      p90: finite,
      p99: finite,
      sketch: optional(object({ alpha: between(0, false, 1, false) })),
      lateCount: optional(nonNegInt),
      final: boolean,
      query: optional(nonEmpty),
      group: optional(stringMap),
      aggregates: optional(record(finite)),
      top: optional(record(array(object({ value: string, count: nonNegInt })))),
      retracted: optional(boolean),
    }),
  ),
  [ALERT_ANOMALY]: envelope(
    ALERT_ANOMALY,
    object({
      series: nonEmpty,
      metric: nonEmpty,
      dimensions: stringMap,
      windowStart: time,
      windowEnd: time,
      status: oneOf(['open', 'recovered']),
      observed: finite,
      expectedLow: finite,
      expectedHigh: finite,
      score: between(0, true, 1, true),
      severity: oneOf(['low', 'medium', 'high', 'critical']),
      explanation: string,
      features: optional(record(finite)),
      windowEventId: nonEmpty,
      episodeId: nonEmpty,
    }),
  ),
};

/**
 * The first issue of `value` as an event of `type` (code and JSON path as zod's schema would
 * report them), or `undefined` when it is a valid event of that type.
 *
 * @example
 * explainEvent({ ...reading, data: { metric: 'cpu', value: 'x' } }, 'telemetry.reading');
 * // → { code: 'WRONG_TYPE', message: 'expected number, got string', path: '$.data.value' }
 */
export function explainEvent(value: unknown, type: EventType): ValidationIssue | undefined {
  // The structural limits first, as `guarded` in schemas.ts checks them before the envelope.
  return structureIssue(value) ?? EXPLAIN[type](value, []);
}
