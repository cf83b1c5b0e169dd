import type { CreateTableCommandInput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';

/** Every stand-in streamlens knows of; each is provided by a plug-in registered in `registry.ts`. */
export const SERVICE_NAMES = [
  'kinesis',
  'dynamodb',
  's3',
  'sns',
  'opensearch',
  'redshift',
  'kafka',
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** The environment variable that carries each stand-in's endpoint (what the SDK / our code reads). */
export const ENDPOINT_ENV = {
  kinesis: 'AWS_ENDPOINT_URL_KINESIS',
  dynamodb: 'AWS_ENDPOINT_URL_DYNAMODB',
  s3: 'AWS_ENDPOINT_URL_S3',
  sns: 'AWS_ENDPOINT_URL_SNS',
  opensearch: 'OPENSEARCH_ENDPOINT',
  redshift: 'AWS_ENDPOINT_URL_REDSHIFT_DATA',
  /** `127.0.0.1:<port>`: Kafka's bootstrap servers, not a URL. */
  kafka: 'KAFKA_BOOTSTRAP_SERVERS',
} as const satisfies Record<ServiceName, string>;

/** What the core hands a plug-in's `start`. */
export interface StandInContext {
  readonly name: ServiceName;
  /** A fresh folder for this stand-in's data; the core removes it on stop (unless the caller gave `dataDir`). */
  readonly dataDir: string;
  /**
   * The run's folder: the only place a stand-in writes files for its caller (SNS `file`
   * subscriptions). `runDir` of `startLocalAws`, else the stand-ins' data root; a context built
   * elsewhere may leave it out, and then the stand-in's own `dataDir` is the run's folder.
   */
  readonly runDir?: string;
  readonly region: string;
  /** Env of the stand-ins this one `dependsOn` (already started), plus the base AWS env. */
  readonly env: Readonly<Record<string, string>>;
  /** Log a line prefixed with the service name (stderr; silent with `quiet`). */
  log(message: string): void;
}

/**
 * Notifications a stand-in emits as they happen (S3: the S3 event record of every object write
 * and delete, `{ Records: [...] }` as S3 sends to its notification targets).
 */
export interface StandInEvents {
  /** Listen to every event from now on; returns the function that stops listening. */
  subscribe(listener: (event: unknown) => void): () => void;
  /** Resolves once every event emitted before this call has reached the listeners. */
  flush(): Promise<void>;
}

/** A started stand-in. */
export interface RunningStandIn {
  /** Its notifications, when it emits any (S3: object events). */
  readonly events?: StandInEvents;
  /** Base URL, e.g. `http://127.0.0.1:43121`. */
  readonly endpoint: string;
  /** Variables to export, at least the service's `ENDPOINT_ENV` entry. */
  readonly env: Readonly<Record<string, string>>;
  /** Free everything: close servers, kill child processes. Must be idempotent. */
  stop(): Promise<void>;
  /** Free-form facts worth reporting (engine, pid, ...). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** What the core hands a plug-in's `createResources` (works from a test worker, from env alone). */
export interface ResourceContext {
  readonly env: Readonly<Record<string, string>>;
  readonly region: string;
  readonly clients: LocalAwsClients;
}

/**
 * A stand-in plug-in. Add one in `src/<name>/index.ts` and one line in `src/registry.ts`.
 * @example
 * export const snsPlugin: StandInPlugin = {
 *   name: 'sns',
 *   resourceKeys: ['topics'],
 *   async start(ctx) { const server = await startSnsServer(); return { endpoint, env: { AWS_ENDPOINT_URL_SNS: endpoint }, stop } },
 *   async createResources(spec, ctx) { ...; return { topics: { alerts: arn } } },
 * };
 */
export interface StandInPlugin {
  readonly name: ServiceName;
  /** Plug-ins started first, whose env this one receives in `ctx.env`. */
  readonly dependsOn?: readonly ServiceName[];
  /** Keys of `ResourceSpec` this plug-in creates (e.g. `['topics']`). */
  readonly resourceKeys?: readonly (keyof ResourceSpec & string)[];
  start(ctx: StandInContext): Promise<RunningStandIn>;
  /** Create this plug-in's part of a spec; return name → ARN/identifier per resource key. */
  createResources?(
    spec: ResourceSpec,
    ctx: ResourceContext,
  ): Promise<Record<string, Record<string, string>>>;
}

/** A Kinesis data stream to create (PROVISIONED, ACTIVE before `createResources` resolves). */
export interface StreamSpec {
  readonly name: string;
  readonly shardCount?: number;
}

/**
 * Declarative description of resources. Plug-ins add their own keys through module augmentation:
 * `declare module '../types.js' { interface ResourceSpec { topics?: TopicSpec[] } }`.
 */
export interface ResourceSpec {
  streams?: readonly StreamSpec[];
  tables?: readonly CreateTableCommandInput[];
  buckets?: readonly string[];
}

/** Identifiers of what was created: resource key → name → ARN. */
export type CreatedResources = Record<string, Record<string, string>>;

/** Real AWS SDK v3 clients pointed at the stand-ins (built on first use). */
export interface LocalAwsClients {
  readonly kinesis: KinesisClient;
  readonly dynamodb: DynamoDBClient;
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly redshiftData: RedshiftDataClient;
  /** Destroy every client built so far (closes keep-alive sockets). */
  destroy(): void;
}
