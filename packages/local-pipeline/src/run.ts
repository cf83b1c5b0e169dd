import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { DEFAULT_LINGER_MS } from '@streamlens/producer';
import { AlertWatcher, formatAlert } from './alerts.js';
import { CpuMeter, formatCpuReport } from './cpu.js';
import { feedInWorker, newLedger, type ProducedLedger } from './feed.js';
import { AggregatesTap, lagBound, WindowLagTracker } from './lag.js';
import { DEFAULT_POLL_INTERVAL_MS, type Pipeline } from './pipeline.js';
import { formatAlertQuality, type Reconciliation, reconcile } from './reconcile.js';
import {
  formatThroughput,
  sustainedPhase,
  type ThroughputVerdict,
  throughputVerdict,
} from './throughput.js';

/** What the run stages read from `pnpm start`'s options (see `StartOptions`). */
export interface RunSettings {
  readonly rate: number;
  readonly durationSeconds?: number;
  readonly rampSeconds: number;
  readonly seed: number;
  readonly scenario: string;
  readonly chaos: boolean;
  readonly summaryJson?: string;
  readonly drainTimeoutSeconds: number;
  readonly anomalyEverySeconds?: number;
  readonly resendEvery?: number;
  readonly timeScale: number;
  readonly devices?: number;
}

/** The facts of a finished run that a summary section may need. */
export interface RunFacts {
  readonly pipeline: Pipeline;
  readonly ledger: ProducedLedger;
  /** Events produced (valid + invalid). */
  readonly produced: number;
  readonly producedSeconds: number;
  readonly drainSeconds: number;
}

/**
 * Something that watches a run from its start to its summary (a dashboard, a report): started
 * once the pipeline is up, asked for its section of the summary after the drain, stopped last.
 */
export interface RunMonitor {
  /** Key of its section in `--summary-json`. */
  readonly name: string;
  start?(pipeline: Pipeline): Promise<void> | void;
  /** Its section: JSON for the summary file, and lines printed after the verdicts. */
  report?(facts: RunFacts): Promise<RunSection | undefined> | RunSection | undefined;
  stop?(): Promise<void> | void;
}

/** A monitor's part of the summary. */
export interface RunSection {
  readonly json: unknown;
  readonly text?: string;
}

/** The live watchers of a run: lag on the aggregates stream, alerts, the status line. */
export interface LiveMonitors {
  readonly ledger: ProducedLedger;
  readonly lag: WindowLagTracker;
  readonly tapIntervalMs: number;
  /** When the produce phase started (set again once the feed worker runs). */
  startedAt: number;
  /** The feed worker's kernel thread id, once it runs (Linux). */
  feedThread?: number;
  /** The feed worker thread's CPU ticks, reported as it finished. */
  feedThreadTicks?: number;
  /** Alerts seen so far (the SNS stand-in's `file` subscription). */
  readonly watcher: AlertWatcher;
  /** Harness main thread's event-loop utilisation since the monitors started. */
  mainThreadUtilization(): number;
  /** Stop the status line and the aggregates tap (idempotent). */
  stop(): Promise<void>;
}

/** Stage: watch the aggregates stream for window lag, the alerts file, and print status. */
export async function startLiveMonitors(
  pipeline: Pipeline,
  err: (line: string) => void,
): Promise<LiveMonitors> {
  const ledger = newLedger();
  const windowSeconds = Number(pipeline.params.windowSeconds ?? 60);
  const lag = new WindowLagTracker(windowSeconds * 1000);
  const tapIntervalMs = 250;
  const tap = new AggregatesTap(
    pipeline.aws.clients().kinesis,
    pipeline.aggregatesStream,
    lag,
    tapIntervalMs,
    pipeline.shardSource,
  );
  await tap.start();
  const tty = process.stderr.isTTY;
  let lastPrinted = 0;
  const watcher = new AlertWatcher(pipeline.alertsFile, (alert) => {
    if (tty) process.stderr.write('\r\x1b[2K');
    err(formatAlert(alert));
  });
  // Event-loop utilisation of this thread: the emulators (ESM, Firehose, SQS/EventBridge) and the
  // SNS and Redshift stand-ins share it (kinesalite, s3rver, OpenSearch run in child processes, the
  // feed and the functions in worker threads), so near 100 % the harness is the bottleneck. On a
  // loaded machine it also counts the time this thread waits for a core.
  const eluStart = performance.eventLoopUtilization();
  let eluLast = eluStart;
  const monitors: LiveMonitors = {
    ledger,
    lag,
    tapIntervalMs,
    startedAt: Date.now(),
    watcher,
    mainThreadUtilization: () =>
      Math.round(performance.eventLoopUtilization(eluStart).utilization * 1000) / 1000,
    async stop() {
      clearInterval(ticker);
      await tap.stop();
    },
  };
  const ticker = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const mainBusy = performance.eventLoopUtilization(now, eluLast).utilization;
    eluLast = now;
    watcher.poll();
    const line = statusLine(
      pipeline,
      ledger.valid.size + ledger.invalid,
      monitors.startedAt,
      watcher.alerts.length,
      lag,
      mainBusy,
    );
    if (tty) process.stderr.write(`\r\x1b[2K${line}`);
    else if (Date.now() - lastPrinted >= 5000) {
      lastPrinted = Date.now();
      err(line);
    }
  }, 1000);
  return monitors;
}

/** Stage: produce the scenario's traffic from a worker thread until the duration or a stop. */
export async function runFeed(
  pipeline: Pipeline,
  settings: RunSettings,
  live: LiveMonitors,
  signal: AbortSignal,
): Promise<void> {
  // The feed runs in a worker thread: this event loop is the emulators' (ESM, Firehose, SQS).
  await feedInWorker(
    {
      env: pipeline.aws.env,
      bundle: pipeline.feedWorkerBundle,
      streamName: pipeline.eventsStream,
      ...(pipeline.kafka ? { kafkaBootstrapServers: pipeline.kafka.bootstrapServers } : {}),
      rate: settings.rate,
      ...(settings.durationSeconds !== undefined
        ? { durationSeconds: settings.durationSeconds }
        : {}),
      ...(settings.rampSeconds > 0 ? { rampSeconds: settings.rampSeconds } : {}),
      seed: settings.seed,
      scenario: settings.scenario,
      signal,
      ...(settings.anomalyEverySeconds !== undefined
        ? { anomalyEverySeconds: settings.anomalyEverySeconds }
        : {}),
      ...(settings.resendEvery !== undefined ? { resendEvery: settings.resendEvery } : {}),
      timeScale: settings.timeScale,
      ...(settings.devices !== undefined ? { devices: settings.devices } : {}),
      onProduced: (eventTimeMs, sentAtMs) => live.lag.produced(eventTimeMs, sentAtMs),
      // The produce phase (and the achieved rate) starts once the worker runs.
      onStarted: (thread) => {
        live.startedAt = Date.now();
        if (thread) live.feedThread = thread;
      },
      onFinished: (threadTicks) => {
        if (threadTicks !== undefined) live.feedThreadTicks = threadTicks;
      },
    },
    live.ledger,
  );
}

/**
 * CPU seconds of every process of the run (and of the harness's function and feed threads) from
 * the feed's start to the end of the drain, per 1,000 events produced: the `cpu` section.
 */
export function cpuMonitor(live: LiveMonitors): RunMonitor {
  let meter: CpuMeter | undefined;
  return {
    name: 'cpu',
    start(pipeline) {
      const threads = () => {
        const groups = new Map<string, { tids: readonly number[]; endedTicks?: number }>();
        for (const fn of pipeline.functions) {
          groups.set(`λ ${fn.definition.name}`, { tids: fn.container.threadIds });
        }
        // The feed thread ends before the drain does: its own report, or its stat while it runs.
        if (live.feedThreadTicks !== undefined) {
          groups.set('feed worker', { tids: [], endedTicks: live.feedThreadTicks });
        } else if (live.feedThread) groups.set('feed worker', { tids: [live.feedThread] });
        return groups;
      };
      meter = new CpuMeter(process.pid, threads, '/proc', () => loadavg()[0] ?? 0);
      meter.start();
    },
    report(facts) {
      const report = meter?.stop(facts.produced);
      // Without /proc (not Linux) there is nothing to report.
      if (!report?.rows.some((r) => r.name === 'harness')) return undefined;
      return { json: report, text: formatCpuReport(report) };
    },
  };
}

/** The summary of a run: what `--summary-json` holds. */
export interface RunSummary extends Reconciliation {
  readonly throughput: ThroughputVerdict;
  readonly run: Record<string, unknown>;
  /** Each monitor's section, by its name. */
  readonly [section: string]: unknown;
}

/**
 * Stage: reconcile every sink, judge throughput, collect each monitor's section, print it all
 * and write `--summary-json`. Returns the summary (its `ok` and the drain decide the exit code).
 */
export async function summarizeRun(
  facts: RunFacts,
  live: LiveMonitors,
  settings: RunSettings,
  monitors: readonly RunMonitor[],
  runDir: string,
): Promise<RunSummary> {
  const { pipeline, ledger } = facts;
  // The monitors first: right after the drain, before the reconciliation's reads add their work.
  const sections: Record<string, unknown> = {};
  const texts: string[] = [];
  for (const monitor of monitors) {
    const section = await monitor.report?.(facts);
    if (!section) continue;
    sections[monitor.name] = section.json;
    if (section.text) texts.push(section.text);
  }
  live.watcher.poll();
  const result = await reconcile(pipeline, ledger, live.watcher.alerts);
  const throughput = judgeThroughput(facts, live, settings);
  process.stdout.write(formatReconciliation(result));
  if (result.alertQuality) process.stdout.write(formatAlertQuality(result.alertQuality));
  process.stdout.write(formatThroughput(throughput));
  for (const text of texts) process.stdout.write(text);
  const summary: RunSummary = {
    ...result,
    throughput,
    ...sections,
    run: {
      rate: settings.rate,
      rampSeconds: settings.rampSeconds,
      seed: settings.seed,
      scenario: settings.scenario,
      chaos: settings.chaos,
      timeScale: settings.timeScale,
      dynaliteTables: pipeline.dynaliteHost?.tables ?? [],
      producedSeconds: facts.producedSeconds,
      drainSeconds: facts.drainSeconds,
      runDir,
    },
  };
  if (settings.summaryJson)
    writeFileSync(settings.summaryJson, `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

/** The throughput verdict: achieved rate, iterator ages, end-to-end lag against its bound. */
function judgeThroughput(
  facts: RunFacts,
  live: LiveMonitors,
  settings: RunSettings,
): ThroughputVerdict {
  const { pipeline, ledger } = facts;
  const windowSeconds = Number(pipeline.params.windowSeconds ?? 60);
  const latenessSeconds = Number(pipeline.params.allowedLatenessSeconds ?? 0);
  // The aggregator is the events-stream consumer that writes the aggregates stream.
  const aggregatorMapping = pipeline.functions
    .filter((f) => f.definition.environment.AGGREGATES_STREAM_NAME === pipeline.aggregatesStream)
    .flatMap((f) => f.mappings)
    .find((m) => m.settings.streamName === pipeline.eventsStream);
  const bound = lagBound({
    windowSeconds,
    latenessSeconds,
    timeScale: settings.timeScale,
    aggregatorBatchWindowSeconds: aggregatorMapping?.settings.batchWindowSeconds ?? 0,
    pollIntervalMs: DEFAULT_POLL_INTERVAL_MS,
    tapIntervalMs: live.tapIntervalMs,
    producerLingerMs: DEFAULT_LINGER_MS,
  });
  const sustained = sustainedPhase({
    sentAtMs: ledger.sentAt.values(),
    valid: ledger.valid.size,
    invalid: ledger.invalid,
    startedAtMs: live.startedAt,
    producedSeconds: facts.producedSeconds,
    rampSeconds: settings.rampSeconds,
  });
  return throughputVerdict({
    mainThreadUtilization: live.mainThreadUtilization(),
    kinesisReads: pipeline.shardSource.stats,
    readThrottles: [...pipeline.readLimiter.throttled.values()].reduce((a, b) => a + b, 0),
    requestedRate: settings.rate,
    rampSeconds: settings.rampSeconds,
    produced: sustained.produced,
    producedSeconds: sustained.seconds,
    drainSeconds: facts.drainSeconds,
    lag: live.lag.summarize(producedEvents(ledger), bound, latenessSeconds * 1000),
    mappings: pipeline.functions.flatMap((f) =>
      f.mappings.map((m) => ({
        function: f.definition.name,
        batchWindowSeconds: m.settings.batchWindowSeconds,
        maxIteratorAgeMs: m.stats.maxIteratorAgeMs,
        busyMs: f.container.stats.busyMs,
        recordsProcessed: m.stats.recordsProcessed,
      })),
    ),
  });
}

/** One status line: produced, per function records and iterator age, lake, windows, alerts. */
export function statusLine(
  pipeline: Pipeline,
  produced: number,
  startedAt: number,
  alerts = 0,
  lag?: WindowLagTracker,
  mainBusy?: number,
): string {
  const secs = Math.max(1, (Date.now() - startedAt) / 1000);
  const parts = [`${Math.round(secs)}s produced ${produced} (${Math.round(produced / secs)}/s)`];
  for (const fn of pipeline.functions) {
    for (const m of fn.mappings) {
      // Per function: records done and its iterator age (the one whose age grows is the bottleneck).
      parts.push(
        `${fn.definition.service.replace(/^streamlens-/, '')} ${m.stats.recordsProcessed} age ${(m.stats.iteratorAgeMs / 1000).toFixed(1)}s`,
      );
    }
  }
  for (const f of pipeline.firehoses) {
    parts.push(`lake ${f.stats.ok} rec/${f.stats.objectsWritten} obj`);
  }
  for (const fn of pipeline.functions) {
    for (const m of fn.sqsMappings) {
      parts.push(
        `${fn.definition.service.replace(/^streamlens-/, '')} ${m.stats.messagesDeleted}/${m.queue.stats.sent} msg`,
      );
    }
  }
  const failed = pipeline.failures.records.length;
  if (lag) {
    const latest = lag.latestWindowLagMs();
    parts.push(
      `windows ${lag.storedAt.size} lag ${latest === undefined ? '–' : `${(latest / 1000).toFixed(1)}s`}`,
    );
  }
  if (failed) parts.push(`on-failure ${failed}`);
  if (mainBusy !== undefined) parts.push(`main thread ${Math.round(mainBusy * 100)}%`);
  parts.push(`alerts ${alerts}`);
  return parts.join(' | ');
}

function* producedEvents(ledger: ProducedLedger) {
  for (const [id, { timeMs }] of ledger.valid) {
    const sentAtMs = ledger.sentAt.get(id);
    if (sentAtMs !== undefined) yield { eventTimeMs: timeMs, sentAtMs };
  }
}

/** Print the reconciliation as a table. */
export function formatReconciliation(r: Reconciliation): string {
  const lines = [
    '',
    `reconciliation: ${r.ok ? 'OK' : 'FAILED'}`,
    `  produced: ${r.produced.valid} valid (${r.produced.resent} of them sent twice), ${r.produced.invalid} invalid, ${r.produced.rejected} rejected; ${r.produced.anomalies} anomalies injected`,
  ];
  for (const c of r.checks) {
    const mark = c.status === 'ok' ? '✓' : c.status === 'failed' ? '✗' : '–';
    lines.push(`  ${mark} ${c.name}: ${c.detail}`);
  }
  for (const f of r.failures) {
    lines.push(`  on-failure ${f.destination}: ${f.batches} batches, ${f.records} records`);
  }
  for (const n of r.notWired) lines.push(`  not wired: ${n}`);
  const { crashes, redeliveries, sinkFaults } = r.chaos;
  if (crashes + redeliveries + sinkFaults > 0) {
    lines.push(
      `  chaos: ${crashes} handler crashes, ${redeliveries} redeliveries, ${sinkFaults} sink faults injected`,
    );
  }
  return `${lines.join('\n')}\n`;
}
