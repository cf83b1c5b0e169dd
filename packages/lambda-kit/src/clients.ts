import { NodeHttpHandler } from '@smithy/node-http-handler';

/** Configuration shared by every AWS SDK client a streamlens function builds. */
export interface BaseClientConfig {
  requestHandler: NodeHttpHandler;
}

/**
 * AWS SDK v3 client configuration: an HTTP/1.1 `NodeHttpHandler` with keep-alive agents (kinesalite
 * and the other local stand-ins do not speak HTTP/2, and reusing sockets saves a TLS handshake per
 * call on AWS). Endpoints are not set here: the SDK reads `AWS_ENDPOINT_URL` and
 * `AWS_ENDPOINT_URL_<SERVICE>` itself. Build clients once, at module scope.
 *
 * @example const kinesis = new KinesisClient(clientConfig({ maxAttempts: 3 }));
 */
export function clientConfig<T extends object = Record<never, never>>(
  extra?: T,
): BaseClientConfig & T {
  const requestHandler = new NodeHttpHandler({
    // Agent options, not Agent instances: the handler then builds its own agents and loads
    // node:http only when an http:// endpoint (a local stand-in) is actually used.
    httpAgent: { keepAlive: true, maxSockets: 50 },
    httpsAgent: { keepAlive: true, maxSockets: 50 },
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
  });
  return { requestHandler, ...(extra ?? ({} as T)) };
}

/**
 * `clientConfig` for S3, with `forcePathStyle` when an endpoint override is set
 * (`AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL`): local stand-ins such as s3rver cannot serve
 * virtual-hosted bucket names.
 */
export function s3ClientConfig<T extends object = Record<never, never>>(
  extra?: T,
): BaseClientConfig & { forcePathStyle?: boolean } & T {
  const override = Boolean(process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL);
  return clientConfig({ ...(override ? { forcePathStyle: true } : {}), ...(extra ?? ({} as T)) });
}
