import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { Client } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws-v3';
import type { BulkResponseBody, BulkSend } from './bulk.js';
import { BulkRequestError } from './errors.js';

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

/**
 * The official client: SigV4-signed with the function's role (credential chain of the AWS SDK v3)
 * on AWS; plain HTTP, unsigned, against a localhost endpoint (the local stand-in), where there is
 * nothing to sign for. The client's own retries are off: `bulkIndex` retries with a deadline.
 */
export function createOpenSearchClient(opts: OpenSearchClientOptions): Client {
  const sign =
    opts.signing === 'sigv4' || (opts.signing === 'auto' && !isLocalEndpoint(opts.endpoint));
  const common = {
    node: opts.endpoint,
    maxRetries: 0,
    requestTimeout: opts.requestTimeoutMs,
    compression: undefined,
  };
  if (!sign) return new Client(common);
  const credentials = fromNodeProviderChain();
  return new Client({
    ...common,
    ...AwsSigv4Signer({
      region: opts.region,
      service: opts.service,
      getCredentials: () => credentials(),
    }),
  });
}

/** `_bulk` through `client`, mapping whole-request failures to `BulkRequestError`. */
export function bulkSender(client: Client): BulkSend {
  return async (ndjson) => {
    try {
      // A pre-serialised NDJSON string is sent as is (the transport serialises only arrays).
      const res = await client.bulk({ body: ndjson as never });
      return res.body as unknown as BulkResponseBody;
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
