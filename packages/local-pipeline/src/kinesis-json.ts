import { isAscii } from 'node:buffer';
import { Agent, request } from 'node:http';
import { LocalPipelineError } from './errors.js';

/**
 * A Kinesis error answered by the local stand-in, shaped like the SDK's: `name` is the Kinesis
 * error code and `$metadata.httpStatusCode` the HTTP status, so code written for SDK errors (the
 * producer's retry decisions) reads it the same way.
 */
export class KinesisWireError extends LocalPipelineError {
  readonly $metadata: { httpStatusCode: number };

  constructor(
    readonly code: string,
    message: string,
    readonly statusCode: number,
  ) {
    super(`${code}: ${message}`);
    this.name = code;
    this.$metadata = { httpStatusCode: statusCode };
  }
}

/** The error fields every Kinesis JSON error body may carry. */
interface JsonErrorFields {
  __type?: string;
  message?: string;
  Message?: string;
}

/** Calls one Kinesis JSON 1.1 operation (e.g. `PutRecords`) with a JSON body; resolves the parsed answer. */
export type KinesisJsonCall = <T>(operation: string, body: string) => Promise<T>;

/**
 * Kinesis operations as plain JSON 1.1 POSTs to the local stand-in (Kinesis_20131202), for the
 * harness's hot loops (the feed's PutRecords, the shard reads' GetRecords): no SDK serialisation,
 * middleware stack or signing, which were most of their CPU. Records stay as the base64 text of the
 * wire. The request carries a well-formed SigV4 header with a dummy signature, which kinesalite
 * accepts as it verifies no signature: never point this at AWS (functions use the real SDK).
 * Errors: `KinesisWireError` for an error answer or an unreadable body; network errors and the
 * timeout (`TimeoutError`, code `ETIMEDOUT`) as Node raises them.
 */
export function kinesisJsonCaller(
  endpoint: string,
  region = 'us-east-1',
  timeoutMs = 30_000,
): KinesisJsonCall {
  const url = new URL(endpoint);
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  return <T>(operation: string, body: string) =>
    new Promise<T>((resolve, reject) => {
      const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: '/',
          method: 'POST',
          headers: {
            'Content-Type': 'application/x-amz-json-1.1',
            'Content-Length': Buffer.byteLength(body),
            'X-Amz-Target': `Kinesis_20131202.${operation}`,
            'X-Amz-Date': amzDate,
            Authorization: `AWS4-HMAC-SHA256 Credential=local/${amzDate.slice(0, 8)}/${region}/kinesis/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=0`,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const status = res.statusCode ?? 500;
            let out: T & JsonErrorFields;
            try {
              const raw = Buffer.concat(chunks);
              // Base64 data, digits and names: almost always ASCII, which latin1 decodes as a
              // plain copy (utf8 decoding of multi-MB GetRecords bodies was ~12 % of the main thread).
              const text = isAscii(raw) ? raw.toString('latin1') : raw.toString('utf8');
              out = JSON.parse(text) as T & JsonErrorFields;
            } catch (error) {
              reject(new KinesisWireError('SerializationException', String(error), status));
              return;
            }
            if (status >= 300) {
              const code = (out.__type ?? 'InternalFailure').split('#').pop() as string;
              reject(new KinesisWireError(code, out.message ?? out.Message ?? '', status));
              return;
            }
            resolve(out);
          });
        },
      );
      req.setTimeout(timeoutMs, () => {
        req.destroy(
          Object.assign(new Error(`${operation} timed out after ${timeoutMs} ms`), {
            name: 'TimeoutError',
            code: 'ETIMEDOUT',
          }),
        );
      });
      req.on('error', reject);
      req.end(body);
    });
}
