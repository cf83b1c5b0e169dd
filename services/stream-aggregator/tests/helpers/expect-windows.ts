import { expect } from '@jest/globals';
import { ExactSum } from '../../src/domain/exact-sum.js';
import { windowStartOf } from '../../src/domain/window.js';
import type { MemoryWindowSink } from './memory-store.js';

/**
 * The spec of the property tests: the last revision of every window equals a batch computation
 * over the distinct events (count, sum, min, max exactly; p50, p90, p99 within `alpha`), no window
 * is missing or extra, and an emitted id always carries one content.
 */
export function expectBatchComputation(
  windows: MemoryWindowSink,
  events: ReadonlyArray<{ series: string; timeMs: number; value: number }>,
  windowMs: number,
  alpha: number,
): void {
  const expected = new Map<string, number[]>();
  for (const v of events) {
    const k = `${v.series}|${new Date(windowStartOf(v.timeMs, windowMs)).toISOString()}`;
    const list = expected.get(k);
    if (list) list.push(v.value);
    else expected.set(k, [v.value]);
  }
  const latest = windows.latest();
  expect([...latest.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [k, values] of expected) {
    const d = latest.get(k)!.data;
    const sorted = [...values].sort((a, b) => a - b);
    const exact = new ExactSum();
    for (const v of values) exact.add(v);
    expect(d.count).toBe(values.length);
    expect(d.sum).toBe(exact.value());
    expect(d.min).toBe(sorted[0]);
    expect(d.max).toBe(sorted[sorted.length - 1]);
    for (const [q, got] of [
      [0.5, d.p50],
      [0.9, d.p90],
      [0.99, d.p99],
    ] as const) {
      const want = sorted[Math.floor(q * (sorted.length - 1))]!;
      expect(Math.abs(got - want)).toBeLessThanOrEqual(alpha * Math.abs(want) + 1e-9);
    }
  }
  // One id, one content: a redelivery never produced a different result under the same id.
  const byId = new Map<string, string>();
  for (const e of windows.events) {
    const json = JSON.stringify(e.data);
    expect(byId.get(e.id) ?? json).toBe(json);
    byId.set(e.id, json);
  }
}
