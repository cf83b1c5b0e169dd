import type { InputEvent } from './events.js';

/** The metric name under which log events are counted per `{ service, level }`. */
export const LOG_COUNT_METRIC = 'log.count' as const;

const SPECIAL = /[\\|=]/;
const SPECIAL_ALL = /[\\|=]/g;

// Escaping the separators and the escape character itself makes the key injective: two distinct
// (metric, dimensions) pairs can never produce the same string.
function esc(s: string): string {
  return SPECIAL.test(s) ? s.replace(SPECIAL_ALL, '\\$&') : s;
}

/**
 * The canonical key of a telemetry series: the metric, then `|key=value` per dimension in sorted
 * key order, with `\`, `|` and `=` escaped by a backslash. The metric name `log.count` belongs to
 * the log-count series (`logSeriesKey`): a reading that uses it is written `\log.count`, a
 * spelling no other key has (a backslash is otherwise only ever followed by `\`, `|` or `=`), so
 * a telemetry series can never share a key with a log series, whatever its dimensions.
 *
 * @example
 * seriesKey('cpu', { region: 'eu', host: 'a' }) // 'cpu|host=a|region=eu'
 */
export function seriesKey(metric: string, dimensions?: Readonly<Record<string, string>>): string {
  let key = metric === LOG_COUNT_METRIC ? `\\${LOG_COUNT_METRIC}` : esc(metric);
  if (dimensions === undefined) return key;
  const names = Object.keys(dimensions);
  if (names.length > 1) names.sort();
  for (const name of names) {
    key += `|${esc(name)}=${esc(dimensions[name] as string)}`;
  }
  return key;
}

export interface SeriesKeyOptions {
  /** Only these dimensions of a `telemetry.reading` take part in its series (default: all). */
  dimensions?: readonly string[];
}

/**
 * The key of the series counting the `app.log` events of one service at one level:
 * `log.count|level=<level>|service=<service>` (escaped as `seriesKey` escapes).
 */
export function logSeriesKey(service: string, level: string): string {
  return `${LOG_COUNT_METRIC}|level=${esc(level)}|service=${esc(service)}`;
}

/**
 * The series an input event belongs to: `telemetry.reading` → its metric and dimensions (optionally
 * restricted to `opts.dimensions`); `app.log` → `seriesKey('log.count', { service, level })`.
 */
export function seriesKeyOf(event: InputEvent, opts?: SeriesKeyOptions): string {
  if (event.type === 'app.log') return logSeriesKey(event.data.service, event.data.level);
  const { metric, dimensions } = event.data;
  if (dimensions === undefined || opts?.dimensions === undefined)
    return seriesKey(metric, dimensions);
  const picked: Record<string, string> = {};
  for (const name of opts.dimensions) {
    const v = dimensions[name];
    if (v !== undefined && Object.hasOwn(dimensions, name)) picked[name] = v;
  }
  return seriesKey(metric, picked);
}
