import { createHash, createHmac } from 'node:crypto';
import type { RecordedRequest } from './recording-server.js';

const hmac = (key: string | Buffer, data: string) =>
  createHmac('sha256', key).update(data, 'utf8').digest();
const hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');

/**
 * Checks a received request's SigV4 signature the way the AWS side does, written from the SigV4
 * specification independently of the signer under test: rebuilds the canonical request from the
 * method, path, query, the headers named in `SignedHeaders` as received and `x-amz-content-sha256`,
 * then the string to sign and the signing key from `secretAccessKey`. `doubleEncode`: every
 * service but S3 URI-encodes the (already encoded) path once more in the canonical request.
 * Returns the expected signature and the one received.
 */
export function verifySigV4(
  req: RecordedRequest,
  secretAccessKey: string,
  opts: { doubleEncode: boolean },
): { expected: string; received: string } {
  const auth = String(req.headers.authorization);
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (!m) throw new Error(`not a SigV4 Authorization header: ${auth}`);
  const [, , date, region, service, signedHeaders, received] = m as unknown as string[];
  const [path = '', query = ''] = req.url.split('?');
  const canonicalPath = opts.doubleEncode
    ? path
        .split('/')
        .map((s) => encodeURIComponent(s))
        .join('/')
    : path;
  const canonicalQuery = query.split('&').filter(Boolean).sort().join('&');
  const names = signedHeaders!.split(';');
  const canonicalHeaders = names
    .map(
      (n) =>
        `${n}:${String(req.headers[n] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}\n`,
    )
    .join('');
  const canonicalRequest = [
    req.method,
    canonicalPath,
    canonicalQuery,
    canonicalHeaders,
    signedHeaders,
    String(req.headers['x-amz-content-sha256'] ?? hex(req.body)),
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    String(req.headers['x-amz-date']),
    scope,
    hex(canonicalRequest),
  ].join('\n');
  let key: Buffer = hmac(`AWS4${secretAccessKey}`, date!);
  for (const part of [region!, service!, 'aws4_request']) key = hmac(key, part);
  return {
    expected: createHmac('sha256', key).update(stringToSign).digest('hex'),
    received: received!,
  };
}
