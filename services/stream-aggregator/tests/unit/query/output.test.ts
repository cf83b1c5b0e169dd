import { describe, expect, it } from '@jest/globals';
import { parseQueryFile } from '@streamlens/query';
import { seriesKey, validateEvent } from '@streamlens/schema';
import type { QueryWindow } from '../../../src/query/group.js';
import { queryOutputOf, queryWindowEvent } from '../../../src/query/output.js';

const T0 = Date.UTC(2026, 11, 8, 12, 0, 0);
const { queries } = parseQueryFile(`version: 1
queries:
  - name: hot-regions
    groupBy: [dimensions.region, metric]
    window: { kind: sliding, size: 5m, slide: 1m }
    aggregates:
      - { fn: count }
      - { fn: quantile, q: 0.95 }
      - { fn: topk, field: dimensions.host, k: 2 }
  - name: errors
    source: { type: [log] }
    groupBy: []
    window: { kind: session, gap: 30s }
    aggregates: [{ fn: count }]
`);
const stats = { count: 3, sum: 6, min: 1, max: 3, mean: 2, p50: 2, p90: 3, p99: 3 };

function window(over: Partial<QueryWindow>): QueryWindow {
  return {
    query: 'hot-regions',
    group: ['eu-west-1', 'cpu'],
    windowStartMs: T0,
    windowEndMs: T0 + 300_000,
    revision: 2,
    retracted: false,
    results: { count: 3, p95: 3, top_host: [{ value: 'web-1', count: 2 }] },
    stats,
    ...over,
  };
}

describe('queryWindowEvent', () => {
  it('is a valid metrics.window whose series names the query and the group', () => {
    // Act
    const e = queryWindowEvent(queryOutputOf(queries[0]!), window({}), 'streamlens/test');
    // Assess
    expect(validateEvent(e).ok).toBe(true);
    const group = { 'dimensions.region': 'eu-west-1', metric: 'cpu' };
    expect(e.data).toMatchObject({
      series: seriesKey('query:hot-regions', group),
      metric: 'hot-regions',
      query: 'hot-regions',
      group,
      dimensions: group,
      windowSeconds: 300,
      revision: 2,
      ...stats,
      aggregates: { count: 3, p95: 3 },
      top: { top_host: [{ value: 'web-1', count: 2 }] },
    });
    expect(e.id).toBe(`${e.data.series}|${new Date(T0).toISOString()}|r2`);
    expect(e.data.retracted).toBeUndefined();
  });

  it('marks a retraction and a log-only query', () => {
    // Act
    const e = queryWindowEvent(
      queryOutputOf(queries[1]!),
      window({ query: 'errors', group: [], retracted: true, results: {}, revision: 3 }),
      'streamlens/test',
    );
    // Assess
    expect(validateEvent(e).ok).toBe(true);
    expect(e.data).toMatchObject({ series: 'query:errors', kind: 'log', retracted: true });
  });
});
