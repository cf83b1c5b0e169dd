import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { createObjectPut, S3PutError } from '@streamlens/lambda-kit/s3-put';
import {
  type DeadLetter,
  deadLetterKey,
  objectDeadLetterSink,
  objectPut,
} from '../../src/dead-letter.js';
import { DeadLetterError } from '../../src/errors.js';
import { recordingServer } from '../helpers/recording-server.js';
import { verifySigV4 } from '../helpers/sigv4.js';

const letter = (over: Partial<DeadLetter> = {}): DeadLetter => ({
  reason: { status: 400, type: 'mapper_parsing_exception', message: 'failed to parse field' },
  shardId: 'shardId-000000000001',
  sequenceNumber: '49000000000000000000000000000000000000000000000000000001',
  arrivalTimeMs: Date.parse('2026-02-03T23:59:59.500Z'),
  id: 'evt-1',
  index: 'events-2026.02.03',
  document: { id: 'evt-1', message: 'hello' },
  ...over,
});
const noSleep = async () => undefined;

describe('deadLetterKey', () => {
  it('is fixed by the stream position: arrival day, shard, sequence and sub-sequence numbers', () => {
    expect(deadLetterKey('dl/', letter())).toBe(
      'dl/dt=2026-02-03/shardId-000000000001/49000000000000000000000000000000000000000000000000000001.json',
    );
    expect(deadLetterKey('dl/', letter({ subSequenceNumber: 7 }))).toBe(
      'dl/dt=2026-02-03/shardId-000000000001/49000000000000000000000000000000000000000000000000000001-7.json',
    );
    // The reason or the time of writing do not enter the key: a redelivery overwrites.
    expect(deadLetterKey('dl/', letter({ reason: { type: 'OVERSIZE', message: 'x' } }))).toBe(
      deadLetterKey('dl/', letter()),
    );
  });
});

describe('objectDeadLetterSink', () => {
  it('writes one object per dead letter with its reason, position and payload', async () => {
    // Prepare
    const objects = new Map<string, string>();
    const sink = objectDeadLetterSink(async (key, body) => void objects.set(key, body), 'dl/', {
      now: () => Date.parse('2026-02-04T00:00:01.000Z'),
    });
    const letters = [
      letter(),
      letter({ subSequenceNumber: 1, id: undefined, document: undefined, raw: 'e30=' }),
    ];
    // Act
    await sink(letters, { deadline: Date.now() + 10_000 });
    // Assess
    expect([...objects.keys()]).toEqual(letters.map((l) => deadLetterKey('dl/', l)));
    expect(JSON.parse(objects.get(deadLetterKey('dl/', letters[0]!))!)).toEqual({
      ...letters[0],
      deadLetteredAt: '2026-02-04T00:00:01.000Z',
    });
    expect(JSON.parse(objects.get(deadLetterKey('dl/', letters[1]!))!)).toMatchObject({
      raw: 'e30=',
      subSequenceNumber: 1,
      reason: { type: 'mapper_parsing_exception' },
    });
  });

  it('writes nothing for an empty list', async () => {
    const put = jest.fn(async () => undefined);
    await objectDeadLetterSink(put, 'dl/')([], { deadline: Date.now() + 1000 });
    expect(put).not.toHaveBeenCalled();
  });

  it('retries a failed write, then throws DeadLetterError naming how many were not stored', async () => {
    // Prepare
    const attempts = new Map<string, number>();
    const put = async (key: string) => {
      const n = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, n);
      if (key.endsWith('-2.json')) throw new Error('AccessDenied'); // always
      if (n === 1) throw new Error('SlowDown'); // once
    };
    const sink = objectDeadLetterSink(put, 'dl/', { maxAttempts: 3, sleep: noSleep });
    const letters = [0, 1, 2].map((i) => letter({ subSequenceNumber: i }));
    // Act
    const result = sink(letters, { deadline: Date.now() + 10_000 });
    // Assess
    await expect(result).rejects.toThrow(DeadLetterError);
    await expect(result).rejects.toThrow('1 of 3 dead letters could not be stored');
    expect([...attempts.values()]).toEqual([2, 2, 3]);
  });

  it('keeps at most `concurrency` writes in flight', async () => {
    // Prepare
    let inFlight = 0;
    let most = 0;
    const put = async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight--;
    };
    const letters = Array.from({ length: 20 }, (_, i) => letter({ subSequenceNumber: i }));
    // Act
    await objectDeadLetterSink(put, 'dl/', { concurrency: 3 })(letters, {
      deadline: Date.now() + 10_000,
    });
    // Assess
    expect(most).toBe(3);
  });
});

describe('objectPut', () => {
  const servers: Array<{ close: () => Promise<void> }> = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('PUTs the JSON body through lambda-kit, SigV4-signed for s3 with the payload hash and session token', async () => {
    // Prepare
    const s3 = await recordingServer(() => ({ body: '' }));
    servers.push(s3);
    const put = objectPut(
      createObjectPut({
        bucket: 'lake',
        region: 'eu-west-1',
        endpoint: s3.endpoint,
        credentials: async () => ({
          accessKeyId: 'AKIDEXAMPLE',
          secretAccessKey: 'secret',
          sessionToken: 'token-1',
        }),
        maxAttempts: 1,
      }),
    );
    const body = JSON.stringify({ reason: { type: 'x' } });
    // Act
    await put('dl/dt=2026-02-03/shardId-1/42.json', body);
    // Assess
    const req = s3.requests[0]!;
    expect(req).toMatchObject({
      method: 'PUT',
      url: '/lake/dl/dt%3D2026-02-03/shardId-1/42.json',
      body,
    });
    expect(String(req.headers.authorization)).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/s3\/aws4_request, SignedHeaders=.*x-amz-content-sha256.*, Signature=[0-9a-f]{64}$/,
    );
    expect(req.headers['x-amz-content-sha256']).toBe(
      createHash('sha256').update(body).digest('hex'),
    );
    expect(req.headers['x-amz-security-token']).toBe('token-1');
    expect(req.headers['content-type']).toBe('application/json');
    const { expected, received } = verifySigV4(req, 'secret', { doubleEncode: false });
    expect(received).toBe(expected);
  });

  it('rejects with the S3 error code on a non-2xx answer', async () => {
    // Prepare
    const s3 = await recordingServer(() => ({
      status: 403,
      contentType: 'application/xml',
      body: '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>no</Message></Error>',
    }));
    servers.push(s3);
    const put = objectPut(
      createObjectPut({
        bucket: 'lake',
        region: 'us-east-1',
        endpoint: s3.endpoint,
        credentials: async () => ({ accessKeyId: 'a', secretAccessKey: 'b' }),
        maxAttempts: 1,
      }),
    );
    // Act
    const result = put('k.json', '{}');
    // Assess
    await expect(result).rejects.toThrow(S3PutError);
    await expect(result).rejects.toThrow(
      'PutObject s3://lake/k.json failed: HTTP 403 AccessDenied',
    );
  });
});
