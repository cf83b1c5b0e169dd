import { formatDuration } from './duration.js';

/**
 * The query file equivalent to the aggregator without one: per series, tumbling windows of the
 * configured size, the statistics `metrics.window` has always carried.
 */
export function defaultQueryFileText(windowMs: number): string {
  return `version: 1
queries:
  - name: series
    groupBy: [series]
    window: { kind: tumbling, size: ${formatDuration(windowMs)} }
    aggregates:
      - { fn: count }
      - { fn: sum }
      - { fn: min }
      - { fn: max }
      - { fn: avg, as: mean }
      - { fn: quantile, q: 0.5, as: p50 }
      - { fn: quantile, q: 0.9, as: p90 }
      - { fn: quantile, q: 0.99, as: p99 }
`;
}
