import { join } from 'node:path';
import {
  type FunctionDefinition,
  functionsOf,
  physicalName,
  resolveIntrinsics,
  resourceArn,
  resourcesOf,
} from './config/functions.js';
import type { ResolvedService } from './config/serverless.js';
import { type KafkaIngest, kafkaMappingFor } from './esm/kafka-ingest.js';
import { KafkaEventSourceMapping } from './esm/kafka-mapping.js';
import { EventSourceMapping } from './esm/mapping.js';
import { limitReads, readModeOf, ShardReadLimiter } from './esm/read-limits.js';
import { localJsonShardReader } from './esm/reader.js';
import { NdjsonFailureSink } from './esm/records.js';
import { SharedShardSource } from './esm/source.js';
import { deliveryStreamsOf } from './firehose/config.js';
import { FirehoseEmulator } from './firehose/delivery.js';
import { FunctionPool } from './runtime/pool.js';
import { ScheduleEmitter } from './schedule/schedule.js';
import { BucketNotifier, type EventRule, LocalEventBus } from './sqs/eventbridge.js';
import { SqsEventSourceMapping } from './sqs/mapping.js';
import { LocalQueue } from './sqs/queue.js';
import {
  runStatement,
  sqlStatements,
  type WarehouseTarget,
  warehouseTargetOf,
} from './sqs/warehouse.js';
import type { StandIns } from './standins.js';

/** How often an event source mapping polls an idle shard in `pnpm start` (ms; Lambda: ~1 s). */
export const DEFAULT_POLL_INTERVAL_MS = 250;

/** A wired function: its definition, container and event sources. */
export interface WiredFunction {
  readonly definition: FunctionDefinition;
  /** The function's containers (one per concurrent invocation, as Lambda keeps them). */
  readonly container: FunctionPool;
  /** Kinesis mappings, and Kafka ones for the events stream's consumers with `--ingest kafka`. */
  readonly mappings: (EventSourceMapping | KafkaEventSourceMapping)[];
  readonly sqsMappings: SqsEventSourceMapping[];
  /** EventBridge schedule rules that invoke the function. */
  readonly schedules: ScheduleEmitter[];
}

/** The run's options the wiring stages read (a part of `PipelineOptions`). */
export interface WiringOptions {
  /** Chaos: handler crashes, sink throttling, redeliveries. */
  readonly chaos?: boolean;
  readonly seed?: number;
  /** Function logs to this callback (`--verbose`); discarded when absent. */
  readonly onFunctionLog?: (fn: string, line: string) => void;
  readonly onNotice?: (message: string) => void;
  /** Local override of the lake's S3 buffering interval (AWS default of the service: 300 s). */
  readonly lakeBufferIntervalSeconds?: number;
  /** Local override of the Firehose processor buffering interval. */
  readonly processorBufferIntervalSeconds?: number;
  /** Shard poll interval of the mappings (Lambda: ~1 s). */
  readonly pollIntervalMs?: number;
  /** Local override of the SQS queues' VisibilityTimeout (seconds); the yml's value when absent. */
  readonly queueVisibilitySeconds?: number;
}

/** A created stream and its shard count. */
export interface StreamSpec {
  readonly name: string;
  readonly shardCount: number;
}

/** The SQS queues, EventBridge rules and the lake's S3 → EventBridge notifier. */
export interface Routing {
  readonly queues: Map<string, LocalQueue>;
  readonly rules: EventRule[];
  readonly eventBus?: LocalEventBus;
  readonly lakeNotifier?: BucketNotifier;
}

/** Queues of every service, its EventBridge rules onto them, the lake bucket's notifier. */
export function createRouting(
  services: readonly ResolvedService[],
  aws: StandIns,
  lakeBucket: string,
  region: string,
  queueVisibilitySeconds: number | undefined,
): Routing {
  const queues = createQueues(services, queueVisibilitySeconds);
  const rules = services.flatMap((svc) => eventRulesOf(svc));
  const eventBus =
    rules.length > 0
      ? new LocalEventBus(rules, (arn, event) => {
          const queue = queues.get(arn);
          if (!queue) return false;
          queue.send(JSON.stringify(event));
          return true;
        })
      : undefined;
  // S3 → EventBridge from the S3 stand-in's own event per write (no listing of a growing
  // lake); listing only when the stand-in emits none.
  const s3Events = aws.events('s3');
  const lakeNotifier = eventBus
    ? new BucketNotifier(aws.clients().s3, lakeBucket, eventBus, region, 500, s3Events)
    : undefined;
  return {
    queues,
    rules,
    ...(eventBus ? { eventBus } : {}),
    ...(lakeNotifier ? { lakeNotifier } : {}),
  };
}

/** What the functions stage needs from the earlier ones. */
export interface FunctionWiringInput {
  readonly services: readonly ResolvedService[];
  readonly aws: StandIns;
  readonly streams: readonly StreamSpec[];
  readonly routing: Routing;
  /** Environment every function gets (the stand-ins', or the fault proxies' under --chaos). */
  readonly functionEnv: Readonly<Record<string, string>>;
  /** Endpoint of the dynalite host for the services in `dynaliteServices`. */
  readonly dynaliteFunctionEndpoint?: string;
  readonly dynaliteServices: ReadonlySet<string>;
  /** A service's DynamoDB endpoint when it is metered (`capacity-report.ts`), by service. */
  readonly dynamoDbEndpoints?: ReadonlyMap<string, string>;
  readonly bundleDir: string;
  readonly runDir: string;
  readonly region: string;
  readonly notWired: string[];
  /** `--ingest kafka`: the events stream's consumers read this topic instead. */
  readonly kafka?: KafkaIngest;
}

/** The functions, the shared shard source they read, and where failed batches go. */
export interface FunctionWiring {
  readonly functions: WiredFunction[];
  readonly byArn: ReadonlyMap<string, FunctionPool>;
  readonly failures: NdjsonFailureSink;
  readonly source: SharedShardSource;
  /**
   * Kinesis' per-shard read limits over every reader: the polling ones (shared mode, Firehose)
   * share 5 GetRecords/s and 2 MiB/s per shard, each enhanced fan-out consumer has its own 2 MiB/s.
   */
  readonly readLimiter: ShardReadLimiter;
}

/**
 * Every function of every service in its pool of containers, with its Kinesis and SQS mappings
 * and schedules, as its serverless.yml says. Nothing starts polling here (`startSources`).
 */
export function wireFunctions(input: FunctionWiringInput, options: WiringOptions): FunctionWiring {
  const { services, aws, streams, routing, functionEnv, region, notWired } = input;
  const firehoseProcessorArns = new Set(
    services.flatMap((svc) => deliveryStreamsOf(svc).map((c) => c.processor?.lambdaArn ?? '')),
  );
  const failures = new NdjsonFailureSink(join(input.runDir, 'on-failure'));
  const functions: WiredFunction[] = [];
  const byArn = new Map<string, FunctionPool>();
  const kinesis = aws.clients().kinesis;
  // The mappings and Firehose read the pipeline's own kinesalite raw (data stays base64).
  const reader = aws.endpoints.kinesis
    ? localJsonShardReader(aws.endpoints.kinesis, region)
    : undefined;
  // One GetRecords per shard serves every mapping and Firehose on the stream (kinesalite
  // otherwise serves each events record to four readers); each keeps its own position.
  const source = new SharedShardSource({ kinesis, ...(reader ? { reader } : {}) });
  const readLimiter = new ShardReadLimiter();
  const existingStreams = new Set(streams.map((s) => s.name));
  let chaosSeed = (options.seed ?? 1) * 7919;
  const random = () => {
    // Small seeded LCG so a chaos run is repeatable.
    chaosSeed = (chaosSeed * 1103515245 + 12345) % 2147483648;
    return chaosSeed / 2147483648;
  };
  for (const svc of services) {
    for (const definition of functionsOf(svc)) {
      // One concurrent invocation per shard × parallelization factor of each stream it reads,
      // as Lambda runs them (Firehose and SQS consumers: one at a time here).
      const concurrency = Math.max(
        1,
        definition.streams
          .filter((st) => st.enabled)
          .reduce(
            (n, st) =>
              n +
              (streams.find((x) => x.name === st.streamName)?.shardCount ?? 1) *
                Math.max(1, st.parallelizationFactor),
            0,
          ),
      );
      const container = new FunctionPool(
        {
          functionName: definition.name,
          functionArn: definition.arn,
          entry: definition.entry,
          exportName: definition.exportName,
          timeoutSeconds: definition.timeoutSeconds,
          memorySize: definition.memorySize,
          environment: {
            ...definition.environment,
            ...functionEnv,
            ...(input.dynaliteFunctionEndpoint && input.dynaliteServices.has(svc.service)
              ? { AWS_ENDPOINT_URL_DYNAMODB: input.dynaliteFunctionEndpoint }
              : {}),
            ...(input.dynamoDbEndpoints?.has(svc.service)
              ? { AWS_ENDPOINT_URL_DYNAMODB: input.dynamoDbEndpoints.get(svc.service) as string }
              : {}),
          },
          workDir: input.bundleDir,
          ...(options.onFunctionLog
            ? { onLog: (line: string) => options.onFunctionLog?.(definition.key, line) }
            : {}),
          ...(options.chaos ? { crashProbability: 0.1, random } : {}),
        },
        concurrency,
      );
      byArn.set(definition.arn, container);
      const mappings: WiredFunction['mappings'] = [];
      for (const settings of definition.streams) {
        if (!settings.enabled) continue;
        if (!existingStreams.has(settings.streamName)) {
          notWired.push(`${definition.name}: stream ${settings.streamName} does not exist`);
          continue;
        }
        if (input.kafka && settings.streamName === input.kafka.topic) {
          mappings.push(
            kafkaMappingFor(
              input.kafka,
              definition,
              settings,
              (event) => container.invoke(event),
              options.onNotice,
            ),
          );
          continue;
        }
        mappings.push(
          new EventSourceMapping({
            functionName: definition.name,
            functionArn: definition.arn,
            settings,
            invoke: (event) => container.invoke(event),
            kinesis,
            // Each mapping reads the shared buffer as the Kinesis reader it is on AWS: its own
            // GetRecords count against the shard's limits unless it has an EFO consumer.
            source: limitReads(source, readLimiter, readModeOf(settings)),
            region,
            failureSink: failures,
            pollIntervalMs: options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
            ...(options.chaos ? { redeliveryProbability: 0.1, random } : {}),
            ...(options.onNotice ? { onNotice: options.onNotice } : {}),
          }),
        );
      }
      for (const s3 of definition.s3) {
        notWired.push(
          `${definition.name}: s3 event on ${s3.bucket} (S3 notifications not emulated yet)`,
        );
      }
      const schedules = definition.schedules
        .filter((schedule) => schedule.enabled)
        .map(
          (schedule, i) =>
            new ScheduleEmitter({
              functionName: definition.name,
              ruleArn: `arn:aws:events:${region}:000000000000:rule/${definition.name}-schedule-${i + 1}`,
              region,
              intervalMs: schedule.rateSeconds * 1000,
              invoke: (event) => container.invoke(event),
              ...(options.onNotice ? { onNotice: options.onNotice } : {}),
            }),
        );
      if (
        mappings.length === 0 &&
        schedules.length === 0 &&
        definition.sqs.length === 0 &&
        definition.s3.length === 0 &&
        !firehoseProcessorArns.has(definition.arn)
      ) {
        notWired.push(
          `${definition.name}: no emulated event source (its events: ${eventKinds(svc, definition.key)})`,
        );
      }
      const sqsMappings: SqsEventSourceMapping[] = [];
      for (const settings of definition.sqs) {
        const queue = routing.queues.get(settings.queueArn);
        if (!settings.enabled) continue;
        if (!queue) {
          notWired.push(`${definition.name}: sqs queue ${settings.queueArn} not declared`);
          continue;
        }
        sqsMappings.push(
          new SqsEventSourceMapping({
            functionName: definition.name,
            settings,
            queue,
            invoke: (event) => container.invoke(event),
            region,
            ...(options.onNotice ? { onNotice: options.onNotice } : {}),
          }),
        );
      }
      functions.push({ definition, container, mappings, sqsMappings, schedules });
    }
  }
  return { functions, byArn, failures, source, readLimiter };
}

/** Every Firehose delivery stream of the services, its processor wired to its function. */
export function wireFirehoses(
  services: readonly ResolvedService[],
  aws: StandIns,
  wiring: FunctionWiring,
  region: string,
  notWired: string[],
  log: (line: string) => void,
  options: WiringOptions,
): FirehoseEmulator[] {
  const firehoses: FirehoseEmulator[] = [];
  for (const svc of services) {
    for (const config of deliveryStreamsOf(svc)) {
      const transform = config.processor ? wiring.byArn.get(config.processor.lambdaArn) : undefined;
      if (config.processor && !transform) {
        notWired.push(`firehose ${config.name}: processor ${config.processor.lambdaArn} not found`);
        continue;
      }
      const emulator = new FirehoseEmulator({
        config,
        ...(transform ? { invoke: (event: unknown) => transform.invoke(event) } : {}),
        kinesis: aws.clients().kinesis,
        // Firehose reads its Kinesis source by polling: a shared-throughput reader.
        source: limitReads(wiring.source, wiring.readLimiter, { kind: 'shared' }),
        s3: aws.clients().s3,
        region,
        bufferIntervalSecondsOverride: options.lakeBufferIntervalSeconds ?? 10,
        processorIntervalSecondsOverride: options.processorBufferIntervalSeconds ?? 2,
        pollIntervalMs: options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
        ...(options.onNotice ? { onNotice: options.onNotice } : {}),
      });
      firehoses.push(emulator);
      const b = emulator.buffering;
      log(
        `firehose ${config.name}: ${config.sourceStreamName} → λ ${config.processor?.lambdaArn.split(':').pop()} → s3://${config.bucket}/${config.prefix} ` +
          `(processor buffer ${b.processorSizeMb} MB / ${b.processorIntervalSeconds} s, lake buffer ${b.destinationSizeMb} MB / ${b.destinationIntervalSeconds} s [local override of ${config.bufferIntervalSeconds} s], ${config.compression})`,
      );
    }
  }
  return firehoses;
}

/** One line per event source of every function, and per EventBridge rule. */
export function logWiring(
  functions: readonly WiredFunction[],
  rules: readonly EventRule[],
  log: (line: string) => void,
  queueVisibilityOverridden: boolean,
): void {
  for (const fn of functions) {
    for (const m of fn.mappings) {
      if (m instanceof KafkaEventSourceMapping) {
        const k = m.settings;
        log(
          `λ ${fn.definition.name} ← kafka ${k.topic} (group ${k.consumerGroup}): batchSize ${k.batchSize}, window ${k.batchWindowSeconds} s, ${k.startingPosition}, retries ${k.maximumRetryAttempts}, on-failure ${k.onFailureArn ?? 'none'}`,
        );
        continue;
      }
      const s = m.settings;
      log(
        `λ ${fn.definition.name} ← ${s.streamName}: batchSize ${s.batchSize}, window ${s.batchWindowSeconds} s, parallelization ${s.parallelizationFactor}, ${s.startingPosition}, retries ${s.maximumRetryAttempts}, maxAge ${s.maximumRecordAgeInSeconds} s, bisect ${s.bisectBatchOnFunctionError}, ${s.reportBatchItemFailures ? 'ReportBatchItemFailures' : 'whole-batch'}${s.tumblingWindowInSeconds ? `, tumbling ${s.tumblingWindowInSeconds} s` : ''}, on-failure ${s.onFailureArn ?? 'none'}`,
      );
    }
  }
  for (const fn of functions) {
    for (const m of fn.sqsMappings) {
      const s = m.settings;
      const q = m.queue.options;
      log(
        `λ ${fn.definition.name} ← sqs ${q.name}: batchSize ${s.batchSize}, window ${s.maximumBatchingWindowSeconds} s, ${s.reportBatchItemFailures ? 'ReportBatchItemFailures' : 'whole-batch'}, visibility ${m.queue.visibilityTimeoutMs / 1000} s${queueVisibilityOverridden ? ' [local override]' : ''}, ${q.redrive ? `redrive to ${q.redrive.deadLetter.name} after ${q.redrive.maxReceiveCount} receives` : 'no DLQ'}`,
      );
    }
    for (const schedule of fn.schedules) {
      log(`λ ${fn.definition.name} ← schedule every ${schedule.intervalMs / 1000} s`);
    }
  }
  for (const rule of rules) {
    log(
      `eventbridge rule ${rule.name}: ${JSON.stringify(rule.pattern)} → ${rule.targetArns.join(', ')}`,
    );
  }
}

/**
 * The warehouse a wired SQS consumer loads: its DDL (sql/*.sql of the service) applied first,
 * as `pnpm warehouse migrate` does before a deployment's first load. Without a Redshift stand-in
 * the consumer's SQS mappings are removed and the run says so.
 */
export async function migrateWarehouse(
  functions: readonly WiredFunction[],
  services: readonly ResolvedService[],
  aws: StandIns,
  notWired: string[],
): Promise<{ readonly target: WarehouseTarget } | undefined> {
  let warehouse: { readonly target: WarehouseTarget } | undefined;
  for (const fn of functions) {
    const target = warehouseTargetOf(fn.definition.environment);
    if (!target || fn.sqsMappings.length === 0) continue;
    if (!aws.endpoints.redshift) {
      notWired.push(`${fn.definition.name}: no Redshift stand-in, warehouse not loaded`);
      fn.sqsMappings.splice(0);
      continue;
    }
    const svc = services.find((s) => s.service === fn.definition.service);
    for (const sql of sqlStatements(join(svc?.dir ?? '', 'sql'))) {
      await runStatement(aws.clients().redshiftData, target, sql);
    }
    warehouse = { target };
  }
  return warehouse;
}

/**
 * Start polling: each function's first mapping, then the others, Firehose, SQS consumers,
 * schedules and the lake notifier (the order the run has always used: the events stream's first
 * consumers get their iterators before traffic).
 */
export async function startSources(
  functions: readonly WiredFunction[],
  firehoses: readonly FirehoseEmulator[],
  lakeNotifier: BucketNotifier | undefined,
): Promise<void> {
  for (const fn of functions) await fn.mappings[0]?.start();
  for (const fn of functions) for (const m of fn.mappings.slice(1)) await m.start();
  for (const f of firehoses) await f.start();
  for (const fn of functions) for (const m of fn.sqsMappings) m.start();
  for (const fn of functions) for (const schedule of fn.schedules) schedule.start();
  lakeNotifier?.start();
}

/**
 * Every `AWS::SQS::Queue` of the services as an in-process queue keyed by ARN, with its
 * VisibilityTimeout and RedrivePolicy (dead-letter queues resolved to their queue).
 */
function createQueues(
  services: readonly ResolvedService[],
  visibilityOverride?: number,
): Map<string, LocalQueue> {
  const declared: {
    arn: string;
    name: string;
    props: Record<string, unknown>;
    svc: ResolvedService;
  }[] = [];
  for (const svc of services) {
    for (const [id, raw] of Object.entries(resourcesOf(svc))) {
      const r = raw as { Type?: string; Properties?: Record<string, unknown> };
      if (r.Type !== 'AWS::SQS::Queue') continue;
      declared.push({
        arn: resourceArn(svc, id) ?? '',
        name: physicalName(svc, id),
        props: (resolveIntrinsics(svc, r.Properties ?? {}) ?? {}) as Record<string, unknown>,
        svc,
      });
    }
  }
  const queues = new Map<string, LocalQueue>();
  const build = (d: (typeof declared)[number], depth: number): LocalQueue => {
    const existing = queues.get(d.arn);
    if (existing) return existing;
    const policy = d.props.RedrivePolicy as
      | { deadLetterTargetArn?: string; maxReceiveCount?: unknown }
      | undefined;
    const dlq = declared.find((x) => x.arn === policy?.deadLetterTargetArn);
    const queue = new LocalQueue({
      name: d.name,
      arn: d.arn,
      visibilityTimeoutSeconds: visibilityOverride ?? Number(d.props.VisibilityTimeout ?? 30),
      ...(dlq && depth < 5
        ? {
            redrive: {
              deadLetter: build(dlq, depth + 1),
              maxReceiveCount: Number(policy?.maxReceiveCount ?? 10),
            },
          }
        : {}),
    });
    queues.set(d.arn, queue);
    return queue;
  };
  for (const d of declared) build(d, 0);
  return queues;
}

/** `AWS::Events::Rule`s of a service (default bus) with their target ARNs. */
function eventRulesOf(svc: ResolvedService): EventRule[] {
  const rules: EventRule[] = [];
  for (const [id, raw] of Object.entries(resourcesOf(svc))) {
    const r = raw as { Type?: string; Properties?: Record<string, unknown> };
    if (r.Type !== 'AWS::Events::Rule') continue;
    const props = resolveIntrinsics(svc, r.Properties ?? {}) as Record<string, unknown>;
    if (props.State === 'DISABLED' || !props.EventPattern) continue;
    const targets = (props.Targets ?? []) as { Arn?: unknown }[];
    rules.push({
      name: `${svc.service}.${id}`,
      pattern: props.EventPattern,
      targetArns: targets.map((t) => String(t.Arn ?? '')),
    });
  }
  return rules;
}

function eventKinds(svc: ResolvedService, key: string): string {
  const fn = (svc.doc.functions as Record<string, { events?: Record<string, unknown>[] }>)[key];
  return (fn?.events ?? []).map((e) => Object.keys(e)[0]).join(', ') || 'none';
}
