import type { MetricsWindowData } from '@streamlens/schema';
import type { AggregatesReader } from './aggregates.js';
import type { AlertView } from './model.js';
import { problemOf, type SourceProblem } from './problems.js';

/**
 * Cumulative counters of one pipeline stage (a function's event source mapping, a Firehose
 * delivery stream, a queue consumer) at one instant; the server turns two of them into rates.
 */
export interface StageCounters {
  readonly name: string;
  readonly kind: 'function' | 'firehose' | 'queue';
  readonly recordsIn: number;
  readonly recordsOut: number;
  readonly errors: number;
  /** Lambda's IteratorAge of the stage's last batch (ms), for stream consumers. */
  readonly iteratorAgeMs?: number;
  /** Records sent to the on-failure destination (stream consumers) or dropped by the processor. */
  readonly onFailure: number;
  /** Messages in the stage's dead-letter queue. */
  readonly deadLetter: number;
  /**
   * Rates the source measured itself (a deployed stage: CloudWatch's latest complete minute);
   * without them the hub derives them from two snapshots of the counters.
   */
  readonly inPerSecond?: number;
  readonly outPerSecond?: number;
}

/** The pipeline's counters at one instant. */
export interface PipelineCounters {
  readonly atMs: number;
  /** Events sent by the producer so far. */
  readonly produced?: number;
  readonly stages: readonly StageCounters[];
  /** Lag of the latest stored window: its oldest event produced → its aggregate stored (ms). */
  readonly windowLagMs?: number;
  /**
   * What the counters count (a deployed stage: sums over the last minutes CloudWatch was asked
   * for); without it, everything since the run started.
   */
  readonly span?: string;
  /** No metric had a datapoint yet (a stage nothing has run on lately). */
  readonly noData?: boolean;
}

/** The end-of-run reconciliation, as the page shows it. */
export interface RunOutcome {
  readonly ok: boolean;
  readonly checks: readonly { name: string; status: string; detail: string }[];
  /** Further verdicts (alert quality, throughput), one paragraph each. */
  readonly notes: readonly string[];
}

/** What one read of a source brought. */
export interface SourceRead {
  readonly windows: readonly MetricsWindowData[];
  readonly alerts: readonly AlertView[];
  readonly rejected: Readonly<Record<string, number>>;
  readonly pipeline?: PipelineCounters;
  readonly outcome?: RunOutcome;
  /** Parts that could not be read this time (the windows' failure fails the whole read). */
  readonly problems: Readonly<Partial<Record<SourcePart, SourceProblem>>>;
}

/** The parts of a source besides the windows, each shown in its own view. */
export type SourcePart = 'alerts' | 'pipeline';

/** Where the dashboard's data comes from: a local run or a deployed stage. */
export interface DashboardSource {
  /** Shown in the page's header: "local run", "stage prod (us-east-1)". */
  readonly label: string;
  /** What is not read from this source, and why (shown where it would be). */
  readonly limits: Readonly<Partial<Record<SourcePart, string>>>;
  /** Where a part's data comes from, said above its view (a stage's alerts: the state table). */
  readonly notes: Readonly<Partial<Record<SourcePart, string>>>;
  read(): Promise<SourceRead>;
}

/** Alerts read, and what was turned away (by code). */
export interface AlertsRead {
  readonly alerts: readonly AlertView[];
  readonly rejected: Readonly<Record<string, number>>;
}

/** The parts a source is made of; only the windows are always there. */
export interface SourceParts {
  readonly label: string;
  readonly windows: AggregatesReader;
  /**
   * Alerts that arrived since the last call (a stage: those read from its state this time), with
   * what was turned away, by code, when the part checks what it reads.
   */
  readonly alerts?: () => readonly AlertView[] | AlertsRead | Promise<AlertsRead>;
  /** The counters now; undefined when nothing new was measured since the last call. */
  readonly pipeline?: () => PipelineCounters | undefined | Promise<PipelineCounters | undefined>;
  readonly outcome?: () => RunOutcome | undefined;
  readonly limits?: DashboardSource['limits'];
  readonly notes?: DashboardSource['notes'];
  /** What each part reads, named in its problem (`state table streamlens-dev-anomaly-state`). */
  readonly names?: Readonly<Partial<Record<SourcePart, string>>>;
}

/**
 * A source from its parts: the windows from the aggregates stream (both kinds of source), plus
 * whatever else the place it runs in can give (a local run: alerts, the harness's counters and
 * the reconciliation; a deployed stage: alerts from the detector's state, CloudWatch's metrics).
 * A part that fails is a problem of its own view; only the windows' failure fails the read.
 */
export function composeSource(parts: SourceParts): DashboardSource {
  return {
    label: parts.label,
    limits: parts.limits ?? {},
    notes: parts.notes ?? {},
    async read() {
      const { windows, rejected } = await parts.windows.read();
      const problems: Partial<Record<SourcePart, SourceProblem>> = {};
      const attempt = async <T>(part: SourcePart, run: () => T | Promise<T>) => {
        try {
          return await run();
        } catch (error) {
          problems[part] = problemOf(parts.names?.[part] ?? part, error);
          return undefined;
        }
      };
      const got = parts.alerts ? await attempt('alerts', parts.alerts) : undefined;
      const alerts = got === undefined || isAlertList(got) ? got : got.alerts;
      const all = { ...rejected };
      if (got && !isAlertList(got)) {
        for (const [code, n] of Object.entries(got.rejected)) all[code] = (all[code] ?? 0) + n;
      }
      const pipeline = parts.pipeline ? await attempt('pipeline', parts.pipeline) : undefined;
      const outcome = parts.outcome?.();
      return {
        windows,
        rejected: all,
        alerts: alerts ?? [],
        problems,
        ...(pipeline ? { pipeline } : {}),
        ...(outcome ? { outcome } : {}),
      };
    },
  };
}

const isAlertList = (x: readonly AlertView[] | AlertsRead): x is readonly AlertView[] =>
  Array.isArray(x);
