import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import { clientConfig } from '../clients.js';
import { StreamlensError } from '../errors.js';

/*
 * Kinesis PutRecords without @aws-sdk/client-kinesis, for functions that only write records. The
 * client costs a bundle ~30 KiB minified plus the SDK's HTTP/2 handler and event-stream codecs
 * (it imports `node:http2` for SubscribeToShard) and their load time at every cold start. PutRecords
 * is one JSON 1.1 call; it is sent with the SDK's own SigV4 signer, SHA-256, HttpRequest and the
 * NodeHttpHandler of `clientConfig()`, as the SDK client would send it.
 */

/** One record as PutRecords takes it (the SDK's `PutRecordsRequestEntry`). */
export interface PutRecordsEntry {
  readonly Data?: Uint8Array | undefined;
  readonly PartitionKey?: string | undefined;
  readonly ExplicitHashKey?: string | undefined;
}

/** The PutRecords request (stream by name or ARN). */
export interface PutRecordsInput {
  readonly StreamName?: string;
  readonly StreamARN?: string;
  readonly Records: readonly PutRecordsEntry[];
}

/** One record's outcome: a sequence number, or an error code. */
export interface PutRecordsResultEntry {
  readonly SequenceNumber?: string;
  readonly ShardId?: string;
  readonly ErrorCode?: string;
  readonly ErrorMessage?: string;
}

/** The PutRecords response. */
export interface PutRecordsOutput {
  readonly FailedRecordCount?: number;
  readonly Records?: readonly PutRecordsResultEntry[];
  readonly EncryptionType?: string;
}

/** Sends one PutRecords request; rejects with a `KinesisCallError` (or the network error). */
export type PutRecordsCall = (
  input: PutRecordsInput,
  opts?: { deadline?: number },
) => Promise<PutRecordsOutput>;

/**
 * A whole PutRecords call failed. Shaped like the SDK's service exceptions so that the sink helpers
 * classify it the same way: `name` is the AWS error code (`ProvisionedThroughputExceededException`,
 * `ResourceNotFoundException`, ..., or `TimeoutError`), `$metadata.httpStatusCode` the status.
 */
export class KinesisCallError extends StreamlensError {
  readonly code: string;
  readonly $metadata: { readonly httpStatusCode?: number };

  constructor(code: string, message: string, status?: number, options?: { cause?: unknown }) {
    super(message, options);
    // The AWS error code as the name, as the SDK's exceptions do (`errorCodeOf` reads it).
    this.name = code;
    this.code = code;
    this.$metadata = status === undefined ? {} : { httpStatusCode: status };
  }
}

/** Options of {@link createPutRecordsCall}. */
export interface PutRecordsCallOptions {
  /** Default `AWS_REGION`. */
  readonly region?: string;
  /** Default `AWS_ENDPOINT_URL_KINESIS`, else `AWS_ENDPOINT_URL`, else `https://kinesis.<region>.amazonaws.com`. */
  readonly endpoint?: string;
  /** Default: the SDK's default provider (in deployed bundles, the environment). */
  readonly credentials?: () => Promise<{
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken?: string;
  }>;
  /** Default: `clientConfig().requestHandler` (HTTP/1.1 keep-alive; kinesalite needs HTTP/1). */
  readonly requestHandler?: Pick<NodeHttpHandler, 'handle'>;
  /** Time limit of one call in ms (default 10,000), never beyond the call's deadline. */
  readonly timeoutMs?: number;
}

/** The Kinesis endpoint: the SDK's override variables, else the regional endpoint. */
export function kinesisEndpoint(region: string, env: NodeJS.ProcessEnv = process.env): string {
  const override = env.AWS_ENDPOINT_URL_KINESIS || env.AWS_ENDPOINT_URL;
  if (override) return override;
  return `https://kinesis.${region}.${region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'}`;
}

/** The JSON body, `Data` base64-encoded as the Kinesis JSON protocol expects. */
export function putRecordsBody(input: PutRecordsInput): string {
  return JSON.stringify({
    ...(input.StreamName === undefined ? {} : { StreamName: input.StreamName }),
    ...(input.StreamARN === undefined ? {} : { StreamARN: input.StreamARN }),
    Records: input.Records.map((r) => ({
      Data: Buffer.from(
        (r.Data ?? new Uint8Array()).buffer,
        r.Data?.byteOffset ?? 0,
        r.Data?.byteLength ?? 0,
      ).toString('base64'),
      PartitionKey: r.PartitionKey,
      ...(r.ExplicitHashKey === undefined ? {} : { ExplicitHashKey: r.ExplicitHashKey }),
    })),
  });
}

/** The AWS error code of a JSON-protocol error: `__type` (after any `#` namespace) or the header. */
export function awsJsonErrorCode(
  body: string,
  headers: Record<string, string>,
): { code?: string; message?: string } {
  let parsed: { __type?: unknown; message?: unknown; Message?: unknown } = {};
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    // Not JSON (a proxy's HTML page): the header or the status has to do.
  }
  const raw =
    (typeof parsed.__type === 'string' ? parsed.__type : undefined) ??
    headers['x-amzn-errortype'] ??
    headers['X-Amzn-ErrorType'];
  const code = raw?.split('#').pop()?.split(':')[0];
  const message =
    typeof parsed.message === 'string'
      ? parsed.message
      : typeof parsed.Message === 'string'
        ? parsed.Message
        : undefined;
  return { ...(code ? { code } : {}), ...(message ? { message } : {}) };
}

async function readText(body: unknown): Promise<string> {
  const stream = body as AsyncIterable<Buffer | string> | undefined;
  if (!stream || typeof stream[Symbol.asyncIterator] !== 'function') return '';
  let text = '';
  for await (const chunk of stream) text += typeof chunk === 'string' ? chunk : chunk.toString();
  return text;
}

/**
 * A PutRecords function: SigV4-signed (the SDK's `SignatureV4`, service `kinesis`) JSON 1.1 POST
 * through the SDK's `NodeHttpHandler`. One attempt per call: retries (of whole calls and of failed
 * records) are `putRecordsWith`'s. Build once per container.
 *
 * @example
 * const putRecords = createPutRecordsCall();
 * const { failed } = await putRecordsWith(putRecords, 'aggregates', entries, { deadline });
 */
export function createPutRecordsCall(options: PutRecordsCallOptions = {}): PutRecordsCall {
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) throw new KinesisCallError('MissingRegion', 'No region for Kinesis: set AWS_REGION');
  const url = new URL(options.endpoint ?? kinesisEndpoint(region));
  const handler = options.requestHandler ?? clientConfig().requestHandler;
  const signer = new SignatureV4({
    service: 'kinesis',
    region,
    credentials: options.credentials ?? defaultProvider(),
    sha256: Sha256,
    applyChecksum: false,
  });
  const timeoutMs = options.timeoutMs ?? 10_000;
  const path = url.pathname || '/';
  return async (input, opts = {}) => {
    const body = Buffer.from(putRecordsBody(input), 'utf8');
    const request = new HttpRequest({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path,
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'Kinesis_20131202.PutRecords',
        'content-length': String(body.byteLength),
      },
      body,
    });
    const signed = (await signer.sign(request)) as HttpRequest;
    const remaining = (opts.deadline ?? Number.POSITIVE_INFINITY) - Date.now();
    const limit = Math.max(1, Math.min(timeoutMs, remaining));
    const abortSignal = AbortSignal.timeout(limit);
    let response: Awaited<ReturnType<NodeHttpHandler['handle']>>['response'];
    try {
      ({ response } = await handler.handle(signed, { abortSignal }));
    } catch (error) {
      if (abortSignal.aborted) {
        throw new KinesisCallError(
          'TimeoutError',
          `PutRecords: no response within ${limit} ms`,
          undefined,
          {
            cause: error,
          },
        );
      }
      throw error; // a network error keeps its code (ECONNRESET, ...), which the sinks retry
    }
    const text = await readText(response.body);
    if (response.statusCode >= 200 && response.statusCode < 300) {
      return JSON.parse(text) as PutRecordsOutput;
    }
    const { code, message } = awsJsonErrorCode(text, response.headers);
    const name = code ?? `Http${response.statusCode}`;
    throw new KinesisCallError(
      name,
      `PutRecords failed: HTTP ${response.statusCode} ${name}${message ? ` (${message})` : ''}`,
      response.statusCode,
    );
  };
}
