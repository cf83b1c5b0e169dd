import {
  AggregatesReader,
  type PipelineCounters,
  type RunningDashboard,
  type RunOutcome,
  type StageCounters,
  startDashboard,
} from '@streamlens/dashboard';
import type { ProducedLedger } from './feed.js';
import { deliveryStreamsOf } from './firehose/config.js';
import type { WindowLagTracker } from './lag.js';
import type { Pipeline } from './pipeline.js';
import { formatAlertQuality } from './reconcile.js';
import type { LiveMonitors, RunMonitor, RunSummary } from './run.js';
import { formatThroughput } from './throughput.js';

/** The dashboard of a `pnpm start` run, as one of its monitors. */
export interface RunDashboard extends RunMonitor {
  /** Show the run's summary (reconciliation, alert quality, throughput) on the page. */
  finish(summary: RunSummary): void;
  /**
   * Keep serving the run's last state for `seconds` (Infinity: until `signal`), then close.
   * Called once the stand-ins have stopped.
   */
  holdThenClose(seconds: number, signal: AbortSignal): Promise<void>;
}

const short = (name: string) => name.replace(/^streamlens-(local-)?/, '');

/**
 * The harness's own counters as the dashboard's pipeline counters: what the status line and the
 * reconciliation read (event source mappings, Firehose emulators, SQS consumers, the window lag
 * tracker), sampled, with no bookkeeping of its own.
 */
export function pipelineCounters(
  pipeline: Pipeline,
  ledger: ProducedLedger,
  lag: WindowLagTracker,
): PipelineCounters {
  const stages: StageCounters[] = [];
  for (const fn of pipeline.functions) {
    for (const m of fn.mappings) {
      stages.push({
        name: `λ ${short(fn.definition.name)} ← ${short(m.settings.streamName)}`,
        kind: 'function',
        recordsIn: m.stats.recordsRead,
        recordsOut: m.stats.recordsProcessed,
        errors: m.stats.functionErrors,
        iteratorAgeMs: m.stats.iteratorAgeMs,
        onFailure: m.stats.recordsDiscarded,
        deadLetter: 0,
      });
    }
  }
  const names = pipeline.services.flatMap((svc) => deliveryStreamsOf(svc).map((c) => c.name));
  pipeline.firehoses.forEach((f, i) => {
    const s = f.stats;
    stages.push({
      name: `firehose ${short(names[i] ?? String(i + 1))}`,
      kind: 'firehose',
      recordsIn: s.recordsIn,
      recordsOut: s.recordsDelivered,
      errors: s.invocationErrors,
      // Records the transform failed or could not partition: they land at the error prefix.
      onFailure: s.processingFailed + s.partitioningFailed,
      deadLetter: 0,
    });
  });
  for (const fn of pipeline.functions) {
    for (const m of fn.sqsMappings) {
      stages.push({
        name: `λ ${short(fn.definition.name)} ← sqs ${short(m.queue.name)}`,
        kind: 'queue',
        recordsIn: m.queue.stats.sent,
        recordsOut: m.stats.messagesDeleted,
        errors: m.stats.functionErrors,
        onFailure: m.stats.messagesFailed,
        deadLetter: m.queue.options.redrive?.deadLetter.size() ?? 0,
      });
    }
  }
  const windowLagMs = lag.latestWindowLagMs();
  return {
    atMs: Date.now(),
    produced: ledger.valid.size + ledger.invalid,
    stages,
    ...(windowLagMs !== undefined ? { windowLagMs } : {}),
  };
}

/**
 * The run's dashboard on 127.0.0.1: windows from the aggregates stream's stand-in (the code a
 * deployed stage is read with), alerts as the live watcher reads them from the alerts topic's
 * file subscription, and the harness's counters. Started with the pipeline, it stops reading
 * when the run's monitors stop (before the stand-ins do) and keeps serving until `holdThenClose`.
 */
export function runDashboard(
  live: LiveMonitors,
  port: number,
  log: (line: string) => void,
): RunDashboard {
  let dashboard: RunningDashboard | undefined;
  let alertsSeen = 0;
  let outcome: RunOutcome | undefined;
  let detached = false;
  return {
    name: 'dashboard',
    async start(pipeline) {
      const warmup = pipeline.functions.find((f) => f.definition.environment.DETECTOR_WARMUP_POINTS)
        ?.definition.environment.DETECTOR_WARMUP_POINTS;
      dashboard = await startDashboard(
        {
          label: 'local run',
          windows: new AggregatesReader(pipeline.aws.clients().kinesis, pipeline.aggregatesStream, {
            type: 'TRIM_HORIZON',
          }),
          alerts: () => {
            const fresh = live.watcher.alerts.slice(alertsSeen);
            alertsSeen = live.watcher.alerts.length;
            return fresh;
          },
          pipeline: () => pipelineCounters(pipeline, live.ledger, live.lag),
          outcome: () => outcome,
        },
        {
          port,
          fallback: true,
          ...(warmup !== undefined ? { warmupPoints: Number(warmup) } : {}),
        },
      );
      log(`dashboard: ${dashboard.server.url}`);
    },
    finish(summary) {
      outcome = {
        ok: summary.ok,
        checks: summary.checks.map(({ name, status, detail }) => ({ name, status, detail })),
        notes: [
          ...(summary.alertQuality ? [formatAlertQuality(summary.alertQuality)] : []),
          formatThroughput(summary.throughput),
        ],
      };
    },
    async stop() {
      if (!dashboard || detached) return;
      detached = true;
      await dashboard.hub.stop();
      // One last read while the stand-ins still run: the outcome and the last windows.
      await dashboard.hub.poll();
    },
    async holdThenClose(seconds, signal) {
      if (!dashboard) return;
      if (seconds > 0 && !signal.aborted) {
        log(
          `run finished; dashboard still at ${dashboard.server.url}${Number.isFinite(seconds) ? ` for ${seconds} s` : ''} (Ctrl-C to quit)`,
        );
        await new Promise<void>((resolve) => {
          const timer = Number.isFinite(seconds) ? setTimeout(resolve, seconds * 1000) : undefined;
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      await dashboard.close();
    },
  };
}
