import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalAws } from '@streamlens/local-aws';
import { capacityMonitor } from './capacity-report.js';
import { DEFAULT_LOCAL_PORT, runDashboard } from './dashboard.js';
import { LocalPipelineError } from './errors.js';
import { envLines, startPipeline } from './pipeline.js';
import {
  cpuMonitor,
  type RunMonitor,
  runFeed,
  startLiveMonitors,
  statusLine,
  summarizeRun,
} from './run.js';

export { formatReconciliation } from './run.js';

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
  /** DynamoDB read/write units per service in the summary (`--capacity`). */
  meterCapacity: boolean;
  /** Port of the dashboard on 127.0.0.1 (taken: a free one); undefined with --no-dashboard. */
  dashboardPort?: number;
  /** Seconds the dashboard stays up after a bounded run (undefined: until Ctrl-C on a terminal). */
  dashboardHoldSeconds?: number;
  /** Where the events travel: the Kinesis events stream or a topic on the local Kafka broker. */
  ingest: 'kinesis' | 'kafka';
}

/** Default port of the dashboard (`--dashboard-port`). */
export const DEFAULT_DASHBOARD_PORT = DEFAULT_LOCAL_PORT;

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
  --ingest SOURCE     kinesis (default) or kafka: the events go to a topic on the local Kafka
                      broker, read by an emulation of Lambda's Kafka event source mapping
                      (docs/kafka.md); the lake and the warehouse are then not fed
  --param k=v         service param, as --param of a deploy (repeatable)
  --single-dynamodb   every table on DynamoDB Local, also those a service hosts on dynalite
  --capacity          report DynamoDB read/write units per 1,000 events for each service and
                      the hottest partition key's share of writes (meters every DynamoDB call
                      on the harness's main thread, so it costs CPU)
                      (custom.localPipeline.dynamodb; slower: see the local-pipeline README)
  --dashboard-port P  serve the dashboard on 127.0.0.1:P (default ${DEFAULT_DASHBOARD_PORT}; a free port when taken)
  --no-dashboard      no dashboard
  --dashboard-hold S  keep the dashboard up S seconds after a bounded run (default: until
                      Ctrl-C when stderr is a terminal, else 0)
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
      capacity: { type: 'boolean', default: false },
      'dashboard-port': { type: 'string' },
      'no-dashboard': { type: 'boolean', default: false },
      'dashboard-hold': { type: 'string' },
      ingest: { type: 'string', default: 'kinesis' },
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
  const dashboardPort = Number(values['dashboard-port'] ?? DEFAULT_DASHBOARD_PORT);
  if (!(Number.isInteger(dashboardPort) && dashboardPort >= 0 && dashboardPort < 65536)) {
    throw new LocalPipelineError(
      `--dashboard-port must be a port number, got "${values['dashboard-port']}"`,
    );
  }
  const hold =
    values['dashboard-hold'] === undefined ? undefined : Number(values['dashboard-hold']);
  if (hold !== undefined && !(hold >= 0 && Number.isFinite(hold))) {
    throw new LocalPipelineError(
      `--dashboard-hold must be a number of seconds ≥ 0, got "${values['dashboard-hold']}"`,
    );
  }
  const ingest = values.ingest;
  if (ingest !== 'kinesis' && ingest !== 'kafka') {
    throw new LocalPipelineError(`--ingest must be kinesis or kafka, got "${ingest}"`);
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
    meterCapacity: values.capacity === true,
    ...(values['no-dashboard'] ? {} : { dashboardPort }),
    ...(hold !== undefined ? { dashboardHoldSeconds: hold } : {}),
    ingest,
  };
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
    meterCapacity: options.meterCapacity,
    ingest: options.ingest,
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

  const live = await startLiveMonitors(pipeline, err);
  // Monitors beside the live ones (each adds its section to the summary): a new one goes here.
  // CPU first: its measurement ends right after the drain, before the others' reports run.
  const monitors: RunMonitor[] = [cpuMonitor(live), capacityMonitor()];
  const dashboard =
    options.dashboardPort === undefined
      ? undefined
      : runDashboard(live, options.dashboardPort, err);
  if (dashboard) monitors.push(dashboard);
  let exitCode = 1;
  try {
    for (const monitor of monitors) await monitor.start?.(pipeline);
    await runFeed(pipeline, options, live, stopRequested.signal);
    const producedFor = (Date.now() - live.startedAt) / 1000;
    const produced = live.ledger.valid.size + live.ledger.invalid;
    if (process.stderr.isTTY) process.stderr.write('\n');
    err(`produced ${produced} records in ${producedFor.toFixed(1)} s; draining…`);
    const drainStart = Date.now();
    const drained = await pipeline.drain(options.drainTimeoutSeconds * 1000);
    err(
      `drained in ${((Date.now() - drainStart) / 1000).toFixed(1)} s${drained ? '' : ' (TIMED OUT)'}`,
    );
    const drainSeconds = (Date.now() - drainStart) / 1000;
    await live.stop();
    err(statusLine(pipeline, produced, live.startedAt, 0, live.lag));
    const summary = await summarizeRun(
      { pipeline, ledger: live.ledger, produced, producedSeconds: producedFor, drainSeconds },
      live,
      options,
      monitors,
      runDir,
    );
    dashboard?.finish(summary);
    exitCode = summary.ok && drained ? 0 : 1;
  } finally {
    await live.stop().catch(() => undefined);
    await Promise.allSettled(monitors.map((monitor) => monitor.stop?.()));
    await pipeline.stop().catch((e: unknown) => err(`stop: ${String(e)}`));
  }
  // The page keeps the run's last state (the reconciliation) after the stand-ins stop.
  await dashboard?.holdThenClose(
    options.dashboardHoldSeconds ?? (process.stderr.isTTY ? Number.POSITIVE_INFINITY : 0),
    stopRequested.signal,
  );
  return exitCode;
}
