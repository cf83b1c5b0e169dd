import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import {
  connectLocalAws,
  type FaultProxy,
  type LocalAws,
  type LocalAwsConnection,
  registeredServices,
  type ServiceName,
  spawnDynalite,
  startFaultProxy,
  startLocalAws,
} from '@streamlens/local-aws';
import {
  type FunctionDefinition,
  functionsOf,
  localTableEngineOf,
  physicalName,
  resolveIntrinsics,
  resourceArn,
  resourcesOf,
} from './config/functions.js';
import { loadService, type ResolvedService } from './config/serverless.js';
import { EventSourceMapping } from './esm/mapping.js';
import { localJsonShardReader } from './esm/reader.js';
import { NdjsonFailureSink } from './esm/records.js';
import { SharedShardSource } from './esm/source.js';
import { feedWorkerEntry } from './feed.js';
import { deliveryStreamsOf } from './firehose/config.js';
import { FirehoseEmulator } from './firehose/delivery.js';
import { bundleHandler } from './runtime/container.js';
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

/** Options of a local pipeline run. */

/** How often an event source mapping polls an idle shard in `pnpm start` (ms; Lambda: ~1 s). */
export const DEFAULT_POLL_INTERVAL_MS = 250;
export interface PipelineOptions {
  /** Repository root (holds services/). */
  readonly root: string;
  readonly stage?: string;
  readonly region?: string;
  /** Service params, as compose would pass them (`--param k=v`); local defaults below. */
  readonly params?: Readonly<Record<string, string>>;
  /** Run folder (on-failure records, bundles, summary). */
  readonly runDir: string;
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
  /** Stand-ins to start (default: every registered one). */
  readonly services?: readonly ServiceName[];
  readonly log?: (line: string) => void;
  /** Local override of the SQS queues' VisibilityTimeout (seconds); the yml's value when absent. */
  readonly queueVisibilitySeconds?: number;
  /** Bundle cache (default node_modules/.cache/streamlens-local-pipeline/bundles under root). */
  readonly bundleCacheDir?: string;
  /**
   * Every table on DynamoDB Local, ignoring the services' `custom.localPipeline.dynamodb: dynalite`
   * (`--single-dynamodb`).
   */
  readonly singleDynamoDb?: boolean;
}

/** Tables hosted on a dynalite process of their own (`custom.localPipeline.dynamodb`). */
export interface DynaliteTableHost {
  readonly endpoint: string;
  readonly tables: readonly string[];
  /** Services whose functions talk to this endpoint instead of DynamoDB Local. */
  readonly services: readonly string[];
}

/**
 * Local params: shorter windows than the deployed defaults so that a run of a minute closes
 * windows (each is printed at start and can be overridden with --param).
 */
export const LOCAL_PARAM_DEFAULTS: Readonly<Record<string, string>> = {
  windowSeconds: '10',
  allowedLatenessSeconds: '5',
  // The detector's minimum (anomaly-alerts README): first scores at window 11.
  detectorWarmupPoints: '10',
};

/** A wired function: its definition, container and event sources. */
export interface WiredFunction {
  readonly definition: FunctionDefinition;
  /** The function's containers (one per concurrent invocation, as Lambda keeps them). */
  readonly container: FunctionPool;
  readonly mappings: EventSourceMapping[];
  readonly sqsMappings: SqsEventSourceMapping[];
  /** EventBridge schedule rules that invoke the function. */
  readonly schedules: ScheduleEmitter[];
}

/** Stand-ins started for a run: one connection over all of them. */
export interface StandIns extends LocalAwsConnection {
  readonly timings: Record<string, number>;
  /** A started stand-in's notifications (S3: object events), when it emits any. */
  events(service: ServiceName): ReturnType<LocalAws['events']>;
  stop(): Promise<void>;
}

const CORE_SERVICES: readonly ServiceName[] = ['kinesis', 'dynamodb', 's3'];

/**
 * Start the core stand-ins (Kinesis, DynamoDB, S3: a failure is fatal) and every other wanted
 * one on its own, so that one optional stand-in that fails to start (SNS, OpenSearch, Redshift)
 * is reported and skipped instead of stopping the run.
 */
export async function startStandIns(
  wanted: readonly ServiceName[],
  region: string,
  onSkip: (message: string) => void,
  runDir?: string,
): Promise<StandIns> {
  const started: LocalAws[] = [];
  const stopAll = async () => {
    await Promise.allSettled(started.map((s) => s.stop()));
  };
  try {
    const coreNames = CORE_SERVICES.filter((s) => wanted.includes(s));
    const core = await startLocalAws({ services: coreNames, region, quiet: true });
    started.push(core);
    // Optional stand-ins get the core ones' env (the Redshift stand-in's COPY reads the lake's
    // S3 stand-in, not a second one of its own).
    const running = Object.fromEntries(coreNames.map((name) => [name, core.env]));
    const optional = wanted.filter((s) => !CORE_SERVICES.includes(s));
    const results = await Promise.allSettled(
      // runDir: the SNS stand-in's `file` subscriptions (alerts.ndjson) may write only there.
      optional.map((name) =>
        startLocalAws({
          services: [name],
          region,
          quiet: true,
          running,
          ...(runDir ? { runDir } : {}),
        }),
      ),
    );
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') started.push(result.value);
      else {
        const cause = (result.reason as { cause?: unknown })?.cause ?? result.reason;
        onSkip(
          `${optional[i]} stand-in failed to start (${String((cause as Error)?.message ?? cause)})`,
        );
      }
    });
  } catch (error) {
    await stopAll();
    throw error;
  }
  // Core env last: an optional stand-in's env must not replace a core endpoint.
  const env: Record<string, string> = Object.assign(
    {},
    ...started.slice(1).map((s) => s.env),
    started[0]?.env,
  );
  const timings: Record<string, number> = Object.assign({}, ...started.map((s) => s.timings));
  const connection = connectLocalAws(env);
  return {
    ...connection,
    timings,
    events: (service) => {
      for (const s of started) {
        const events = s.events(service);
        if (events) return events;
      }
      return undefined;
    },
    async stop() {
      connection.close();
      await stopAll();
    },
  };
}

/** A running local pipeline. */
export interface Pipeline {
  readonly aws: StandIns;
  readonly services: ResolvedService[];
  readonly functions: WiredFunction[];
  readonly firehoses: FirehoseEmulator[];
  readonly failures: NdjsonFailureSink;
  readonly eventsStream: string;
  readonly aggregatesStream: string;
  readonly lakeBucket: string;
  /** Every `AWS::SQS::Queue` of the services, by ARN (in-process SQS). */
  readonly queues: ReadonlyMap<string, LocalQueue>;
  /** S3 → EventBridge for the lake bucket (when a rule wants its events). */
  readonly lakeNotifier?: BucketNotifier;
  readonly eventBus?: LocalEventBus;
  /** Warehouse statements (Data API) when a function loads one; tables it reconciles. */
  readonly warehouse?: { readonly target: WarehouseTarget };
  /** Function environments point at these when --chaos is on. */
  readonly proxies: FaultProxy[];
  /** What is not wired (and why), for the reconciliation. */
  readonly notWired: string[];
  /** Where the alerts topic's `file` subscription writes (when the SNS stand-in runs). */
  readonly alertsFile: string;
  /** Params given to every service. */
  readonly params: Readonly<Record<string, string>>;
  /** Where the mappings and Firehose read shards: one GetRecords per shard for all of them. */
  readonly shardSource: SharedShardSource;
  /** The feed worker's bundle (`feedInWorker`), built with the handlers. */
  readonly feedWorkerBundle: string;
  /** Tables on dynalite instead of DynamoDB Local, when a service asks for it. */
  readonly dynaliteHost?: DynaliteTableHost;
  /** Every item of a table, from whichever stand-in hosts it. */
  scanTable(tableName: string): ReturnType<StandIns['scanTable']>;
  /** Drain every source: events consumers and Firehose first, then downstream streams. */
  drain(timeoutMs: number): Promise<boolean>;
  stop(): Promise<void>;
}

const FUNCTION_SERVICES_EXCLUDED = new Set(['resources']);

/** Service folders with a serverless.yml. */
export function serviceDirs(root: string): string[] {
  const base = join(root, 'services');
  return readdirSync(base)
    .filter((name) => existsSync(join(base, name, 'serverless.yml')))
    .sort()
    .map((name) => join(base, name));
}

function tableInput(props: Record<string, unknown>): CreateTableCommandInput {
  const keep = [
    'TableName',
    'KeySchema',
    'AttributeDefinitions',
    'GlobalSecondaryIndexes',
    'LocalSecondaryIndexes',
    'StreamSpecification',
  ];
  const input: Record<string, unknown> = { BillingMode: 'PAY_PER_REQUEST' };
  for (const key of keep) if (props[key] !== undefined) input[key] = props[key];
  const gsis = input.GlobalSecondaryIndexes as Record<string, unknown>[] | undefined;
  if (gsis) {
    input.GlobalSecondaryIndexes = gsis.map(
      ({ ContributorInsightsSpecification: _c, ...rest }) => rest,
    );
  }
  return input as unknown as CreateTableCommandInput;
}

/** The services' files resolved with the params compose would hand every consumer. */
function loadConfig(options: PipelineOptions, stage: string, region: string) {
  const resourcesDir = join(options.root, 'services', 'resources');
  const resources = loadService(resourcesDir, { stage, region });
  const rcustom = (resources.doc.custom ?? {}) as Record<string, string>;
  const eventsStream = String(rcustom.eventsStreamName ?? `streamlens-${stage}-events`);
  const aggregatesStream = String(rcustom.aggregatesStreamName ?? `streamlens-${stage}-aggregates`);
  const lakeBucket = `streamlens-${stage}-lake`;
  const alertsTopic = String(rcustom.alertsTopicName ?? `streamlens-${stage}-alerts`);
  const streamArn = (name: string) => `arn:aws:kinesis:${region}:000000000000:stream/${name}`;
  const params: Record<string, string> = {
    eventsStreamName: eventsStream,
    eventsStreamArn: streamArn(eventsStream),
    aggregatesStreamName: aggregatesStream,
    aggregatesStreamArn: streamArn(aggregatesStream),
    lakeBucketName: lakeBucket,
    lakeBucketArn: `arn:aws:s3:::${lakeBucket}`,
    alertsTopicName: alertsTopic,
    alertsTopicArn: `arn:aws:sns:${region}:000000000000:${alertsTopic}`,
    ...LOCAL_PARAM_DEFAULTS,
    ...options.params,
  };
  const services = serviceDirs(options.root)
    .filter((dir) => !FUNCTION_SERVICES_EXCLUDED.has(dir.split('/').pop() ?? ''))
    .map((dir) => loadService(dir, { stage, region, params }));

  return { resources, eventsStream, aggregatesStream, lakeBucket, alertsTopic, params, services };
}

/**
 * Start the stand-ins, create what the services declare, and wire every function to its event
 * sources as its serverless.yml says. Traffic is fed separately (see `feed.ts`).
 */
export async function startPipeline(options: PipelineOptions): Promise<Pipeline> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const stage = options.stage ?? 'local';
  const region = options.region ?? 'us-east-1';
  mkdirSync(options.runDir, { recursive: true });
  const notWired: string[] = [];
  const bundleDir =
    options.bundleCacheDir ??
    join(options.root, 'node_modules', '.cache', 'streamlens-local-pipeline', 'bundles');
  const config = loadConfig(options, stage, region);
  // Bundling (esbuild, or the content-hash cache) runs while the stand-ins start: neither needs
  // the other, and DynamoDB Local's JVM takes seconds.
  const t0 = Date.now();
  const feedBundle = bundleHandler(feedWorkerEntry(), bundleDir);
  const bundling = Promise.all([
    feedBundle,
    ...config.services
      .flatMap((svc) => functionsOf(svc))
      .map((d) => bundleHandler(d.entry, bundleDir)),
  ]).then(
    () => Date.now() - t0,
    (error: unknown) => error as Error,
  );
  const aws = await startStandIns(
    options.services ?? registeredServices(),
    region,
    (m) => notWired.push(m),
    options.runDir,
  );
  // Stopped with the stand-ins (and on a failed start): a dynalite table host and its connection.
  const cleanups: (() => Promise<void>)[] = [];
  let dynaliteConnection: LocalAwsConnection | undefined;
  let dynaliteHost: DynaliteTableHost | undefined;
  try {
    const { resources, eventsStream, aggregatesStream, lakeBucket, alertsTopic, params, services } =
      config;
    // Streams (shard counts from the resources service's params), bucket, topic, tables.
    const rparams = ((resources.doc.params as Record<string, Record<string, unknown>>)?.default ??
      {}) as Record<string, unknown>;
    const streams = [
      { name: eventsStream, shardCount: Number(rparams.eventsShardCount ?? 2) },
      { name: aggregatesStream, shardCount: Number(rparams.aggregatesShardCount ?? 1) },
    ];
    const tables: CreateTableCommandInput[] = [];
    const dynaliteTables: CreateTableCommandInput[] = [];
    const dynaliteServices = new Set<string>();
    for (const svc of services) {
      const onDynalite = !options.singleDynamoDb && localTableEngineOf(svc) === 'dynalite';
      for (const [id, raw] of Object.entries(resourcesOf(svc))) {
        const resource = raw as { Type?: string; Properties?: Record<string, unknown> };
        if (resource.Type === 'AWS::DynamoDB::Table') {
          const input = tableInput({ ...resource.Properties, TableName: physicalName(svc, id) });
          (onDynalite ? dynaliteTables : tables).push(input);
          if (onDynalite) dynaliteServices.add(svc.service);
        }
      }
    }
    if (aws.endpoints.dynamodb && dynaliteTables.length > 0) {
      const dynalite = await spawnDynalite();
      cleanups.push(() => dynalite.stop());
      dynaliteConnection = connectLocalAws({
        ...aws.env,
        AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
      });
      const connection = dynaliteConnection;
      cleanups.push(async () => connection.close());
      await connection.createResources({ tables: dynaliteTables });
      dynaliteHost = {
        endpoint: dynalite.endpoint,
        tables: dynaliteTables.map((t) => t.TableName ?? ''),
        services: [...dynaliteServices],
      };
      log(
        `dynamodb: ${dynaliteHost.tables.join(', ')} on dynalite 4.0.0 in its own process (${dynalite.endpoint}), as ${dynaliteHost.services.join(', ')} asks (custom.localPipeline.dynamodb; --single-dynamodb keeps every table on DynamoDB Local)`,
      );
    }
    const spec: Record<string, unknown> = { streams, buckets: [lakeBucket] };
    if (aws.endpoints.dynamodb && tables.length > 0) spec.tables = tables;
    const alertsFile = join(options.runDir, 'alerts.ndjson');
    if (aws.endpoints.sns) {
      spec.topics = [
        { name: alertsTopic, subscriptions: [{ protocol: 'file', endpoint: alertsFile }] },
      ];
    } else notWired.push('SNS stand-in not registered: alerts topic not created');
    await aws.createResources(spec as Parameters<StandIns['createResources']>[0]);

    // Chaos: the functions talk to DynamoDB and S3 through fault proxies (throttling, partial writes).
    const proxies: FaultProxy[] = [];
    const functionEnv: Record<string, string> = { ...aws.env };
    let dynaliteFunctionEndpoint = dynaliteHost?.endpoint;
    if (options.chaos) {
      const seed = options.seed ?? 1;
      const dynamoDbFaults = (target: string, proxySeed: number) =>
        startFaultProxy({
          target,
          seed: proxySeed,
          rules: [
            { kind: 'batchWriteUnprocessed', operation: 'BatchWriteItem', itemProbability: 0.05 },
            {
              kind: 'error',
              status: 400,
              errorType: 'ProvisionedThroughputExceededException',
              probability: 0.02,
            },
          ],
        });
      if (aws.endpoints.dynamodb) {
        const proxy = await dynamoDbFaults(aws.endpoints.dynamodb, seed);
        proxies.push(proxy);
        functionEnv.AWS_ENDPOINT_URL_DYNAMODB = proxy.endpoint;
      }
      if (dynaliteHost) {
        const proxy = await dynamoDbFaults(dynaliteHost.endpoint, seed + 2);
        proxies.push(proxy);
        dynaliteFunctionEndpoint = proxy.endpoint;
      }
      if (aws.endpoints.s3) {
        const proxy = await startFaultProxy({
          target: aws.endpoints.s3,
          seed: seed + 1,
          rules: [
            {
              kind: 'error',
              operation: 'PutObject',
              status: 503,
              errorType: 'SlowDown',
              probability: 0.05,
            },
          ],
        });
        proxies.push(proxy);
        functionEnv.AWS_ENDPOINT_URL_S3 = proxy.endpoint;
      }
    }

    const firehoseProcessorArns = new Set(
      services.flatMap((svc) => deliveryStreamsOf(svc).map((c) => c.processor?.lambdaArn ?? '')),
    );
    const queues = createQueues(services, options.queueVisibilitySeconds);
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
    const failures = new NdjsonFailureSink(join(options.runDir, 'on-failure'));
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
              ...(dynaliteFunctionEndpoint && dynaliteServices.has(svc.service)
                ? { AWS_ENDPOINT_URL_DYNAMODB: dynaliteFunctionEndpoint }
                : {}),
            },
            workDir: bundleDir,
            ...(options.onFunctionLog
              ? { onLog: (line: string) => options.onFunctionLog?.(definition.key, line) }
              : {}),
            ...(options.chaos ? { crashProbability: 0.1, random } : {}),
          },
          concurrency,
        );
        byArn.set(definition.arn, container);
        const mappings: EventSourceMapping[] = [];
        for (const settings of definition.streams) {
          if (!settings.enabled) continue;
          if (!existingStreams.has(settings.streamName)) {
            notWired.push(`${definition.name}: stream ${settings.streamName} does not exist`);
            continue;
          }
          mappings.push(
            new EventSourceMapping({
              functionName: definition.name,
              functionArn: definition.arn,
              settings,
              invoke: (event) => container.invoke(event),
              kinesis,
              source,
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
          const queue = queues.get(settings.queueArn);
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

    const firehoses: FirehoseEmulator[] = [];
    for (const svc of services) {
      for (const config of deliveryStreamsOf(svc)) {
        const transform = config.processor ? byArn.get(config.processor.lambdaArn) : undefined;
        if (config.processor && !transform) {
          notWired.push(
            `firehose ${config.name}: processor ${config.processor.lambdaArn} not found`,
          );
          continue;
        }
        const emulator = new FirehoseEmulator({
          config,
          ...(transform ? { invoke: (event: unknown) => transform.invoke(event) } : {}),
          kinesis,
          source,
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

    // Bundle every handler before traffic starts (cold starts happen on first invocation).
    for (const fn of functions) {
      for (const m of fn.mappings) {
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
          `λ ${fn.definition.name} ← sqs ${q.name}: batchSize ${s.batchSize}, window ${s.maximumBatchingWindowSeconds} s, ${s.reportBatchItemFailures ? 'ReportBatchItemFailures' : 'whole-batch'}, visibility ${m.queue.visibilityTimeoutMs / 1000} s${options.queueVisibilitySeconds !== undefined ? ' [local override]' : ''}, ${q.redrive ? `redrive to ${q.redrive.deadLetter.name} after ${q.redrive.maxReceiveCount} receives` : 'no DLQ'}`,
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
    // The warehouse a wired SQS consumer loads: its DDL (sql/*.sql of the service) applied first,
    // as `pnpm warehouse migrate` does before a deployment's first load.
    let warehouse: Pipeline['warehouse'];
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
    const bundled = await bundling;
    if (bundled instanceof Error) throw bundled;
    const t1 = Date.now();
    await Promise.all(functions.map((fn) => fn.container.warm()));
    log(
      `${functions.length} functions bundled in ${bundled} ms (cache ${bundleDir}, alongside the stand-ins), loaded in ${Date.now() - t1} ms`,
    );
    for (const fn of functions) await fn.mappings[0]?.start();
    for (const fn of functions) for (const m of fn.mappings.slice(1)) await m.start();
    for (const f of firehoses) await f.start();
    for (const fn of functions) for (const m of fn.sqsMappings) m.start();
    for (const fn of functions) for (const schedule of fn.schedules) schedule.start();
    lakeNotifier?.start();

    const eventsConsumers = () =>
      functions.flatMap((f) => f.mappings.filter((m) => m.settings.streamName === eventsStream));
    const otherConsumers = () =>
      functions.flatMap((f) => f.mappings).filter((m) => !eventsConsumers().includes(m));

    const envFile = [
      ...envLines(aws.env),
      ...(dynaliteHost
        ? [
            `# ${dynaliteHost.tables.join(', ')} (${dynaliteHost.services.join(', ')}) live on dynalite: AWS_ENDPOINT_URL_DYNAMODB=${dynaliteHost.endpoint}`,
          ]
        : []),
    ];
    writeFileSync(join(options.runDir, 'env.sh'), `${envFile.join('\n')}\n`);
    const host = dynaliteHost;
    const hostConnection = dynaliteConnection;
    return {
      aws,
      services,
      functions,
      firehoses,
      failures,
      eventsStream,
      aggregatesStream,
      lakeBucket,
      queues,
      ...(lakeNotifier ? { lakeNotifier } : {}),
      ...(eventBus ? { eventBus } : {}),
      ...(warehouse ? { warehouse } : {}),
      proxies,
      notWired,
      alertsFile,
      params,
      shardSource: source,
      feedWorkerBundle: await feedBundle,
      ...(host ? { dynaliteHost: host } : {}),
      scanTable: (tableName) =>
        (hostConnection && host?.tables.includes(tableName) ? hostConnection : aws).scanTable(
          tableName,
        ),
      async drain(timeoutMs) {
        const deadline = Date.now() + timeoutMs;
        const left = () => Math.max(1000, deadline - Date.now());
        const first = await Promise.all([
          ...eventsConsumers().map((m) => m.drain(left())),
          ...firehoses.map((f) => f.drain(left())),
        ]);
        const second = await Promise.all(otherConsumers().map((m) => m.drain(left())));
        // Every lake object is written by now: the notifier delivers the last ones (flushing the
        // stand-in's events, or one more listing), then the SQS consumers empty their queues.
        await lakeNotifier?.flush().catch(() => undefined);
        const third = await Promise.all(
          functions.flatMap((f) => f.sqsMappings).map((m) => m.drain(left())),
        );
        return [...first, ...second, ...third].every(Boolean);
      },
      async stop() {
        await Promise.allSettled([
          ...functions.flatMap((f) => f.mappings.map((m) => m.stop())),
          ...functions.flatMap((f) => f.sqsMappings.map((m) => m.stop())),
          ...functions.flatMap((f) => f.schedules.map((schedule) => schedule.stop())),
          ...firehoses.map((f) => f.stop()),
          ...(lakeNotifier ? [lakeNotifier.stop()] : []),
        ]);
        await Promise.allSettled(functions.map((f) => f.container.stop()));
        await Promise.allSettled(proxies.map((p) => p.stop()));
        await Promise.allSettled(cleanups.map((cleanup) => cleanup()));
        await aws.stop();
      },
    };
  } catch (error) {
    await Promise.allSettled(cleanups.map((cleanup) => cleanup()));
    await aws.stop().catch(() => undefined);
    throw error;
  }
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

/** `export NAME=value` lines for the stand-ins' environment. */
export function envLines(env: Readonly<Record<string, string>>): string[] {
  return Object.entries(env).map(([k, v]) => `export ${k}=${v}`);
}
