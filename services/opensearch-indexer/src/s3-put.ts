import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import aws4 from 'aws4';
import type { CredentialsProvider } from './credentials.js';
import type { ObjectPut } from './dead-letter.js';
import { DeadLetterError } from './errors.js';

/** Options of {@link s3ObjectPut}. */
export interface S3PutOptions {
  readonly bucket: string;
  readonly region: string;
  /**
   * Endpoint override (`AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`, as the SDK reads them):
   * path-style requests to it. Without one: `https://<bucket>.s3.<region>.amazonaws.com`.
   */
  readonly endpoint?: string;
  readonly credentials: CredentialsProvider;
  readonly timeoutMs?: number;
}

/** Where a PUT of `key` goes: host (with port), path (each segment URI-encoded), protocol. */
export function objectLocation(
  opts: Pick<S3PutOptions, 'bucket' | 'region' | 'endpoint'>,
  key: string,
): { protocol: 'http:' | 'https:'; host: string; path: string } {
  const encodedKey = key.split('/').map(encodeURIComponent).join('/');
  if (opts.endpoint) {
    const url = new URL(opts.endpoint);
    const base = url.pathname.replace(/\/$/, '');
    return {
      protocol: url.protocol === 'http:' ? 'http:' : 'https:',
      host: url.host,
      path: `${base}/${encodeURIComponent(opts.bucket)}/${encodedKey}`,
    };
  }
  // Virtual-hosted style, as the SDK does; a bucket name with dots would not match the wildcard
  // certificate, so it goes path-style (the SDK does the same).
  const regional = `s3.${opts.region}.amazonaws.com`;
  return opts.bucket.includes('.')
    ? { protocol: 'https:', host: regional, path: `/${opts.bucket}/${encodedKey}` }
    : { protocol: 'https:', host: `${opts.bucket}.${regional}`, path: `/${encodedKey}` };
}

/**
 * `PutObject` of a JSON body, SigV4-signed with `aws4` (the signer the official OpenSearch client
 * already bundles), over Node's HTTP(S). Dead letters are the only objects this service writes, and
 * the AWS SDK's S3 client would add ~350 KiB (client-s3, @smithy/core, checksums) to a bundle of
 * ~120 KiB and its parse time to every cold start, for a path most containers never take.
 * Retries are the caller's (`objectDeadLetterSink`). Bucket default encryption (SSE-KMS) applies.
 */
export function s3ObjectPut(opts: S3PutOptions): ObjectPut {
  return async (key, body) => {
    const where = objectLocation(opts, key);
    const credentials = await opts.credentials();
    const signed = aws4.sign(
      {
        host: where.host,
        path: where.path,
        method: 'PUT',
        service: 's3',
        region: opts.region,
        body,
        headers: { 'Content-Type': 'application/json' },
      },
      credentials,
    );
    const { status, text } = await send(where.protocol, signed, body, opts.timeoutMs ?? 10_000);
    if (status < 200 || status >= 300) {
      const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? 'no error code';
      throw new DeadLetterError(
        `PutObject s3://${opts.bucket}/${key} failed: HTTP ${status} ${code}`,
      );
    }
  };
}

function send(
  protocol: 'http:' | 'https:',
  signed: {
    host?: string;
    path: string;
    method?: string;
    headers: Record<string, string | number>;
  },
  body: string,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  const [hostname, port] = splitHost(signed.host ?? '');
  const request = protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      { hostname, port, path: signed.path, method: signed.method, headers: signed.headers },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (text.length < 4096) text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new DeadLetterError('PutObject timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

function splitHost(host: string): [string, number | undefined] {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
  if (!m) return [host, undefined];
  const name = m[1]!.replace(/^\[|\]$/g, '');
  return [name, m[2] ? Number(m[2]) : undefined];
}
