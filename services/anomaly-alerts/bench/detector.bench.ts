import { defineBench, defineWorkload } from '@streamlens/bench';
import type { MetricsWindow } from '@streamlens/schema';
import { seriesKey } from '@streamlens/schema';
import { DEFAULT_ALERTING_CONFIG } from '../src/alerting/episode.js';
import {
  DEFAULT_DETECTOR_CONFIG,
  deserializeState,
  initialState,
  serializeState,
  update,
  updateInPlace,
} from '../src/detector/index.js';
import { pointOf, type SeriesItem, scoreWindow } from '../src/scoring.js';

const SERIES = 100;
const WINDOWS_PER_SERIES = 100;
const T0 = Date.parse('2026-01-01T00:00:00.000Z');

/** mulberry32: the same windows on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A final one-minute `metrics.window` of `metric` starting at `start`, with these statistics. */
function minuteWindow(
  metric: string,
  kind: 'telemetry' | 'log',
  dimensions: Record<string, string>,
  start: number,
  stats: Pick<
    MetricsWindow['data'],
    'count' | 'sum' | 'min' | 'max' | 'mean' | 'p50' | 'p90' | 'p99'
  >,
): MetricsWindow {
  const series = seriesKey(metric, dimensions);
  const windowStart = new Date(start).toISOString();
  return {
    specversion: '1.0',
    id: `${series}|${windowStart}|r0`,
    source: 'streamlens/stream-aggregator',
    type: 'metrics.window',
    time: new Date(start + 60_000).toISOString(),
    subject: series,
    data: {
      series,
      kind,
      metric,
      dimensions,
      windowStart,
      windowEnd: new Date(start + 60_000).toISOString(),
      windowSeconds: 60,
      revision: 0,
      ...stats,
      final: true,
    },
  };
}

/** Windows in stream order (minute by minute, every series each minute), daily shape + noise + 1% spikes. */
function buildWindows(seed: number): MetricsWindow[] {
  const rnd = prng(seed);
  const out: MetricsWindow[] = [];
  for (let m = 0; m < WINDOWS_PER_SERIES; m++) {
    for (let s = 0; s < SERIES; s++) {
      const dimensions = { host: `web-${s}`, service: `svc-${s % 12}` };
      const start = T0 + m * 60_000;
      const base = 40 + 10 * Math.sin((2 * Math.PI * m) / 1440 + s) + (rnd() - 0.5) * 4;
      const mean = rnd() < 0.01 ? base * 4 : base;
      out.push(
        minuteWindow('cpu.utilization', 'telemetry', dimensions, start, {
          count: 60,
          sum: mean * 60,
          min: mean * 0.8,
          max: mean * 1.2,
          mean,
          p50: mean,
          p90: mean * 1.1,
          p99: mean * 1.19,
        }),
      );
    }
  }
  return out;
}

const windows = defineWorkload({
  name: 'anomaly-windows-10k',
  description: `${SERIES} series × ${WINDOWS_PER_SERIES} final metrics.window events, in stream order`,
  events: SERIES * WINDOWS_PER_SERIES,
  build: () => buildWindows(20260115),
});

/**
 * Log series that have a window only when something was logged: each window comes 1 to 1,000
 * minutes after the previous one, so the detector learns the silent minutes as zero counts first
 * (at most 864 per window). The cost per window includes that.
 */
function buildSparseLogWindows(seed: number): MetricsWindow[] {
  const rnd = prng(seed);
  const out: MetricsWindow[] = [];
  const at = new Array<number>(SERIES).fill(0);
  for (let m = 0; m < WINDOWS_PER_SERIES; m++) {
    for (let s = 0; s < SERIES; s++) {
      at[s] = (at[s] as number) + 1 + Math.floor(rnd() * 1000);
      const dimensions = { level: 'ERROR', service: `svc-${s}` };
      const start = T0 + (at[s] as number) * 60_000;
      const count = 1 + Math.floor(rnd() * 3);
      const one = { min: 1, max: 1, mean: 1, p50: 1, p90: 1, p99: 1 };
      out.push(minuteWindow('log.count', 'log', dimensions, start, { count, sum: count, ...one }));
    }
  }
  return out;
}

const sparseLogs = defineWorkload({
  name: 'anomaly-sparse-log-windows-10k',
  description: `${SERIES} log.count series × ${WINDOWS_PER_SERIES} windows, 1 to 1,000 silent minutes apart`,
  events: SERIES * WINDOWS_PER_SERIES,
  build: () => buildSparseLogWindows(20261207),
});

/** Bytes of one series' stored state after a long history (a week of minutes), measured at import. */
function stateBytesAfter(points: number): { detector: number; item: number } {
  let item: SeriesItem | undefined;
  const rnd = prng(7);
  for (let m = 0; m < points; m++) {
    const w = buildOne(m, 40 + 10 * Math.sin((2 * Math.PI * m) / 1440) + (rnd() - 0.5) * 4);
    const o = scoreWindow(
      item,
      w,
      '2026-01-09T00:00:00.000Z',
      DEFAULT_DETECTOR_CONFIG,
      DEFAULT_ALERTING_CONFIG,
    );
    // The Lambda publishes and clears the outbox after each window; so does this estimate.
    if (o.kind === 'apply') item = { ...o.item, outbox: [] };
  }
  return {
    detector: Buffer.byteLength(item?.state ?? ''),
    item: Buffer.byteLength(JSON.stringify(item)),
  };
}

function buildOne(m: number, mean: number): MetricsWindow {
  const w = FIRST;
  const windowStart = new Date(T0 + m * 60_000).toISOString();
  return {
    ...w,
    id: `${w.data.series}|${windowStart}|r0`,
    data: {
      ...w.data,
      windowStart,
      windowEnd: new Date(T0 + (m + 1) * 60_000).toISOString(),
      mean,
    },
  };
}

const FIRST = buildWindows(1)[0] as MetricsWindow;
const size = stateBytesAfter(7 * 1440);
const sizeNote = `state per series after a week of minutes: detector ${size.detector} B, whole item ${size.item} B (DynamoDB limit 400 KB)`;

/** The detector alone, every series' state kept in memory: the sum of the scores. */
function updateAll(data: readonly MetricsWindow[]): number {
  const states = new Map<string, ReturnType<typeof initialState>>();
  let score = 0;
  for (const w of data) {
    const state = states.get(w.data.series) ?? initialState(DEFAULT_DETECTOR_CONFIG);
    const out = updateInPlace(state, pointOf(w), DEFAULT_DETECTOR_CONFIG);
    score += out.scored.score;
    states.set(w.data.series, out.state);
  }
  return score;
}

export const suites = [
  defineBench({
    workload: windows,
    name: 'floor: EWMA mean/variance + z-score per series (Map)',
    kind: 'floor',
    notes: 'the least an online per-series detector does',
    run: (data) => {
      const states = new Map<string, { m: number; v: number; n: number }>();
      let alarms = 0;
      for (const w of data) {
        const x = w.data.mean;
        let s = states.get(w.data.series);
        if (!s) {
          s = { m: x, v: 0, n: 0 };
          states.set(w.data.series, s);
        }
        const d = x - s.m;
        if (s.n > 10 && d * d > 9 * s.v) alarms++;
        s.m += 0.05 * d;
        s.v = 0.95 * (s.v + 0.05 * d * d);
        s.n++;
      }
      return alarms;
    },
  }),
  defineBench({
    workload: windows,
    name: 'anomaly-alerts: detector update per window (7 features, state kept in memory)',
    kind: 'streamlens',
    notes: 'the scoring itself: every feature of the window tested, calibrated, attributed',
    run: updateAll,
  }),
  defineBench({
    workload: windows,
    name: 'anomaly-alerts: deserialize + detector update + serialize per window',
    kind: 'streamlens',
    notes: `what one window costs the Lambda besides I/O; ${sizeNote}`,
    run: (data) => {
      const stored = new Map<string, string>();
      let score = 0;
      for (const w of data) {
        const json = stored.get(w.data.series);
        const state = json ? deserializeState(json) : initialState(DEFAULT_DETECTOR_CONFIG);
        const out = update(state, pointOf(w), DEFAULT_DETECTOR_CONFIG);
        score += out.scored.score;
        stored.set(w.data.series, serializeState(out.state));
      }
      return score;
    },
  }),
  defineBench({
    workload: sparseLogs,
    name: 'anomaly-alerts: detector update per sparse log window (silent minutes learnt as zeros)',
    kind: 'streamlens',
    notes: 'a log series that logs rarely: each window first learns the gap since the last one',
    run: updateAll,
  }),
  defineBench({
    workload: windows,
    name: 'anomaly-alerts: scoreWindow (replay check, detector, episodes, alert message)',
    kind: 'streamlens',
    notes: 'the whole domain path per window on an in-memory item map',
    run: (data) => {
      const items = new Map<string, SeriesItem>();
      let alerts = 0;
      for (const w of data) {
        const o = scoreWindow(
          items.get(w.data.series),
          w,
          '2026-01-02T00:00:00.000Z',
          DEFAULT_DETECTOR_CONFIG,
          DEFAULT_ALERTING_CONFIG,
        );
        if (o.kind === 'apply') {
          items.set(w.data.series, o.item);
          if (o.alert) alerts++;
        }
      }
      return alerts;
    },
  }),
];
