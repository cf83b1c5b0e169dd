import { defineBench } from '@streamlens/bench';
import { defaultQueryFileText, parseQueryFile, type Query } from '@streamlens/query';
import { RecordDecoder } from '../src/decode/record-decoder.js';
import type { Observation } from '../src/domain/types.js';
import { QueryRunner, type QueryWindow } from '../src/query/runner.js';
import { KinesisRecordSource } from '../src/sources/kinesis.js';

/** Ten queries of mixed window kinds and groupings (docs/queries.md shows each shape). */
const TEN_QUERIES = parseQueryFile(`version: 1
queries:
  - name: series
    window: { kind: tumbling, size: 1m }
    aggregates: [{ fn: count }, { fn: sum }, { fn: min }, { fn: max }, { fn: avg }, { fn: quantile, q: 0.5 }, { fn: quantile, q: 0.9 }, { fn: quantile, q: 0.99 }]
  - name: series-5m-sliding
    window: { kind: sliding, size: 5m, slide: 1m }
    aggregates: [{ fn: count }, { fn: avg }, { fn: quantile, q: 0.99 }]
  - name: region-cpu
    source: { metric: cpu.utilization }
    groupBy: [dimensions.region]
    window: { kind: tumbling, size: 1m }
    aggregates: [{ fn: avg }, { fn: max }, { fn: distinct, field: dimensions.host, as: hosts }]
  - name: latency-by-region
    source: { metric: "http.*", where: [{ field: value, op: ge, value: 0 }] }
    groupBy: [dimensions.region, metric]
    window: { kind: sliding, size: 2m, slide: 30s }
    aggregates: [{ fn: count }, { fn: quantile, q: 0.95 }]
  - name: host-stagger
    groupBy: [dimensions.host]
    window: { kind: stagger, size: 1m }
    aggregates: [{ fn: count }, { fn: max }]
  - name: host-sessions
    groupBy: [dimensions.host]
    window: { kind: session, gap: 30s }
    aggregates: [{ fn: count }]
  - name: everything
    groupBy: []
    window: { kind: tumbling, size: 1m }
    aggregates: [{ fn: count }, { fn: distinct, field: series, as: series }, { fn: topk, field: metric, k: 5 }]
  - name: busy-hosts
    groupBy: [dimensions.host]
    window: { kind: tumbling, size: 5m }
    aggregates: [{ fn: count }]
    having: [{ aggregate: count, op: gt, value: 10 }]
  - name: per-metric
    groupBy: [metric]
    window: { kind: tumbling, size: 1m }
    aggregates: [{ fn: count }, { fn: min }, { fn: max }, { fn: topk, field: dimensions.host, k: 3 }]
  - name: logs
    source: { type: [log] }
    groupBy: [dimensions.region]
    window: { kind: tumbling, size: 1m }
    aggregates: [{ fn: count }]
`).queries;

const DEFAULT_QUERY = parseQueryFile(defaultQueryFileText(60_000)).queries;
const CONFIG = { allowedLatenessMs: 30_000, maxLatenessMs: 3_600_000, alpha: 0.01 };
const sink = { emit: async (_w: readonly QueryWindow[]) => {} };

/**
 * Decode the batch as the aggregator does, run the queries over it in one pass and compute every
 * window (the idle flush: nothing is left open), on a fresh runner per invocation.
 */
function querySuite(name: string, queries: readonly Query[], flush = true) {
  return defineBench({
    workload: 'kinesis-6mb',
    name,
    kind: 'streamlens',
    notes: `KinesisRecordSource + QueryRunner.apply${flush ? ' + flushIdle' : ''}, in memory`,
    setup: (data) => ({
      decode: new RecordDecoder({ seriesDimensions: [], maxRecordBytes: data.maxRecordBytes }),
    }),
    run: async (data, s) => {
      const records = new KinesisRecordSource(data.event, s.decode);
      const runner = new QueryRunner(queries, CONFIG);
      const byShard = new Map<string, Observation[]>();
      for (let i = 0; i < records.length; i++) {
        const r = records.at(i);
        if (r.obs === undefined) continue;
        let list = byShard.get(r.shardId);
        if (list === undefined) {
          list = [];
          byShard.set(r.shardId, list);
        }
        list.push(r.obs);
      }
      let applied = 0;
      for (const [lane, obs] of byShard) applied += runner.apply(lane, obs).applied;
      const windows = flush ? await runner.flushIdle(sink) : 1;
      return { applied, windows };
    },
    check: (output, data) => {
      const out = output as { applied: number; windows: number };
      const valid = data.records.filter((r) => r.invalid === undefined).length;
      if (out.applied < valid) throw new Error(`${out.applied} applied of ${valid} valid`);
      if (out.windows === 0) throw new Error('no window emitted');
    },
  });
}

export const suites = [
  querySuite('stream-aggregator queries: the default query', DEFAULT_QUERY),
  querySuite('stream-aggregator queries: ten queries', TEN_QUERIES),
  // Apply only: what an invocation does per batch when its windows close later (the aggregator's
  // own suite above also leaves the merge of windows to the flush).
  querySuite('stream-aggregator queries: the default query, apply only', DEFAULT_QUERY, false),
  querySuite('stream-aggregator queries: ten queries, apply only', TEN_QUERIES, false),
];
