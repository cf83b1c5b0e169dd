import { createHash, createHmac } from 'node:crypto';

/*
 * An independent SigV4 check for the tests, written from AWS's description of the S3 header
 * signature ("Signature Calculations for the Authorization Header: Transferring Payload in a Single
 * Chunk"), sharing no code with the signer under test (the SDK's SignatureV4). It recomputes the
 * signature from the request as it arrived (method, raw path, query, headers, body bytes), the way
 * S3 does; s3rver 3.7.1 does not verify SigV4 signatures ("unimplemented" in its source), so the
 * tests' own HTTP server uses this instead.
 */

/** A request as a server saw it. */
export interface ReceivedRequest {
  readonly method: string;
  /** Path and query as on the request line, e.g. `/bucket/a%20b.txt`. */
  readonly url: string;
  /** Header names in any case; repeated headers joined with `,`. */
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Uint8Array;
}

/** Outcome of {@link verifySigV4}. */
export type SigV4Check =
  | { ok: true; accessKeyId: string; signedHeaders: string[]; canonicalRequest: string }
  | { ok: false; reason: string; canonicalRequest?: string };

const hmac = (key: string | Buffer, data: string): Buffer =>
  createHmac('sha256', key).update(data, 'utf8').digest();
const hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

function headerValue(headers: ReceivedRequest['headers'], name: string): string | undefined {
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === name) return Array.isArray(v) ? v.join(',') : v;
  }
  return undefined;
}

/** `name=value` pairs of the query, each part RFC 3986-encoded, sorted by name then value. */
function canonicalQuery(query: string): string {
  if (!query) return '';
  const enc = (s: string) =>
    encodeURIComponent(s).replace(
      /[!'()*]/g,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
    );
  return query
    .split('&')
    .map((pair) => {
      const [k = '', v = ''] = pair.split('=');
      return [enc(decodeURIComponent(k)), enc(decodeURIComponent(v))] as const;
    })
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/**
 * Verifies the `Authorization: AWS4-HMAC-SHA256 ...` header of an S3 request against `secret`:
 * the payload hash header must equal the SHA-256 of the body (unless `UNSIGNED-PAYLOAD`), every
 * signed header must be present, and the signature must match.
 */
export function verifySigV4(request: ReceivedRequest, secret: string): SigV4Check {
  const auth = headerValue(request.headers, 'authorization');
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      auth ?? '',
    );
  if (!m) return { ok: false, reason: `no SigV4 Authorization header: ${auth}` };
  const [, accessKeyId = '', day = '', region = '', service = '', signedList = '', signature] = m;
  const amzDate = headerValue(request.headers, 'x-amz-date');
  if (!amzDate?.startsWith(day)) return { ok: false, reason: `x-amz-date ${amzDate} vs ${day}` };
  // S3 requires the payload hash as a header; other services sign the body's hash without one.
  const header = headerValue(request.headers, 'x-amz-content-sha256');
  if (service === 's3' && !header) return { ok: false, reason: 'no x-amz-content-sha256' };
  const payloadHash = header ?? hex(request.body);
  if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== hex(request.body)) {
    return { ok: false, reason: 'x-amz-content-sha256 is not the SHA-256 of the body' };
  }
  const signedHeaders = signedList.split(';');
  const lines: string[] = [];
  for (const name of signedHeaders) {
    const value = headerValue(request.headers, name);
    if (value === undefined) return { ok: false, reason: `signed header ${name} missing` };
    lines.push(`${name}:${value.trim().replace(/\s+/g, ' ')}`);
  }
  const q = request.url.indexOf('?');
  const path = q < 0 ? request.url : request.url.slice(0, q);
  const query = q < 0 ? '' : request.url.slice(q + 1);
  // S3: the path exactly as sent (already encoded once), not normalised or encoded again.
  const canonicalRequest = [
    request.method,
    path,
    canonicalQuery(query),
    `${lines.join('\n')}\n`,
    signedList,
    payloadHash,
  ].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, hex(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), service), 'aws4_request');
  const expected = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  return expected === signature
    ? { ok: true, accessKeyId, signedHeaders, canonicalRequest }
    : { ok: false, reason: 'signature does not match', canonicalRequest };
}
