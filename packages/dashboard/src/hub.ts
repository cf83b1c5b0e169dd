import type { DetectorConfig } from '@streamlens/anomaly-alerts/detector';
import { type AlertView, DashboardModel, type ModelLimits } from './model.js';
import { type ProblemReason, type SourceProblem, SourceUnavailableError } from './problems.js';
import { scoreSeries, type WindowScore } from './score.js';
import type {
  DashboardSource,
  PipelineCounters,
  RunOutcome,
  SourcePart,
  StageCounters,
} from './source.js';

/** One stage's counters with its rates since the previous snapshot. */
export interface StageRates extends StageCounters {
  readonly inPerSecond: number;
  readonly outPerSecond: number;
}

/** The pipeline view at one instant. */
export interface PipelineView {
  readonly atMs: number;
  readonly producedPerSecond?: number;
  readonly produced?: number;
  readonly windowLagMs?: number;
  readonly stages: readonly StageRates[];
  /** What the in/out/errors totals count (PipelineCounters.span). */
  readonly span?: string;
  readonly noData?: boolean;
}

/** Whether the source answers. */
export interface SourceStatus {
  readonly state: 'starting' | 'ok' | 'error';
  /**
   * `not-found`: the stream (stage) does not exist; `denied`: no credentials or no permission;
   * `unreachable`: stand-ins down, no network.
   */
  readonly reason?: ProblemReason;
  readonly message?: string;
  readonly sinceMs: number;
}

/** What a live update carries to the page (`/api/events`): never raw events, only aggregates. */
export interface Update {
  readonly version: number;
  readonly status: SourceStatus;
  readonly series: number;
  /** Series changed since the last update (`more` when there were too many to list). */
  readonly changed: readonly string[];
  readonly more: boolean;
  readonly alerts: readonly AlertView[];
  readonly pipeline?: PipelineView;
  readonly outcome?: RunOutcome;
  /** Parts of the source that could not be read (each view shows its own). */
  readonly problems: Readonly<Partial<Record<SourcePart, SourceProblem>>>;
}

/** Series keys listed in one update at most: the page only needs to know if its own changed. */
const MAX_CHANGED_LISTED = 500;
/** Pipeline snapshots kept for the throughput sparkline. */
const PIPELINE_HISTORY = 300;

/**
 * Polls a source and keeps the aggregate state the page reads: the model (series, alerts), the
 * pipeline's rates, the run's outcome and the source's status. Each poll that changed something
 * is handed to the listeners as one `Update`.
 */
export class DashboardHub {
  readonly model: DashboardModel;
  private status: SourceStatus = { state: 'starting', sinceMs: Date.now() };
  private lastCounters: PipelineCounters | undefined;
  private readonly history: PipelineView[] = [];
  private outcome: RunOutcome | undefined;
  private problems: Partial<Record<SourcePart, SourceProblem>> = {};
  private version = 0;
  private readonly rejected: Record<string, number> = {};
  private readonly listeners = new Set<(u: Update) => void>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;

  constructor(
    readonly source: DashboardSource,
    private readonly options: {
      readonly detector?: DetectorConfig;
      readonly limits?: ModelLimits;
      readonly pollIntervalMs?: number;
    } = {},
  ) {
    this.model = new DashboardModel(options.limits);
  }

  /** Poll every `pollIntervalMs` (default 1 s) until `stop`. */
  start(): void {
    const every = this.options.pollIntervalMs ?? 1000;
    const tick = () => {
      this.polling = this.poll().finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, every);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Stop polling (after the poll under way); the state stays readable. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.polling;
  }

  onUpdate(listener: (u: Update) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** One read of the source, applied to the state. Never throws: a failure becomes the status. */
  async poll(): Promise<void> {
    let read: Awaited<ReturnType<DashboardSource['read']>>;
    try {
      read = await this.source.read();
    } catch (error) {
      const reason = error instanceof SourceUnavailableError ? error.reason : 'unreachable';
      const message = error instanceof Error ? error.message : String(error);
      if (this.status.state !== 'error' || this.status.message !== message) {
        this.status = { state: 'error', reason, message, sinceMs: Date.now() };
        this.emit([], false, []);
      }
      return;
    }
    const wasOk = this.status.state === 'ok';
    if (!wasOk) this.status = { state: 'ok', sinceMs: Date.now() };
    const changed = new Set<string>();
    for (const w of read.windows) if (this.model.applyWindow(w)) changed.add(w.series);
    const alerts = read.alerts.filter((a) => this.model.applyAlert(a));
    for (const [code, n] of Object.entries(read.rejected)) {
      this.rejected[code] = (this.rejected[code] ?? 0) + n;
    }
    const pipeline = read.pipeline ? this.applyCounters(read.pipeline) : undefined;
    const finished = read.outcome && !this.outcome;
    if (read.outcome) this.outcome = read.outcome;
    const problemsChanged = JSON.stringify(read.problems) !== JSON.stringify(this.problems);
    this.problems = { ...read.problems };
    if (
      !wasOk ||
      changed.size > 0 ||
      alerts.length > 0 ||
      pipeline ||
      finished ||
      problemsChanged
    ) {
      this.emit([...changed], changed.size > MAX_CHANGED_LISTED, alerts, pipeline);
    }
  }

  private applyCounters(now: PipelineCounters): PipelineView {
    const before = this.lastCounters;
    this.lastCounters = now;
    const seconds = before ? Math.max(0.001, (now.atMs - before.atMs) / 1000) : 0;
    const rate = (a: number, b: number | undefined) =>
      seconds > 0 && b !== undefined ? Math.max(0, (a - b) / seconds) : 0;
    const view: PipelineView = {
      atMs: now.atMs,
      ...(now.produced !== undefined
        ? { produced: now.produced, producedPerSecond: rate(now.produced, before?.produced) }
        : {}),
      ...(now.windowLagMs !== undefined ? { windowLagMs: now.windowLagMs } : {}),
      ...(now.span !== undefined ? { span: now.span } : {}),
      ...(now.noData ? { noData: true } : {}),
      stages: now.stages.map((s) => {
        const prev = before?.stages.find((p) => p.name === s.name);
        return {
          ...s,
          inPerSecond: s.inPerSecond ?? rate(s.recordsIn, prev?.recordsIn),
          outPerSecond: s.outPerSecond ?? rate(s.recordsOut, prev?.recordsOut),
        };
      }),
    };
    this.history.push(view);
    if (this.history.length > PIPELINE_HISTORY) this.history.shift();
    return view;
  }

  private emit(
    changed: string[],
    more: boolean,
    alerts: AlertView[],
    pipeline?: PipelineView,
  ): void {
    this.version++;
    const update: Update = {
      version: this.version,
      status: this.status,
      series: this.model.series.size,
      changed: changed.slice(0, MAX_CHANGED_LISTED),
      more,
      alerts,
      problems: this.problems,
      ...(pipeline ? { pipeline } : {}),
      ...(this.outcome ? { outcome: this.outcome } : {}),
    };
    for (const listener of this.listeners) listener(update);
  }

  /** The state the page loads first (`/api/status`). */
  snapshot() {
    return {
      version: this.version,
      label: this.source.label,
      limits: this.source.limits,
      notes: this.source.notes,
      problems: this.problems,
      status: this.status,
      series: this.model.series.size,
      model: { ...this.model.stats },
      rejected: { ...this.rejected },
      ...(this.outcome ? { outcome: this.outcome } : {}),
    };
  }

  /** The pipeline's latest rates and their recent history. */
  pipeline() {
    return {
      history: this.history.map((v) => ({
        atMs: v.atMs,
        in: v.stages.reduce((n, s) => n + s.inPerSecond, 0),
        produced: v.producedPerSecond ?? 0,
      })),
      latest: this.history.at(-1),
      ...(this.outcome ? { outcome: this.outcome } : {}),
    };
  }

  /** One series: its windows, the detector's score of each, its alerts. */
  seriesDetail(key: string):
    | {
        key: string;
        metric: string;
        dimensions: Readonly<Record<string, string>>;
        windowSeconds: number;
        windows: ReturnType<DashboardModel['windowsOf']>;
        scores: WindowScore[];
        alerts: AlertView[];
      }
    | undefined {
    const track = this.model.series.get(key);
    if (!track) return undefined;
    const windows = this.model.windowsOf(key);
    return {
      key,
      metric: track.metric,
      dimensions: track.dimensions,
      windowSeconds: track.windowSeconds,
      windows,
      scores: scoreSeries(track, windows, this.options.detector),
      alerts: this.model.alertsOf(key),
    };
  }
}
