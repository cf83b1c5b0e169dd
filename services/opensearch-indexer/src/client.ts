// The transport layer of the official client, without its `Client` class: `Client` extends the
// generated API of every namespace (ISM, ML, security, ... ~265 KiB minified), of which the
// indexer sends five requests. Transport + ConnectionPool + Connection are what `Client` composes;
// The package's SigV4 signer (`AwsSigv4Signer` of `aws-v3`, built by `giveAwsV4Signer`) hands back a
// Transport and a Connection subclass that sign every request. It is taken from `lib/aws/shared.js`
// because the `aws-v3` entry also carries a fallback `import('@aws-sdk/credential-provider-node')`
// that a bundler follows (the SDK's whole chain: SSO, STS, INI, ...), unused when credentials are given.
import { giveAwsV4Signer } from '@opensearch-project/opensearch/lib/aws/shared.js';
import Connection from '@opensearch-project/opensearch/lib/Connection.js';
import {
  DeserializationError,
  SerializationError,
} from '@opensearch-project/opensearch/lib/errors.js';
import { ConnectionPool } from '@opensearch-project/opensearch/lib/pool/index.js';
import Transport from '@opensearch-project/opensearch/lib/Transport.js';
import { MissingCredentialsError } from '@streamlens/lambda-kit';
import { defaultProvider as environmentCredentials } from '@streamlens/lambda-kit/aws-credentials';
import type { BulkResponseBody, BulkSend } from './bulk.js';
import { BulkRequestError } from './errors.js';

/** Resolves the credentials requests are signed with (as the AWS SDK's providers do). */
export type AwsCredentialsProvider = () => Promise<{
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}>;

/** How requests are authenticated. */
export const SIGNING_MODES = ['auto', 'sigv4', 'none'] as const;
export type SigningMode = (typeof SIGNING_MODES)[number];

/** Options of `createOpenSearchClient`. */
export interface OpenSearchClientOptions {
  /** `https://search-xyz.us-east-1.es.amazonaws.com` on AWS; `http://127.0.0.1:PORT` locally. */
  readonly endpoint: string;
  readonly region: string;
  /** `es` (managed domain) or `aoss` (Serverless collection). */
  readonly service: 'es' | 'aoss';
  /** `auto`: unsigned for a localhost URL (the stand-in), SigV4 otherwise. */
  readonly signing: SigningMode;
  readonly requestTimeoutMs: number;
  /**
   * Credentials for SigV4. Default: the environment's, read by lambda-kit (on Lambda: the function
   * role's). Scripts pass the AWS SDK's `defaultProvider()` for its whole chain (profiles, SSO).
   */
  readonly credentials?: AwsCredentialsProvider;
}

/** Whether `endpoint` is on this machine (127.0.0.0/8, ::1, localhost). */
export function isLocalEndpoint(endpoint: string): boolean {
  try {
    const { hostname } = new URL(endpoint);
    return (
      hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname)
    );
  } catch {
    return false;
  }
}

/** One request through the transport (what the client's API methods build). */
export interface OpenSearchRequest {
  readonly method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  /** A JSON body: an object is serialised, a string is sent as is. */
  readonly body?: unknown;
  /** An NDJSON body (`_bulk`), sent as is. */
  readonly bulkBody?: string;
  readonly querystring?: Record<string, string | number | boolean | undefined>;
}

/** Status and parsed body of a response (2xx/3xx; 4xx/5xx reject with the client's `ResponseError`). */
export interface OpenSearchResponse<T> {
  readonly statusCode: number;
  readonly body: T;
}

/** The parts of a `_search` response the service reads. */
export interface SearchResponseBody<TSource = Record<string, unknown>> {
  hits: {
    total?: { value: number };
    hits: Array<{ _id: string; _index: string; _source: TSource }>;
  };
}

/**
 * JSON (de)serialisation for the transport: the client's own `Serializer` adds `json11` (27 KiB,
 * for `enableLongNumeralSupport`, which streamlens does not use: every number it indexes is a
 * double) and `secure-json-parse`; `JSON.parse` creates `__proto__` keys as plain own properties,
 * and nothing here merges a response into another object.
 */
class JsonSerializer {
  serialize(value: unknown): string {
    try {
      return JSON.stringify(value);
    } catch (error) {
      throw new SerializationError((error as Error).message, value);
    }
  }

  deserialize(json: string): unknown {
    try {
      return JSON.parse(json);
    } catch (error) {
      throw new DeserializationError((error as Error).message, json);
    }
  }

  ndserialize(lines: readonly unknown[]): string {
    let out = '';
    for (const line of lines) out += `${typeof line === 'string' ? line : this.serialize(line)}\n`;
    return out;
  }

  qserialize(query: Record<string, unknown> | string | null | undefined): string {
    if (query == null) return '';
    if (typeof query === 'string') return query;
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined) continue;
      params.append(key, Array.isArray(value) ? value.join(',') : String(value));
    }
    return params.toString();
  }
}

/**
 * A client of one OpenSearch endpoint on the official client's transport (same connection
 * handling, signing, errors: `ResponseError` for 4xx/5xx, `ConnectionError`, `TimeoutError`),
 * exposing the requests streamlens makes.
 */
export class OpenSearchClient {
  constructor(
    /** The official client's transport: `transport.request({ method, path, body })`. */
    readonly transport: Transport,
    private readonly pool: ConnectionPool,
  ) {}

  /** Sends one request; resolves with the status and parsed body, rejects on 4xx/5xx. */
  async request<T = unknown>(req: OpenSearchRequest): Promise<OpenSearchResponse<T>> {
    const { querystring, ...params } = req;
    const res = await this.transport.request({
      ...params,
      querystring: querystring as Record<string, string>,
    } as never);
    return { statusCode: res.statusCode ?? 0, body: res.body as T };
  }

  /** `POST /_bulk` with a pre-serialised NDJSON body. */
  bulk(ndjson: string): Promise<OpenSearchResponse<BulkResponseBody>> {
    return this.request<BulkResponseBody>({ method: 'POST', path: '/_bulk', bulkBody: ndjson });
  }

  /** `PUT /_index_template/<name>` (creates or replaces). */
  putIndexTemplate(name: string, body: unknown): Promise<OpenSearchResponse<unknown>> {
    return this.request({
      method: 'PUT',
      path: `/_index_template/${encodeURIComponent(name)}`,
      body,
    });
  }

  /** `POST /<index>/_search`. */
  search<TSource = Record<string, unknown>>(
    index: string,
    body: unknown,
  ): Promise<OpenSearchResponse<SearchResponseBody<TSource>>> {
    return this.request({ method: 'POST', path: `/${encodeURIComponent(index)}/_search`, body });
  }

  /** `POST /<index>/_count`. */
  count(index: string, body?: unknown): Promise<OpenSearchResponse<{ count: number }>> {
    return this.request({ method: 'POST', path: `/${encodeURIComponent(index)}/_count`, body });
  }

  /** `GET /<index>/_doc/<id>`. */
  getDocument<TSource = Record<string, unknown>>(
    index: string,
    id: string,
  ): Promise<
    OpenSearchResponse<{ _id: string; _version: number; found: boolean; _source: TSource }>
  > {
    return this.request({
      method: 'GET',
      path: `/${encodeURIComponent(index)}/_doc/${encodeURIComponent(id)}`,
    });
  }

  /** Closes the keep-alive connections. */
  close(): Promise<void> {
    return new Promise((resolve) => this.pool.empty(() => resolve()));
  }
}

/** The package's SigV4 signer; credentials always come from `getCredentials` (never its fallback). */
const AwsSigv4Signer = giveAwsV4Signer(async () => {
  throw new MissingCredentialsError('no credentials provider given');
});

/**
 * A client SigV4-signed with the function's role on AWS (the signer of the official client, with
 * lambda-kit's environment credentials unless others are given), or plain HTTP, unsigned, against a localhost endpoint (the
 * local stand-in), where there is nothing to sign for. The transport's own retries are off:
 * `bulkIndex` retries with the invocation's deadline in view.
 */
export function createOpenSearchClient(opts: OpenSearchClientOptions): OpenSearchClient {
  const sign =
    opts.signing === 'sigv4' || (opts.signing === 'auto' && !isLocalEndpoint(opts.endpoint));
  const classes = sign
    ? AwsSigv4Signer({
        region: opts.region,
        service: opts.service,
        getCredentials: opts.credentials ?? environmentCredentials(),
      })
    : { Transport, Connection };
  const emit = () => false;
  const pool = new ConnectionPool({
    Connection: classes.Connection as typeof Connection,
    emit,
    // One endpoint: no sniffing, no ping-based resurrection of a connection marked dead.
    resurrectStrategy: 'none',
  });
  pool.addConnection(opts.endpoint);
  const transport = new (classes.Transport as typeof Transport)({
    emit,
    connectionPool: pool,
    serializer: new JsonSerializer() as never,
    maxRetries: 0,
    requestTimeout: opts.requestTimeoutMs,
    sniffInterval: false,
    sniffOnStart: false,
    sniffOnConnectionFault: false,
    compression: false,
    suggestCompression: false,
  } as never);
  return new OpenSearchClient(transport, pool);
}

/** `_bulk` through `client`, mapping whole-request failures to `BulkRequestError`. */
export function bulkSender(client: OpenSearchClient): BulkSend {
  return async (ndjson) => {
    try {
      return (await client.bulk(ndjson)).body;
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      const retryable = status === undefined || status === 429 || status >= 500;
      throw new BulkRequestError(
        `_bulk failed${status ? ` with HTTP ${status}` : ''}: ${(error as Error).message}`,
        status,
        retryable,
        { cause: error },
      );
    }
  };
}
