import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalAws } from '@streamlens/local-aws';
import { DEFAULT_LINGER_MS } from '@streamlens/producer';
import { AlertWatcher, formatAlert } from './alerts.js';
import { LocalPipelineError } from './errors.js';
import { feedInWorker, newLedger, type ProducedLedger } from './feed.js';
import { AggregatesTap, lagBound, WindowLagTracker } from './lag.js';
import { DEFAULT_POLL_INTERVAL_MS, envLines, type Pipeline, startPipeline } from './pipeline.js';
import { formatAlertQuality, type Reconciliation, reconcile } from './reconcile.js';
import { formatThroughput, sustainedPhase, throughputVerdict } from './throughput.js';

/** Parsed `pnpm start` options. */
export interface StartOptions {
  rate: number;
  durationSeconds?: number;
  /** Seconds over which the feed first ramps up to `rate` (0 = none). */
  rampSeconds: number;
  seed: number;
  scenario: string;
  chaos: boolean;
  verbose: boolean;
  summaryJson?: string;
  standinsOnly: boolean;
  params: Record<string, string>;
  root: string;
  lakeIntervalSeconds: number;
  drainTimeoutSeconds: number;
  anomalyEverySeconds?: number;
  resendEvery?: number;
  timeScale: number;
  devices?: number;
  queueVisibilitySeconds?: number;
  singleDynamoDb: boolean;
}

const USAGE = `pnpm start [options]
  --rate N            events per second (default 200)
  --duration S        stop after S seconds (default: until Ctrl-C); after the ramp, if any
  --ramp S            first raise the rate linearly from 0 over S seconds (default 0): a
                      warm-up, so that the throughput verdict judges the sustained rate
  --seed N            generator seed (default 1)
  --scenario NAME     steady | anomalies | noisy | invalid-heavy | logs (default anomalies)
  --chaos             handler crashes, sink throttling, redeliveries
  --verbose           function logs and mapping notices
  --summary-json F    write the reconciliation to F
  --lake-interval S   local Firehose S3 buffering interval (default 10)
  --drain-timeout S   give up draining after S seconds (default 300)
  --anomaly-every S   mean seconds (event time) between injected anomalies (scenario default)
  --resend N          send every N-th valid event a second time under another partition key
                      (a producer retry, an agent re-send): every sink must hold it once
  --time-scale X      event time runs X times faster than wall time (default 1): with
                      windowSeconds=10 and X=10 a window closes every wall second
  --devices N         telemetry devices, 5 series each (default 20)
  --sqs-visibility S  local override of the SQS queues' visibility timeout (default 10; the
                      yml's own value with --sqs-visibility yml)
  --param k=v         service param, as compose passes it (repeatable)
  --single-dynamodb   every table on DynamoDB Local, also those a service hosts on dynalite
                      (custom.localPipeline.dynamodb; slower: see the local-pipeline README)
  --standins-only     start the stand-ins, print their env, wait for Ctrl-C`;

/** Parse argv (without node and script). */
export function parseStartArgs(argv: readonly string[], root: string): StartOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rate: { type: 'string', default: '200' },
      duration: { type: 'string' },
      ramp: { type: 'string', default: '0' },
      seed: { type: 'string', default: '1' },
      scenario: { type: 'string', default: 'anomalies' },
      chaos: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      'summary-json': { type: 'string' },
      'standins-only': { type: 'boolean', default: false },
      'lake-interval': { type: 'string', default: '10' },
      'drain-timeout': { type: 'string', default: '300' },
      'anomaly-every': { type: 'string' },
      resend: { type: 'string' },
      'time-scale': { type: 'string', default: '1' },
      devices: { type: 'string' },
      'sqs-visibility': { type: 'string', default: '10' },
      param: { type: 'string', multiple: true, default: [] },
      'single-dynamodb': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const rampSeconds = Number(values.ramp);
  if (!(rampSeconds >= 0) || !Number.isFinite(rampSeconds)) {
    throw new LocalPipelineError(`--ramp must be a number of seconds ≥ 0, got "${values.ramp}"`);
  }
  const resendEvery = values.resend === undefined ? undefined : Number(values.resend);
  if (resendEvery !== undefined && !(Number.isInteger(resendEvery) && resendEvery >= 1)) {
    throw new LocalPipelineError(`--resend must be a whole number ≥ 1, got "${values.resend}"`);
  }
  const params: Record<string, string> = {};
  for (const p of values.param ?? []) {
    const eq = p.indexOf('=');
    if (eq > 0) params[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return {
    rate: Number(values.rate),
    ...(values.duration !== undefined ? { durationSeconds: Number(values.duration) } : {}),
    rampSeconds,
    seed: Number(values.seed),
    scenario: String(values.scenario),
    chaos: values.chaos === true,
    verbose: values.verbose === true,
    ...(values['summary-json'] ? { summaryJson: resolve(values['summary-json']) } : {}),
    standinsOnly: values['standins-only'] === true,
    params,
    root,
    lakeIntervalSeconds: Number(values['lake-interval']),
    drainTimeoutSeconds: Number(values['drain-timeout']),
    ...(values['anomaly-every'] !== undefined
      ? { anomalyEverySeconds: Number(values['anomaly-every']) }
      : {}),
    ...(resendEvery !== undefined ? { resendEvery } : {}),
    timeScale: Number(values['time-scale']),
    ...(values.devices !== undefined ? { devices: Number(values.devices) } : {}),
    ...(values['sqs-visibility'] !== 'yml'
      ? { queueVisibilitySeconds: Number(values['sqs-visibility']) }
      : {}),
    singleDynamoDb: values['single-dynamodb'] === true,
  };
}

function statusLine(
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

/** `pnpm start`: returns the process exit code. */
export async function main(argv: readonly string[], root: string): Promise<number> {
  const options = parseStartArgs(argv, root);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // kinesalite in its own process: in this one it shared the event loop with the feed and every
  // emulator (main thread measured at 100 % busy at 1,000 events/s, a quarter of it kinesalite).
  process.env.STREAMLENS_KINESIS_PROCESS ??= 'child';
  // The indexer talks to the OpenSearch node itself: no fault is injected in a run, and the fault
  // front would relay every _bulk request through this process.
  process.env.STREAMLENS_OPENSEARCH_FAULTS ??= 'off';
  const err = (line: string) => process.stderr.write(`${line}\n`);
  const stopRequested = new AbortController();
  const onSignal = () => {
    if (stopRequested.signal.aborted) process.exit(130);
    err('\nstopping: draining (Ctrl-C again to quit at once)');
    stopRequested.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  if (options.standinsOnly) {
    const aws = await startLocalAws({ quiet: false });
    process.stdout.write(`${envLines(aws.env).join('\n')}\n`);
    err('stand-ins running; Ctrl-C to stop');
    await new Promise((r) => stopRequested.signal.addEventListener('abort', r));
    await aws.stop();
    return 0;
  }

  const runDir = mkdtempSync(join(tmpdir(), 'streamlens-run-'));
  err(`streamlens local pipeline (run folder ${runDir})`);
  const t0 = Date.now();
  const pipeline = await startPipeline({
    root: options.root,
    runDir,
    params: options.params,
    chaos: options.chaos,
    seed: options.seed,
    lakeBufferIntervalSeconds: options.lakeIntervalSeconds,
    singleDynamoDb: options.singleDynamoDb,
    ...(options.queueVisibilitySeconds !== undefined
      ? { queueVisibilitySeconds: options.queueVisibilitySeconds }
      : {}),
    log: err,
    ...(options.verbose
      ? {
          onFunctionLog: (fn: string, line: string) => err(`[${fn}] ${line}`),
          onNotice: (m: string) => err(`! ${m}`),
        }
      : {}),
  });
  err(
    `ready in ${Date.now() - t0} ms: stand-ins ${Object.entries(pipeline.aws.timings)
      .map(([k, v]) => `${k} ${v} ms`)
      .join(', ')}; params ${Object.entries(pipeline.params)
      .filter(([k]) => !k.endsWith('Arn'))
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
  );
  for (const n of pipeline.notWired) err(`not wired: ${n}`);
  if (options.chaos)
    err(
      'chaos: 10% handler crashes before responding, 10% redeliveries, DynamoDB/S3 throttling via the fault proxy',
    );

  const ledger = newLedger();
  const windowSeconds = Number(pipeline.params.windowSeconds ?? 60);
  const latenessSeconds = Number(pipeline.params.allowedLatenessSeconds ?? 0);
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
  let startedAt = Date.now();
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
  let mainBusy = 0;
  const ticker = setInterval(() => {
    const now = performance.eventLoopUtilization();
    mainBusy = performance.eventLoopUtilization(now, eluLast).utilization;
    eluLast = now;
    watcher.poll();
    const line = statusLine(
      pipeline,
      ledger.valid.size + ledger.invalid,
      startedAt,
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
  let exitCode = 1;
  try {
    // The feed runs in a worker thread: this event loop is the emulators' (ESM, Firehose, SQS).
    await feedInWorker(
      {
        env: pipeline.aws.env,
        bundle: pipeline.feedWorkerBundle,
        streamName: pipeline.eventsStream,
        rate: options.rate,
        ...(options.durationSeconds !== undefined
          ? { durationSeconds: options.durationSeconds }
          : {}),
        ...(options.rampSeconds > 0 ? { rampSeconds: options.rampSeconds } : {}),
        seed: options.seed,
        scenario: options.scenario,
        signal: stopRequested.signal,
        ...(options.anomalyEverySeconds !== undefined
          ? { anomalyEverySeconds: options.anomalyEverySeconds }
          : {}),
        ...(options.resendEvery !== undefined ? { resendEvery: options.resendEvery } : {}),
        timeScale: options.timeScale,
        ...(options.devices !== undefined ? { devices: options.devices } : {}),
        onProduced: (eventTimeMs, sentAtMs) => lag.produced(eventTimeMs, sentAtMs),
        // The produce phase (and the achieved rate) starts once the worker runs.
        onStarted: () => {
          startedAt = Date.now();
        },
      },
      ledger,
    );
    const producedFor = (Date.now() - startedAt) / 1000;
    if (tty) process.stderr.write('\n');
    err(
      `produced ${ledger.valid.size + ledger.invalid} records in ${producedFor.toFixed(1)} s; draining…`,
    );
    const drainStart = Date.now();
    const drained = await pipeline.drain(options.drainTimeoutSeconds * 1000);
    err(
      `drained in ${((Date.now() - drainStart) / 1000).toFixed(1)} s${drained ? '' : ' (TIMED OUT)'}`,
    );
    const drainSeconds = (Date.now() - drainStart) / 1000;
    await tap.stop();
    clearInterval(ticker);
    err(statusLine(pipeline, ledger.valid.size + ledger.invalid, startedAt, 0, lag));
    watcher.poll();
    const result = await reconcile(pipeline, ledger, watcher.alerts);
    // The aggregator is the events-stream consumer that writes the aggregates stream.
    const aggregatorMapping = pipeline.functions
      .filter((f) => f.definition.environment.AGGREGATES_STREAM_NAME === pipeline.aggregatesStream)
      .flatMap((f) => f.mappings)
      .find((m) => m.settings.streamName === pipeline.eventsStream);
    const bound = lagBound({
      windowSeconds,
      latenessSeconds,
      timeScale: options.timeScale,
      aggregatorBatchWindowSeconds: aggregatorMapping?.settings.batchWindowSeconds ?? 0,
      pollIntervalMs: DEFAULT_POLL_INTERVAL_MS,
      tapIntervalMs,
      producerLingerMs: DEFAULT_LINGER_MS,
    });
    const mainThreadUtilization =
      Math.round(performance.eventLoopUtilization(eluStart).utilization * 1000) / 1000;
    const sustained = sustainedPhase({
      sentAtMs: ledger.sentAt.values(),
      valid: ledger.valid.size,
      invalid: ledger.invalid,
      startedAtMs: startedAt,
      producedSeconds: producedFor,
      rampSeconds: options.rampSeconds,
    });
    const throughput = throughputVerdict({
      mainThreadUtilization,
      kinesisReads: pipeline.shardSource.stats,
      requestedRate: options.rate,
      rampSeconds: options.rampSeconds,
      produced: sustained.produced,
      producedSeconds: sustained.seconds,
      drainSeconds,
      lag: lag.summarize(producedEvents(ledger), bound, latenessSeconds * 1000),
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
    process.stdout.write(formatReconciliation(result));
    if (result.alertQuality) process.stdout.write(formatAlertQuality(result.alertQuality));
    process.stdout.write(formatThroughput(throughput));
    const summary = {
      ...result,
      throughput,
      run: {
        rate: options.rate,
        rampSeconds: options.rampSeconds,
        seed: options.seed,
        scenario: options.scenario,
        chaos: options.chaos,
        timeScale: options.timeScale,
        dynaliteTables: pipeline.dynaliteHost?.tables ?? [],
        producedSeconds: producedFor,
        drainSeconds,
        runDir,
      },
    };
    if (options.summaryJson)
      writeFileSync(options.summaryJson, `${JSON.stringify(summary, null, 2)}\n`);
    exitCode = result.ok && drained ? 0 : 1;
  } finally {
    clearInterval(ticker);
    await tap.stop().catch(() => undefined);
    await pipeline.stop().catch((e: unknown) => err(`stop: ${String(e)}`));
  }
  return exitCode;
}
