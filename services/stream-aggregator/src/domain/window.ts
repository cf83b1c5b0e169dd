/**
 * Event-time tumbling windows: [start, start + size) aligned on the Unix epoch, so every shard and
 * every invocation assigns an event to the same window without coordination.
 */

/** Start (epoch ms) of the tumbling window of size `sizeMs` holding event time `timeMs`. */
export function windowStartOf(timeMs: number, sizeMs: number): number {
  return Math.floor(timeMs / sizeMs) * sizeMs;
}

/** RFC 3339 UTC with milliseconds, the format `metrics.window` uses. */
export function isoMs(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** Fixed-width decimal form of an epoch ms value, so that string order equals time order. */
export function sortableMs(epochMs: number): string {
  return String(Math.max(0, Math.trunc(epochMs))).padStart(15, '0');
}

/**
 * What happens to a record given its window's end and the lane's watermark.
 * - `on-time`: the window is still open (end > watermark).
 * - `correction`: the window closed (end ≤ watermark) less than `maxLatenessMs` ago: the record is
 *   applied and the window is re-emitted with revision + 1.
 * - `too-late`: the window closed `maxLatenessMs` or more ago: the record is not applied; it is
 *   counted and routed to the late-data sink.
 */
export const Lateness = {
  OnTime: 'on-time',
  Correction: 'correction',
  TooLate: 'too-late',
} as const;
export type Lateness = (typeof Lateness)[keyof typeof Lateness];

/** Classifies a record whose window ends at `windowEndMs` against `watermarkMs`. */
export function classifyLateness(
  windowEndMs: number,
  watermarkMs: number,
  maxLatenessMs: number,
): Lateness {
  if (windowEndMs > watermarkMs) return Lateness.OnTime;
  if (watermarkMs - windowEndMs < maxLatenessMs) return Lateness.Correction;
  return Lateness.TooLate;
}
