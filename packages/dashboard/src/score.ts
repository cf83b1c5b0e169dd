import {
  DEFAULT_DETECTOR_CONFIG,
  type DetectorConfig,
  initialState,
  updateInPlace,
} from '@streamlens/anomaly-alerts/detector';
import { pointOf } from '@streamlens/anomaly-alerts/scoring';
import type { MetricsWindow } from '@streamlens/schema';
import type { SeriesTrack, WindowPoint } from './model.js';

/** The detector's verdict on one window, as the chart draws it beneath the series. */
export interface WindowScore {
  readonly startMs: number;
  /** 0..1; null while the detector is still warming up on the series. */
  readonly score: number | null;
  readonly expectedLow: number;
  readonly expectedHigh: number;
}

/**
 * The detector's score of each window, by replaying the anomaly service's own detector over the
 * windows (latest revisions, in time order) from a fresh state, with the run's warm-up. The
 * deployed function scores each window once, as it arrives, and keeps no per-window history; the
 * replay gives the same numbers when it starts from the series' first window (a local run, read
 * from the start of the aggregates stream) and an approximation after a shorter look-back.
 */
export function scoreSeries(
  track: Pick<SeriesTrack, 'key' | 'metric' | 'kind' | 'dimensions' | 'windowSeconds'>,
  windows: readonly WindowPoint[],
  config: DetectorConfig = DEFAULT_DETECTOR_CONFIG,
): WindowScore[] {
  const state = initialState(config);
  const out: WindowScore[] = [];
  for (const w of windows) {
    const point = pointOf(windowEventOf(track, w));
    try {
      const { scored } = updateInPlace(state, point, config);
      out.push({
        startMs: w.startMs,
        score: scored.warmingUp ? null : scored.score,
        expectedLow: scored.expectedLow,
        expectedHigh: scored.expectedHigh,
      });
    } catch {
      // A point the detector refuses (the service skips it the same way) leaves the state as is.
      out.push({
        startMs: w.startMs,
        score: null,
        expectedLow: Number.NaN,
        expectedHigh: Number.NaN,
      });
    }
  }
  return out;
}

/** Detector settings of a run: the defaults with the warm-up the run configured. */
export function detectorConfig(warmupPoints?: number): DetectorConfig {
  return warmupPoints !== undefined && Number.isInteger(warmupPoints) && warmupPoints > 0
    ? Object.freeze({ ...DEFAULT_DETECTOR_CONFIG, warmupPoints })
    : DEFAULT_DETECTOR_CONFIG;
}

/** The `metrics.window` event `pointOf` reads, rebuilt from what the model keeps. */
function windowEventOf(
  track: Pick<SeriesTrack, 'key' | 'metric' | 'kind' | 'dimensions' | 'windowSeconds'>,
  w: WindowPoint,
): MetricsWindow {
  return {
    specversion: '1.0',
    id: `${track.key}@${w.startMs}`,
    source: 'dashboard',
    type: 'metrics.window',
    time: new Date(w.startMs).toISOString(),
    data: {
      series: track.key,
      kind: track.kind === 'log' ? 'log' : 'telemetry',
      metric: track.metric,
      dimensions: { ...track.dimensions },
      windowStart: new Date(w.startMs).toISOString(),
      windowEnd: new Date(w.startMs + track.windowSeconds * 1000).toISOString(),
      windowSeconds: track.windowSeconds,
      revision: w.revision,
      count: w.count,
      sum: w.mean * w.count,
      min: w.min,
      max: w.max,
      mean: w.mean,
      p50: w.p50,
      p90: w.p90,
      p99: w.p99,
      final: w.final,
    },
  };
}
