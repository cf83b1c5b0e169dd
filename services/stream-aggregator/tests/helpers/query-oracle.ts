import { expect } from '@jest/globals';
import type { Query, WindowSpec } from '@streamlens/query';
import { idHashOf } from '../../src/domain/event-id.js';
import { DDSketch } from '../../src/domain/sketch.js';
import type { Observation } from '../../src/domain/types.js';
import type { AggregateValue } from '../../src/query/aggregates.js';
import { compare, compileFilter, fieldOf, groupOf } from '../../src/query/fields.js';
import type { QueryWindow } from '../../src/query/group.js';
import { HyperLogLog } from '../../src/query/hll.js';

/** Windows of sorted times straight from their definitions (quadratic and obvious). */
export function naiveWindows(
  spec: WindowSpec,
  times: readonly number[],
): Array<[number, number, number[]]> {
  const out: Array<[number, number, number[]]> = [];
  if (spec.kind === 'tumbling' || spec.kind === 'sliding') {
    const slide = spec.kind === 'sliding' ? spec.slideMs : spec.sizeMs;
    const starts = new Set<number>();
    for (const t of times) {
      for (let s = Math.floor(t / slide) * slide; s > t - spec.sizeMs; s -= slide) starts.add(s);
    }
    for (const s of [...starts].sort((a, b) => a - b)) {
      const idx: number[] = [];
      times.forEach((t, i) => {
        if (t >= s && t < s + spec.sizeMs) idx.push(i);
      });
      out.push([s, s + spec.sizeMs, idx]);
    }
    return out;
  }
  let open: [number, number, number[]] | undefined;
  times.forEach((t, i) => {
    const joins =
      open !== undefined &&
      (spec.kind === 'stagger'
        ? t < open[1]
        : t - times[open[2][open[2].length - 1]!]! < spec.gapMs);
    if (joins) {
      open![2].push(i);
      if (spec.kind === 'session') open![1] = t + spec.gapMs;
    } else {
      open = [t, t + (spec.kind === 'stagger' ? spec.sizeMs : spec.gapMs), [i]];
      out.push(open);
    }
  });
  return out;
}

/**
 * A query over a finished set of events, the slow way: distinct events by (series, id) keeping
 * the smaller value, then per group the windows by definition and each aggregate directly
 * (count, sum, min, max, mean by plain arithmetic; top-k by exact counting; a quantile from a
 * sketch of the window's values; a distinct count from a HyperLogLog of the window's values, both
 * functions of the value set). Key: `group JSON|windowStart`.
 */
export function batchQuery(
  q: Query,
  all: readonly Observation[],
  alpha: number,
): Map<string, { endMs: number; results: Record<string, AggregateValue> }> {
  const distinct = new Map<string, Observation>();
  for (const o of all) {
    const key = `${o.idHash}|${o.series}`;
    const prev = distinct.get(key);
    if (prev === undefined || o.value < prev.value) distinct.set(key, o);
  }
  const filter = compileFilter(q);
  const groups = new Map<string, Observation[]>();
  for (const o of distinct.values()) {
    if (!filter(o)) continue;
    const key = JSON.stringify(groupOf(o, q.groupBy));
    groups.set(key, [...(groups.get(key) ?? []), o]);
  }
  const out = new Map<string, { endMs: number; results: Record<string, AggregateValue> }>();
  for (const [key, events] of groups) {
    events.sort((a, b) => a.timeMs - b.timeMs);
    for (const [start, end, idx] of naiveWindows(
      q.window,
      events.map((e) => e.timeMs),
    )) {
      const ev = idx.map((i) => events[i]!);
      const values = ev.map((e) => e.value);
      const results: Record<string, AggregateValue> = {};
      for (const a of q.aggregates) {
        const sum = values.reduce((s, v) => s + v, 0);
        if (a.fn === 'count') results[a.as] = values.length;
        else if (a.fn === 'sum') results[a.as] = sum;
        else if (a.fn === 'min') results[a.as] = Math.min(...values);
        else if (a.fn === 'max') results[a.as] = Math.max(...values);
        else if (a.fn === 'avg') results[a.as] = sum / values.length;
        else if (a.fn === 'quantile') {
          const s = new DDSketch(alpha);
          for (const v of values) s.add(v);
          results[a.as] = Math.min(
            Math.max(...values),
            Math.max(Math.min(...values), s.quantile(a.q)),
          );
        } else if (a.fn === 'distinct') {
          const h = new HyperLogLog();
          for (const e of ev) {
            const f = fieldOf(e, a.field);
            if (f !== undefined) h.addHash(idHashOf(String(f)));
          }
          results[a.as] = h.estimate();
        } else if (a.fn === 'topk') {
          const counts = new Map<string, number>();
          for (const e of ev) {
            const f = fieldOf(e, a.field);
            if (f !== undefined) counts.set(String(f), (counts.get(String(f)) ?? 0) + 1);
          }
          results[a.as] = [...counts]
            .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
            .slice(0, a.k)
            .map(([value, count]) => ({ value, count }));
        }
      }
      const passes = q.having.every((h) => {
        const v = results[h.aggregate];
        return typeof v === 'number' && compare(v, h.op, h.value);
      });
      if (passes) out.set(`${key}|${start}`, { endMs: end, results });
    }
  }
  return out;
}

/** An event of the property tests, drawn by fast-check. */
export type DrawnEvent = {
  shard: number;
  series: number;
  host: number;
  jitter: number;
  value: number;
};

/**
 * The shards' observations: shard s's i-th event at `t0 + i·stepMs + jitter`, series `m<n>`
 * (`m3` is a log series), hosts h0.. in regions r0/r1; about one event in seven is re-sent later,
 * on a shard drawn at random (same event id, new position). `all` holds each event once.
 */
export function shardObservations(
  events: readonly DrawnEvent[],
  shardCount: number,
  t0: number,
  stepMs: number,
  rand: () => number,
): { shards: Observation[][]; all: Observation[] } {
  const shards: Observation[][] = Array.from({ length: shardCount }, () => []);
  const resends: Observation[] = [];
  for (const e of events) {
    const i = shards[e.shard]!.length;
    const obs: Observation = {
      series: `m${e.series}`,
      kind: e.series === 3 ? 'log' : 'telemetry',
      metric: `m${e.series}`,
      dimensions: { host: `h${e.host}`, region: `r${e.host % 2}` },
      timeMs: t0 + i * stepMs + e.jitter,
      value: e.value,
      idHash: idHashOf(`${e.shard}/${i}`),
    };
    shards[e.shard]!.push(obs);
    if (rand() < 0.15) resends.push(obs);
  }
  const all = shards.flat();
  for (const r of resends) shards[Math.floor(rand() * shardCount)]!.push(r);
  return { shards, all };
}

/**
 * The last revision of each window as a consumer keeps it (retracted: dropped), checking on the
 * way that the revisions of a window only go up.
 */
export function finalWindows(emitted: readonly QueryWindow[]): QueryWindow[] {
  const last = new Map<string, QueryWindow>();
  for (const w of emitted) {
    const key = `${w.query}|${JSON.stringify(w.group)}|${w.windowStartMs}`;
    const prev = last.get(key);
    if (prev !== undefined) expect(w.revision).toBeGreaterThanOrEqual(prev.revision);
    last.set(key, w);
  }
  return [...last.values()].filter((w) => !w.retracted);
}

/** Each query's final windows are the batch computation over the distinct events. */
export function expectBatchResults(
  queries: readonly Query[],
  final: readonly QueryWindow[],
  all: readonly Observation[],
  alpha: number,
): void {
  for (const q of queries) {
    const expected = batchQuery(q, all, alpha);
    const got = final.filter((w) => w.query === q.name);
    expect(got.map((w) => `${JSON.stringify(w.group)}|${w.windowStartMs}`).sort()).toEqual(
      [...expected.keys()].sort(),
    );
    for (const w of got) {
      const want = expected.get(`${JSON.stringify(w.group)}|${w.windowStartMs}`)!;
      expect(w.windowEndMs).toBe(want.endMs);
      for (const [name, v] of Object.entries(want.results)) {
        if (typeof v === 'number' && (name === 'sum' || name === 'mean')) {
          // The oracle adds plainly; the runner's sum is exact.
          expect(w.results[name]).toBeCloseTo(v, 6 - Math.ceil(Math.log10(Math.abs(v) + 1)));
        } else {
          expect(w.results[name]).toEqual(v);
        }
      }
    }
  }
}
