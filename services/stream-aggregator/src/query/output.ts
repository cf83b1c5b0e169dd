import type { Query } from '@streamlens/query';
import { fieldRefText } from '@streamlens/query/runtime';
import { seriesKey } from '@streamlens/schema';
import type { MetricsWindowEvent } from '../domain/types.js';
import { isoMs } from '../domain/window.js';
import type { QueryWindow } from './group.js';

/** Series keys of query windows start with this (a metric of that name would share them). */
export const QUERY_SERIES_PREFIX = 'query:';

/** What the events of one query's windows share. */
export type QueryOutput = {
  name: string;
  /** The grouped fields as written in the file (`dimensions.region`, `metric`, ...). */
  fields: string[];
  kind: 'telemetry' | 'log';
};

export function queryOutputOf(q: Query): QueryOutput {
  return {
    name: q.name,
    fields: q.groupBy.map(fieldRefText),
    // A query that reads only log lines counts them (value 1 each), as the log series do.
    kind: q.source.types?.length === 1 && q.source.types[0] === 'log' ? 'log' : 'telemetry',
  };
}

/**
 * A query window as a `metrics.window` CloudEvent: the base statistics of its values in the
 * fields every consumer reads (anomaly-alerts scores them as any series), the query's own outputs
 * in `aggregates` (numbers) and `top` (top-k lists), its name in `query`, its group in `group`
 * and `dimensions`, and `series` = `query:<name>` with the group as dimensions (seriesKey), so
 * each (query, group) is one series downstream. The id names series, window start and revision,
 * as the per-series windows' ids do: a re-sent revision is the same event.
 */
export function queryWindowEvent(
  out: QueryOutput,
  w: QueryWindow,
  source: string,
): MetricsWindowEvent {
  const group: Record<string, string> = {};
  out.fields.forEach((f, i) => {
    // Defined, not assigned: a grouped dimension named `__proto__` stays an own property.
    Object.defineProperty(group, f, {
      value: w.group[i] ?? '',
      enumerable: true,
      writable: true,
      configurable: true,
    });
  });
  const series = seriesKey(`${QUERY_SERIES_PREFIX}${out.name}`, group);
  const windowStart = isoMs(w.windowStartMs);
  const windowEnd = isoMs(w.windowEndMs);
  const aggregates: Record<string, number> = {};
  const top: Record<string, Array<{ value: string; count: number }>> = {};
  for (const [name, v] of Object.entries(w.results)) {
    if (typeof v === 'number') aggregates[name] = v;
    else top[name] = v;
  }
  return {
    specversion: '1.0',
    id: `${series}|${windowStart}|r${w.revision}`,
    source,
    type: 'metrics.window',
    time: windowEnd,
    subject: series,
    datacontenttype: 'application/json',
    data: {
      series,
      kind: out.kind,
      metric: out.name,
      dimensions: group,
      windowStart,
      windowEnd,
      windowSeconds: (w.windowEndMs - w.windowStartMs) / 1000,
      revision: w.revision,
      ...w.stats,
      final: true,
      query: out.name,
      group,
      aggregates,
      ...(Object.keys(top).length > 0 ? { top } : {}),
      ...(w.retracted ? { retracted: true } : {}),
    },
  };
}
