import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { HttpRequest } from '@smithy/core/protocols';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { clientConfig, httpHandler, s3ClientConfig } from '../../src/index.js';

const saved = { s3: process.env.AWS_ENDPOINT_URL_S3, all: process.env.AWS_ENDPOINT_URL };

afterEach(() => {
  for (const [key, value] of [
    ['AWS_ENDPOINT_URL_S3', saved.s3],
    ['AWS_ENDPOINT_URL', saved.all],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

describe('clientConfig', () => {
  it('uses an HTTP/1 NodeHttpHandler with keep-alive agents and merges extra settings', async () => {
    // Act
    const config = clientConfig({ maxAttempts: 2 });
    // Assess
    expect(config.requestHandler).toBeInstanceOf(NodeHttpHandler);
    expect(config.maxAttempts).toBe(2);
    type Resolved = {
      httpsAgent: { keepAlive: boolean };
      httpAgentProvider: () => Promise<{ keepAlive: boolean }>;
    };
    const resolved = await (
      config.requestHandler as unknown as { configProvider: Promise<Resolved> }
    ).configProvider;
    expect(resolved.httpsAgent.keepAlive).toBe(true);
    expect((await resolved.httpAgentProvider()).keepAlive).toBe(true);
  });

  it('does not set an endpoint: the SDK reads AWS_ENDPOINT_URL_* itself', () => {
    expect(clientConfig()).not.toHaveProperty('endpoint');
  });
});

describe('httpHandler', () => {
  /** A server that reads requests and never answers them (a stalled endpoint). */
  async function stalledServer(): Promise<{ server: Server; port: number }> {
    const server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, port: (server.address() as AddressInfo).port };
  }

  it('fails a request that exceeds the request timeout instead of hanging', async () => {
    // Prepare
    const { server, port } = await stalledServer();
    const handler = httpHandler({ connectionTimeoutMs: 1_000, requestTimeoutMs: 150 });
    const request = new HttpRequest({
      protocol: 'http:',
      hostname: '127.0.0.1',
      port,
      method: 'POST',
      path: '/',
      headers: { host: `127.0.0.1:${port}` },
      body: '{}',
    });
    const started = Date.now();
    try {
      // Act
      const outcome = await handler.handle(request).then(
        () => 'answered',
        (error: { name?: string }) => error.name,
      );
      // Assess
      expect(outcome).toBe('TimeoutError');
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      handler.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('s3ClientConfig', () => {
  it.each([
    ['AWS_ENDPOINT_URL_S3', 'http://127.0.0.1:4569'],
    ['AWS_ENDPOINT_URL', 'http://127.0.0.1:4566'],
  ])('forces path-style addressing when %s is set', (name, value) => {
    // Prepare
    delete process.env.AWS_ENDPOINT_URL_S3;
    delete process.env.AWS_ENDPOINT_URL;
    process.env[name] = value;
    // Act
    const config = s3ClientConfig();
    // Assess
    expect(config.forcePathStyle).toBe(true);
  });

  it('leaves virtual-hosted addressing alone on AWS', () => {
    delete process.env.AWS_ENDPOINT_URL_S3;
    delete process.env.AWS_ENDPOINT_URL;
    expect(s3ClientConfig()).not.toHaveProperty('forcePathStyle');
    expect(s3ClientConfig({ forcePathStyle: true }).forcePathStyle).toBe(true);
  });
});
