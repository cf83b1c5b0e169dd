import { isEventTime } from './datetime.js';
import { ErrorCode, jsonPath, type ValidationIssue } from './errors.js';
import { LOG_LEVELS } from './events.js';
import { TIME_MESSAGE, VALUE_RANGE_MESSAGE } from './explain.js';
import { structureOk } from './limits.js';

/**
 * Hand-written validators for the valid case of every registered type. They return only a boolean:
 * the hot path needs "is it valid?" at close to the cost of reading the fields, and the detailed
 * error for a rejected record comes from the zod schema (see validate.ts). A differential property
 * test (tests/unit/fast-agreement.test.ts) checks that each one accepts exactly what its zod schema
 * accepts, so the zod schema stays the single source of truth.
 */

// biome-ignore lint/suspicious/noExplicitAny: validators inspect untrusted values field by field
type Any = any;

function isObject(o: unknown): o is Record<string, unknown> {
  return typeof o === 'object' && o !== null && !Array.isArray(o);
}

/** Mirrors zod's `isPlainObject`, which `z.record` requires. */
function isPlainObject(o: unknown): o is Record<string, unknown> {
  if (!isObject(o)) return false;
  const ctor = (o as Any).constructor;
  if (ctor === undefined || typeof ctor !== 'function') return true;
  const prot = ctor.prototype;
  if (!isObject(prot)) return false;
  return Object.hasOwn(prot, 'isPrototypeOf');
}

function nonEmpty(v: unknown): boolean {
  return typeof v === 'string' && v.length > 0;
}

function optNonEmpty(v: unknown): boolean {
  return v === undefined || (typeof v === 'string' && v.length > 0);
}

function finite(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v);
}

function nonNegInt(v: unknown): boolean {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isTime(v: unknown): boolean {
  return typeof v === 'string' && isEventTime(v);
}

/** Own enumerable string keys, as zod's record walks them (it skips `__proto__`). */
function stringMap(o: unknown): boolean {
  if (!isPlainObject(o)) return false;
  for (const k in o) {
    if (!Object.hasOwn(o, k) || k === '__proto__') continue;
    if (k.length === 0 || typeof o[k] !== 'string') return false;
  }
  return true;
}

function finiteMap(o: unknown): boolean {
  if (!isPlainObject(o)) return false;
  for (const k in o) {
    if (!Object.hasOwn(o, k) || k === '__proto__') continue;
    if (k.length === 0 || !finite(o[k])) return false;
  }
  return true;
}

/** A query's top-k outputs: name → [{ value: string, count: non-negative integer }]. */
function topMap(o: unknown): boolean {
  if (!isPlainObject(o)) return false;
  for (const k in o) {
    if (!Object.hasOwn(o, k) || k === '__proto__') continue;
    const list = o[k];
    if (k.length === 0 || !Array.isArray(list)) return false;
    for (const item of list) {
      if (!isObject(item) || typeof item.value !== 'string' || !nonNegInt(item.count)) return false;
    }
  }
  return true;
}

function attributeMap(o: unknown): boolean {
  if (!isPlainObject(o)) return false;
  for (const k in o) {
    if (!Object.hasOwn(o, k) || k === '__proto__') continue;
    if (k.length === 0) return false;
    const v = o[k];
    const t = typeof v;
    if (t === 'string' || t === 'boolean') continue;
    if (t === 'number' && Number.isFinite(v)) continue;
    return false;
  }
  return true;
}

function numberMap(o: unknown): boolean {
  if (!isPlainObject(o)) return false;
  for (const k in o) {
    if (!Object.hasOwn(o, k) || k === '__proto__') continue;
    if (k.length === 0 || !finite(o[k])) return false;
  }
  return true;
}

function envelope(e: Any, type: string): boolean {
  return (
    e.specversion === '1.0' &&
    e.type === type &&
    nonEmpty(e.id) &&
    nonEmpty(e.source) &&
    isTime(e.time) &&
    optNonEmpty(e.subject) &&
    optNonEmpty(e.datacontenttype) &&
    optNonEmpty(e.dataschema) &&
    isObject(e.data)
  );
}

/** Fast check of a `telemetry.reading` (the caller has checked `e` is an object). */
export function fastTelemetryReading(e: Any): boolean {
  if (!envelope(e, 'telemetry.reading')) return false;
  const d = e.data;
  return (
    nonEmpty(d.metric) &&
    finite(d.value) &&
    Math.abs(d.value) <= Number.MAX_SAFE_INTEGER &&
    optNonEmpty(d.unit) &&
    (d.dimensions === undefined || stringMap(d.dimensions)) &&
    structureOk(e)
  );
}

/** Fast check of an `app.log`. */
export function fastAppLog(e: Any): boolean {
  if (!envelope(e, 'app.log')) return false;
  const d = e.data;
  return (
    LOG_LEVELS.includes(d.level) &&
    typeof d.message === 'string' &&
    nonEmpty(d.service) &&
    optNonEmpty(d.traceId) &&
    (d.attributes === undefined || attributeMap(d.attributes)) &&
    structureOk(e)
  );
}

function windowCommon(d: Any): boolean {
  return (
    nonEmpty(d.series) &&
    nonEmpty(d.metric) &&
    stringMap(d.dimensions) &&
    isTime(d.windowStart) &&
    isTime(d.windowEnd)
  );
}

/** Fast check of a `metrics.window`. */
export function fastMetricsWindow(e: Any): boolean {
  if (!envelope(e, 'metrics.window')) return false;
  const d = e.data;
  if (!windowCommon(d)) return false;
  if (d.kind !== 'telemetry' && d.kind !== 'log') return false;
  if (!(finite(d.windowSeconds) && d.windowSeconds > 0)) return false;
  if (!nonNegInt(d.revision) || !nonNegInt(d.count)) return false;
  if (!(finite(d.sum) && finite(d.min) && finite(d.max) && finite(d.mean))) return false;
  if (!(finite(d.p50) && finite(d.p90) && finite(d.p99))) return false;
  const s = d.sketch;
  if (
    s !== undefined &&
    !(isObject(s) && finite((s as Any).alpha) && (s as Any).alpha > 0 && (s as Any).alpha < 1)
  )
    return false;
  if (d.lateCount !== undefined && !nonNegInt(d.lateCount)) return false;
  if (d.query !== undefined && !nonEmpty(d.query)) return false;
  if (d.group !== undefined && !stringMap(d.group)) return false;
  if (d.aggregates !== undefined && !finiteMap(d.aggregates)) return false;
  if (d.top !== undefined && !topMap(d.top)) return false;
  if (d.retracted !== undefined && typeof d.retracted !== 'boolean') return false;
  return typeof d.final === 'boolean' && structureOk(e);
}

const SEVERITIES: readonly unknown[] = ['low', 'medium', 'high', 'critical'];

/** Fast check of an `alert.anomaly`. */
export function fastAlertAnomaly(e: Any): boolean {
  if (!envelope(e, 'alert.anomaly')) return false;
  const d = e.data;
  if (!windowCommon(d)) return false;
  if (d.status !== 'open' && d.status !== 'recovered') return false;
  if (!(finite(d.observed) && finite(d.expectedLow) && finite(d.expectedHigh))) return false;
  if (!(finite(d.score) && d.score >= 0 && d.score <= 1)) return false;
  if (!SEVERITIES.includes(d.severity)) return false;
  if (typeof d.explanation !== 'string') return false;
  if (d.features !== undefined && !numberMap(d.features)) return false;
  return nonEmpty(d.windowEventId) && nonEmpty(d.episodeId) && structureOk(e);
}

/*
 * Hand-written explanations of the common rejections of the input types. Each walks the fields in
 * the order of its zod schema (the order zod reports issues in) and returns the issue that the zod
 * path (validate.ts) would derive from zod's first issue: same code, same path, a plain message.
 * They return `undefined` for what they do not cover (a bad entry in a map, a value they cannot
 * classify): the caller then asks zod. A test checks them against zod on every case they cover.
 */

function jsonTypeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function issue(code: ErrorCode, message: string, path: string): ValidationIssue {
  return { code, message, path };
}

function missing(expected: string, path: string): ValidationIssue {
  return issue(ErrorCode.MISSING_FIELD, `missing required field (expected ${expected})`, path);
}

function wrongType(expected: string, v: unknown, path: string): ValidationIssue {
  return issue(ErrorCode.WRONG_TYPE, `expected ${expected}, got ${jsonTypeOf(v)}`, path);
}

/** A required non-empty string (`z.string().min(1)`). */
function checkNonEmpty(v: unknown, path: string): ValidationIssue | undefined {
  if (typeof v === 'string') {
    return v.length > 0
      ? undefined
      : issue(ErrorCode.INVALID_VALUE, 'expected a non-empty string', path);
  }
  return v === undefined ? missing('string', path) : wrongType('string', v, path);
}

function checkOptNonEmpty(v: unknown, path: string): ValidationIssue | undefined {
  return v === undefined ? undefined : checkNonEmpty(v, path);
}

function checkTime(v: unknown, path: string): ValidationIssue | undefined {
  if (typeof v === 'string') {
    return isEventTime(v) ? undefined : issue(ErrorCode.INVALID_VALUE, TIME_MESSAGE, path);
  }
  return v === undefined ? missing('string', path) : wrongType('string', v, path);
}

/** `z.number()`: zod reports NaN and ±Infinity as a wrong type, which validate.ts calls non-finite. */
function checkFinite(v: unknown, path: string): ValidationIssue | undefined {
  if (typeof v === 'number') {
    return Number.isFinite(v)
      ? undefined
      : issue(ErrorCode.NON_FINITE_NUMBER, `expected a finite number, got ${v}`, path);
  }
  return v === undefined ? missing('number', path) : wrongType('number', v, path);
}

/** `readingValue` (schemas.ts): finite, then within ±MAX_SAFE_INTEGER. */
function checkReadingValue(v: unknown): ValidationIssue | undefined {
  const found = checkFinite(v, '$.data.value');
  if (found !== undefined || Math.abs(v as number) <= Number.MAX_SAFE_INTEGER) return found;
  return issue(ErrorCode.INVALID_VALUE, VALUE_RANGE_MESSAGE, '$.data.value');
}

/** Sentinel: the map is malformed in a way left to zod to explain. */
const ASK_ZOD: ValidationIssue = issue(ErrorCode.INVALID_VALUE, 'ask zod', '$');

function checkEnvelope(e: Any): ValidationIssue | undefined {
  // specversion and type are checked by the caller (validate.ts) before a schema is chosen.
  return (
    checkNonEmpty(e.id, '$.id') ??
    checkNonEmpty(e.source, '$.source') ??
    checkTime(e.time, '$.time') ??
    checkOptNonEmpty(e.subject, '$.subject') ??
    checkOptNonEmpty(e.datacontenttype, '$.datacontenttype') ??
    checkOptNonEmpty(e.dataschema, '$.dataschema') ??
    (isObject(e.data)
      ? undefined
      : e.data === undefined
        ? missing('object', '$.data')
        : wrongType('object', e.data, '$.data'))
  );
}

/** `z.record(nonEmpty, z.string())`: covers a non-object map and a non-string value only. */
function checkStringMap(o: unknown, path: string): ValidationIssue | undefined {
  if (!isPlainObject(o))
    return Array.isArray(o) || o === null || typeof o !== 'object'
      ? wrongType('record', o, path)
      : ASK_ZOD;
  for (const k in o) {
    if (!Object.hasOwn(o, k) || k === '__proto__') continue;
    if (k.length === 0) return ASK_ZOD;
    const v = o[k];
    if (typeof v !== 'string') {
      const at = jsonPath(['data', 'dimensions', k]);
      return v === undefined ? missing('string', at) : wrongType('string', v, at);
    }
  }
  return undefined;
}

/** `z.record(nonEmpty, string | number | boolean)`: a non-object map and a bad value. */
function checkAttributeMap(o: unknown): ValidationIssue | undefined {
  if (!isPlainObject(o)) {
    return Array.isArray(o) || o === null || typeof o !== 'object'
      ? wrongType('record', o, '$.data.attributes')
      : ASK_ZOD;
  }
  for (const k in o) {
    if (!Object.hasOwn(o, k) || k === '__proto__') continue;
    if (k.length === 0) return ASK_ZOD;
    const v = o[k];
    const t = typeof v;
    if (t === 'string' || t === 'boolean' || (t === 'number' && Number.isFinite(v))) continue;
    // No member of the union matches: zod reports the union itself, an invalid value.
    return issue(
      ErrorCode.INVALID_VALUE,
      `expected a string, a finite number or a boolean, got ${t === 'number' ? v : jsonTypeOf(v)}`,
      jsonPath(['data', 'attributes', k]),
    );
  }
  return undefined;
}

/**
 * Explains why a `telemetry.reading` (an object whose `specversion` and `type` are right) fails its
 * schema, or returns `undefined` when the case is left to zod.
 */
export function explainTelemetryReading(e: Any): ValidationIssue | undefined {
  const env = checkEnvelope(e);
  if (env !== undefined) return env;
  const d = e.data;
  const found =
    checkNonEmpty(d.metric, '$.data.metric') ??
    checkReadingValue(d.value) ??
    checkOptNonEmpty(d.unit, '$.data.unit') ??
    (d.dimensions === undefined ? undefined : checkStringMap(d.dimensions, '$.data.dimensions'));
  return found === ASK_ZOD ? undefined : found;
}

/** Like `explainTelemetryReading`, for `app.log`. */
export function explainAppLog(e: Any): ValidationIssue | undefined {
  const env = checkEnvelope(e);
  if (env !== undefined) return env;
  const d = e.data;
  if (!LOG_LEVELS.includes(d.level)) {
    // z.enum reports any value outside it (absent included) as an invalid value.
    return issue(
      ErrorCode.INVALID_VALUE,
      `expected one of ${LOG_LEVELS.join('|')}`,
      '$.data.level',
    );
  }
  const found =
    (typeof d.message === 'string'
      ? undefined
      : d.message === undefined
        ? missing('string', '$.data.message')
        : wrongType('string', d.message, '$.data.message')) ??
    checkNonEmpty(d.service, '$.data.service') ??
    checkOptNonEmpty(d.traceId, '$.data.traceId') ??
    (d.attributes === undefined ? undefined : checkAttributeMap(d.attributes));
  return found === ASK_ZOD ? undefined : found;
}
