import { type MetricsWindow, parseEventJson } from '@streamlens/schema';
import { AnomalyAlertsError } from './errors.js';

/** A record on the aggregates stream that is not a valid `metrics.window`. */
export class InvalidWindowError extends AnomalyAlertsError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidWindowError';
  }
}

/** What a record of the aggregates stream is: a window to score, or something to skip. */
export type DecodedWindow =
  | { ok: true; window: MetricsWindow }
  | { ok: false; reason: 'invalid' | 'other-type' | 'retracted'; message: string };

/**
 * Parses one aggregates-stream record. Another event type is skipped (the stream may carry more
 * later), and so is a retracted query window; invalid JSON or a schema violation is reported, not
 * thrown, so the caller decides.
 */
export function decodeWindow(data: Uint8Array): DecodedWindow {
  const parsed = parseEventJson(data);
  if (!parsed.ok) {
    return {
      ok: false,
      reason: 'invalid',
      message: `${parsed.error.code} at ${parsed.error.path}: ${parsed.error.message}`,
    };
  }
  if (parsed.value.type !== 'metrics.window') {
    return { ok: false, reason: 'other-type', message: `type ${parsed.value.type}` };
  }
  // A query window that no longer exists (docs/queries.md, retractions): nothing to score. Its
  // earlier revisions were scored as they came, as a corrected window's are.
  if (parsed.value.data.retracted === true) {
    return { ok: false, reason: 'retracted', message: `window ${parsed.value.id} retracted` };
  }
  return { ok: true, window: parsed.value };
}
