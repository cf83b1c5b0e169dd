import { createHash } from 'node:crypto';
import type { AlertAnomaly, MetricsWindow } from '@streamlens/schema';
import type { Scored } from '../detector/index.js';
import type { AlertDecision } from './episode.js';

/** Source of every alert CloudEvent. */
export const ALERT_SOURCE = 'streamlens/anomaly-alerts';
/** SNS's limit is 256 KiB (body + attributes); we stay well under it. */
export const MAX_ALERT_MESSAGE_BYTES = 200 * 1024;
const MAX_EXPLANATION_CHARS = 1000;

/** A pending alert as kept in the state item's outbox and handed to PublishBatch. */
export interface OutboxEntry {
  /** The CloudEvent id (deterministic). */
  readonly id: string;
  readonly message: string;
  readonly attributes: Record<string, { DataType: 'String' | 'Number'; StringValue: string }>;
  /** When it was committed (ms): another invocation leaves it to its committer for a lease. */
  readonly committedAtMs: number;
}

/**
 * The deterministic CloudEvent id of an alert: one per (episode, status, window), so that a
 * redelivered batch or a retried publish carries the same id and subscribers can de-duplicate.
 */
export function alertIdOf(
  episodeId: string,
  status: string,
  windowStart: string,
  revision = 0,
): string {
  // A revised window's alert gets its own id: it says something new (a withdrawal, a reopening,
  // or an alert the first revision did not raise) and must not be dropped as a duplicate.
  const key = `${episodeId}\u0000${status}\u0000${windowStart}`;
  return createHash('sha256')
    .update(revision > 0 ? `${key}\u0000r${revision}` : key)
    .digest('hex')
    .slice(0, 32);
}

function round(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : 0;
}

/**
 * Builds the `alert.anomaly` CloudEvent for a decision on a window: what was observed, the
 * expected range, score, severity, explanation, the detector's features, the window's event id.
 * `note` (corrections: a withdrawal or reopening) goes in front of the explanation.
 */
export function buildAlertEvent(
  window: MetricsWindow,
  observed: number,
  scored: Scored,
  alert: NonNullable<AlertDecision['alert']>,
  note?: string,
): AlertAnomaly {
  const w = window.data;
  const what =
    w.kind === 'log'
      ? `${w.metric} (${w.dimensions.level ?? 'logs'} of ${w.dimensions.service ?? 'unknown'})`
      : w.metric;
  const base =
    alert.status === 'open'
      ? `${what} ${round(observed)} in window ${w.windowStart}: expected ${round(scored.expectedLow)}–${round(scored.expectedHigh)}. ${scored.explanation}`
      : `${what} back to normal (${round(observed)}, expected ${round(scored.expectedLow)}–${round(scored.expectedHigh)}) since window ${w.windowStart}`;
  const explanation = note ? `${note}. ${base}` : base;
  const features: Record<string, number> = {};
  for (const [k, v] of Object.entries(scored.features))
    if (Number.isFinite(v)) features[k] = round(v);
  return {
    specversion: '1.0',
    id: alertIdOf(alert.episodeId, alert.status, w.windowStart, w.revision),
    source: ALERT_SOURCE,
    type: 'alert.anomaly',
    time: w.windowEnd,
    subject: w.series,
    datacontenttype: 'application/json',
    data: {
      series: w.series,
      metric: w.metric,
      dimensions: w.dimensions,
      windowStart: w.windowStart,
      windowEnd: w.windowEnd,
      status: alert.status,
      observed: round(observed),
      expectedLow: round(scored.expectedLow),
      expectedHigh: round(scored.expectedHigh),
      score: Math.min(1, Math.max(0, round(alert.score))),
      severity: alert.severity,
      explanation: explanation.slice(0, MAX_EXPLANATION_CHARS),
      features,
      windowEventId: window.id,
      episodeId: alert.episodeId,
    },
  };
}

/**
 * The SNS entry of an alert: the CloudEvent JSON and the attributes subscribers filter on
 * (`type`, `severity`, `metric`, `service`, `status`, numeric `score`). Oversized messages lose
 * their features, then have their dimensions trimmed, so they stay under `maxBytes`.
 */
export function toOutboxEntry(
  event: AlertAnomaly,
  committedAtMs: number,
  maxBytes = MAX_ALERT_MESSAGE_BYTES,
): OutboxEntry {
  let message = JSON.stringify(event);
  if (Buffer.byteLength(message) > maxBytes) {
    const { features: _dropped, ...data } = event.data;
    message = JSON.stringify({ ...event, data });
    if (Buffer.byteLength(message) > maxBytes) {
      // Last resort: every long string (series, dimensions, links) cut short, so the alert
      // still goes out; the window event id prefix and the episode id still identify it.
      message = JSON.stringify({ ...event, data }, (_key, value: unknown) =>
        typeof value === 'string' && value.length > 512 ? `${value.slice(0, 509)}...` : value,
      );
    }
  }
  const d = event.data;
  const service = d.dimensions.service ?? d.dimensions.host ?? 'unknown';
  const str = (v: string) => ({
    DataType: 'String' as const,
    StringValue: v.slice(0, 256) || 'unknown',
  });
  return {
    id: event.id,
    committedAtMs,
    message,
    attributes: {
      type: str(event.type),
      severity: str(d.severity),
      metric: str(d.metric),
      service: str(service),
      status: str(d.status),
      score: { DataType: 'Number', StringValue: String(d.score) },
    },
  };
}
