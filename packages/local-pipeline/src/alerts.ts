import { existsSync, readFileSync } from 'node:fs';
import type { AnomalyTruth } from '@streamlens/producer';

/** An alert as the anomaly service publishes it (the `alert.anomaly` CloudEvent's data). */
export interface SeenAlert {
  readonly id: string;
  readonly series: string;
  readonly status: string;
  readonly severity: string;
  readonly observed: number;
  readonly expectedLow: number;
  readonly expectedHigh: number;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly explanation: string;
}

/**
 * Follows the alerts topic through the SNS stand-in's `file` subscription (one delivery JSON per
 * line) and hands each new alert to `onAlert` as it fires.
 */
export class AlertWatcher {
  readonly alerts: SeenAlert[] = [];
  private offset = 0;

  constructor(
    private readonly file: string,
    private readonly onAlert?: (alert: SeenAlert) => void,
  ) {}

  /** Read what arrived since the last poll. */
  poll(): void {
    if (!existsSync(this.file)) return;
    const text = readFileSync(this.file, 'utf8');
    const fresh = text.slice(this.offset);
    const end = fresh.lastIndexOf('\n');
    if (end < 0) return;
    this.offset += end + 1;
    for (const line of fresh.slice(0, end).split('\n')) {
      if (!line) continue;
      try {
        const delivery = JSON.parse(line) as { message: string };
        const event = JSON.parse(delivery.message) as { id: string; data: Omit<SeenAlert, 'id'> };
        const alert: SeenAlert = { id: event.id, ...event.data };
        this.alerts.push(alert);
        this.onAlert?.(alert);
      } catch {
        // Not an alert CloudEvent: ignored (counted nowhere on purpose: the topic is ours).
      }
    }
  }
}

/** One readable line per alert. */
export function formatAlert(a: SeenAlert): string {
  const at = a.windowStart.slice(11, 19);
  return `ALERT [${a.severity}] ${a.status} ${a.series} at ${at}: observed ${round(a.observed)} (expected ${round(a.expectedLow)}–${round(a.expectedHigh)}) ${a.explanation}`;
}

const round = (n: number) => (Number.isFinite(n) ? Math.round(n * 100) / 100 : n);

/** How the alerts did on one kind of injected anomaly. */
export interface KindQuality {
  readonly kind: string;
  readonly injected: number;
  readonly alerted: number;
  /** Injected while their series was still in the detector's warm-up (not scorable, not counted as missed). */
  readonly inWarmup: number;
  /**
   * For each alerted anomaly, windows from the one holding its onset to the first `open` alert
   * about it (0: the onset's own window).
   */
  readonly windowsToAlert: readonly number[];
}

/** Alert quality against the ground truth: per anomaly kind, and alerts that match none. */
export interface AlertQuality {
  readonly found: number;
  /** Anomalies whose series was past warm-up at their onset and that no alert matched. */
  readonly missed: number;
  /** Anomalies injected while their series was in warm-up and not alerted (not counted as missed). */
  readonly inWarmup: number;
  readonly falseAlerts: number;
  readonly byKind: readonly KindQuality[];
}

/**
 * Whether the detector could score an anomaly's onset: its series had at least `warmupPoints`
 * windows before it (the detector's own rule: no score before warm-up). `windowsBefore` gives the
 * series' window count before a time.
 */
export interface WarmupRule {
  readonly warmupPoints: number;
  readonly windowsBefore: (series: string, beforeMs: number) => number;
}

/**
 * Matches `open` alerts to injected anomalies by series and time overlap (`slackMs` after the
 * anomaly's end still counts: the window holding it closes later). An alert matching no injected
 * anomaly is a false alert. With a `warmup` rule, an anomaly that was not alerted and whose series
 * was still in warm-up at its onset is counted apart (`inWarmup`), not as missed.
 */
export function alertQuality(
  alerts: readonly SeenAlert[],
  truth: readonly AnomalyTruth[],
  slackMs = 60_000,
  warmup?: WarmupRule,
): AlertQuality {
  const open = alerts.filter((a) => a.status === 'open');
  const matched = new Set<SeenAlert>();
  const kinds = new Map<
    string,
    { injected: number; alerted: number; inWarmup: number; delays: number[] }
  >();
  let found = 0;
  let inWarmup = 0;
  for (const t of truth) {
    const start = Date.parse(t.start);
    const end = Date.parse(t.end) + slackMs;
    const hits = open.filter(
      (a) =>
        a.series === t.series &&
        Date.parse(a.windowEnd) >= start &&
        Date.parse(a.windowStart) <= end,
    );
    const k = kinds.get(t.kind) ?? { injected: 0, alerted: 0, inWarmup: 0, delays: [] };
    kinds.set(t.kind, k);
    k.injected++;
    if (hits.length > 0) {
      found++;
      k.alerted++;
      const first = Math.min(...hits.map((a) => Date.parse(a.windowStart)));
      const len = Math.max(1, Date.parse(hits[0]!.windowEnd) - Date.parse(hits[0]!.windowStart));
      k.delays.push(Math.max(0, Math.ceil((first - start) / len)));
    } else if (warmup && warmup.windowsBefore(t.series, start) < warmup.warmupPoints) {
      inWarmup++;
      k.inWarmup++;
    }
    for (const h of hits) matched.add(h);
  }
  return {
    found,
    missed: truth.length - found - inWarmup,
    inWarmup,
    falseAlerts: open.length - matched.size,
    byKind: [...kinds.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([kind, k]) => ({
        kind,
        injected: k.injected,
        alerted: k.alerted,
        inWarmup: k.inWarmup,
        windowsToAlert: k.delays,
      })),
  };
}

/** Injected anomalies found, missed, and alerts that match none (false alerts). */
export function matchAlerts(
  alerts: readonly SeenAlert[],
  truth: readonly AnomalyTruth[],
  slackMs = 60_000,
): { found: number; missed: number; falseAlerts: number } {
  const { found, missed, falseAlerts } = alertQuality(alerts, truth, slackMs);
  return { found, missed, falseAlerts };
}

/** One line per kind: `spike 3/4 alerted (windows to alert: 0, 1, 1)`. */
export function formatQuality(q: AlertQuality): string {
  return q.byKind
    .map((k) => {
      const delays =
        k.windowsToAlert.length > 0 ? ` (windows to alert: ${k.windowsToAlert.join(', ')})` : '';
      const warm = k.inWarmup > 0 ? `, ${k.inWarmup} in warm-up` : '';
      return `${k.kind} ${k.alerted}/${k.injected} alerted${delays}${warm}`;
    })
    .join('; ');
}
