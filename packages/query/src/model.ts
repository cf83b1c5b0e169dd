/**
 * The query model: what one declarative query asks of the stream-aggregator. A query file holds
 * several; the aggregator runs them all in one pass over each batch. Durations are milliseconds
 * here (the YAML file writes them as `60s`, `5m`, ...).
 */

/** A field of an event a predicate, a grouping or an aggregate can name. */
export type FieldRef =
  | { kind: 'value' }
  | { kind: 'metric' }
  | { kind: 'type' }
  | { kind: 'series' }
  | { kind: 'dimension'; name: string };

export type CompareOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

/** A predicate on one field: comparison, set membership or glob match (`*` any run, `?` one). */
export type Predicate =
  | { field: FieldRef; op: CompareOp; value: string | number }
  | { field: FieldRef; op: 'in'; values: Array<string | number> }
  | { field: FieldRef; op: 'matches'; pattern: string };

export type WindowSpec =
  | { kind: 'tumbling'; sizeMs: number }
  /** Hopping windows [k·slide, k·slide + size): an event is in ⌈size / slide⌉ of them. */
  | { kind: 'sliding'; sizeMs: number; slideMs: number }
  /** Per group: a window opens with the group's first event (in event time) and lasts `sizeMs`. */
  | { kind: 'stagger'; sizeMs: number }
  /** Per group: events closer than `gapMs` are one session, [first, last + gap). */
  | { kind: 'session'; gapMs: number };

export type AggregateSpec =
  | { fn: 'count' | 'sum' | 'min' | 'max' | 'avg'; as: string }
  /** From the DDSketch of the values (relative error α, README: sketch). */
  | { fn: 'quantile'; q: number; as: string }
  /** Distinct values of a field, estimated with a HyperLogLog sketch (mergeable). */
  | { fn: 'distinct'; field: FieldRef; as: string }
  /** The `k` most frequent values of a field, from a mergeable frequent-items summary. */
  | { fn: 'topk'; field: FieldRef; k: number; as: string };

/** A filter on a window's result (SQL HAVING): compares one aggregate's value. */
export type Having = { aggregate: string; op: CompareOp; value: number };

export type EventType = 'telemetry' | 'log';

export type Query = {
  /** Output name: `metrics.window` events of this query carry it as `query`. */
  name: string;
  source: {
    /** Event types the query reads (both when absent). */
    types: EventType[] | undefined;
    /** Metric name, or a glob pattern (`cpu.*`); every metric when absent. */
    metric: string | undefined;
    where: Predicate[];
  };
  /** Fields a window groups by; `[]` is one group for every event that passes the source. */
  groupBy: FieldRef[];
  window: WindowSpec;
  aggregates: AggregateSpec[];
  having: Having[];
};

export type QueryFile = { version: 1; queries: Query[] };

/** `value`, `metric`, `type`, `series`, or `dimensions.<name>`. */
export function parseFieldRef(text: string): FieldRef | undefined {
  if (text === 'value' || text === 'metric' || text === 'type' || text === 'series') {
    return { kind: text };
  }
  if (text.startsWith('dimensions.') && text.length > 'dimensions.'.length) {
    return { kind: 'dimension', name: text.slice('dimensions.'.length) };
  }
  return undefined;
}

export function fieldRefText(f: FieldRef): string {
  return f.kind === 'dimension' ? `dimensions.${f.name}` : f.kind;
}
