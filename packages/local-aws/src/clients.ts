import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ServiceUnavailableError } from './errors.js';
import { ENDPOINT_ENV, type LocalAwsClients, type ServiceName } from './types.js';

/**
 * Dummy credentials every stand-in accepts. DynamoDB Local rejects access key ids with anything
 * but letters and digits (UnrecognizedClientException); s3rver is patched to accept any key.
 */
export const LOCAL_CREDENTIALS = {
  accessKeyId: 'streamlenslocal',
  secretAccessKey: 'streamlenslocal',
} as const;

/** The AWS variables every process talking to the stand-ins needs, besides the endpoints. */
export function baseEnv(region = 'us-east-1'): Record<string, string> {
  return {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    // Nothing may wait on the instance metadata service (there is none offline).
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/** Options shared by every client: explicit endpoint, region, dummy credentials, HTTP/1.1. */
export function clientOptions(
  env: Readonly<Record<string, string | undefined>>,
  service: ServiceName,
) {
  const endpoint = env[ENDPOINT_ENV[service]];
  if (!endpoint) {
    throw new ServiceUnavailableError(
      `${service} stand-in not available: ${ENDPOINT_ENV[service]} is not set (start it with startLocalAws({ services: ['${service}'] }))`,
    );
  }
  return {
    endpoint,
    region: env.AWS_REGION ?? 'us-east-1',
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? LOCAL_CREDENTIALS.accessKeyId,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? LOCAL_CREDENTIALS.secretAccessKey,
    },
    // kinesalite fails on the SDK's HTTP/2 handler; HTTP/1.1 keep-alive is right for all of them.
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 5_000,
      requestTimeout: 30_000,
      // Fail (TimeoutError, retried by the SDK) rather than only log a warning and hang.
      throwOnRequestTimeout: true,
    }),
  };
}

/**
 * Real SDK v3 clients for the stand-ins named in `env` (default `process.env`), built lazily so a
 * test that only needs Kinesis never needs S3 to be running.
 * @example
 * const { kinesis } = createClients();
 * await kinesis.send(new PutRecordCommand({ StreamName, PartitionKey: 'k', Data }));
 */
export function createClients(
  env: Readonly<Record<string, string | undefined>> = process.env,
): LocalAwsClients {
  const built = new Map<string, { destroy(): void }>();
  const lazy = <T extends { destroy(): void }>(key: string, make: () => T): T => {
    let client = built.get(key) as T | undefined;
    if (!client) {
      client = make();
      built.set(key, client);
    }
    return client;
  };
  return {
    get kinesis() {
      return lazy('kinesis', () => new KinesisClient(clientOptions(env, 'kinesis')));
    },
    get dynamodb() {
      return lazy('dynamodb', () => new DynamoDBClient(clientOptions(env, 'dynamodb')));
    },
    get s3() {
      return lazy('s3', () => new S3Client({ ...clientOptions(env, 's3'), forcePathStyle: true }));
    },
    get sns() {
      return lazy('sns', () => new SNSClient(clientOptions(env, 'sns')));
    },
    get redshiftData() {
      return lazy('redshiftData', () => new RedshiftDataClient(clientOptions(env, 'redshift')));
    },
    destroy() {
      for (const client of built.values()) client.destroy();
      built.clear();
    },
  };
}
