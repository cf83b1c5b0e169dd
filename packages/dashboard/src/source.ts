import type { MetricsWindowData } from '@streamlens/schema';
import type { AggregatesReader } from './aggregates.js';
import type { AlertView } from './model.js';

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
}

/** The pipeline's counters at one instant. */
export interface PipelineCounters {
  readonly atMs: number;
  /** Events sent by the producer so far. */
  readonly produced?: number;
  readonly stages: readonly StageCounters[];
  /** Lag of the latest stored window: its oldest event produced → its aggregate stored (ms). */
  readonly windowLagMs?: number;
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
}

/** Where the dashboard's data comes from: a local run or a deployed stage. */
export interface DashboardSource {
  /** Shown in the page's header: "local run", "stage prod (us-east-1)". */
  readonly label: string;
  /** What is not read from this source, and why (shown where it would be). */
  readonly limits: Readonly<Partial<Record<'alerts' | 'pipeline', string>>>;
  read(): Promise<SourceRead>;
}

/** The parts a source is made of; only the windows are always there. */
export interface SourceParts {
  readonly label: string;
  readonly windows: AggregatesReader;
  /** Alerts that arrived since the last call. */
  readonly alerts?: () => readonly AlertView[];
  readonly pipeline?: () => PipelineCounters;
  readonly outcome?: () => RunOutcome | undefined;
  readonly limits?: DashboardSource['limits'];
}

/**
 * A source from its parts: the windows from the aggregates stream (both kinds of source), plus
 * whatever else the place it runs in can give (a local run: alerts, the harness's counters and
 * the reconciliation).
 */
export function composeSource(parts: SourceParts): DashboardSource {
  return {
    label: parts.label,
    limits: parts.limits ?? {},
    async read() {
      const { windows, rejected } = await parts.windows.read();
      const pipeline = parts.pipeline?.();
      const outcome = parts.outcome?.();
      return {
        windows,
        rejected,
        alerts: parts.alerts?.() ?? [],
        ...(pipeline ? { pipeline } : {}),
        ...(outcome ? { outcome } : {}),
      };
    },
  };
}
