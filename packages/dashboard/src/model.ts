import type { AlertAnomalyData, MetricsWindowData } from '@streamlens/schema';

/** An alert as the server keeps it: the `alert.anomaly` event's id and data. */
export interface AlertView {
  readonly id: string;
  readonly series: string;
  readonly metric?: string;
  readonly status: string;
  readonly severity: string;
  /** The window's value and the range the detector expected (not kept in a stage's state). */
  readonly observed?: number;
  readonly expectedLow?: number;
  readonly expectedHigh?: number;
  readonly score?: number;
  readonly windowStart: string;
  readonly windowEnd?: string;
  readonly explanation: string;
  readonly episodeId?: string;
}

/** One window of a series, latest revision; `revisedFrom` keeps the first revision's values. */
export interface WindowPoint {
  readonly startMs: number;
  readonly revision: number;
  readonly final: boolean;
  readonly count: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  /** The values of revision 0 when a later revision (a correction) replaced them. */
  readonly revisedFrom?: { readonly count: number; readonly mean: number };
}

/** What is known of one series. */
export interface SeriesTrack {
  readonly key: string;
  readonly metric: string;
  readonly kind: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly windowSeconds: number;
  /** Window start (ms) → point. At most `maxWindowsPerSeries`, the oldest dropped first. */
  readonly windows: Map<number, WindowPoint>;
  alerts: number;
  lastStartMs: number;
}

/** A series in a search result. */
export interface SeriesSummary {
  readonly key: string;
  readonly metric: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly windows: number;
  readonly alerts: number;
  readonly lastWindowStart: string;
}

/** Limits that keep the server's memory bounded whatever the traffic. */
export interface ModelLimits {
  readonly maxSeries: number;
  readonly maxWindowsPerSeries: number;
  readonly maxAlerts: number;
}

export const DEFAULT_LIMITS: ModelLimits = {
  maxSeries: 20_000,
  maxWindowsPerSeries: 360,
  maxAlerts: 1_000,
};

/** Counters of what the model took in and what it turned away. */
export interface ModelStats {
  windowsApplied: number;
  /** A revision at or below the one held (a redelivery, or an older revision arriving late). */
  windowsDuplicate: number;
  /** Window events of series beyond `maxSeries`. */
  windowsDroppedSeries: number;
  /** Window events that lack a field the page draws. */
  windowsMalformed: number;
  alertsApplied: number;
  alertsDuplicate: number;
  alertsMalformed: number;
  /** Alerts older than every one held while `maxAlerts` are held. */
  alertsTooOld: number;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * The server's aggregate view: per series its recent windows, and the latest alerts. It is fed
 * window events from the aggregates stream and alert events, each possibly more than once (the
 * stream is read at least once, a re-read after a restart starts over): applying one again
 * changes nothing, and a window is replaced only by a higher revision.
 */
export class DashboardModel {
  readonly series = new Map<string, SeriesTrack>();
  private readonly alertList: AlertView[] = [];
  private readonly alertIds = new Set<string>();
  readonly stats: ModelStats = {
    windowsApplied: 0,
    windowsDuplicate: 0,
    windowsDroppedSeries: 0,
    windowsMalformed: 0,
    alertsApplied: 0,
    alertsDuplicate: 0,
    alertsMalformed: 0,
    alertsTooOld: 0,
  };

  constructor(readonly limits: ModelLimits = DEFAULT_LIMITS) {}

  /** Apply one window event's data; true when it changed the series. */
  applyWindow(w: MetricsWindowData): boolean {
    const startMs = Date.parse(w?.windowStart);
    if (
      typeof w?.series !== 'string' ||
      !Number.isFinite(startMs) ||
      ![w.count, w.mean, w.min, w.max, w.p50, w.p90, w.p99, w.revision].every(finite)
    ) {
      this.stats.windowsMalformed++;
      return false;
    }
    let track = this.series.get(w.series);
    if (!track) {
      if (this.series.size >= this.limits.maxSeries) {
        this.stats.windowsDroppedSeries++;
        return false;
      }
      track = {
        key: w.series,
        metric: String(w.metric),
        kind: String(w.kind),
        dimensions: { ...(w.dimensions ?? {}) },
        windowSeconds: finite(w.windowSeconds) ? w.windowSeconds : 0,
        windows: new Map(),
        alerts: 0,
        lastStartMs: startMs,
      };
      this.series.set(w.series, track);
    }
    const held = track.windows.get(startMs);
    if (held && held.revision >= w.revision) {
      this.stats.windowsDuplicate++;
      return false;
    }
    const first = held?.revisedFrom ?? (held ? { count: held.count, mean: held.mean } : undefined);
    track.windows.set(startMs, {
      startMs,
      revision: w.revision,
      final: w.final === true,
      count: w.count,
      mean: w.mean,
      min: w.min,
      max: w.max,
      p50: w.p50,
      p90: w.p90,
      p99: w.p99,
      ...(first ? { revisedFrom: first } : {}),
    });
    if (startMs > track.lastStartMs) track.lastStartMs = startMs;
    if (track.windows.size > this.limits.maxWindowsPerSeries) dropOldest(track.windows);
    this.stats.windowsApplied++;
    return true;
  }

  /** Apply one alert; true when it is new. */
  applyAlert(a: AlertView): boolean {
    if (
      typeof a?.id !== 'string' ||
      typeof a.series !== 'string' ||
      !Number.isFinite(Date.parse(a.windowStart))
    ) {
      this.stats.alertsMalformed++;
      return false;
    }
    if (this.alertIds.has(a.id)) {
      this.stats.alertsDuplicate++;
      return false;
    }
    if (this.alertList.length >= this.limits.maxAlerts) {
      // Full: the newest windows stay, whatever order alerts come in (a stage's state table is
      // read in hash order). One pass over at most maxAlerts.
      let oldest = 0;
      for (let i = 1; i < this.alertList.length; i++) {
        if (startOf(this.alertList[i]) < startOf(this.alertList[oldest])) oldest = i;
      }
      const gone = this.alertList[oldest];
      if (!gone || startOf(a) < startOf(gone)) {
        this.stats.alertsTooOld++;
        return false;
      }
      this.alertList.splice(oldest, 1);
      this.alertIds.delete(gone.id);
    }
    this.alertIds.add(a.id);
    this.alertList.push(a);
    const track = this.series.get(a.series);
    if (track) track.alerts++;
    this.stats.alertsApplied++;
    return true;
  }

  /** Alerts, newest window first (ties: the later arrival first). */
  alerts(limit = 200): AlertView[] {
    return [...this.alertList]
      .map((a, i) => ({ a, i, t: Date.parse(a.windowStart) }))
      .sort((x, y) => y.t - x.t || y.i - x.i)
      .slice(0, limit)
      .map(({ a }) => a);
  }

  /** Alerts of one series, in arrival order. */
  alertsOf(series: string): AlertView[] {
    return this.alertList.filter((a) => a.series === series);
  }

  /**
   * Series whose key contains every whitespace-separated term (case-insensitive), series with
   * alerts first, then by key; `limit` results at most. One pass over the series.
   */
  search(query: string, limit = 50): { total: number; series: SeriesSummary[] } {
    const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
    const hits: SeriesTrack[] = [];
    for (const track of this.series.values()) {
      const key = track.key.toLowerCase();
      if (terms.every((t) => key.includes(t))) hits.push(track);
    }
    hits.sort((a, b) => b.alerts - a.alerts || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { total: hits.length, series: hits.slice(0, limit).map(summaryOf) };
  }

  /** A series' windows in time order. */
  windowsOf(series: string): WindowPoint[] {
    const track = this.series.get(series);
    if (!track) return [];
    return [...track.windows.values()].sort((a, b) => a.startMs - b.startMs);
  }
}

const startOf = (a: AlertView | undefined) => (a ? Date.parse(a.windowStart) : Number.NaN);

function summaryOf(t: SeriesTrack): SeriesSummary {
  return {
    key: t.key,
    metric: t.metric,
    dimensions: t.dimensions,
    windows: t.windows.size,
    alerts: t.alerts,
    lastWindowStart: new Date(t.lastStartMs).toISOString(),
  };
}

/** Drop the window with the smallest start (windows mostly arrive in order: usually the first). */
function dropOldest(windows: Map<number, WindowPoint>): void {
  let oldest = Number.POSITIVE_INFINITY;
  for (const start of windows.keys()) if (start < oldest) oldest = start;
  windows.delete(oldest);
}

/** An alert event's data (`alert.anomaly`) with its id, as the model keeps it. */
export function alertViewOf(id: string, data: AlertAnomalyData): AlertView {
  return {
    id,
    series: data.series,
    metric: data.metric,
    status: data.status,
    severity: data.severity,
    observed: data.observed,
    expectedLow: data.expectedLow,
    expectedHigh: data.expectedHigh,
    score: data.score,
    windowStart: data.windowStart,
    windowEnd: data.windowEnd,
    explanation: data.explanation,
    episodeId: data.episodeId,
  };
}
