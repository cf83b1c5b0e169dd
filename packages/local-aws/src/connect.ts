import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { createClients } from './clients.js';
import { ResourceError, ServiceUnavailableError } from './errors.js';
import {
  getObjects,
  listObjectKeys,
  readStream,
  type StoredObject,
  type StreamRecord,
  scanTable,
} from './inspect.js';
import { loadPlugin, registry } from './registry.js';
import {
  type CreatedResources,
  ENDPOINT_ENV,
  type LocalAwsClients,
  type ResourceSpec,
  SERVICE_NAMES,
  type ServiceName,
} from './types.js';

/** The stand-ins as seen from any process that has their env (a test worker, a script). */
export interface LocalAwsConnection {
  /** Endpoint per running stand-in. */
  readonly endpoints: Partial<Record<ServiceName, string>>;
  /** AWS_ENDPOINT_URL_*, OPENSEARCH_ENDPOINT, region and dummy credentials. */
  readonly env: Readonly<Record<string, string>>;
  /** Real SDK v3 clients for the stand-ins, built on first use and shared by this connection. */
  clients(): LocalAwsClients;
  /** Create streams, tables, buckets (and plug-in resources), waiting until they are ACTIVE. */
  createResources(spec: ResourceSpec): Promise<CreatedResources>;
  /** Every record of a stream, all shards from TRIM_HORIZON. */
  readStream(streamName: string): Promise<StreamRecord[]>;
  /** Every key of a bucket (optionally under a prefix). */
  listObjectKeys(bucket: string, prefix?: string): Promise<string[]>;
  /** Every object of a bucket with its bytes. */
  getObjects(bucket: string, prefix?: string): Promise<StoredObject[]>;
  /** Every item of a table (raw attribute maps). */
  scanTable(tableName: string): Promise<Record<string, AttributeValue>[]>;
  /** Destroy the clients (close keep-alive sockets). */
  close(): void;
}

/** Stand-in variables found in an environment: endpoints and the base AWS ones. */
export function localAwsEnvFrom(
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const keys = [
    ...Object.values(ENDPOINT_ENV),
    'AWS_ENDPOINT_URL_DYNAMODB_STREAMS',
    'AWS_REGION',
    'AWS_DEFAULT_REGION',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_EC2_METADATA_DISABLED',
    'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
  ];
  const out: Record<string, string> = {};
  for (const key of keys) {
    const value = env[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/**
 * Create the resources of `spec` on the stand-ins named in `env`, through each plug-in's
 * `createResources`. Idempotent: what already exists is kept. Rejects unknown spec keys.
 */
export async function createResources(
  spec: ResourceSpec,
  env: Readonly<Record<string, string | undefined>> = process.env,
  clients: LocalAwsClients = createClients(env),
): Promise<CreatedResources> {
  const localEnv = localAwsEnvFrom(env);
  const wanted = Object.entries(spec).filter(([, value]) =>
    Array.isArray(value) ? value.length > 0 : value !== undefined,
  );
  const byKey = new Map<string, ServiceName>();
  // One plug-in module at a time: concurrent first imports of modules that share dependencies
  // race in Jest's ESM loader ("request for 'node:child_process' is not in cache"), and the
  // modules are cached after the first call, so the order costs nothing later.
  const plugins: Awaited<ReturnType<typeof loadPlugin>>[] = [];
  for (const name of Object.keys(registry) as ServiceName[]) plugins.push(await loadPlugin(name));
  for (const plugin of plugins) {
    for (const key of plugin?.resourceKeys ?? []) if (plugin) byKey.set(key, plugin.name);
  }
  const services = new Set<ServiceName>();
  for (const [key] of wanted) {
    const service = byKey.get(key);
    if (!service) {
      throw new ResourceError(
        `no registered stand-in creates "${key}" (known: ${[...byKey.keys()].join(', ')})`,
      );
    }
    if (!localEnv[ENDPOINT_ENV[service]]) {
      throw new ServiceUnavailableError(
        `"${key}" needs the ${service} stand-in, but ${ENDPOINT_ENV[service]} is not set`,
      );
    }
    services.add(service);
  }
  const ctx = { env: localEnv, region: localEnv.AWS_REGION ?? 'us-east-1', clients };
  const results = await Promise.all(
    plugins
      .filter((plugin) => plugin && services.has(plugin.name))
      .map((plugin) => plugin?.createResources?.(spec, ctx) ?? Promise.resolve({})),
  );
  return Object.assign({}, ...results) as CreatedResources;
}

/**
 * Connect to stand-ins already running, from their env (default `process.env`): what a test worker
 * does after the integration global setup started them.
 * @example
 * const aws = connectLocalAws();
 * await aws.createResources({ streams: [{ name: `events-${randomUUID()}`, shardCount: 2 }] });
 */
export function connectLocalAws(
  env: Readonly<Record<string, string | undefined>> = process.env,
): LocalAwsConnection {
  const localEnv = localAwsEnvFrom(env);
  const endpoints: Partial<Record<ServiceName, string>> = {};
  for (const name of SERVICE_NAMES) {
    const endpoint = localEnv[ENDPOINT_ENV[name]];
    if (endpoint) endpoints[name] = endpoint;
  }
  let clients: LocalAwsClients | undefined;
  const getClients = () => {
    clients ??= createClients(localEnv);
    return clients;
  };
  return {
    endpoints,
    env: localEnv,
    clients: getClients,
    createResources: (spec) => createResources(spec, localEnv, getClients()),
    readStream: (streamName) => readStream(getClients().kinesis, streamName),
    listObjectKeys: (bucket, prefix) => listObjectKeys(getClients().s3, bucket, prefix),
    getObjects: (bucket, prefix) => getObjects(getClients().s3, bucket, prefix),
    scanTable: (tableName) => scanTable(getClients().dynamodb, tableName),
    close() {
      clients?.destroy();
      clients = undefined;
    },
  };
}
