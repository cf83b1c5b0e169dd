import { createHash } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Sha256 } from '@smithy/core/checksum';
import { extendedEncodeURIComponent, HttpRequest } from '@smithy/core/protocols';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import { clientConfig } from './clients.js';
import { S3PutError } from './errors.js';
import { backoffDelay, defaultSleep } from './retry.js';

export { S3PutError } from './errors.js';

/*
 * One S3 operation, PutObject, without @aws-sdk/client-s3. A function that only archives objects
 * would otherwise carry the whole S3 client (its XML protocol, flexible checksums, S3 middleware:
 * ~120 KiB minified and ~35 ms of every cold start). What a PUT needs, the bundles already hold
 * for DynamoDB and Kinesis: the SDK's SigV4 signer, its SHA-256, its HTTP request type and the
 * same NodeHttpHandler as every other client (`clientConfig`). Credentials come from the SDK's
 * default provider, which the deployed bundles alias to lambda-kit's environment provider, exactly
 * as for the SDK clients.
 */

/** Credentials as the SDK's identity providers return them. */
export interface S3PutCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Server-side encryption requested per object (otherwise the bucket's default encryption applies). */
export interface S3PutEncryption {
  readonly serverSideEncryption: 'aws:kms' | 'aws:kms:dsse' | 'AES256';
  /** KMS key id or ARN (only with `aws:kms` / `aws:kms:dsse`). */
  readonly kmsKeyId?: string;
  readonly bucketKeyEnabled?: boolean;
}

/** Options of {@link createObjectPut}. */
export interface ObjectPutOptions {
  readonly bucket: string;
  /** Signing region and, without an endpoint override, the regional host (default `AWS_REGION`). */
  readonly region?: string;
  /**
   * Endpoint override (default `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`, as the SDK reads
   * them). With one, requests are path-style (`<endpoint>/<bucket>/<key>`: local stand-ins serve
   * no virtual-hosted names); without one, virtual-hosted `https://<bucket>.s3.<region>.amazonaws.com`.
   */
  readonly endpoint?: string;
  /** Default: the SDK's default provider (in deployed bundles, the environment; see aws-credentials.ts). */
  readonly credentials?: () => Promise<S3PutCredentials>;
  /** Default: `clientConfig().requestHandler` (HTTP/1.1, keep-alive). */
  readonly requestHandler?: Pick<NodeHttpHandler, 'handle'>;
  /** Server-side encryption headers sent with every object. */
  readonly encryption?: S3PutEncryption;
  /** Attempts per object, the first included (default 5). */
  readonly maxAttempts?: number;
  /** Delay cap of the first retry (ms, default 100), doubling per attempt up to `maxDelayMs` (2000). */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Time limit of one attempt in ms (default 10,000); never beyond the deadline. */
  readonly attemptTimeoutMs?: number;
  /** Called before each retry's sleep, e.g. to log it. */
  readonly onRetry?: (info: { attempt: number; delayMs: number; error: S3PutError }) => void;
  /** Injected for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly now?: () => number;
}

/** One object to write. */
export interface PutObjectRequest {
  readonly key: string;
  readonly body: string | Uint8Array;
  /** Default `application/octet-stream`. */
  readonly contentType?: string;
  /**
   * Absolute time (epoch ms) after which no attempt starts and no attempt runs on (see
   * `deadlineFromContext`). Default: no deadline, only `maxAttempts`.
   */
  readonly deadline?: number;
}

/** What a successful PUT returned. */
export interface PutObjectResult {
  readonly etag?: string;
  readonly versionId?: string;
  /** Attempts it took, the successful one included. */
  readonly attempts: number;
}

/** Writes (creates or overwrites) one object; rejects with an `S3PutError`. */
export type ObjectPutter = (request: PutObjectRequest) => Promise<PutObjectResult>;

/** Where a request for `key` goes. */
export interface ObjectLocation {
  readonly protocol: 'http:' | 'https:';
  readonly hostname: string;
  readonly port?: number;
  /** URI path, every key segment percent-encoded as S3 expects (RFC 3986, `/` kept). */
  readonly path: string;
}

/** The endpoint override the SDK would use for S3: `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`. */
export function s3EndpointFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
}

/**
 * The S3 URI path of an object key: each `/`-separated segment percent-encoded like the SDK encodes
 * a key (encodeURIComponent plus `!'()*`), so spaces, `=`, `+` and non-ASCII characters arrive as
 * the same key. The path is signed as is (S3 signs the path without double encoding).
 */
export function encodeKeyPath(key: string): string {
  return key.split('/').map(extendedEncodeURIComponent).join('/');
}

/**
 * The request target for `key`: path-style under an endpoint override; virtual-hosted on AWS
 * (`<bucket>.s3.<region>.amazonaws.com`, `.amazonaws.com.cn` in China regions), except bucket
 * names with dots, which would not match the wildcard certificate and go path-style, as the SDK does.
 */
export function objectLocation(
  where: { bucket: string; region: string; endpoint?: string },
  key: string,
): ObjectLocation {
  const keyPath = encodeKeyPath(key);
  if (where.endpoint) {
    const url = new URL(where.endpoint);
    const base = url.pathname.replace(/\/+$/, '');
    return {
      protocol: url.protocol === 'http:' ? 'http:' : 'https:',
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: `${base}/${extendedEncodeURIComponent(where.bucket)}/${keyPath}`,
    };
  }
  const suffix = where.region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  const regional = `s3.${where.region}.${suffix}`;
  return where.bucket.includes('.')
    ? { protocol: 'https:', hostname: regional, path: `/${where.bucket}/${keyPath}` }
    : { protocol: 'https:', hostname: `${where.bucket}.${regional}`, path: `/${keyPath}` };
}

const XML_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};

function xmlText(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  return m?.[1]?.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => XML_ENTITIES[e] ?? '');
}

/** `Code`, `Message` and `RequestId` of an S3 XML error body (each undefined when absent). */
export function parseS3Error(body: string): {
  code?: string;
  message?: string;
  requestId?: string;
} {
  const code = xmlText(body, 'Code');
  const message = xmlText(body, 'Message');
  const requestId = xmlText(body, 'RequestId');
  return {
    ...(code ? { code } : {}),
    ...(message ? { message } : {}),
    ...(requestId ? { requestId } : {}),
  };
}

/** S3 error codes worth another attempt even when the status alone would not say so. */
const RETRYABLE_CODES = new Set([
  'SlowDown',
  'RequestTimeout',
  'InternalError',
  'ServiceUnavailable',
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
]);

/** Whether a response (status + S3 error code) is transient: 5xx, 429, throttling, timeouts. */
export function isRetryableS3Failure(status: number, code: string | undefined): boolean {
  return status >= 500 || status === 429 || (code !== undefined && RETRYABLE_CODES.has(code));
}

const MAX_ERROR_BODY = 64 * 1024;

async function readBody(body: unknown): Promise<string> {
  if (body === undefined || body === null) return '';
  const stream = body as AsyncIterable<Buffer | string>;
  if (typeof stream[Symbol.asyncIterator] !== 'function') return '';
  let text = '';
  for await (const chunk of stream) {
    // Keep reading to the end (the socket goes back to the keep-alive pool), keep only the head.
    if (text.length < MAX_ERROR_BODY) text += typeof chunk === 'string' ? chunk : chunk.toString();
  }
  return text;
}

function drain(body: unknown): void {
  const stream = body as { resume?: () => void } | undefined;
  stream?.resume?.();
}

function header(headers: Record<string, string>, name: string): string | undefined {
  return headers[name] ?? headers[name.toLowerCase()];
}

/**
 * A function that PUTs objects into `bucket`: SigV4-signed by the SDK's `SignatureV4` (payload
 * SHA-256 in `x-amz-content-sha256`), with `Content-MD5` so that S3 rejects a body corrupted in
 * transit (`BadDigest`), SSE headers when `encryption` is set, sent by the SDK's `NodeHttpHandler`.
 * Transient failures (5xx, 429, `SlowDown`, `RequestTimeout`, network errors, attempt timeouts)
 * are retried with exponential backoff and full jitter, re-signed each time, while attempts remain
 * and the next one could start before the deadline; every attempt is cut off at the deadline.
 * Other failures (AccessDenied, NoSuchBucket, ...) fail at once. Failures reject with an
 * `S3PutError` carrying the HTTP status, the S3 error code and the attempts made.
 *
 * Build it once per container (module scope): it holds the signer and the HTTP connection pool.
 *
 * @example
 * const put = createObjectPut({ bucket: process.env.LAKE_BUCKET_NAME! });
 * await put({ key: 'aggregates/dt=2026-11-25/a.ndjson', body, contentType: 'application/x-ndjson', deadline });
 */
export function createObjectPut(options: ObjectPutOptions): ObjectPutter {
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new S3PutError('No region for S3: set AWS_REGION or pass `region`', {
      bucket: options.bucket,
      key: '',
      code: 'MissingRegion',
      attempts: 0,
      retryable: false,
    });
  }
  const endpoint = options.endpoint ?? s3EndpointFromEnv();
  const handler = options.requestHandler ?? clientConfig().requestHandler;
  const signer = new SignatureV4({
    service: 's3',
    region,
    credentials: options.credentials ?? defaultProvider(),
    sha256: Sha256,
    // S3 signs the path as sent, without the second encoding other services use.
    uriEscapePath: false,
    applyChecksum: true,
  });
  const maxAttempts = Math.max(1, options.maxAttempts ?? 5);
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 10_000;
  const backoff = {
    baseDelayMs: options.baseDelayMs ?? 100,
    maxDelayMs: options.maxDelayMs ?? 2000,
    random: options.random ?? Math.random,
  };
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const sse = options.encryption;
  const sseHeaders: Record<string, string> = sse
    ? {
        'x-amz-server-side-encryption': sse.serverSideEncryption,
        ...(sse.kmsKeyId ? { 'x-amz-server-side-encryption-aws-kms-key-id': sse.kmsKeyId } : {}),
        ...(sse.bucketKeyEnabled === undefined
          ? {}
          : { 'x-amz-server-side-encryption-bucket-key-enabled': String(sse.bucketKeyEnabled) }),
      }
    : {};

  const failure = (
    key: string,
    attempts: number,
    facts: { status?: number; code: string; message?: string; requestId?: string },
    retryable: boolean,
    cause?: unknown,
  ): S3PutError =>
    new S3PutError(
      `PutObject s3://${options.bucket}/${key} failed: ${facts.status === undefined ? '' : `HTTP ${facts.status} `}${facts.code}${facts.message ? ` (${facts.message})` : ''}`,
      {
        bucket: options.bucket,
        key,
        code: facts.code,
        attempts,
        retryable,
        ...(facts.status === undefined ? {} : { status: facts.status }),
        ...(facts.requestId ? { requestId: facts.requestId } : {}),
      },
      cause === undefined ? undefined : { cause },
    );

  const attemptOnce = async (
    request: PutObjectRequest,
    body: Buffer,
    md5: string,
    attempt: number,
    timeoutMs: number,
  ): Promise<PutObjectResult> => {
    const where = objectLocation({ bucket: options.bucket, region, endpoint }, request.key);
    const host =
      where.port === undefined ? where.hostname : `${where.hostname}:${String(where.port)}`;
    const unsigned = new HttpRequest({
      method: 'PUT',
      protocol: where.protocol,
      hostname: where.hostname,
      ...(where.port === undefined ? {} : { port: where.port }),
      path: where.path,
      headers: {
        host,
        'content-type': request.contentType ?? 'application/octet-stream',
        'content-length': String(body.byteLength),
        'content-md5': md5,
        ...sseHeaders,
      },
      body,
    });
    let signed: HttpRequest;
    try {
      signed = (await signer.sign(unsigned)) as HttpRequest;
    } catch (error) {
      // No credentials, or unusable ones: no point in retrying.
      throw failure(request.key, attempt, { code: 'SigningFailed' }, false, error);
    }
    const abortSignal = AbortSignal.timeout(Math.max(1, timeoutMs));
    let response: Awaited<ReturnType<NodeHttpHandler['handle']>>['response'];
    try {
      ({ response } = await handler.handle(signed, { abortSignal }));
    } catch (error) {
      const timedOut = abortSignal.aborted;
      const code = timedOut
        ? 'TimeoutError'
        : ((error as { code?: string }).code ?? (error as Error).name ?? 'NetworkError');
      throw failure(
        request.key,
        attempt,
        { code, message: timedOut ? `no response within ${timeoutMs} ms` : String(error) },
        true,
        error,
      );
    }
    const status = response.statusCode;
    if (status >= 200 && status < 300) {
      drain(response.body);
      const etag = header(response.headers, 'etag');
      const versionId = header(response.headers, 'x-amz-version-id');
      return {
        attempts: attempt,
        ...(etag ? { etag } : {}),
        ...(versionId ? { versionId } : {}),
      };
    }
    let text = '';
    try {
      text = await readBody(response.body);
    } catch {
      // The status decides; a body cut short only loses the error's details.
    }
    const parsed = parseS3Error(text);
    const code = parsed.code ?? `Http${status}`;
    throw failure(
      request.key,
      attempt,
      {
        status,
        code,
        ...(parsed.message ? { message: parsed.message } : {}),
        ...(parsed.requestId ? { requestId: parsed.requestId } : {}),
      },
      isRetryableS3Failure(status, parsed.code),
    );
  };

  return async (request) => {
    const body =
      typeof request.body === 'string'
        ? Buffer.from(request.body, 'utf8')
        : Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength);
    const md5 = createHash('md5').update(body).digest('base64');
    const deadline = request.deadline ?? Number.POSITIVE_INFINITY;
    for (let attempt = 1; ; attempt++) {
      const remaining = deadline - now();
      if (remaining <= 0) {
        throw failure(
          request.key,
          attempt - 1,
          { code: 'DeadlineExceeded', message: 'the invocation deadline passed before an attempt' },
          false,
        );
      }
      try {
        return await attemptOnce(
          request,
          body,
          md5,
          attempt,
          Math.min(attemptTimeoutMs, remaining),
        );
      } catch (error) {
        const e = error as S3PutError;
        if (!e.retryable || attempt >= maxAttempts) throw e;
        const delayMs = backoffDelay(attempt, backoff);
        if (now() + delayMs >= deadline) throw e;
        options.onRetry?.({ attempt, delayMs, error: e });
        await sleep(delayMs);
      }
    }
  };
}
