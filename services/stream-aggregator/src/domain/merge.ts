import { createHash } from 'node:crypto';
import { PartialAggregate } from './partial.js';
import type { MetricsWindowData, SeriesMeta, WindowDelta } from './types.js';

/** One series' window merged over every lane's deltas, each event id counted once. */
export type MergedSeries = { meta: SeriesMeta; partial: PartialAggregate };

/**
 * Merges the deltas of one window: per series, the union of their events by id hash. An id seen
 * more than once (a redelivery another lane or an unfinished attempt also applied, a producer's
 * re-send under a new sequence number) counts once; if its copies disagree, the smallest value
 * and the on-time flag win, so the result depends only on the set of events, not on which copy
 * came first. Values are added in id order, which fixes every floating-point step.
 */
export function mergeWindow(
  deltas: readonly WindowDelta[],
  alpha: number,
  maxBins: number,
): Map<string, MergedSeries> {
  const bySeries = new Map<
    string,
    { meta: SeriesMeta; values: Map<number, number>; late: Map<number, number> }
  >();
  for (const d of deltas) {
    for (const e of d.entries()) {
      let s = bySeries.get(e.meta.series);
      if (s === undefined) {
        s = { meta: e.meta, values: new Map(), late: new Map() };
        bySeries.set(e.meta.series, s);
      }
      for (let i = 0; i < e.ids.length; i++) {
        const id = e.ids[i]!;
        const v = e.values[i]!;
        const late = e.late[i]!;
        const pv = s.values.get(id);
        if (pv === undefined || v < pv || (v === pv && late < s.late.get(id)!)) {
          s.values.set(id, v);
          s.late.set(id, late);
        }
      }
    }
  }
  const out = new Map<string, MergedSeries>();
  for (const [series, s] of bySeries) {
    const partial = new PartialAggregate(alpha, maxBins);
    const ids = [...s.values.keys()].sort((a, b) => a - b);
    for (const id of ids) {
      partial.add(s.values.get(id)!);
      if (s.late.get(id)) partial.lateCount++;
    }
    out.set(series, { meta: s.meta, partial });
  }
  return out;
}

/** Digest of a window's statistics without its revision: equal digests, equal content. */
export function digestOf(data: MetricsWindowData): string {
  return createHash('sha1')
    .update(JSON.stringify({ ...data, revision: 0 }))
    .digest('hex')
    .slice(0, 16);
}
