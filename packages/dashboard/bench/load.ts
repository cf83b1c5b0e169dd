// The dashboard server under load: `npx tsx packages/dashboard/bench/load.ts [series] [windows]`.
// Feeds the hub the window events of `series` series (5 dimensions-worth of keys each) for
// `windows` windows, one poll per window round (every series' window of that round, as the
// aggregates stream delivers them), then times what the page asks for: a search, a series with
// its detector replay, the alerts, and the size of one live update.
import type { MetricsWindowData } from '@streamlens/schema';
import type { AggregatesReader } from '../src/aggregates.js';
import { DashboardHub, type Update } from '../src/hub.js';
import { detectorConfig } from '../src/score.js';
import { composeSource } from '../src/source.js';

const seriesCount = Number(process.argv[2] ?? 5_000);
const windowCount = Number(process.argv[3] ?? 360);
const T0 = Date.UTC(2026, 11, 7, 0, 0, 0);
const keys = Array.from(
  { length: seriesCount },
  (_, i) => `cpu.utilization|host=h-${i}|region=r-${i % 7}|role=r-${i % 3}`,
);

function round(r: number): MetricsWindowData[] {
  return keys.map((series, i) => {
    const mean = 50 + ((i * 7 + r * 13) % 10);
    return {
      series,
      kind: 'telemetry',
      metric: 'cpu.utilization',
      dimensions: { host: `h-${i}` },
      windowStart: new Date(T0 + r * 10_000).toISOString(),
      windowEnd: new Date(T0 + (r + 1) * 10_000).toISOString(),
      windowSeconds: 10,
      revision: 0,
      count: 20,
      sum: mean * 20,
      min: mean - 5,
      max: mean + 5,
      mean,
      p50: mean,
      p90: mean + 3,
      p99: mean + 5,
      final: true,
    };
  });
}

let next: MetricsWindowData[] = [];
const reader = {
  read: async () => ({ windows: next, rejected: {} }),
} as unknown as AggregatesReader;
const hub = new DashboardHub(composeSource({ label: 'load', windows: reader }), {
  detector: detectorConfig(10),
});
let lastUpdate: Update | undefined;
hub.onUpdate((u) => {
  lastUpdate = u;
});

const heapBefore = process.memoryUsage().heapUsed;
const pollMs: number[] = [];
for (let r = 0; r < windowCount; r++) {
  next = round(r);
  const t = performance.now();
  await hub.poll();
  pollMs.push(performance.now() - t);
}
global.gc?.();
const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;

const time = (f: () => unknown, n: number) => {
  const t = performance.now();
  for (let i = 0; i < n; i++) f();
  return (performance.now() - t) / n;
};
const searchMs = time(() => hub.model.search('region=r-3 role=r-1'), 50);
const detailMs = time(() => hub.seriesDetail(keys[17] ?? ''), 20);
const detailBytes = JSON.stringify(hub.seriesDetail(keys[17] ?? '')).length;
const sorted = [...pollMs].sort((a, b) => a - b);
const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
const perWindowUs = (pollMs.reduce((a, b) => a + b, 0) * 1000) / (seriesCount * windowCount);

console.log(
  JSON.stringify(
    {
      series: seriesCount,
      windowsPerSeries: windowCount,
      windowsApplied: hub.model.stats.windowsApplied,
      pollMs: { p50: +pick(0.5).toFixed(1), p99: +pick(0.99).toFixed(1), max: +pick(1).toFixed(1) },
      applyPerWindowUs: +perWindowUs.toFixed(2),
      heapMb: +heapMb.toFixed(0),
      searchMs: +searchMs.toFixed(2),
      seriesDetailMs: +detailMs.toFixed(2),
      seriesDetailBytes: detailBytes,
      updateBytes: JSON.stringify(lastUpdate).length,
    },
    null,
    2,
  ),
);
