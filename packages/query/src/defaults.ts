import { stringify } from 'yaml';
import { formatDuration } from './duration.js';

/**
 * The statistics `metrics.window` has always carried per series and window; anomaly-alerts scores
 * them. As query-file aggregates.
 */
export const DEFAULT_AGGREGATES: ReadonlyArray<Record<string, unknown>> = Object.freeze([
  { fn: 'count' },
  { fn: 'sum' },
  { fn: 'min' },
  { fn: 'max' },
  { fn: 'avg', as: 'mean' },
  { fn: 'quantile', q: 0.5, as: 'p50' },
  { fn: 'quantile', q: 0.9, as: 'p90' },
  { fn: 'quantile', q: 0.99, as: 'p99' },
]);

/** One query of the default shape: per series, tumbling windows, {@link DEFAULT_AGGREGATES}. */
export function defaultShapedQuery(name: string, windowText: string): Record<string, unknown> {
  return {
    name,
    groupBy: ['series'],
    window: { kind: 'tumbling', size: windowText },
    aggregates: DEFAULT_AGGREGATES.map((a) => ({ ...a })),
  };
}

/**
 * The query file equivalent to the aggregator without one: per series, tumbling windows of the
 * configured size, the statistics `metrics.window` has always carried.
 */
export function defaultQueryFileText(windowMs: number): string {
  return stringify(
    { version: 1, queries: [defaultShapedQuery('series', formatDuration(windowMs))] },
    { aliasDuplicateObjects: false },
  );
}
