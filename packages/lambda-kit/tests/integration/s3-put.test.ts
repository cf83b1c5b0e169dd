import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { connectLocalAws } from '@streamlens/local-aws';
import { S3PutError } from '../../src/errors.js';
import { createObjectPut } from '../../src/s3-put.js';
import { type SigV4Check, verifySigV4 } from '../helpers/sigv4.js';

const aws = connectLocalAws();
const bucket = `lambda-kit-put-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  await aws.createResources({ buckets: [bucket] });
});

afterAll(() => aws.close());

describe('createObjectPut against s3rver', () => {
  it('writes objects whose keys hold spaces, =, + and non-ASCII characters, read back byte for byte', async () => {
    // Prepare: endpoint, region and credentials from the environment, as in a function.
    const put = createObjectPut({ bucket });
    const objects = [
      { key: 'aggregates/dt=2026-11-25/3f9a.ndjson', body: '{"n":1}\n{"n":2}\n' },
      { key: 'late data/dt=2026-11-25/shardId-000000000001/1_9.ndjson', body: '{"late":true}\n' },
      { key: 'ünïcödé/série=température/a+b (1).json', body: '{"é":"ü"}' },
    ];
    // Act
    const results = await Promise.all(
      objects.map((o) => put({ ...o, contentType: 'application/x-ndjson' })),
    );
    // Assess
    expect(results.map((r) => r.attempts)).toEqual([1, 1, 1]);
    expect(results[0]?.etag).toBe(
      `"${createHash('md5')
        .update(objects[0]?.body ?? '')
        .digest('hex')}"`,
    );
    const stored = await aws.getObjects(bucket);
    const read = stored
      .map((o) => ({ key: o.key, body: Buffer.from(o.body).toString('utf8') }))
      .sort((a, b) => a.key.localeCompare(b.key));
    expect(read).toEqual([...objects].sort((a, b) => a.key.localeCompare(b.key)));
    expect(stored.find((o) => o.key === objects[0]?.key)?.contentType).toBe('application/x-ndjson');
  });

  it('overwrites an object PUT again under the same key', async () => {
    // Prepare
    const put = createObjectPut({ bucket });
    await put({ key: 'overwrite/k.json', body: 'first' });
    // Act
    await put({ key: 'overwrite/k.json', body: 'second' });
    // Assess
    const stored = await aws.getObjects(bucket, 'overwrite/');
    expect(stored.map((o) => Buffer.from(o.body).toString())).toEqual(['second']);
  });

  it('fails without retrying when the bucket does not exist (NoSuchBucket)', async () => {
    // Prepare
    const put = createObjectPut({ bucket: `${bucket}-missing` });
    // Act
    const error = await put({ key: 'k', body: 'x' }).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(S3PutError);
    expect(error).toMatchObject({ status: 404, code: 'NoSuchBucket', attempts: 1 });
  });
});

/** What the test server saw and decided for one request. */
interface Seen {
  url: string;
  signature: SigV4Check;
  md5Matches: boolean;
  body: string;
}

/**
 * An S3-like server on 127.0.0.1 that checks each request as S3 would (SigV4 with the test
 * credentials, Content-MD5 and the payload hash against the bytes received), then answers with
 * `answers[n]` (the last one repeats): a status + XML body, or 'drop' to destroy the connection.
 */
async function startCheckingServer(answers: Array<{ status: number; xml?: string } | 'drop'>) {
  const seen: Seen[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const signature = verifySigV4(
        { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body },
        process.env.AWS_SECRET_ACCESS_KEY ?? '',
      );
      const md5Matches =
        req.headers['content-md5'] === createHash('md5').update(body).digest('base64');
      seen.push({ url: req.url ?? '', signature, md5Matches, body: body.toString() });
      const answer = answers[Math.min(seen.length - 1, answers.length - 1)];
      if (answer === 'drop' || answer === undefined) {
        req.socket.destroy();
        return;
      }
      if (!signature.ok || !md5Matches) {
        res.writeHead(403, { 'content-type': 'application/xml' });
        res.end('<Error><Code>SignatureDoesNotMatch</Code><Message>checked</Message></Error>');
        return;
      }
      res.writeHead(answer.status, {
        'content-type': 'application/xml',
        ...(answer.status === 200 ? { etag: '"e"' } : {}),
      });
      res.end(answer.xml ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { endpoint, seen, server };
}

describe('createObjectPut against a checking S3-like server', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    }
  });

  it('retries 503 SlowDown and a dropped connection, every attempt correctly signed and digested', async () => {
    // Prepare
    const { endpoint, seen, server } = await startCheckingServer([
      {
        status: 503,
        xml: '<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>',
      },
      'drop',
      {
        status: 503,
        xml: '<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>',
      },
      { status: 200 },
    ]);
    servers.push(server);
    const put = createObjectPut({ bucket: 'lake', endpoint, baseDelayMs: 5 });
    const key = 'late-data/stream-aggregator/dt=2026-11-25/shardId-000000000000/49_51.ndjson';
    // Act
    const result = await put({ key, body: '{"x":"é"}\n', deadline: Date.now() + 10_000 });
    // Assess
    expect(result).toEqual({ etag: '"e"', attempts: 4 });
    expect(seen).toHaveLength(4);
    for (const s of seen) {
      expect(s.signature).toMatchObject({ ok: true });
      expect(s.md5Matches).toBe(true);
      expect(s.url).toBe(
        '/lake/late-data/stream-aggregator/dt%3D2026-11-25/shardId-000000000000/49_51.ndjson',
      );
      expect(s.body).toBe('{"x":"é"}\n');
    }
  });

  it('gives up with the S3 code when SlowDown outlasts the attempts', async () => {
    // Prepare
    const { endpoint, seen, server } = await startCheckingServer([
      {
        status: 503,
        xml: '<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>',
      },
    ]);
    servers.push(server);
    const put = createObjectPut({ bucket: 'lake', endpoint, baseDelayMs: 5, maxAttempts: 3 });
    // Act
    const error = await put({ key: 'k', body: 'x' }).catch((e: unknown) => e);
    // Assess
    expect(error).toMatchObject({ name: 'S3PutError', status: 503, code: 'SlowDown', attempts: 3 });
    expect((error as Error).message).toContain('HTTP 503 SlowDown (Reduce your request rate.)');
    expect(seen).toHaveLength(3);
  });

  it('does not retry a request S3 refuses as corrupt (400 BadDigest)', async () => {
    // Prepare
    const { endpoint, seen, server } = await startCheckingServer([
      {
        status: 400,
        xml: '<Error><Code>BadDigest</Code><Message>The Content-MD5 you specified did not match what we received.</Message></Error>',
      },
    ]);
    servers.push(server);
    const put = createObjectPut({ bucket: 'lake', endpoint, baseDelayMs: 5 });
    // Act
    const error = await put({ key: 'k', body: 'x' }).catch((e: unknown) => e);
    // Assess
    expect(error).toMatchObject({ status: 400, code: 'BadDigest', attempts: 1, retryable: false });
    expect(seen).toHaveLength(1);
  });
});
