import { jest } from '@jest/globals';
import type { LoggerLike, MetricsLike } from '../../src/processor.js';
import type { Reingest, ReingestFailure } from '../../src/reingest.js';

/** A logger that records every call. */
export function fakeLogger() {
  return { info: jest.fn(), warn: jest.fn(), error: jest.fn() } satisfies LoggerLike;
}

/** Metrics that record `[name, value, dimensions]` for plain and single metrics. */
export function fakeMetrics() {
  const recorded: Array<{ name: string; value: number; dimensions: Record<string, string> }> = [];
  const make = (
    dimensions: Record<string, string>,
  ): MetricsLike & { addDimension(n: string, v: string): void } => ({
    addMetric: (name, _unit, value) => {
      recorded.push({ name, value, dimensions: { ...dimensions } });
    },
    addDimension: (n, v) => {
      dimensions[n] = v;
    },
    singleMetric: () => make({}),
  });
  return { metrics: make({}), recorded };
}

/** A re-ingestion stand-in that keeps what it is given, failing the first `failCount` items. */
export function fakeReingest(failCount = 0) {
  const calls: Array<Parameters<Reingest>> = [];
  const reingest: Reingest = async (target, items, opts) => {
    calls.push([target, items, opts]);
    return items
      .slice(0, failCount)
      .map((item): ReingestFailure => ({ item, code: 'InternalFailure' }));
  };
  return { reingest, calls };
}
