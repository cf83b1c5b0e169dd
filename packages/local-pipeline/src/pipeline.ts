import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import {
  connectLocalAws,
  type FaultProxy,
  type LocalAwsConnection,
  registeredServices,
  type ServiceName,
  spawnDynalite,
  startFaultProxy,
} from '@streamlens/local-aws';
import { CapacityMeter, meterServices } from './capacity-report.js';
import { functionsOf, localTableEngineOf, physicalName, resourcesOf } from './config/functions.js';
import { loadService, type ResolvedService } from './config/serverless.js';
import { type KafkaIngest, startKafkaIngest, withoutLake } from './esm/kafka-ingest.js';
import type { ShardReadLimiter } from './esm/read-limits.js';
import type { NdjsonFailureSink } from './esm/records.js';
import type { SharedShardSource } from './esm/source.js';
import { feedWorkerEntry } from './feed.js';
import type { FirehoseEmulator } from './firehose/delivery.js';
import { bundleHandler } from './runtime/container.js';
import type { BucketNotifier, LocalEventBus } from './sqs/eventbridge.js';
import type { LocalQueue } from './sqs/queue.js';
import type { WarehouseTarget } from './sqs/warehouse.js';
import { type StandIns, startStandIns } from './standins.js';
import {
  createRouting,
  logWiring,
  migrateWarehouse,
  type StreamSpec,
  startSources,
  type WiredFunction,
  type WiringOptions,
  wireFirehoses,
  wireFunctions,
} from './wiring.js';

export { type StandIns, startStandIns } from './standins.js';
export { DEFAULT_POLL_INTERVAL_MS, type WiredFunction } from './wiring.js';

/** Options of a local pipeline run. */
export interface PipelineOptions extends WiringOptions {
  /** Repository root (holds services/). */
  readonly root: string;
  readonly stage?: string;
  readonly region?: string;
  /** Service params, as compose would pass them (`--param k=v`); local defaults below. */
  readonly params?: Readonly<Record<string, string>>;
  /** Run folder (on-failure records, bundles, summary). */
  readonly runDir: string;
  /** Stand-ins to start (default: every registered one). */
  readonly services?: readonly ServiceName[];
  readonly log?: (line: string) => void;
  /** Bundle cache (default node_modules/.cache/streamlens-local-pipeline/bundles under root). */
  readonly bundleCacheDir?: string;
  /**
   * Every table on DynamoDB Local, ignoring the services' `custom.localPipeline.dynamodb: dynalite`
   * (`--single-dynamodb`).
   */
  readonly singleDynamoDb?: boolean;
  /**
   * Route each service's DynamoDB calls through the capacity meter (`--capacity`): consumed read
   * and write units per service and the hottest partition key. Off by default: the meter parses
   * every request and answer on the harness's main thread (measured: that thread's CPU per event
   * doubled), which would weigh on the throughput and CPU figures of the same run.
   */
  readonly meterCapacity?: boolean;
  /** Where the events travel: the Kinesis events stream (default) or a Kafka topic (`--ingest`). */
  readonly ingest?: 'kinesis' | 'kafka';
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
  // The windows check and the alert-quality warm-up read the aggregator's window table, a query
  // store that deployments leave off by default.
  aggregatorWindowTable: 'on',
  // The stand-ins are the search domain and the warehouse, which a deploy creates only on request
  // (createDomain, createWarehouse): their consumers run here as they would with them.
  opensearchIndexerEnabled: 'true',
  warehouseLoaderEnabled: 'true',
};

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
  /** With `meterCapacity`, every function's DynamoDB calls go through it: units per service. */
  readonly capacity: CapacityMeter | undefined;
  /** What is not wired (and why), for the reconciliation. */
  readonly notWired: string[];
  /** Where the alerts topic's `file` subscription writes (when the SNS stand-in runs). */
  readonly alertsFile: string;
  /** Params given to every service. */
  readonly params: Readonly<Record<string, string>>;
  /** Where the mappings and Firehose read shards: one GetRecords per shard for all of them. */
  readonly shardSource: SharedShardSource;
  /** Kinesis' read limits as the readers felt them (`readLimiter.throttled`: refused reads). */
  readonly readLimiter: ShardReadLimiter;
  /** The feed worker's bundle (`feedInWorker`), built with the handlers. */
  readonly feedWorkerBundle: string;
  /** Tables on dynalite instead of DynamoDB Local, when a service asks for it. */
  readonly dynaliteHost?: DynaliteTableHost;
  /** With `ingest: 'kafka'`, the topic the feed writes and the events consumers read. */
  readonly kafka?: KafkaIngest;
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

type PipelineConfig = ReturnType<typeof loadConfig>;

/** What every stage of a start shares: the options with their defaults, and what to undo. */
interface StartContext {
  readonly options: PipelineOptions;
  readonly log: (line: string) => void;
  readonly region: string;
  readonly bundleDir: string;
  readonly config: PipelineConfig;
  /** What is not wired (and why): each stage adds to it, the reconciliation prints it. */
  readonly notWired: string[];
  /** Run on stop and on a failed start, before the stand-ins stop (a dynalite host, ...). */
  readonly cleanups: (() => Promise<void>)[];
}

/**
 * Start the stand-ins, create what the services declare, and wire every function to its event
 * sources as its serverless.yml says. Traffic is fed separately (see `feed.ts`).
 *
 * The stages, in order: bundling (in the background), stand-ins, storage (streams, tables,
 * bucket, topic), chaos proxies, routing (queues, rules), functions, Firehose, warehouse DDL,
 * warm-up, sources started; `runningPipeline` then holds drain and stop. A new stage goes
 * between two of them and, when it owns something to stop, pushes it on `ctx.cleanups`.
 */
export async function startPipeline(options: PipelineOptions): Promise<Pipeline> {
  const stage = options.stage ?? 'local';
  const region = options.region ?? 'us-east-1';
  mkdirSync(options.runDir, { recursive: true });
  const ctx: StartContext = {
    options,
    log: options.log ?? ((line: string) => process.stderr.write(`${line}\n`)),
    region,
    bundleDir:
      options.bundleCacheDir ??
      join(options.root, 'node_modules', '.cache', 'streamlens-local-pipeline', 'bundles'),
    config: loadConfig(options, stage, region),
    notWired: [],
    cleanups: [],
  };
  // Bundling (esbuild, or the content-hash cache) runs while the stand-ins start: neither needs
  // the other, and DynamoDB Local's JVM takes seconds.
  const bundles = bundleFunctions(ctx);
  const aws = await startStandIns(
    // The Kafka broker is a JVM of its own that only a Kafka ingest needs.
    options.services ??
      registeredServices().filter((name) => name !== 'kafka' || options.ingest === 'kafka'),
    region,
    (m) => ctx.notWired.push(m),
    options.runDir,
  );
  try {
    const { services, lakeBucket } = ctx.config;
    const storage = await createStorage(ctx, aws);
    const eventsSpec = storage.streams.find((st) => st.name === ctx.config.eventsStream);
    const kafka =
      options.ingest === 'kafka' && eventsSpec
        ? await startKafkaIngest(aws, eventsSpec, options.runDir)
        : undefined;
    const chaos = await startChaosProxies(ctx, aws, storage.dynaliteHost);
    const capacity = options.meterCapacity ? new CapacityMeter() : undefined;
    if (capacity) ctx.cleanups.push(() => capacity.close());
    const dynamoDbEndpoints = capacity
      ? await meterServices(capacity, services, chaos, storage)
      : new Map<string, string>();
    const routing = createRouting(
      services,
      aws,
      lakeBucket,
      region,
      options.queueVisibilitySeconds,
    );
    const wiring = wireFunctions(
      {
        services,
        aws,
        streams: storage.streams,
        routing,
        functionEnv: chaos.functionEnv,
        ...(chaos.dynaliteFunctionEndpoint
          ? { dynaliteFunctionEndpoint: chaos.dynaliteFunctionEndpoint }
          : {}),
        dynaliteServices: storage.dynaliteServices,
        dynamoDbEndpoints,
        bundleDir: ctx.bundleDir,
        runDir: options.runDir,
        region,
        notWired: ctx.notWired,
        ...(kafka ? { kafka } : {}),
      },
      options,
    );
    const allFirehoses = wireFirehoses(
      services,
      aws,
      wiring,
      region,
      ctx.notWired,
      ctx.log,
      options,
    );
    const firehoses = kafka
      ? withoutLake(kafka, allFirehoses, wiring.functions, ctx.notWired)
      : allFirehoses;
    logWiring(
      wiring.functions,
      routing.rules,
      ctx.log,
      options.queueVisibilitySeconds !== undefined,
    );
    const warehouse = await migrateWarehouse(wiring.functions, services, aws, ctx.notWired);
    await warmFunctions(ctx, bundles.all, wiring.functions);
    await startSources(wiring.functions, firehoses, routing.lakeNotifier);
    writeEnvFile(ctx, aws, storage.dynaliteHost);
    return runningPipeline(ctx, {
      aws,
      storage,
      proxies: chaos.proxies,
      capacity,
      functions: wiring.functions,
      firehoses,
      failures: wiring.failures,
      source: wiring.source,
      readLimiter: wiring.readLimiter,
      queues: routing.queues,
      ...(routing.lakeNotifier ? { lakeNotifier: routing.lakeNotifier } : {}),
      ...(routing.eventBus ? { eventBus: routing.eventBus } : {}),
      ...(warehouse ? { warehouse } : {}),
      ...(kafka ? { kafka } : {}),
      feedWorkerBundle: await bundles.feed,
    });
  } catch (error) {
    await Promise.allSettled(ctx.cleanups.map((cleanup) => cleanup()));
    await aws.stop().catch(() => undefined);
    throw error;
  }
}

/** Stage: bundle the feed worker and every handler; `all` resolves to the ms it took. */
function bundleFunctions(ctx: StartContext): {
  feed: Promise<string>;
  all: Promise<number | Error>;
} {
  const t0 = Date.now();
  const feed = bundleHandler(feedWorkerEntry(), ctx.bundleDir);
  const all = Promise.all([
    feed,
    ...ctx.config.services
      .flatMap((svc) => functionsOf(svc))
      .map((d) => bundleHandler(d.entry, ctx.bundleDir)),
  ]).then(
    () => Date.now() - t0,
    (error: unknown) => error as Error,
  );
  return { feed, all };
}

/** Streams, tables (on DynamoDB Local or a dynalite host), the lake bucket, the alerts topic. */
interface Storage {
  readonly streams: readonly StreamSpec[];
  readonly dynaliteServices: ReadonlySet<string>;
  readonly dynaliteHost?: DynaliteTableHost;
  readonly dynaliteConnection?: LocalAwsConnection;
  readonly alertsFile: string;
}

/** Stage: create the streams (shard counts from the resources service's params) and the rest. */
async function createStorage(ctx: StartContext, aws: StandIns): Promise<Storage> {
  const { options, config } = ctx;
  const { resources, eventsStream, aggregatesStream, lakeBucket, alertsTopic, services } = config;
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
  let dynaliteConnection: LocalAwsConnection | undefined;
  let dynaliteHost: DynaliteTableHost | undefined;
  if (aws.endpoints.dynamodb && dynaliteTables.length > 0) {
    const dynalite = await spawnDynalite();
    ctx.cleanups.push(() => dynalite.stop());
    dynaliteConnection = connectLocalAws({
      ...aws.env,
      AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
    });
    const connection = dynaliteConnection;
    ctx.cleanups.push(async () => connection.close());
    await connection.createResources({ tables: dynaliteTables });
    dynaliteHost = {
      endpoint: dynalite.endpoint,
      tables: dynaliteTables.map((t) => t.TableName ?? ''),
      services: [...dynaliteServices],
    };
    ctx.log(
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
  } else ctx.notWired.push('SNS stand-in not registered: alerts topic not created');
  await aws.createResources(spec as Parameters<StandIns['createResources']>[0]);
  return {
    streams,
    dynaliteServices,
    alertsFile,
    ...(dynaliteHost ? { dynaliteHost } : {}),
    ...(dynaliteConnection ? { dynaliteConnection } : {}),
  };
}

/**
 * Stage (--chaos): the functions talk to DynamoDB and S3 through fault proxies (throttling,
 * partial writes); without --chaos, straight to the stand-ins.
 */
async function startChaosProxies(
  ctx: StartContext,
  aws: StandIns,
  dynaliteHost: DynaliteTableHost | undefined,
): Promise<{
  proxies: FaultProxy[];
  functionEnv: Record<string, string>;
  dynaliteFunctionEndpoint: string | undefined;
}> {
  const proxies: FaultProxy[] = [];
  const functionEnv: Record<string, string> = { ...aws.env };
  let dynaliteFunctionEndpoint = dynaliteHost?.endpoint;
  if (ctx.options.chaos) {
    const seed = ctx.options.seed ?? 1;
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
  return { proxies, functionEnv, dynaliteFunctionEndpoint };
}

/** Stage: wait for the bundles, then run every function's init phase before traffic. */
async function warmFunctions(
  ctx: StartContext,
  bundling: Promise<number | Error>,
  functions: readonly WiredFunction[],
): Promise<void> {
  const bundled = await bundling;
  if (bundled instanceof Error) throw bundled;
  const t1 = Date.now();
  await Promise.all(functions.map((fn) => fn.container.warm()));
  ctx.log(
    `${functions.length} functions bundled in ${bundled} ms (cache ${ctx.bundleDir}, alongside the stand-ins), loaded in ${Date.now() - t1} ms`,
  );
}

/** Stage: `env.sh` in the run folder, for a shell that wants to look at the stand-ins. */
function writeEnvFile(
  ctx: StartContext,
  aws: StandIns,
  dynaliteHost: DynaliteTableHost | undefined,
): void {
  const envFile = [
    ...envLines(aws.env),
    ...(dynaliteHost
      ? [
          `# ${dynaliteHost.tables.join(', ')} (${dynaliteHost.services.join(', ')}) live on dynalite: AWS_ENDPOINT_URL_DYNAMODB=${dynaliteHost.endpoint}`,
        ]
      : []),
  ];
  writeFileSync(join(ctx.options.runDir, 'env.sh'), `${envFile.join('\n')}\n`);
}

/** Everything the stages built, for the running pipeline. */
type Started = Pick<
  Pipeline,
  | 'aws'
  | 'proxies'
  | 'capacity'
  | 'functions'
  | 'firehoses'
  | 'failures'
  | 'queues'
  | 'lakeNotifier'
  | 'eventBus'
  | 'warehouse'
  | 'kafka'
  | 'feedWorkerBundle'
  | 'readLimiter'
> & { readonly storage: Storage; readonly source: SharedShardSource };

/** The started pipeline: what the run reads, and how it drains and stops (shutdown stage). */
function runningPipeline(ctx: StartContext, s: Started): Pipeline {
  const { aws, functions, firehoses, lakeNotifier, proxies } = s;
  const { eventsStream } = ctx.config;
  const host = s.storage.dynaliteHost;
  const hostConnection = s.storage.dynaliteConnection;
  const eventsConsumers = () =>
    functions.flatMap((f) => f.mappings.filter((m) => m.settings.streamName === eventsStream));
  const otherConsumers = () =>
    functions.flatMap((f) => f.mappings).filter((m) => !eventsConsumers().includes(m));
  return {
    aws,
    services: ctx.config.services,
    functions,
    firehoses,
    failures: s.failures,
    eventsStream,
    aggregatesStream: ctx.config.aggregatesStream,
    lakeBucket: ctx.config.lakeBucket,
    queues: s.queues,
    ...(lakeNotifier ? { lakeNotifier } : {}),
    ...(s.eventBus ? { eventBus: s.eventBus } : {}),
    ...(s.warehouse ? { warehouse: s.warehouse } : {}),
    ...(s.kafka ? { kafka: s.kafka } : {}),
    proxies,
    capacity: s.capacity,
    notWired: ctx.notWired,
    alertsFile: s.storage.alertsFile,
    params: ctx.config.params,
    shardSource: s.source,
    readLimiter: s.readLimiter,
    feedWorkerBundle: s.feedWorkerBundle,
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
      await Promise.allSettled(ctx.cleanups.map((cleanup) => cleanup()));
      await aws.stop();
    },
  };
}

/** `export NAME=value` lines for the stand-ins' environment. */
export function envLines(env: Readonly<Record<string, string>>): string[] {
  return Object.entries(env).map(([k, v]) => `export ${k}=${v}`);
}
