import {
  type DynamoDBDocumentClient,
  ScanCommand,
  type ScanCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { alertIdOf } from '@streamlens/anomaly-alerts/alerting';
import type { SeriesItem } from '@streamlens/anomaly-alerts/scoring';
import { fromStoredSeriesItem } from '@streamlens/anomaly-alerts/store';
import { parseEventJson } from '@streamlens/schema';
import { type AlertView, alertViewOf } from './model.js';
import { unavailable } from './problems.js';

/** What one read of the state table brought. */
export interface EpisodesRead {
  readonly alerts: AlertView[];
  /** Items that do not decode, or pending alerts that are not valid `alert.anomaly` events. */
  readonly rejected: Readonly<Record<string, number>>;
}

const fixed = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '–');

/**
 * The alerts a series' detector state still tells of: the alerts waiting in its outbox (whole
 * `alert.anomaly` events, not yet confirmed published), its open episode and its last closed one
 * (each as the `open` alert that started it and, when closed, the `recovered` one that ended it).
 * Ids are the ones anomaly-alerts gives the published alerts (`alertIdOf`), so an alert read from
 * the outbox and again from the episode once published is one alert. Older episodes of the
 * series are not in its state: the stage keeps no record of them (SNS keeps no history).
 */
export function alertsOfSeriesItem(item: SeriesItem): {
  alerts: AlertView[];
  invalidPending: number;
} {
  const alerts: AlertView[] = [];
  let invalidPending = 0;
  for (const entry of item.outbox ?? []) {
    const parsed = parseEventJson(entry.message);
    if (parsed.ok && parsed.value.type === 'alert.anomaly') {
      alerts.push(alertViewOf(parsed.value.id, parsed.value.data));
    } else invalidPending++;
  }
  const opened = (e: { id: string; openedAt: string; peakScore: number; severity: string }) => ({
    id: alertIdOf(e.id, 'open', e.openedAt),
    series: item.series,
    status: 'open',
    severity: e.severity,
    score: e.peakScore,
    windowStart: e.openedAt,
    episodeId: e.id,
  });
  const open = item.episodes?.open;
  if (open) {
    alerts.push({
      ...opened(open),
      explanation: `Episode open since window ${open.openedAt}: peak score ${fixed(open.peakScore)} (${open.severity}); ${open.normalStreak} normal window(s) since the last anomalous one.`,
    });
  }
  const closed = item.episodes?.lastClosed;
  if (closed) {
    const peak = `peak score ${fixed(closed.peakScore)} (${closed.severity})`;
    alerts.push(
      {
        ...opened(closed),
        explanation: `Episode opened at window ${closed.openedAt}, ${peak}; recovered at window ${closed.recoveredAt}.`,
      },
      {
        id: alertIdOf(closed.id, 'recovered', closed.recoveredAt),
        series: item.series,
        status: 'recovered',
        severity: closed.severity,
        score: closed.peakScore,
        windowStart: closed.recoveredAt,
        episodeId: closed.id,
        explanation: `Back to normal since window ${closed.recoveredAt}; the episode opened at window ${closed.openedAt}, ${peak}.`,
      },
    );
  }
  return { alerts, invalidPending };
}

/** How the state table is read: bounded work per poll, a full pass at most every `everyMs`. */
export interface EpisodeReaderOptions {
  /** Least time between the starts of two passes over the table (default 30 s). */
  readonly everyMs?: number;
  /** Scan pages (up to 1 MB each) read per `read()` at most (default 1). */
  readonly pagesPerRead?: number;
  readonly now?: () => number;
}

/**
 * Reads the alerts of a deployed stage from anomaly-alerts' state table (one item per series,
 * decoded by anomaly-alerts' own `fromStoredSeriesItem`), through the SDK's DynamoDB client, the
 * same code for DynamoDB Local and a stage. The table is scanned in passes, a page per poll, so
 * that a large table costs a bounded read rate: a pass over 2,000 series (1.32 MB) takes two
 * polls, and the next starts `everyMs` after it. Each pass hands every alert out again; the
 * model keeps each id once.
 */
export class EpisodeReader {
  private cursor: Record<string, unknown> | undefined;
  private inPass = false;
  private passStartedMs: number | undefined;
  /** The last page's failure: said again until the next pass (retried every `everyMs`). */
  private failure: Error | undefined;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly options: EpisodeReaderOptions = {},
  ) {}

  async read(): Promise<EpisodesRead> {
    const now = this.options.now ?? Date.now;
    const alerts: AlertView[] = [];
    const rejected: Record<string, number> = {};
    const count = (code: string, n = 1) => {
      if (n > 0) rejected[code] = (rejected[code] ?? 0) + n;
    };
    if (!this.inPass) {
      const due =
        this.passStartedMs === undefined ||
        now() - this.passStartedMs >= (this.options.everyMs ?? 30_000);
      if (!due) {
        if (this.failure) throw this.failure;
        return { alerts, rejected };
      }
      this.inPass = true;
      this.passStartedMs = now();
      this.cursor = undefined;
    }
    for (let page = 0; page < (this.options.pagesPerRead ?? 1) && this.inPass; page++) {
      let out: ScanCommandOutput;
      try {
        out = await this.doc.send(
          new ScanCommand({
            TableName: this.tableName,
            ...(this.cursor ? { ExclusiveStartKey: this.cursor } : {}),
          }),
        );
      } catch (error) {
        // The next pass starts over: a page read twice gives the same alerts.
        this.inPass = false;
        this.failure = unavailable(`state table ${this.tableName}`, error);
        throw this.failure;
      }
      this.failure = undefined;
      for (const stored of out.Items ?? []) {
        let item: SeriesItem;
        try {
          item = fromStoredSeriesItem(stored);
        } catch {
          count('CORRUPT_SERIES_ITEM');
          continue;
        }
        const found = alertsOfSeriesItem(item);
        alerts.push(...found.alerts);
        count('INVALID_PENDING_ALERT', found.invalidPending);
      }
      this.cursor = out.LastEvaluatedKey;
      if (!this.cursor) this.inPass = false;
    }
    return { alerts, rejected };
  }
}
