import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from '@jest/globals';
import { restoreEnv, stubEnv } from '@streamlens/lambda-kit/testing';
import { bulkSender, createOpenSearchClient, isLocalEndpoint } from '../../src/client.js';
import { BulkRequestError } from '../../src/errors.js';
import { recordingServer } from '../helpers/recording-server.js';
import { verifySigV4 } from '../helpers/sigv4.js';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const credentials = async () => ({
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session-token-1',
});
const servers: Array<{ close: () => Promise<void> }> = [];
afterEach(async () => {
  restoreEnv();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(...args: Parameters<typeof recordingServer>) {
  const s = await recordingServer(...args);
  servers.push(s);
  return s;
}

describe('createOpenSearchClient', () => {
  it('signs every request with SigV4 in sigv4 mode (as for a remote domain)', async () => {
    // Prepare
    const remote = await server(() => ({ body: '{"errors":false,"items":[]}' }));
    const client = createOpenSearchClient({
      endpoint: remote.endpoint,
      region: 'eu-west-1',
      service: 'es',
      signing: 'sigv4',
      requestTimeoutMs: 5_000,
      credentials,
    });
    const ndjson = '{"index":{"_index":"events-2026.01.01","_id":"a"}}\n{"id":"a"}\n';
    // Act
    await client.bulk(ndjson);
    await client.putIndexTemplate('events-template', { index_patterns: ['events-*'] });
    await client.close();
    // Assess
    expect(remote.requests).toHaveLength(2);
    for (const req of remote.requests) {
      const auth = String(req.headers.authorization);
      expect(auth).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/es\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/,
      );
      expect(auth).toMatch(/SignedHeaders=[^,]*x-amz-content-sha256/);
      expect(auth).toMatch(/SignedHeaders=[^,]*x-amz-date/);
      expect(req.headers['x-amz-content-sha256']).toBe(sha256(req.body));
      expect(req.headers['x-amz-security-token']).toBe('session-token-1');
      const { expected, received } = verifySigV4(req, 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', {
        doubleEncode: true,
      });
      expect(received).toBe(expected);
    }
    expect(remote.requests[0]).toMatchObject({ method: 'POST', url: '/_bulk', body: ndjson });
    expect(remote.requests[0]!.headers['content-type']).toBe('application/x-ndjson');
    expect(remote.requests[1]).toMatchObject({
      method: 'PUT',
      url: '/_index_template/events-template',
    });
    expect(JSON.parse(remote.requests[1]!.body)).toEqual({ index_patterns: ['events-*'] });
  });

  it('signs with the environment credentials by default, and for the aoss service', async () => {
    // Prepare
    stubEnv('AWS_ACCESS_KEY_ID', 'AKIDFROMENV');
    stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    stubEnv('AWS_SESSION_TOKEN', '');
    const remote = await server();
    const client = createOpenSearchClient({
      endpoint: remote.endpoint,
      region: 'us-east-1',
      service: 'aoss',
      signing: 'sigv4',
      requestTimeoutMs: 5_000,
    });
    // Act
    await client.count('events', { query: { match_all: {} } });
    await client.close();
    // Assess
    expect(String(remote.requests[0]!.headers.authorization)).toMatch(
      /Credential=AKIDFROMENV\/\d{8}\/us-east-1\/aoss\/aws4_request/,
    );
    expect(remote.requests[0]!.headers['x-amz-security-token']).toBeUndefined();
  });

  it('fails the request with a clear error when sigv4 has no credentials', async () => {
    // Prepare
    stubEnv('AWS_ACCESS_KEY_ID', '');
    stubEnv('AWS_SECRET_ACCESS_KEY', '');
    const remote = await server();
    const client = createOpenSearchClient({
      endpoint: remote.endpoint,
      region: 'us-east-1',
      service: 'es',
      signing: 'sigv4',
      requestTimeoutMs: 5_000,
    });
    // Act
    const attempt = client.search('events', { query: { match_all: {} } });
    // Assess
    await expect(attempt).rejects.toThrow(
      /No AWS credentials: this bundle reads only AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
    );
    expect(remote.requests).toHaveLength(0);
    await client.close();
  });

  it('sends unsigned requests to a localhost endpoint in auto mode (the stand-in)', async () => {
    // Prepare
    const local = await server(() => ({
      body: '{"hits":{"hits":[{"_id":"a","_index":"events-2026.01.01","_source":{"id":"a"}}]}}',
    }));
    const client = createOpenSearchClient({
      endpoint: local.endpoint,
      region: 'us-east-1',
      service: 'es',
      signing: 'auto',
      requestTimeoutMs: 5_000,
      credentials,
    });
    // Act
    const res = await client.search('events', { query: { term: { level: 'ERROR' } }, size: 5 });
    await client.close();
    // Assess
    expect(res.body.hits.hits.map((h) => h._id)).toEqual(['a']);
    expect(local.requests[0]).toMatchObject({ method: 'POST', url: '/events/_search' });
    expect(local.requests[0]!.headers.authorization).toBeUndefined();
    expect(local.requests[0]!.headers['x-amz-content-sha256']).toBeUndefined();
    expect(JSON.parse(local.requests[0]!.body)).toEqual({
      query: { term: { level: 'ERROR' } },
      size: 5,
    });
  });

  it('rejects 4xx/5xx answers with their status; bulkSender marks 429/5xx retryable', async () => {
    // Prepare
    const statuses = [429, 400, 503];
    // OpenSearch error bodies carry the status too; the client's ResponseError reads it from there.
    const local = await server(() => {
      const status = statuses.shift();
      return { status, body: JSON.stringify({ error: { type: 'x', reason: 'y' }, status }) };
    });
    const client = createOpenSearchClient({
      endpoint: local.endpoint,
      region: 'us-east-1',
      service: 'es',
      signing: 'none',
      requestTimeoutMs: 5_000,
    });
    const send = bulkSender(client);
    // Act
    const errors = [];
    for (let i = 0; i < 3; i++) errors.push(await send('{}\n{}\n').catch((e: unknown) => e));
    await client.close();
    // Assess
    expect(errors.map((e) => e instanceof BulkRequestError && [e.status, e.retryable])).toEqual([
      [429, true],
      [400, false],
      [503, true],
    ]);
    expect(local.requests).toHaveLength(3); // the transport's own retries are off
  });

  it('reads getDocument and querystring-free paths with encoded names', async () => {
    // Prepare
    const local = await server(() => ({
      body: '{"_id":"a b","_version":2,"found":true,"_source":{"id":"a b"}}',
    }));
    const client = createOpenSearchClient({
      endpoint: local.endpoint,
      region: 'us-east-1',
      service: 'es',
      signing: 'none',
      requestTimeoutMs: 5_000,
    });
    // Act
    const doc = await client.getDocument('events-2026.01.01', 'a b');
    await client.close();
    // Assess
    expect(doc.body._version).toBe(2);
    expect(local.requests[0]).toMatchObject({
      method: 'GET',
      url: '/events-2026.01.01/_doc/a%20b',
    });
  });
});

describe('isLocalEndpoint', () => {
  it('is true for loopback addresses only', () => {
    expect(isLocalEndpoint('http://127.0.0.1:9200')).toBe(true);
    expect(isLocalEndpoint('http://localhost:9200')).toBe(true);
    expect(isLocalEndpoint('http://[::1]:9200')).toBe(true);
    expect(isLocalEndpoint('https://search-x.us-east-1.es.amazonaws.com')).toBe(false);
    expect(isLocalEndpoint('not a url')).toBe(false);
  });
});
