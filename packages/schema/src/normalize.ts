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

// Trimming never empties a field: a whitespace-only value stays as it was (and stays invalid).
function trim(s: string): string {
  const t = s.trim();
  return t.length > 0 || s.length === 0 ? t : s;
}

function trimOpt(s: string | undefined): string | undefined {
  return s === undefined ? undefined : trim(s);
}

function sortedMap<V>(m: Readonly<Record<string, V>>, value: (v: V) => V): Record<string, V> {
  const keys = Object.keys(m);
  keys.sort();
  const out: Record<string, V> = {};
  for (const k of keys) out[trim(k)] = value(m[k] as V);
  return out;
}

const same = <V>(v: V): V => v;
const trimValue = (v: string): string => trim(v);

/**
 * Canonical form of an event: `time` (and window times) in UTC with milliseconds, identifiers and
 * messages trimmed, map keys sorted. Returns a new object; the input is not changed. Optional
 * fields that are absent stay absent.
 */
export function normalizeEvent<E extends StreamlensEvent>(e: E): E {
  const out: Record<string, unknown> = {
    ...e,
    id: trim(e.id),
    source: trim(e.source),
    time: normalizeTime(e.time),
  };
  if (e.subject !== undefined) out.subject = trimOpt(e.subject);
  switch (e.type) {
    case 'telemetry.reading': {
      const d = e.data;
      const data: Record<string, unknown> = { ...d, metric: trim(d.metric) };
      if (d.unit !== undefined) data.unit = trim(d.unit);
      if (d.dimensions !== undefined) data.dimensions = sortedMap(d.dimensions, trimValue);
      out.data = data;
      break;
    }
    case 'app.log': {
      const d = e.data;
      const data: Record<string, unknown> = {
        ...d,
        message: d.message.trim(),
        service: trim(d.service),
      };
      if (d.traceId !== undefined) data.traceId = trim(d.traceId);
      if (d.attributes !== undefined) data.attributes = sortedMap(d.attributes, same);
      out.data = data;
      break;
    }
    case 'metrics.window':
    case 'alert.anomaly': {
      const d = e.data;
      out.data = {
        ...d,
        dimensions: sortedMap(d.dimensions, same),
        windowStart: normalizeTime(d.windowStart),
        windowEnd: normalizeTime(d.windowEnd),
      };
      break;
    }
  }
  return out as E;
}

/** One newline-delimited JSON line (what Firehose concatenates into S3 objects). */
export function toNdjsonLine(event: StreamlensEvent): string {
  return `${JSON.stringify(event)}\n`;
}
