import type { AlertAnomaly, MetricsWindow } from '@streamlens/schema';
import {
  type AlertingConfig,
  decideAlert,
  type EpisodeState,
  INITIAL_EPISODE_STATE,
} from './alerting/episode.js';
import { buildAlertEvent, type OutboxEntry, toOutboxEntry } from './alerting/message.js';
import {
  type DetectorConfig,
  deserializeState,
  initialState,
  type Point,
  type Scored,
  serializeState,
  update,
} from './detector/index.js';

/** One DynamoDB item per series: detector state, what was scored last, episodes, pending alerts. */
export interface SeriesItem {
  series: string;
  /** Incremented by every write; writes are conditional on it (optimistic concurrency). */
  version: number;
  /** Serialised detector state (`serializeState`). */
  state: string;
  lastWindowStart: string;
  lastRevision: number;
  lastWindowEventId: string;
  /** Windows scored so far. */
  points: number;
  episodes: EpisodeState;
  /** Alerts committed with the state but not yet confirmed published (transactional outbox). */
  outbox: OutboxEntry[];
  updatedAt: string;
}

/** Why a window was not scored. */
export const SKIP_REASONS = {
  /** Not a final window: its value may still change. */
  notFinal: 'not-final',
  /** The same window and revision (or an older revision) was scored: a redelivery. */
  duplicate: 'duplicate',
  /** A correction of the window scored last: the detector already absorbed its first revision. */
  correction: 'correction',
  /** Older than the last scored window: the online detector only moves forward. */
  stale: 'stale',
} as const;
export type SkipReason = (typeof SKIP_REASONS)[keyof typeof SKIP_REASONS];

/** What scoring one window decided. */
export type ScoreOutcome =
  | { kind: 'skip'; reason: SkipReason }
  | {
      kind: 'apply';
      item: SeriesItem;
      scored: Scored;
      observed: number;
      alert?: AlertAnomaly;
      suppressed?: string;
    };

/** The value the detector sees for a window: the mean of a metric, the count of a log series. */
export function observedOf(window: MetricsWindow): number {
  return window.data.kind === 'log' ? window.data.count : window.data.mean;
}

/** The detector point of a window (its start, the observed value and the extras that help). */
export function pointOf(window: MetricsWindow): Point {
  const d = window.data;
  return {
    timestampMs: Date.parse(d.windowStart),
    value: observedOf(window),
    count: d.count,
    ...(d.kind === 'log' ? {} : { p99: d.p99, min: d.min, max: d.max }),
  };
}

/**
 * Scores one `metrics.window` against the stored item of its series, purely: skips what was
 * scored already (so replaying a window is a no-op), else updates the detector, runs the episode
 * logic and returns the next item (version + 1, the alert appended to the outbox).
 *
 * @example
 * const outcome = scoreWindow(await store.get(series), window, now, detectorConfig, alertingConfig);
 */
export function scoreWindow(
  item: SeriesItem | undefined,
  window: MetricsWindow,
  nowIso: string,
  detectorConfig: DetectorConfig,
  alertingConfig: AlertingConfig,
): ScoreOutcome {
  const d = window.data;
  if (!d.final) return { kind: 'skip', reason: SKIP_REASONS.notFinal };
  if (item) {
    if (d.windowStart < item.lastWindowStart) return { kind: 'skip', reason: SKIP_REASONS.stale };
    if (d.windowStart === item.lastWindowStart) {
      return {
        kind: 'skip',
        reason: d.revision <= item.lastRevision ? SKIP_REASONS.duplicate : SKIP_REASONS.correction,
      };
    }
  }
  const state = item ? deserializeState(item.state) : initialState(detectorConfig);
  const observed = observedOf(window);
  const { state: next, scored } = update(state, pointOf(window), detectorConfig);
  const decision = decideAlert(
    item?.episodes ?? INITIAL_EPISODE_STATE,
    d,
    observed,
    scored,
    alertingConfig,
  );
  const alert = decision.alert
    ? buildAlertEvent(window, observed, scored, decision.alert)
    : undefined;
  const outbox = [...(item?.outbox ?? [])];
  if (alert && !outbox.some((e) => e.id === alert.id))
    outbox.push(toOutboxEntry(alert, Date.parse(nowIso)));
  return {
    kind: 'apply',
    item: {
      series: d.series,
      version: (item?.version ?? 0) + 1,
      state: serializeState(next),
      lastWindowStart: d.windowStart,
      lastRevision: d.revision,
      lastWindowEventId: window.id,
      points: (item?.points ?? 0) + 1,
      episodes: decision.episodes,
      outbox,
      updatedAt: nowIso,
    },
    scored,
    observed,
    ...(alert ? { alert } : {}),
    ...(decision.suppressed ? { suppressed: decision.suppressed } : {}),
  };
}
