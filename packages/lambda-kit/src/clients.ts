import { NodeHttpHandler } from '@smithy/node-http-handler';

/** Configuration shared by every AWS SDK client a streamlens function builds. */
export interface BaseClientConfig {
  requestHandler: NodeHttpHandler;
}

/** Socket timeouts of the HTTP handler every client uses. */
export interface HttpTimeouts {
  /** Milliseconds to open a connection (TCP + TLS). */
  readonly connectionTimeoutMs: number;
  /** Milliseconds a request may take from sending to the whole answer. */
  readonly requestTimeoutMs: number;
}

/** 5 s to connect, 30 s per request: far above any healthy call, well below a Lambda timeout. */
export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = {
  connectionTimeoutMs: 5_000,
  requestTimeoutMs: 30_000,
};

/**
 * The HTTP/1.1 `NodeHttpHandler` with keep-alive agents that every client shares the shape of
 * (kinesalite and the other local stand-ins do not speak HTTP/2, and reusing sockets saves a TLS
 * handshake per call on AWS). A request over its timeout fails with a `TimeoutError`, which the
 * SDK retries as transient: without `throwOnRequestTimeout`, node-http-handler 4.14 only logs a
 * warning and a call to a stalled endpoint hangs until the function times out.
 */
export function httpHandler(timeouts: HttpTimeouts = DEFAULT_HTTP_TIMEOUTS): NodeHttpHandler {
  return new NodeHttpHandler({
    // Agent options, not Agent instances: the handler then builds its own agents and loads
    // node:http only when an http:// endpoint (a local stand-in) is actually used.
    httpAgent: { keepAlive: true, maxSockets: 50 },
    httpsAgent: { keepAlive: true, maxSockets: 50 },
    connectionTimeout: timeouts.connectionTimeoutMs,
    requestTimeout: timeouts.requestTimeoutMs,
    throwOnRequestTimeout: true,
  });
}

/**
 * AWS SDK v3 client configuration: the shared {@link httpHandler}. Endpoints are not set here: the
 * SDK reads `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>` itself. Build clients once, at
 * module scope.
 *
 * @example const kinesis = new KinesisClient(clientConfig({ maxAttempts: 3 }));
 */
export function clientConfig<T extends object = Record<never, never>>(
  extra?: T,
): BaseClientConfig & T {
  return { requestHandler: httpHandler(), ...(extra ?? ({} as T)) };
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
