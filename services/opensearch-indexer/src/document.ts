import { parseRfc3339, type StreamlensEvent } from '@streamlens/schema';

/** One document to index: its target index, its id (the event id) and its source. */
export interface IndexDoc {
  readonly index: string;
  readonly id: string;
  readonly source: Record<string, unknown>;
}

/**
 * The daily index an event belongs to, from its **event** time (UTC): `events-2026.01.31`. Event
 * time, not arrival time, so that a redelivered or late event lands in the same index as its first
 * delivery and overwrites itself there (a different index would hold a duplicate).
 */
export function indexNameFor(prefix: string, time: string): string {
  // Events are indexed as sent: an offset like +02:00 must still pick the UTC day.
  const ms = parseRfc3339(time);
  const d = Number.isNaN(ms) ? new Date(0) : new Date(ms);
  const mm = String(d.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(d.getUTCDate()).padStart(2, '0');
  // Event times lie in the years 0000-9999 (isEventTime): always four digits.
  const yyyy = String(d.getUTCFullYear()).padStart(4, '0');
  return `${prefix}-${yyyy}.${mm}.${dd}`;
}

/**
 * The indexed form of an event: the CloudEvent envelope at the top level (keywords and a date),
 * the log fields lifted to `message` / `level` / `service` / `traceId` (what full-text search and
 * filters use), and `data` as the event carries it (mapped by the template, see template.ts).
 */
export function toIndexDoc(event: StreamlensEvent, prefix: string): IndexDoc {
  const source: Record<string, unknown> = {
    id: event.id,
    type: event.type,
    source: event.source,
    time: event.time,
  };
  if (event.subject !== undefined) source.subject = event.subject;
  if (event.type === 'app.log') {
    source.message = event.data.message;
    source.level = event.data.level;
    source.service = event.data.service;
    if (event.data.traceId !== undefined) source.traceId = event.data.traceId;
  } else if (event.type === 'telemetry.reading') {
    source.metric = event.data.metric;
  }
  source.data = event.data;
  return { index: indexNameFor(prefix, event.time), id: event.id, source };
}
