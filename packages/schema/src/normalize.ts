import type { StreamlensEvent } from './events.js';

const CANONICAL_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** RFC 3339 time → UTC with milliseconds (`2026-01-02T03:04:05.678Z`); unparseable input is kept. */
export function normalizeTime(time: string): string {
  if (CANONICAL_TIME.test(time)) return time;
  const ms = Date.parse(time);
  if (Number.isNaN(ms)) return time;
  const d = new Date(ms);
  // Years outside 0000–9999 would get an expanded ISO form: keep the input rather than invent one.
  const y = d.getUTCFullYear();
  return y >= 0 && y <= 9999 ? d.toISOString() : time;
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
  for (const k of keys) out[trim(k)] = value(m[k] as V);
  return out;
}

/**
 * `sortedMap(m, trimValue)` for string maps (dimensions, the common case on the hot path),
 * without the callback, in one pass that checks and sorts at once: the keys are insertion-sorted
 * (maps hold a handful of keys) and a copy is built only when something changes.
 */
function sortedStringMap(m: Readonly<Record<string, string>>): Record<string, string> {
  const keys = Object.keys(m);
  const n = keys.length;
  let canonical = true;
  for (let i = 0; i < n; i++) {
    const k = keys[i] as string;
    const v = m[k] as string;
    if (trim(k) !== k || trim(v) !== v) canonical = false;
    // Insertion sort (a no-op on a sorted map); equal keys cannot occur in an object.
    let j = i - 1;
    if (j >= 0 && (keys[j] as string) > k) {
      canonical = false;
      do {
        keys[j + 1] = keys[j] as string;
        j--;
      } while (j >= 0 && (keys[j] as string) > k);
      keys[j + 1] = k;
    }
  }
  if (canonical) return m as Record<string, string>;
  const out: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    const k = keys[i] as string;
    out[trim(k)] = trim(m[k] as string);
  }
  return out;
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
