import { createHash } from 'node:crypto';
import { describe, expect, it, jest } from '@jest/globals';
import * as fc from 'fast-check';
import { S3PutError, StreamlensError } from '../../src/errors.js';
import {
  createObjectPut,
  encodeKeyPath,
  isRetryableS3Failure,
  type ObjectPutOptions,
  objectLocation,
  parseS3Error,
  s3EndpointFromEnv,
} from '../../src/s3-put.js';
import { restoreEnv, stubEnv } from '../../src/testing.js';
import { fakeHandler, type Reply } from '../helpers/fake-handler.js';
import { recordingSleep } from '../helpers/kinesis.js';
import { verifySigV4 } from '../helpers/sigv4.js';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'unit-test-secret' };

function s3ErrorXml(code: string, message: string, requestId = 'REQ123'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${requestId}</RequestId><HostId>h</HostId></Error>`;
}

function putWith(replies: Reply[], extra: Partial<ObjectPutOptions> = {}) {
  const { handler, sent } = fakeHandler(replies);
  const { sleep, delays } = recordingSleep();
  const put = createObjectPut({
    bucket: 'lake',
    region: 'eu-west-1',
    endpoint: 'http://127.0.0.1:4569',
    credentials: async () => CREDENTIALS,
    requestHandler: handler as unknown as ObjectPutOptions['requestHandler'],
    sleep,
    random: () => 0.5,
    ...extra,
  });
  return { put, sent, delays, handler };
}

describe("the tests' SigV4 verifier", () => {
  // AWS's published example (S3 API reference, "Signature Calculations for the Authorization
  // Header: Transferring Payload in a Single Chunk", PUT Object): the verifier must reproduce its
  // signature, or its verdicts on createObjectPut's requests would mean nothing.
  const example = {
    method: 'PUT',
    url: '/test%24file.text',
    headers: {
      Host: 'examplebucket.s3.amazonaws.com',
      Date: 'Fri, 24 May 2013 00:00:00 GMT',
      'x-amz-date': '20130524T000000Z',
      'x-amz-storage-class': 'REDUCED_REDUNDANCY',
      'x-amz-content-sha256': '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072',
      Authorization:
        'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd',
    },
    body: Buffer.from('Welcome to Amazon S3.'),
  };

  it("accepts AWS's documented PUT Object example and rejects it altered", () => {
    // Act
    const good = verifySigV4(example, 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    const otherKey = verifySigV4(example, 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEZ');
    const otherPath = verifySigV4(
      { ...example, url: '/test$file.text' },
      'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    );
    const otherBody = verifySigV4(
      { ...example, body: Buffer.from('Welcome to Amazon S3!') },
      'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    );
    // Assess
    expect(good).toMatchObject({ ok: true, accessKeyId: 'AKIAIOSFODNN7EXAMPLE' });
    expect(otherKey).toMatchObject({ ok: false, reason: 'signature does not match' });
    expect(otherPath).toMatchObject({ ok: false, reason: 'signature does not match' });
    expect(otherBody).toMatchObject({ ok: false });
  });
});

describe('objectLocation', () => {
  it('goes path-style to an endpoint override, keeping its port and base path', () => {
    // Act
    const local = objectLocation(
      { bucket: 'lake', region: 'us-east-1', endpoint: 'http://127.0.0.1:4569' },
      'a/b.json',
    );
    const based = objectLocation(
      { bucket: 'lake', region: 'us-east-1', endpoint: 'https://gw.example/s3/' },
      'k',
    );
    // Assess
    expect(local).toEqual({
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 4569,
      path: '/lake/a/b.json',
    });
    expect(based).toEqual({ protocol: 'https:', hostname: 'gw.example', path: '/s3/lake/k' });
  });

  it('goes virtual-hosted on AWS, path-style for dotted bucket names, .com.cn in China', () => {
    // Act
    const hosted = objectLocation(
      { bucket: 'lake', region: 'eu-west-1' },
      'dt=2026-11-25/x.ndjson',
    );
    const dotted = objectLocation({ bucket: 'my.lake', region: 'eu-west-1' }, 'x');
    const china = objectLocation({ bucket: 'lake', region: 'cn-north-1' }, 'x');
    // Assess
    expect(hosted).toEqual({
      protocol: 'https:',
      hostname: 'lake.s3.eu-west-1.amazonaws.com',
      path: '/dt%3D2026-11-25/x.ndjson',
    });
    expect(dotted).toEqual({
      protocol: 'https:',
      hostname: 's3.eu-west-1.amazonaws.com',
      path: '/my.lake/x',
    });
    expect(china.hostname).toBe('lake.s3.cn-north-1.amazonaws.com.cn');
  });

  it('reads the endpoint override the SDK reads, S3-specific first', () => {
    // Act / Assess
    expect(
      s3EndpointFromEnv({ AWS_ENDPOINT_URL_S3: 'http://a', AWS_ENDPOINT_URL: 'http://b' }),
    ).toBe('http://a');
    expect(s3EndpointFromEnv({ AWS_ENDPOINT_URL: 'http://b' })).toBe('http://b');
    expect(s3EndpointFromEnv({})).toBeUndefined();
  });
});

describe('encodeKeyPath', () => {
  it('encodes spaces, =, +, reserved and non-ASCII characters per segment, keeping /', () => {
    // Act
    const encoded = encodeKeyPath("late data/dt=2026-11-25/ünï cödé+(1)!*'.ndjson");
    // Assess
    expect(encoded).toBe(
      'late%20data/dt%3D2026-11-25/%C3%BCn%C3%AF%20c%C3%B6d%C3%A9%2B%281%29%21%2A%27.ndjson',
    );
  });

  it('round-trips any key and leaves only unreserved characters, %XX and / (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (key) => {
        // Act
        const encoded = encodeKeyPath(key);
        // Assess
        expect(encoded).toMatch(/^([A-Za-z0-9\-._~/]|%[0-9A-F]{2})*$/);
        expect(encoded.split('/').map(decodeURIComponent).join('/')).toBe(key);
      }),
    );
  });
});

describe('parseS3Error', () => {
  it('reads Code, Message and RequestId, decoding XML entities', () => {
    // Act
    const parsed = parseS3Error(
      s3ErrorXml('SlowDown', 'Please reduce your request rate &amp; retry &lt;now&gt;.'),
    );
    // Assess
    expect(parsed).toEqual({
      code: 'SlowDown',
      message: 'Please reduce your request rate & retry <now>.',
      requestId: 'REQ123',
    });
  });

  it('returns nothing for a body that is not an S3 error', () => {
    // Act / Assess
    expect(parseS3Error('')).toEqual({});
    expect(parseS3Error('<html>Bad gateway</html>')).toEqual({});
  });

  it('classifies 5xx, 429 and throttling codes as retryable, other 4xx not', () => {
    // Act / Assess
    expect(isRetryableS3Failure(503, 'SlowDown')).toBe(true);
    expect(isRetryableS3Failure(500, undefined)).toBe(true);
    expect(isRetryableS3Failure(429, undefined)).toBe(true);
    expect(isRetryableS3Failure(400, 'RequestTimeout')).toBe(true);
    expect(isRetryableS3Failure(403, 'AccessDenied')).toBe(false);
    expect(isRetryableS3Failure(400, 'BadDigest')).toBe(false);
    expect(isRetryableS3Failure(404, 'NoSuchBucket')).toBe(false);
  });
});

describe('createObjectPut', () => {
  it('sends a SigV4-signed PUT with Content-MD5 and the payload SHA-256, and returns the ETag', async () => {
    // Prepare
    const { put, sent } = putWith([{ status: 200, headers: { etag: '"abc"' } }]);
    const body = '{"a":1}\n{"a":2}\n';
    // Act
    const result = await put({
      key: 'aggregates/dt=2026-11-25/x y.ndjson',
      body,
      contentType: 'application/x-ndjson',
    });
    // Assess
    expect(result).toEqual({ etag: '"abc"', attempts: 1 });
    const [req] = sent;
    expect(req?.method).toBe('PUT');
    expect(req?.path).toBe('/lake/aggregates/dt%3D2026-11-25/x%20y.ndjson');
    expect(req?.headers['content-md5']).toBe(createHash('md5').update(body).digest('base64'));
    expect(req?.headers['x-amz-content-sha256']).toBe(
      createHash('sha256').update(body).digest('hex'),
    );
    expect(req?.headers['content-type']).toBe('application/x-ndjson');
    expect(req?.headers.host).toBe('127.0.0.1:4569');
    const check = verifySigV4(
      { method: req!.method, url: req!.path, headers: req!.headers, body: req!.body },
      CREDENTIALS.secretAccessKey,
    );
    expect(check).toMatchObject({ ok: true, accessKeyId: CREDENTIALS.accessKeyId });
    expect(check.ok && check.signedHeaders).toEqual(
      expect.arrayContaining([
        'content-md5',
        'content-type',
        'host',
        'x-amz-content-sha256',
        'x-amz-date',
      ]),
    );
    expect(
      verifySigV4(
        { method: 'PUT', url: req!.path, headers: req!.headers, body: req!.body },
        'wrong',
      ),
    ).toMatchObject({ ok: false });
  });

  it('signs the session token and sends the SSE headers when set', async () => {
    // Prepare
    const { put, sent } = putWith([{ status: 200 }], {
      credentials: async () => ({ ...CREDENTIALS, sessionToken: 'TOKEN' }),
      encryption: {
        serverSideEncryption: 'aws:kms',
        kmsKeyId: 'arn:aws:kms:eu-west-1:1:key/k',
        bucketKeyEnabled: true,
      },
    });
    // Act
    await put({ key: 'k', body: new Uint8Array([1, 2, 3]) });
    // Assess
    const req = sent[0]!;
    expect(req.headers['x-amz-security-token']).toBe('TOKEN');
    expect(req.headers['x-amz-server-side-encryption']).toBe('aws:kms');
    expect(req.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe(
      'arn:aws:kms:eu-west-1:1:key/k',
    );
    expect(req.headers['x-amz-server-side-encryption-bucket-key-enabled']).toBe('true');
    expect(req.headers['content-type']).toBe('application/octet-stream');
    const check = verifySigV4(
      { method: 'PUT', url: req.path, headers: req.headers, body: req.body },
      CREDENTIALS.secretAccessKey,
    );
    expect(check.ok && check.signedHeaders).toEqual(
      expect.arrayContaining([
        'x-amz-security-token',
        'x-amz-server-side-encryption',
        'x-amz-server-side-encryption-aws-kms-key-id',
      ]),
    );
  });

  it('retries 503 SlowDown, 500 and network errors with jittered backoff, re-signing each attempt', async () => {
    // Prepare
    const onRetry = jest.fn();
    const { put, sent, delays } = putWith(
      [
        { status: 503, body: s3ErrorXml('SlowDown', 'Please reduce your request rate.') },
        { status: 500, body: s3ErrorXml('InternalError', 'We encountered an internal error.') },
        { error: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) },
        { status: 200 },
      ],
      { onRetry, baseDelayMs: 100 },
    );
    // Act
    const result = await put({ key: 'k', body: 'x' });
    // Assess
    expect(result.attempts).toBe(4);
    expect(sent).toHaveLength(4);
    // Full jitter with random() = 0.5: half of 100, 200, 400.
    expect(delays).toEqual([50, 100, 200]);
    expect(onRetry.mock.calls.map((c) => (c[0] as { error: S3PutError }).error.code)).toEqual([
      'SlowDown',
      'InternalError',
      'ECONNRESET',
    ]);
    for (const req of sent) {
      const check = verifySigV4(
        { method: 'PUT', url: req.path, headers: req.headers, body: req.body },
        CREDENTIALS.secretAccessKey,
      );
      expect(check.ok).toBe(true);
    }
  });

  it('fails at once on AccessDenied with status, S3 code and request id', async () => {
    // Prepare
    const { put, sent } = putWith([
      { status: 403, body: s3ErrorXml('AccessDenied', 'Access Denied', 'R-9') },
    ]);
    // Act
    const error = await put({ key: 'dt=1/k', body: 'x' }).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(S3PutError);
    expect(error).toBeInstanceOf(StreamlensError);
    expect(error).toMatchObject({
      name: 'S3PutError',
      status: 403,
      code: 'AccessDenied',
      requestId: 'R-9',
      bucket: 'lake',
      key: 'dt=1/k',
      attempts: 1,
      retryable: false,
    });
    expect((error as Error).message).toBe(
      'PutObject s3://lake/dt=1/k failed: HTTP 403 AccessDenied (Access Denied)',
    );
    expect(sent).toHaveLength(1);
  });

  it('gives up after maxAttempts with the last failure', async () => {
    // Prepare
    const { put, sent } = putWith([{ status: 502, body: '<html>bad gateway</html>' }], {
      maxAttempts: 3,
    });
    // Act
    const error = (await put({ key: 'k', body: 'x' }).catch((e: unknown) => e)) as S3PutError;
    // Assess
    expect(error).toMatchObject({ status: 502, code: 'Http502', attempts: 3, retryable: true });
    expect(sent).toHaveLength(3);
  });

  it('takes no sleep that would end past the deadline, and starts nothing after it', async () => {
    // Prepare
    let clock = 1_000;
    const slept: number[] = [];
    const { put, sent } = putWith([{ status: 503, body: s3ErrorXml('SlowDown', 'slow') }], {
      now: () => clock,
      random: () => 0.99,
      baseDelayMs: 100,
      sleep: async (ms) => {
        slept.push(ms);
        clock += ms;
      },
    });
    // Act
    const error = (await put({ key: 'k', body: 'x', deadline: 1_250 }).catch(
      (e: unknown) => e,
    )) as S3PutError;
    const late = (await put({ key: 'k', body: 'x', deadline: 900 }).catch(
      (e: unknown) => e,
    )) as S3PutError;
    // Assess: the first sleep (99 ms) fits; the second (198 ms) would end past 1,250.
    expect(error).toMatchObject({ code: 'SlowDown', attempts: 2 });
    expect(slept).toEqual([99]);
    expect(late).toMatchObject({ code: 'DeadlineExceeded', attempts: 0, retryable: false });
    expect(sent).toHaveLength(2);
  });

  it('cuts an attempt that gets no answer off at its time limit and retries it', async () => {
    // Prepare
    const { put, sent } = putWith(['hang', { status: 200 }], { attemptTimeoutMs: 20 });
    // Act
    const result = await put({ key: 'k', body: 'x' });
    // Assess
    expect(result.attempts).toBe(2);
    expect(sent).toHaveLength(2);
  });

  it('reports a timeout as TimeoutError when the deadline ends the last attempt', async () => {
    // Prepare
    const { put } = putWith(['hang'], { maxAttempts: 1 });
    // Act
    const error = (await put({ key: 'k', body: 'x', deadline: Date.now() + 30 }).catch(
      (e: unknown) => e,
    )) as S3PutError;
    // Assess
    expect(error).toMatchObject({ code: 'TimeoutError', retryable: true, attempts: 1 });
    expect(error.status).toBeUndefined();
  });

  it('does not retry when there are no credentials to sign with', async () => {
    // Prepare
    const missing = new Error('no credentials');
    const { put, sent } = putWith([{ status: 200 }], {
      credentials: async () => {
        throw missing;
      },
    });
    // Act
    const error = (await put({ key: 'k', body: 'x' }).catch((e: unknown) => e)) as S3PutError;
    // Assess
    expect(error).toMatchObject({ code: 'SigningFailed', attempts: 1, retryable: false });
    expect(error.cause).toBe(missing);
    expect(sent).toHaveLength(0);
  });

  it('refuses to build without a region', () => {
    // Prepare
    stubEnv('AWS_REGION', '');
    stubEnv('AWS_DEFAULT_REGION', '');
    // Act / Assess
    expect(() => createObjectPut({ bucket: 'lake' })).toThrow(S3PutError);
    restoreEnv();
  });
});
