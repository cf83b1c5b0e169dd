import { FirehoseClient } from '@aws-sdk/client-firehose';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * HTTP/1.1 (kinesalite cannot speak the SDK's HTTP/2), keep-alive, and a request timeout that
 * fails the call (`TimeoutError`, which the producer retries) instead of only logging a warning,
 * so that a stalled endpoint cannot hold the in-flight budget forever.
 */
function httpHandler(): NodeHttpHandler {
  return new NodeHttpHandler({
    httpAgent: { keepAlive: true, maxSockets: 16 },
    httpsAgent: { keepAlive: true, maxSockets: 16 },
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    throwOnRequestTimeout: true,
  });
}

/**
 * Kinesis client for the CLIs: HTTP/1.1 (kinesalite cannot speak the SDK's HTTP/2), keep-alive,
 * and SDK retries off (`maxAttempts: 1`) because the producer retries itself, per record.
 * Without `endpoint`, the SDK reads AWS_ENDPOINT_URL_KINESIS / AWS_ENDPOINT_URL itself.
 */
export function createKinesisClient(
  opts: { endpoint?: string; region?: string } = {},
): KinesisClient {
  return new KinesisClient({
    requestHandler: httpHandler(),
    maxAttempts: 1,
    region: opts.region ?? process.env.AWS_REGION ?? 'us-east-1',
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
  });
}

/** Firehose client for the CLIs (same choices as `createKinesisClient`). */
export function createFirehoseClient(
  opts: { endpoint?: string; region?: string } = {},
): FirehoseClient {
  return new FirehoseClient({
    requestHandler: httpHandler(),
    maxAttempts: 1,
    region: opts.region ?? process.env.AWS_REGION ?? 'us-east-1',
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
  });
}
