import type { ServiceName, StandInPlugin } from './types.js';

/**
 * The stand-ins `startLocalAws` can start, by service name. A new stand-in lives in
 * `src/<name>/index.ts`, exports a `StandInPlugin`, and is added here with one line.
 * Loaded lazily so that a test that needs only Kinesis never loads s3rver or OpenSearch code.
 */
export const registry: Partial<Record<ServiceName, () => Promise<StandInPlugin>>> = {
  kinesis: () => import('./kinesis/index.js').then((m) => m.kinesisPlugin),
  dynamodb: () => import('./dynamodb/index.js').then((m) => m.dynamodbPlugin),
  s3: () => import('./s3/index.js').then((m) => m.s3Plugin),
  sns: () => import('./sns/index.js').then((m) => m.snsPlugin),
  opensearch: () => import('./opensearch/index.js').then((m) => m.opensearchPlugin),
  redshift: () => import('./redshift-data/index.js').then((m) => m.redshiftPlugin),
  kafka: () => import('./kafka/index.js').then((m) => m.kafkaPlugin),
};

/** Names of the registered stand-ins, in start order of the defaults. */
export function registeredServices(): ServiceName[] {
  return Object.keys(registry) as ServiceName[];
}

/** Load a registered plug-in, or undefined when nobody registered that service yet. */
export async function loadPlugin(name: ServiceName): Promise<StandInPlugin | undefined> {
  return registry[name]?.();
}
