import * as z from 'zod';
import { LOG_LEVELS } from './events.js';

/**
 * Hand-written validators for the valid case of every registered type. They return only a boolean:
 * the hot path needs "is it valid?" at close to the cost of reading the fields, and the detailed
 * error for a rejected record comes from the zod schema (see validate.ts). A differential property
 * test (tests/unit/fast-agreement.test.ts) checks that each one accepts exactly what its zod schema
 * accepts, so the zod schema stays the single source of truth.
 */

// The very regex zod's `z.iso.datetime({ offset: true })` uses, so both always agree.
const DATETIME = z.regexes.datetime({ offset: true, local: false });

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
  return typeof v === 'string' && DATETIME.test(v);
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
    optNonEmpty(d.unit) &&
    (d.dimensions === undefined || stringMap(d.dimensions))
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
    (d.attributes === undefined || attributeMap(d.attributes))
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
  return typeof d.final === 'boolean';
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
  return nonEmpty(d.windowEventId) && nonEmpty(d.episodeId);
}
