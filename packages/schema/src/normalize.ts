import { MAX_EVENT_TIME_MS, MIN_EVENT_TIME_MS, parseRfc3339 } from './datetime.js';
import type { StreamlensEvent } from './events.js';

const CANONICAL_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * Event time → UTC with milliseconds (`2026-01-02T03:04:05.678Z`), the fraction truncated to
 * milliseconds (`parseRfc3339`). What is not an event time (`isEventTime`: validation rejects it)
 * is returned unchanged rather than given an invented form.
 */
export function normalizeTime(time: string): string {
  if (CANONICAL_TIME.test(time)) return time;
  const ms = parseRfc3339(time);
  if (!(ms >= MIN_EVENT_TIME_MS && ms <= MAX_EVENT_TIME_MS)) return time;
  return new Date(ms).toISOString();
}

function needsTrim(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  const a = s.charCodeAt(0);
  const z = s.charCodeAt(n - 1);
  // Printable ASCII at both ends cannot be trimmed; anything else is left to String#trim.
  return !(a > 32 && a < 127 && z > 32 && z < 127);
}

// Trimming never empties a field: a whitespace-only value stays as it was (and stays invalid).
function trim(s: string): string {
  if (!needsTrim(s)) return s;
  const t = s.trim();
  return t.length > 0 ? t : s;
}

// A log message may become empty: a message of only whitespace is an empty message.
function trimAll(s: string): string {
  return needsTrim(s) ? s.trim() : s;
}

function trimOpt(s: string | undefined): string | undefined {
  return s === undefined ? undefined : trim(s);
}

function sortedMap<V>(m: Readonly<Record<string, V>>, value: (v: V) => V): Record<string, V> {
  const keys = Object.keys(m);
  // Most producers already send sorted, trimmed maps: then the map itself is reused, no copy.
  let canonical = true;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    const v = m[k] as V;
    if ((i > 0 && (keys[i - 1] as string) >= k) || trim(k) !== k || value(v) !== v) {
      canonical = false;
      break;
    }
  }
  if (canonical) return m as Record<string, V>;
  keys.sort();
  const out: Record<string, V> = {};
  for (const k of keys) put(out, trim(k), value(m[k] as V));
  return out;
}

/**
 * `sortedMap(m, trimValue)` for string maps (dimensions, the common case on the hot path), without
 * the callback: one pass collects the keys and checks whether the map is already canonical (the
 * usual case: then no copy), and only a map that is not is sorted, with the built-in sort
 * (O(n log n) whatever the input order; an insertion sort is quadratic on a reversed map).
 */
function sortedStringMap(m: Readonly<Record<string, string>>): Record<string, string> {
  // Keys are collected with for-in (no array per map) into one reused array.
  const keys = KEYS;
  let n = 0;
  let canonical = true;
  for (const k in m) {
    if (!Object.hasOwn(m, k)) continue;
    if (canonical) {
      const v = m[k] as string;
      if ((n > 0 && (keys[n - 1] as string) >= k) || trim(k) !== k || trim(v) !== v)
        canonical = false;
    }
    keys[n++] = k;
  }
  if (canonical) {
    keys.length = 0;
    return m as Record<string, string>;
  }
  keys.length = n;
  keys.sort();
  const out: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    const k = keys[i] as string;
    put(out, trim(k), trim(m[k] as string));
  }
  keys.length = 0;
  return out;
}

/** Scratch for `sortedStringMap` (not re-entrant: it calls nothing that could come back here). */
const KEYS: string[] = [];

/**
 * `out[k] = v` as a data property, even for `__proto__` (which an assignment would treat as the
 * prototype). Validated events never hold that key (limits.ts); this keeps the copy exact for
 * callers that normalise what they did not validate.
 */
function put<V>(out: Record<string, V>, k: string, v: V): void {
  if (k === '__proto__')
    Object.defineProperty(out, k, {
      value: v,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else out[k] = v;
}

const same = <V>(v: V): V => v;

/**
 * Canonical form of an event: `time` (and window times) in UTC with milliseconds, identifiers and
 * messages trimmed, map keys sorted. The input is never changed: an event that is already
 * canonical is returned as is (no allocation, the common case on the hot path), otherwise a new
 * object. Optional fields that are absent stay absent.
 *
 * @example
 * normalizeEvent(e).time // '2026-01-01T00:00:00.000Z' for '2026-01-01T01:00:00+01:00'
 */
export function normalizeEvent<E extends StreamlensEvent>(e: E): E {
  const data = normalizeData(e);
  const id = trim(e.id);
  const source = trim(e.source);
  const time = normalizeTime(e.time);
  const subject = trimOpt(e.subject);
  if (
    data === e.data &&
    id === e.id &&
    source === e.source &&
    time === e.time &&
    subject === e.subject
  ) {
    return e;
  }
  const out: Record<string, unknown> = { ...e, id, source, time, data };
  if (subject !== undefined) out.subject = subject;
  return out as E;
}

/**
 * `normalizeEvent` for an event the caller owns, e.g. one it has just parsed: the fields that
 * change are assigned in place instead of copying the event and its `data` (a map that must be
 * re-sorted is still a new map). Assigning existing keys keeps their order, so `JSON.stringify`
 * of the result is exactly `JSON.stringify(normalizeEvent(e))`; an absent optional field stays
 * absent. Returns `e`. For the hot path of a consumer that serialises what it validated.
 *
 * @example
 * const event = normalizeEventInPlace(parsed.value); // parsed.value is not shared
 */
export function normalizeEventInPlace<E extends StreamlensEvent>(e: E): E {
  const w = e as Writable<StreamlensEvent>;
  const id = trim(e.id);
  if (id !== e.id) w.id = id;
  const source = trim(e.source);
  if (source !== e.source) w.source = source;
  const time = normalizeTime(e.time);
  if (time !== e.time) w.time = time;
  if (e.subject !== undefined) {
    const subject = trim(e.subject);
    if (subject !== e.subject) w.subject = subject;
  }
  normalizeDataInPlace(e);
  return e;
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

function normalizeDataInPlace(e: StreamlensEvent): void {
  switch (e.type) {
    case 'telemetry.reading': {
      const d = e.data as Writable<typeof e.data>;
      const metric = trim(d.metric);
      if (metric !== d.metric) d.metric = metric;
      if (d.unit !== undefined) {
        const unit = trim(d.unit);
        if (unit !== d.unit) d.unit = unit;
      }
      if (d.dimensions !== undefined) {
        const dimensions = sortedStringMap(d.dimensions);
        if (dimensions !== d.dimensions) d.dimensions = dimensions;
      }
      return;
    }
    case 'app.log': {
      const d = e.data as Writable<typeof e.data>;
      const message = trimAll(d.message);
      if (message !== d.message) d.message = message;
      const service = trim(d.service);
      if (service !== d.service) d.service = service;
      if (d.traceId !== undefined) {
        const traceId = trim(d.traceId);
        if (traceId !== d.traceId) d.traceId = traceId;
      }
      if (d.attributes !== undefined) {
        const attributes = sortedMap(d.attributes, same);
        if (attributes !== d.attributes) d.attributes = attributes;
      }
      return;
    }
    default: {
      const d = e.data as Writable<typeof e.data>;
      const dimensions = sortedMap(d.dimensions, same);
      if (dimensions !== d.dimensions) d.dimensions = dimensions;
      const windowStart = normalizeTime(d.windowStart);
      if (windowStart !== d.windowStart) d.windowStart = windowStart;
      const windowEnd = normalizeTime(d.windowEnd);
      if (windowEnd !== d.windowEnd) d.windowEnd = windowEnd;
    }
  }
}

function normalizeData(e: StreamlensEvent): StreamlensEvent['data'] {
  switch (e.type) {
    case 'telemetry.reading': {
      const d = e.data;
      const metric = trim(d.metric);
      const unit = trimOpt(d.unit);
      const dimensions = d.dimensions === undefined ? undefined : sortedStringMap(d.dimensions);
      if (metric === d.metric && unit === d.unit && dimensions === d.dimensions) return d;
      const out = { ...d, metric };
      if (unit !== undefined) out.unit = unit;
      if (dimensions !== undefined) out.dimensions = dimensions;
      return out;
    }
    case 'app.log': {
      const d = e.data;
      const message = trimAll(d.message);
      const service = trim(d.service);
      const traceId = trimOpt(d.traceId);
      const attributes = d.attributes === undefined ? undefined : sortedMap(d.attributes, same);
      if (
        message === d.message &&
        service === d.service &&
        traceId === d.traceId &&
        attributes === d.attributes
      ) {
        return d;
      }
      const out = { ...d, message, service };
      if (traceId !== undefined) out.traceId = traceId;
      if (attributes !== undefined) out.attributes = attributes;
      return out;
    }
    default: {
      const d = e.data;
      const dimensions = sortedMap(d.dimensions, same);
      const windowStart = normalizeTime(d.windowStart);
      const windowEnd = normalizeTime(d.windowEnd);
      if (dimensions === d.dimensions && windowStart === d.windowStart && windowEnd === d.windowEnd)
        return d;
      return { ...d, dimensions, windowStart, windowEnd };
    }
  }
}

/** One newline-delimited JSON line (what Firehose concatenates into S3 objects). */
export function toNdjsonLine(event: StreamlensEvent): string {
  return `${JSON.stringify(event)}\n`;
}
