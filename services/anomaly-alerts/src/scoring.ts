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
  type DetectorState,
  deserializeState,
  initialState,
  type Point,
  type Scored,
  serializeState,
  update,
  updateInPlace,
} from './detector/index.js';

/**
 * How far back corrections are taken, in windows (`windowSeconds` each) before the last scored
 * window; older ones are stale.
 */
export const RECENT_WINDOWS = 64;

/**
 * A recent window the item remembers: `[windowStartMs, highest revision handled, covered]`,
 * covered = 1 when the window scored at or above the threshold or fell inside an episode. Only
 * windows with a revision above 0 or covered are kept; any other window in the horizon counts as
 * `[start, 0, 0]` (handled at revision 0, not anomalous), which keeps the item small.
 */
export type RecentWindow = [number, number, number];

/** The alert the last scored window emitted: a correction of that window replaces or withdraws it. */
export interface AlertRef {
  id: string;
  status: AlertAnomaly['data']['status'];
  episodeId: string;
  severity: AlertAnomaly['data']['severity'];
}

/** One DynamoDB item per series: detector state, what was scored last, episodes, pending alerts. */
export interface SeriesItem {
  series: string;
  /** Incremented by every write; writes are conditional on it (optimistic concurrency). */
  version: number;
  /**
   * Serialised detector state (`serializeState`) *before* the last scored window, whose point is
   * kept in `pending`: a correction of that window is scored from here, so the model learns each
   * window exactly once, from its latest revision. (Items written before `pending` existed hold
   * the state after the last window.)
   */
  state: string;
  /** The last scored window's detector point (latest revision), learnt when the next window comes. */
  pending?: Point;
  lastWindowStart: string;
  lastRevision: number;
  lastWindowEventId: string;
  /** Windows scored so far (a correction does not count again). */
  points: number;
  /** Episode state after the last scored window. */
  episodes: EpisodeState;
  /** Episode state before it (a correction of the last window re-decides from here). */
  prevEpisodes?: EpisodeState;
  /** The alert the last scored window emitted, if any. */
  lastAlert?: AlertRef | null;
  /** Windows of the last RECENT_WINDOWS that were revised or covered, oldest first. */
  recent?: RecentWindow[];
  /** Alerts committed with the state but not yet confirmed published (transactional outbox). */
  outbox: OutboxEntry[];
  updatedAt: string;
}

/** Why a window was not scored. */
export const SKIP_REASONS = {
  /** Not a final window: its value may still change. */
  notFinal: 'not-final',
  /** This revision of the window (or a newer one) was handled already: a redelivery. */
  duplicate: 'duplicate',
  /** A correction of the last window of an item written before corrections were re-scored. */
  correction: 'correction',
  /** Older than every window the item remembers: the online detector only moves forward. */
  stale: 'stale',
} as const;
export type SkipReason = (typeof SKIP_REASONS)[keyof typeof SKIP_REASONS];

/**
 * How a window was applied: `new` (the next window of the series), `latest` (a correction of the
 * last scored window: replaces its contribution), `older` (a correction of an earlier window:
 * scored against the current model without teaching it, may open an episode).
 */
export type ApplyMode = 'new' | 'latest' | 'older';

/** What scoring one window decided. */
export type ScoreOutcome =
  | { kind: 'skip'; reason: SkipReason }
  | {
      kind: 'apply';
      mode: ApplyMode;
      item: SeriesItem;
      scored: Scored;
      observed: number;
      alert?: AlertAnomaly;
      /** A correction's message about an alert already published for the window's first revision. */
      compensation?: AlertAnomaly;
      /** Ids of unpublished alerts of the replaced revision taken out of the outbox. */
      withdrawn?: string[];
      suppressed?: string;
    };

/** The value the detector sees for a window: the mean of a metric, the count of a log series. */
export function observedOf(window: MetricsWindow): number {
  return window.data.kind === 'log' ? window.data.count : window.data.mean;
}

/**
 * The detector point of a window: its start and observed value, plus for telemetry the whole
 * window (count, p50, p90, p99, min, max), each scored as a feature of its own; a log series'
 * count is its value already (`valueIsCount`). `+ 0` turns -0 into 0 (JSON has no -0, and the
 * point is stored).
 */
export function pointOf(window: MetricsWindow): Point {
  const d = window.data;
  const point: Point = { timestampMs: Date.parse(d.windowStart), value: observedOf(window) + 0 };
  if (d.kind === 'log') {
    point.valueIsCount = true;
    // A log series has a window only when something was logged: the gaps are windows of 0.
    point.windowMs = d.windowSeconds * 1000;
  } else {
    point.count = d.count + 0;
    point.p50 = d.p50 + 0;
    point.p90 = d.p90 + 0;
    point.p99 = d.p99 + 0;
    point.min = d.min + 0;
    point.max = d.max + 0;
  }
  return point;
}

function refOf(alert: AlertAnomaly): AlertRef {
  return {
    id: alert.id,
    status: alert.data.status,
    episodeId: alert.data.episodeId,
    severity: alert.data.severity,
  };
}

function coveredOf(scored: Scored, episodes: EpisodeState, config: AlertingConfig): number {
  return (!scored.warmingUp && scored.score >= config.threshold) || episodes.open ? 1 : 0;
}

/** Oldest window start (ms) a correction may have, given the last scored window. */
function horizonMs(lastWindowStart: string, windowSeconds: number): number {
  return Date.parse(lastWindowStart) - RECENT_WINDOWS * windowSeconds * 1000;
}

/**
 * The recent-window list with `entry` set (replacing the same window; dropped again when it is
 * ordinary), without entries older than `horizon`, oldest first.
 */
function withRecent(
  recent: readonly RecentWindow[],
  entry: RecentWindow,
  horizon: number,
): RecentWindow[] {
  const out = recent.filter((r) => r[0] !== entry[0] && r[0] >= horizon);
  if (entry[1] === 0 && entry[2] === 0) return out;
  let at = out.length;
  while (at > 0 && (out[at - 1] as RecentWindow)[0] > entry[0]) at--;
  out.splice(at, 0, entry);
  return out;
}

/** The detector state after the last scored window (its pending point learnt). */
function currentModel(item: SeriesItem, config: DetectorConfig): DetectorState {
  // Freshly deserialised, so ours to update in place (one copy less per window).
  const state = deserializeState(item.state);
  return item.pending ? updateInPlace(state, item.pending, config).state : state;
}

/**
 * Scores one `metrics.window` against the stored item of its series, purely, and returns the next
 * item (version + 1, alerts appended to the outbox) or why it was skipped. Every revision of every
 * window is handled at most once, and an older revision after a newer one is a no-op:
 * - the next window: the pending point of the previous one is learnt, the new one scored;
 * - a correction of the last scored window: re-scored from the state before it (so the model
 *   learns the window once, from its latest revision) and its alert re-decided from the episode
 *   state before it. An alert of the replaced revision still in the outbox is replaced or
 *   withdrawn; one already published is answered: an `open` the correction no longer supports by
 *   a `recovered` withdrawal, a `recovered` it no longer supports by an `open` reopening, the
 *   same decision at another severity by an amended alert (same status and episode);
 * - a correction of an earlier window (up to RECENT_WINDOWS back): scored against the current model without
 *   teaching it (the model moved on), and it opens an episode when it is anomalous, no episode is
 *   open and the window was not anomalous or covered by an episode before; it never withdraws;
 * - anything older: stale.
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
  if (!item || d.windowStart > item.lastWindowStart) {
    return scoreNext(item, window, nowIso, detectorConfig, alertingConfig);
  }
  if (d.windowStart === item.lastWindowStart) {
    if (d.revision <= item.lastRevision) return { kind: 'skip', reason: SKIP_REASONS.duplicate };
    if (!item.pending || !item.prevEpisodes) {
      return { kind: 'skip', reason: SKIP_REASONS.correction };
    }
    return rescoreLast(item, window, nowIso, detectorConfig, alertingConfig);
  }
  const startMs = Date.parse(d.windowStart);
  if (startMs < horizonMs(item.lastWindowStart, d.windowSeconds)) {
    return { kind: 'skip', reason: SKIP_REASONS.stale };
  }
  const seen: RecentWindow = item.recent?.find((r) => r[0] === startMs) ?? [startMs, 0, 0];
  if (d.revision <= seen[1]) return { kind: 'skip', reason: SKIP_REASONS.duplicate };
  return scoreOlder(item, seen, window, nowIso, detectorConfig, alertingConfig);
}

function scoreNext(
  item: SeriesItem | undefined,
  window: MetricsWindow,
  nowIso: string,
  detectorConfig: DetectorConfig,
  alertingConfig: AlertingConfig,
): ScoreOutcome {
  const d = window.data;
  const model = item ? currentModel(item, detectorConfig) : initialState(detectorConfig);
  const observed = observedOf(window);
  const point = pointOf(window);
  const { scored } = update(model, point, detectorConfig);
  const before = item?.episodes ?? INITIAL_EPISODE_STATE;
  const decision = decideAlert(before, d, observed, scored, alertingConfig);
  const alert = decision.alert
    ? buildAlertEvent(window, observed, scored, decision.alert)
    : undefined;
  const outbox = [...(item?.outbox ?? [])];
  if (alert && !outbox.some((e) => e.id === alert.id)) {
    outbox.push(toOutboxEntry(alert, Date.parse(nowIso)));
  }
  return {
    kind: 'apply',
    mode: 'new',
    item: {
      series: d.series,
      version: (item?.version ?? 0) + 1,
      state: serializeState(model),
      pending: point,
      lastWindowStart: d.windowStart,
      lastRevision: d.revision,
      lastWindowEventId: window.id,
      points: (item?.points ?? 0) + 1,
      episodes: decision.episodes,
      prevEpisodes: before,
      lastAlert: alert ? refOf(alert) : null,
      recent: withRecent(
        item?.recent ?? [],
        [point.timestampMs, d.revision, coveredOf(scored, decision.episodes, alertingConfig)],
        horizonMs(d.windowStart, d.windowSeconds),
      ),
      outbox,
      updatedAt: nowIso,
    },
    scored,
    observed,
    ...(alert ? { alert } : {}),
    ...(decision.suppressed ? { suppressed: decision.suppressed } : {}),
  };
}

function rescoreLast(
  item: SeriesItem,
  window: MetricsWindow,
  nowIso: string,
  detectorConfig: DetectorConfig,
  alertingConfig: AlertingConfig,
): ScoreOutcome {
  const d = window.data;
  const before = item.prevEpisodes as EpisodeState;
  const observed = observedOf(window);
  const point = pointOf(window);
  const { scored } = update(deserializeState(item.state), point, detectorConfig);
  const decision = decideAlert(before, d, observed, scored, alertingConfig);
  let alert = decision.alert
    ? buildAlertEvent(window, observed, scored, decision.alert)
    : undefined;
  let outbox = [...item.outbox];
  let lastAlert: AlertRef | null = alert ? refOf(alert) : null;
  let compensation: AlertAnomaly | undefined;
  const withdrawn: string[] = [];
  const old = item.lastAlert;
  if (old) {
    const sameDecision =
      alert !== undefined &&
      alert.data.status === old.status &&
      alert.data.episodeId === old.episodeId;
    if (outbox.some((e) => e.id === old.id)) {
      // Never confirmed published: the replaced revision's alert is taken back silently.
      outbox = outbox.filter((e) => e.id !== old.id);
      withdrawn.push(old.id);
    } else if (sameDecision && alert?.data.severity === old.severity) {
      // Published, and the correction says the same: no second message for one decision.
      alert = undefined;
      lastAlert = old;
    } else if (sameDecision && alert) {
      // Published, same decision at another severity: amended under the same episode (the
      // revision is part of the id, so subscribers do not drop it as a duplicate).
      alert = buildAlertEvent(
        window,
        observed,
        scored,
        {
          status: alert.data.status,
          episodeId: old.episodeId,
          severity: alert.data.severity,
          score: scored.score,
        },
        `Amended: revision ${d.revision} of window ${d.windowStart} changes the severity from ${old.severity} to ${alert.data.severity}`,
      );
      lastAlert = refOf(alert);
    } else {
      // Published, and the correction no longer supports it: say so under the same episode.
      const status = old.status === 'open' ? 'recovered' : 'open';
      const note =
        old.status === 'open'
          ? `Withdrawn: revision ${d.revision} of window ${d.windowStart} is no longer anomalous`
          : `Reopened: revision ${d.revision} of window ${d.windowStart} is not back to normal`;
      compensation = buildAlertEvent(
        window,
        observed,
        scored,
        { status, episodeId: old.episodeId, severity: old.severity, score: scored.score },
        note,
      );
      outbox.push(toOutboxEntry(compensation, Date.parse(nowIso)));
    }
  }
  if (alert && !outbox.some((e) => e.id === alert?.id)) {
    outbox.push(toOutboxEntry(alert, Date.parse(nowIso)));
  }
  return {
    kind: 'apply',
    mode: 'latest',
    item: {
      ...item,
      version: item.version + 1,
      pending: point,
      lastRevision: d.revision,
      lastWindowEventId: window.id,
      episodes: decision.episodes,
      lastAlert,
      recent: withRecent(
        item.recent ?? [],
        [point.timestampMs, d.revision, coveredOf(scored, decision.episodes, alertingConfig)],
        horizonMs(d.windowStart, d.windowSeconds),
      ),
      outbox,
      updatedAt: nowIso,
    },
    scored,
    observed,
    ...(alert ? { alert } : {}),
    ...(compensation ? { compensation } : {}),
    ...(withdrawn.length > 0 ? { withdrawn } : {}),
    ...(decision.suppressed ? { suppressed: decision.suppressed } : {}),
  };
}

function scoreOlder(
  item: SeriesItem,
  seen: RecentWindow,
  window: MetricsWindow,
  nowIso: string,
  detectorConfig: DetectorConfig,
  alertingConfig: AlertingConfig,
): ScoreOutcome {
  const d = window.data;
  const observed = observedOf(window);
  // Scored against the current model, whose next state is dropped: the model already learnt this
  // window (from the revision it had then) and must not learn it twice.
  const { scored } = update(currentModel(item, detectorConfig), pointOf(window), detectorConfig);
  let episodes = item.episodes;
  let prevEpisodes = item.prevEpisodes;
  let alert: AlertAnomaly | undefined;
  let suppressed: string | undefined;
  const wasCovered = seen[2] === 1;
  // Not while an episode is open after the last window or was open before it (the last window's
  // own decision is then about that episode and a correction of it must stay consistent).
  if (!wasCovered && !item.episodes.open && !item.prevEpisodes?.open) {
    const decision = decideAlert(item.episodes, d, observed, scored, alertingConfig);
    // Only an onset counts: a late window neither reopens a closed episode (its cool-down) nor
    // moves a recovery forward.
    if (decision.alert?.status === 'open') {
      episodes = decision.episodes;
      // The episode began before the last window: a correction of that window re-decides with it.
      if (prevEpisodes) prevEpisodes = { ...prevEpisodes, open: decision.episodes.open };
      alert = buildAlertEvent(window, observed, scored, decision.alert);
    } else if (decision.suppressed) suppressed = decision.suppressed;
  }
  const outbox = [...item.outbox];
  if (alert && !outbox.some((e) => e.id === alert?.id)) {
    outbox.push(toOutboxEntry(alert, Date.parse(nowIso)));
  }
  const covered = wasCovered || (!scored.warmingUp && scored.score >= alertingConfig.threshold);
  return {
    kind: 'apply',
    mode: 'older',
    item: {
      ...item,
      version: item.version + 1,
      episodes,
      ...(prevEpisodes ? { prevEpisodes } : {}),
      recent: withRecent(
        item.recent ?? [],
        [seen[0], d.revision, covered ? 1 : 0],
        horizonMs(item.lastWindowStart, d.windowSeconds),
      ),
      outbox,
      updatedAt: nowIso,
    },
    scored,
    observed,
    ...(alert ? { alert } : {}),
    ...(suppressed ? { suppressed } : {}),
  };
}
