import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  AggregatesReader,
  type PipelineCounters,
  RECORD_METRICS,
  type RunningDashboard,
  type RunOutcome,
  type StageCounters,
  type StageFunction,
  type StageTarget,
  startDashboard,
} from '@streamlens/dashboard';
import { functionsOf, physicalName, resolveIntrinsics, resourcesOf } from './config/functions.js';
import { loadService, type ResolvedService } from './config/serverless.js';
import type { ProducedLedger } from './feed.js';
import { deliveryStreamsOf } from './firehose/config.js';
import type { WindowLagTracker } from './lag.js';
import type { Pipeline } from './pipeline.js';
import { formatAlertQuality } from './reconcile.js';
import type { LiveMonitors, RunMonitor, RunSummary } from './run.js';
import { formatThroughput } from './throughput.js';

export { DEFAULT_LOCAL_PORT } from '@streamlens/dashboard';

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

const custom = (svc: ResolvedService) => (svc.doc.custom ?? {}) as Record<string, unknown>;
/** The name at the end of an SQS ARN. */
const queueNameOf = (arn: unknown) =>
  typeof arn === 'string' && arn.startsWith('arn:') ? arn.split(':').at(-1) : undefined;

/**
 * The queue that receives what `queueName`'s consumer gives up on: its RedrivePolicy's target.
 */
function redriveTargetOf(svc: ResolvedService, queueName: string): string | undefined {
  for (const [id, resource] of Object.entries(resourcesOf(svc))) {
    const r = resource as { Type?: string; Properties?: { RedrivePolicy?: unknown } };
    if (r.Type !== 'AWS::SQS::Queue' || physicalName(svc, id) !== queueName) continue;
    const policy = resolveIntrinsics(svc, r.Properties?.RedrivePolicy) as
      | { deadLetterTargetArn?: unknown }
      | undefined;
    return queueNameOf(policy?.deadLetterTargetArn);
  }
  return undefined;
}

/** The dead-letter queue of a function's schedule (osls' `<Key>EventsRuleSchedule1` target). */
function scheduleDeadLetterOf(svc: ResolvedService, key: string): string | undefined {
  const extensions = (svc.doc.resources as { extensions?: Record<string, unknown> } | undefined)
    ?.extensions;
  const rule = extensions?.[`${key.charAt(0).toUpperCase()}${key.slice(1)}EventsRuleSchedule1`] as
    | { Properties?: { Targets?: { DeadLetterConfig?: { Arn?: unknown } }[] } }
    | undefined;
  const arn = rule?.Properties?.Targets?.[0]?.DeadLetterConfig?.Arn;
  return arn === undefined ? undefined : queueNameOf(resolveIntrinsics(svc, arn));
}

/**
 * The functions of a service as the Pipeline view of a deployed stage reads them: those fed by a
 * stream, a queue or a schedule, and those whose records the view counts (the Firehose
 * transform), with their deployed names, on-failure and dead-letter queues.
 */
export function stageFunctionsOf(svc: ResolvedService): StageFunction[] {
  const out: StageFunction[] = [];
  for (const fn of functionsOf(svc)) {
    const service =
      fn.environment.POWERTOOLS_SERVICE_NAME || svc.service.replace(/^streamlens-/, '');
    const stream = fn.streams[0];
    const sqs = fn.sqs[0];
    const counted = RECORD_METRICS[`${service}:${fn.key}`] !== undefined;
    if (!stream && !sqs && fn.schedules.length === 0 && !counted) continue;
    const queue = sqs ? queueNameOf(sqs.queueArn) : undefined;
    const onFailureQueue = queueNameOf(stream?.onFailureArn);
    const deadLetterQueue = queue
      ? redriveTargetOf(svc, queue)
      : fn.schedules.length > 0
        ? scheduleDeadLetterOf(svc, fn.key)
        : undefined;
    const source = stream
      ? stream.streamName.replace(/^streamlens-[^-]+-/, '')
      : queue
        ? `sqs ${queue}`
        : fn.schedules.length > 0
          ? 'schedule'
          : undefined;
    out.push({
      service,
      key: fn.key,
      functionName: fn.name,
      kind: sqs ? 'queue' : 'function',
      streamConsumer: stream !== undefined,
      ...(source ? { source } : {}),
      ...(onFailureQueue ? { onFailureQueue } : {}),
      ...(deadLetterQueue ? { deadLetterQueue } : {}),
    });
  }
  return out;
}

/**
 * What `pnpm dashboard --stage X` reads, named as a deployment of the services' serverless.yml
 * names it for that stage and region: the aggregates stream, anomaly-alerts' state table and
 * warm-up, every service's functions and queues.
 */
export function stageTarget(
  root: string,
  options: { stage: string; region: string; lookbackMinutes: number },
): StageTarget {
  const { stage, region } = options;
  const servicesDir = join(root, 'services');
  const resources = loadService(join(servicesDir, 'resources'), { stage, region });
  const streams = custom(resources);
  const aggregatesStream = String(streams.aggregatesStreamName);
  // The other services import the resources stack's streams (Fn::ImportValue, resolved only by
  // CloudFormation); given by name as params, as compose gives them, their mappings name their
  // streams. Only the stream name of the ARN is read.
  const streamArn = (name: unknown) => `arn:aws:kinesis:${region}:000000000000:stream/${name}`;
  const params = {
    eventsStreamArn: streamArn(streams.eventsStreamName),
    aggregatesStreamArn: streamArn(aggregatesStream),
  };
  const services = readdirSync(servicesDir)
    .filter((name) => name !== 'resources' && existsSync(join(servicesDir, name, 'serverless.yml')))
    .sort()
    .map((name) => loadService(join(servicesDir, name), { stage, region, params }));
  const alerts = services.find((s) => s.service === 'streamlens-anomaly-alerts');
  const warmup = Number(alerts ? custom(alerts).detectorWarmupPoints : Number.NaN);
  const stateTable = alerts ? custom(alerts).stateTableName : undefined;
  return {
    stage,
    region,
    aggregatesStream,
    lookbackMinutes: options.lookbackMinutes,
    ...(Number.isInteger(warmup) ? { warmupPoints: warmup } : {}),
    ...(typeof stateTable === 'string' ? { stateTable } : {}),
    functions: services.flatMap(stageFunctionsOf),
  };
}
