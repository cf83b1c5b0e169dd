import type { AggregateSpec, FieldRef } from '@streamlens/query';
import { idHashOf } from '../domain/event-id.js';
import { PartialAggregate, type WindowStats } from '../domain/partial.js';
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
 * What one window of a query accumulates: the window's base statistics (count, sum, min, max,
 * mean, p50, p90, p99: what every `metrics.window` event carries, so that anomaly-alerts scores a
 * query's windows as it scores a series') and the state its other aggregates need (one HLL per
 * distinct count, one summary per top-k). Every part merges exactly or, for top-k, within its
 * stated bound; the sum is exact (ExactSum), so results do not depend on the order events are
 * added.
 */
export class WindowAccumulator {
  private readonly base: PartialAggregate;
  private readonly hlls: Array<{ field: FieldRef; hll: HyperLogLog }> = [];
  private readonly tops: Array<{ field: FieldRef; top: TopK }> = [];

  constructor(
    private readonly specs: readonly AggregateSpec[],
    alpha: number,
  ) {
    this.base = new PartialAggregate(alpha);
    for (const s of specs) {
      if (s.fn === 'distinct') this.hlls.push({ field: s.field, hll: new HyperLogLog() });
      else if (s.fn === 'topk')
        this.tops.push({ field: s.field, top: new TopK(topKCapacity(s.k)) });
    }
  }

  get count(): number {
    return this.base.count;
  }

  add(obs: Observation): void {
    this.computed = undefined;
    this.base.add(obs.value);
    for (const h of this.hlls) {
      const f = fieldOf(obs, h.field);
      if (f !== undefined) h.hll.addHash(idHashOf(String(f)));
    }
    for (const t of this.tops) {
      const f = fieldOf(obs, t.field);
      if (f !== undefined) t.top.add(String(f));
    }
  }

  private computed: WindowStats | undefined;

  /** The base statistics; quantiles clamped to the exact [min, max]. */
  stats(): WindowStats {
    this.computed ??= this.base.stats();
    return this.computed;
  }

  /** Results by output name, in the query's order. Quantiles are clamped to the exact [min, max]. */
  results(): Record<string, AggregateValue> {
    const out: Record<string, AggregateValue> = {};
    const b = this.base;
    const empty = b.count === 0;
    let h = 0;
    let t = 0;
    for (const s of this.specs) {
      switch (s.fn) {
        case 'count':
          out[s.as] = b.count;
          break;
        case 'sum':
          out[s.as] = b.sum.value();
          break;
        case 'min':
          out[s.as] = empty ? 0 : b.min;
          break;
        case 'max':
          out[s.as] = empty ? 0 : b.max;
          break;
        case 'avg':
          out[s.as] = empty ? 0 : b.sum.value() / b.count;
          break;
        case 'quantile':
          // p50, p90 and p99 are among the base statistics already: one sketch scan each.
          if (s.q === 0.5) out[s.as] = this.stats().p50;
          else if (s.q === 0.9) out[s.as] = this.stats().p90;
          else if (s.q === 0.99) out[s.as] = this.stats().p99;
          else out[s.as] = empty ? 0 : Math.min(b.max, Math.max(b.min, b.sketch.quantile(s.q)));
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
