/**
 * Event-time tumbling windows: [start, start + size) aligned on the Unix epoch, so every shard and
 * every invocation assigns an event to the same window without coordination.
 */

/** Start (epoch ms) of the tumbling window of size `sizeMs` holding event time `timeMs`. */
export function windowStartOf(timeMs: number, sizeMs: number): number {
  return Math.floor(timeMs / sizeMs) * sizeMs;
}

const MS_PER_DAY = 86_400_000;
/** End of 9999-12-31: past it `toISOString` writes six-digit years. */
const MAX_FOUR_DIGIT_YEAR_MS = 253_402_300_800_000;
const PAD2 = Array.from({ length: 60 }, (_v, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_v, i) => String(i).padStart(3, '0'));
let cachedDay = Number.NaN;
let cachedDayPrefix = '';

/**
 * RFC 3339 UTC with milliseconds, the format `metrics.window` uses: exactly
 * `new Date(epochMs).toISOString()` (a property test checks it), which costs microseconds per
 * call. Integral times of years 1970–9999 take a fast path: the `YYYY-MM-DDT` prefix is formatted
 * by `Date` once per day seen and the time of day is added from tables. Anything else (negative,
 * fractional, out of range, NaN) goes to `Date` itself, errors included.
 */
export function isoMs(epochMs: number): string {
  if (!(epochMs >= 0 && epochMs < MAX_FOUR_DIGIT_YEAR_MS && Number.isInteger(epochMs))) {
    return new Date(epochMs).toISOString();
  }
  let rest = epochMs - cachedDay;
  if (!(rest >= 0 && rest < MS_PER_DAY)) {
    cachedDay = epochMs - (epochMs % MS_PER_DAY);
    cachedDayPrefix = new Date(cachedDay).toISOString().slice(0, 11);
    rest = epochMs - cachedDay;
  }
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const sec = Math.floor(rest / 1000);
  return `${cachedDayPrefix}${PAD2[h]}:${PAD2[m]}:${PAD2[sec]}.${PAD3[rest - sec * 1000]}Z`;
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
