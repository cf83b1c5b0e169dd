import type { AggregateSpec, FieldRef } from '@streamlens/query';
import { idHashOf } from '../domain/event-id.js';
import { ExactSum } from '../domain/exact-sum.js';
import { DDSketch } from '../domain/sketch.js';
import type { Observation } from '../domain/types.js';
import { fieldOf } from './fields.js';
import { HyperLogLog } from './hll.js';
import { TopK } from './topk.js';

/** An aggregate's result: a number, or the top values with their counts. */
export type AggregateValue = number | Array<{ value: string; count: number }>;

/** Counters a top-k aggregate keeps: ten per reported value, at least 32. */
export function topKCapacity(k: number): number {
  return Math.max(32, 10 * k);
}

/**
 * What one window of a query accumulates: only the state its aggregates need (a sketch only for
 * quantiles, one HLL per distinct count, one summary per top-k). Every part merges exactly or,
 * for top-k, within its stated bound; the sum is exact (ExactSum), so results do not depend on
 * the order events are added.
 */
export class WindowAccumulator {
  count = 0;
  private readonly sum: ExactSum | undefined;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  private readonly sketch: DDSketch | undefined;
  private readonly hlls: Array<{ field: FieldRef; hll: HyperLogLog }> = [];
  private readonly tops: Array<{ field: FieldRef; top: TopK }> = [];

  constructor(
    private readonly specs: readonly AggregateSpec[],
    alpha: number,
  ) {
    this.sum = specs.some((s) => s.fn === 'sum' || s.fn === 'avg') ? new ExactSum() : undefined;
    this.sketch = specs.some((s) => s.fn === 'quantile') ? new DDSketch(alpha) : undefined;
    for (const s of specs) {
      if (s.fn === 'distinct') this.hlls.push({ field: s.field, hll: new HyperLogLog() });
      else if (s.fn === 'topk')
        this.tops.push({ field: s.field, top: new TopK(topKCapacity(s.k)) });
    }
  }

  add(obs: Observation): void {
    const v = obs.value;
    this.count++;
    this.sum?.add(v);
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    this.sketch?.add(v);
    for (const h of this.hlls) {
      const f = fieldOf(obs, h.field);
      if (f !== undefined) h.hll.addHash(idHashOf(String(f)));
    }
    for (const t of this.tops) {
      const f = fieldOf(obs, t.field);
      if (f !== undefined) t.top.add(String(f));
    }
  }

  /** Results by output name, in the query's order. Quantiles are clamped to the exact [min, max]. */
  results(): Record<string, AggregateValue> {
    const out: Record<string, AggregateValue> = {};
    const empty = this.count === 0;
    let h = 0;
    let t = 0;
    for (const s of this.specs) {
      switch (s.fn) {
        case 'count':
          out[s.as] = this.count;
          break;
        case 'sum':
          out[s.as] = this.sum!.value();
          break;
        case 'min':
          out[s.as] = empty ? 0 : this.min;
          break;
        case 'max':
          out[s.as] = empty ? 0 : this.max;
          break;
        case 'avg':
          out[s.as] = empty ? 0 : this.sum!.value() / this.count;
          break;
        case 'quantile':
          out[s.as] = empty
            ? 0
            : Math.min(this.max, Math.max(this.min, this.sketch!.quantile(s.q)));
          break;
        case 'distinct':
          out[s.as] = this.hlls[h++]!.hll.estimate();
          break;
        default:
          out[s.as] = this.tops[t++]!.top.top(s.k);
      }
    }
    return out;
  }
}
