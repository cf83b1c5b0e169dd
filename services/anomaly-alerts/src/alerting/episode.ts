import type { AlertAnomalyData, MetricsWindowData } from '@streamlens/schema';
import { type Scored, scoreOfP } from '../detector/index.js';

/** Severity levels of `alert.anomaly`, lowest first. */
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Tunables of the alerting (README: configuration). */
export interface AlertingConfig {
  /** A score at or above this opens an episode. */
  readonly threshold: number;
  /** Score bounds of medium / high / critical (below medium: low). */
  readonly severityCuts: {
    readonly medium: number;
    readonly high: number;
    readonly critical: number;
  };
  /** Consecutive normal windows (inside the expected range, score under threshold) that end an episode. */
  readonly recoveryWindows: number;
  /** After a recovery, an onset within this many seconds reopens the same episode silently. */
  readonly cooldownSeconds: number;
  /** Which deviations alert for log counts: `up` (error spikes only) or `both`. */
  readonly logDirection: 'up' | 'both';
}

// The detector's score is s / (s + 5) with s = −log10 p, p the series' own calibrated tail
// probability. An episode opens at p ≤ 1e-5 (score 0.5), the alert level Numenta published for its
// anomaly likelihood: about one false alarm per 100,000 windows of an ordinary series. Severity
// steps by orders of magnitude of p: high at p ≤ 1e-8, critical at p ≤ 1e-12. None of these is
// fitted to a benchmark (docs/detector.md).
export const DEFAULT_ALERTING_CONFIG: AlertingConfig = Object.freeze({
  threshold: scoreOfP(1e-5),
  severityCuts: Object.freeze({
    medium: scoreOfP(1e-5),
    high: scoreOfP(1e-8),
    critical: scoreOfP(1e-12),
  }),
  recoveryWindows: 3,
  cooldownSeconds: 900,
  logDirection: 'up' as const,
});

/** The alerting state of one series, stored next to the detector state. */
export interface EpisodeState {
  /** The open episode, if any. */
  open: {
    id: string;
    openedAt: string;
    peakScore: number;
    severity: Severity;
    normalStreak: number;
  } | null;
  /** The last closed episode (for the cool-down). */
  lastClosed: {
    id: string;
    recoveredAt: string;
    openedAt: string;
    peakScore: number;
    severity: Severity;
  } | null;
}

export const INITIAL_EPISODE_STATE: EpisodeState = Object.freeze({ open: null, lastClosed: null });

/** What the alerting decided for one scored window. */
export interface AlertDecision {
  readonly episodes: EpisodeState;
  /** The alert to publish, if any (`open` at an onset, `recovered` at the end of an episode). */
  readonly alert?: {
    readonly status: AlertAnomalyData['status'];
    readonly episodeId: string;
    readonly severity: Severity;
    readonly score: number;
  };
  /** Why nothing was published although the score crossed the threshold (for metrics). */
  readonly suppressed?: 'in-episode' | 'cooldown-reopen' | 'direction';
}

/** An episode is named by its series and the window that opened it (stable across redeliveries). */
export function episodeIdOf(series: string, windowStart: string): string {
  return `${series}|${windowStart}`;
}

/** Severity of a score under `cuts`. */
export function severityOf(score: number, cuts: AlertingConfig['severityCuts']): Severity {
  if (score >= cuts.critical) return 'critical';
  if (score >= cuts.high) return 'high';
  if (score >= cuts.medium) return 'medium';
  return 'low';
}

function inRange(observed: number, scored: Scored): boolean {
  return observed >= scored.expectedLow && observed <= scored.expectedHigh;
}

/**
 * The episode logic, pure: one alert per episode. An onset (score ≥ threshold, outside an
 * episode) opens an episode and emits `open`; further high scores inside it only raise its peak;
 * `recoveryWindows` consecutive normal windows close it and emit `recovered`. An onset within
 * `cooldownSeconds` of the last recovery reopens that episode without a message (flapping), so
 * its next recovery is reported again under the same episode id.
 *
 * @example
 * const { episodes, alert } = decideAlert(state, window, observed, scored, DEFAULT_ALERTING_CONFIG);
 */
export function decideAlert(
  state: EpisodeState,
  window: Pick<MetricsWindowData, 'series' | 'windowStart' | 'kind'>,
  observed: number,
  scored: Scored,
  config: AlertingConfig = DEFAULT_ALERTING_CONFIG,
): AlertDecision {
  const high = !scored.warmingUp && scored.score >= config.threshold;
  const wrongWay =
    high && window.kind === 'log' && config.logDirection === 'up' && observed < scored.expectedLow;
  if (state.open) {
    const open = { ...state.open };
    if (high && !wrongWay) {
      open.peakScore = Math.max(open.peakScore, scored.score);
      open.severity = severityOf(open.peakScore, config.severityCuts);
      open.normalStreak = 0;
      return { episodes: { ...state, open }, suppressed: 'in-episode' };
    }
    open.normalStreak = inRange(observed, scored) ? open.normalStreak + 1 : 0;
    if (open.normalStreak < config.recoveryWindows) return { episodes: { ...state, open } };
    return {
      episodes: {
        open: null,
        lastClosed: {
          id: open.id,
          openedAt: open.openedAt,
          recoveredAt: window.windowStart,
          peakScore: open.peakScore,
          severity: open.severity,
        },
      },
      alert: {
        status: 'recovered',
        episodeId: open.id,
        severity: open.severity,
        score: scored.score,
      },
    };
  }
  if (!high) return { episodes: state };
  if (wrongWay) return { episodes: state, suppressed: 'direction' };
  const last = state.lastClosed;
  if (
    last &&
    Date.parse(window.windowStart) - Date.parse(last.recoveredAt) < config.cooldownSeconds * 1000
  ) {
    const peakScore = Math.max(last.peakScore, scored.score);
    return {
      episodes: {
        open: {
          id: last.id,
          openedAt: last.openedAt,
          peakScore,
          severity: severityOf(peakScore, config.severityCuts),
          normalStreak: 0,
        },
        lastClosed: null,
      },
      suppressed: 'cooldown-reopen',
    };
  }
  const severity = severityOf(scored.score, config.severityCuts);
  const id = episodeIdOf(window.series, window.windowStart);
  return {
    episodes: {
      ...state,
      open: {
        id,
        openedAt: window.windowStart,
        peakScore: scored.score,
        severity,
        normalStreak: 0,
      },
    },
    alert: { status: 'open', episodeId: id, severity, score: scored.score },
  };
}
