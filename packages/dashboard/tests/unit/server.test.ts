import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { MetricsWindowData } from '@streamlens/schema';
import { metricsWindow } from '@streamlens/schema/testing';
import type { AggregatesReader } from '../../src/aggregates.js';
import { bundlePage, JS_BUDGET_BYTES, type PageBundle } from '../../src/bundle.js';
import { DashboardHub } from '../../src/hub.js';
import {
  type DashboardServer,
  DEFAULT_LOCAL_PORT,
  DEFAULT_STAGE_PORT,
  serveDashboard,
} from '../../src/server.js';
import { composeSource } from '../../src/source.js';

let page: PageBundle;
const servers: DashboardServer[] = [];

beforeAll(async () => {
  page = await bundlePage();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function hubWith(batches: MetricsWindowData[][]): DashboardHub {
  const reader = {
    read: async () => ({ windows: batches.shift() ?? [], rejected: {} }),
  } as unknown as AggregatesReader;
  return new DashboardHub(composeSource({ label: 'test <run>', windows: reader }));
}

async function serve(hub: DashboardHub, port = 0, fallback = false): Promise<DashboardServer> {
  const server = await serveDashboard(hub, { port, fallback, page });
  servers.push(server);
  return server;
}

describe('the page bundle', () => {
  it('stays within its JavaScript budget and draws with uPlot from the bundle', () => {
    expect(page.js.length).toBeGreaterThan(10_000);
    expect(Buffer.byteLength(page.js)).toBeLessThanOrEqual(JS_BUDGET_BYTES);
    expect(page.js).toContain('uplot');
    expect(page.css).toContain('.u-legend');
  });

  it("carries uPlot's copyright and licence notice", () => {
    expect(page.js.slice(0, 2_000)).toMatch(
      /Copyright \(c\) \d{4}.*Leon Sorokin[\s\S]*Permission is hereby granted/,
    );
  });

  it('loads nothing from another origin', () => {
    expect(page.js).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)[a-z0-9.-]+\.[a-z]{2,}\//i);
    expect(page.css).not.toMatch(/@import|url\(\s*['"]?https?:/i);
  });
});

describe('serveDashboard', () => {
  it('defaults to ports no tool a developer runs beside it listens on', () => {
    // Defaults of tools often running on the same machine: OpenTelemetry's OTLP gRPC and HTTP
    // receivers, web dev servers (3000, 4000, 4200, 5000, 5173, 8000, 8080), LocalStack 4566,
    // Kibana/OpenSearch Dashboards 5601, Storybook/TensorBoard 6006, Cassandra 7000/7001, Neo4j
    // 7474/7687, Jupyter 8888, Prometheus 9090, OpenSearch 9200, Node's inspector 9229, Zipkin
    // 9411, Jaeger 16686.
    const taken = [
      4317, 4318, 3000, 4000, 4200, 5000, 5173, 8000, 8080, 4566, 5601, 6006, 7000, 7001, 7474,
      7687, 8888, 9090, 9200, 9229, 9411, 16686,
    ];
    expect(taken).not.toContain(DEFAULT_LOCAL_PORT);
    expect(taken).not.toContain(DEFAULT_STAGE_PORT);
    expect(DEFAULT_STAGE_PORT).not.toBe(DEFAULT_LOCAL_PORT);
  });

  it('serves the page on 127.0.0.1 with its title escaped', async () => {
    // Arrange
    const server = await serve(hubWith([]));

    // Act
    const res = await fetch(server.url);
    const html = await res.text();

    // Assert
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(html).toContain('test &#60;run&#62;');
    expect(html).not.toContain('<run>');
  });

  it('answers search, detail, alerts, pipeline and status from the hub', async () => {
    // Arrange
    const w = metricsWindow().data;
    const hub = hubWith([[w]]);
    await hub.poll();
    const server = await serve(hub);
    const get = async (path: string) => {
      const res = await fetch(new URL(path, server.url));
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    // Act
    const found = await get('/api/series?q=cpu');
    const none = await get('/api/series?q=nothing-like-this');
    const detail = await get(`/api/series/detail?key=${encodeURIComponent(w.series)}`);
    const missing = await get('/api/series/detail?key=nope');
    const status = await get('/api/status');

    // Assert
    expect(found.body).toMatchObject({ total: 1, series: [{ key: w.series, windows: 1 }] });
    expect(none.body).toMatchObject({ total: 0, series: [] });
    expect(detail.body).toMatchObject({ key: w.series, windows: [{ mean: w.mean }] });
    expect(missing.status).toBe(404);
    expect(status.body).toMatchObject({ label: 'test <run>', series: 1, status: { state: 'ok' } });
    expect((await get('/api/alerts')).body).toEqual({ alerts: [] });
    expect((await get('/api/pipeline')).body).toMatchObject({ history: [] });
    expect((await get('/nope')).status).toBe(404);
  });

  it('answers only requests addressed to 127.0.0.1 or localhost by its port', async () => {
    // Arrange
    const server = await serve(hubWith([]));
    const statusFor = (host: string) =>
      new Promise<number | undefined>((resolve, reject) => {
        request({ host: '127.0.0.1', port: server.port, path: '/api/status', headers: { host } })
          .on('response', (res) => {
            res.resume();
            resolve(res.statusCode);
          })
          .on('error', reject)
          .end();
      });

    // Act + Assert
    expect(await statusFor(`127.0.0.1:${server.port}`)).toBe(200);
    expect(await statusFor(`localhost:${server.port}`)).toBe(200);
    expect(await statusFor(`attacker.example:${server.port}`)).toBe(403);
    expect(await statusFor('127.0.0.1')).toBe(403);
  });

  it('refuses anything but GET and HEAD', async () => {
    const server = await serve(hubWith([]));
    const res = await fetch(new URL('/api/status', server.url), { method: 'POST', body: '{}' });
    expect(res.status).toBe(405);
  });

  it('pushes an update to an open event stream when a poll changes something', async () => {
    // Arrange
    const w = metricsWindow().data;
    const hub = hubWith([[w]]);
    const server = await serve(hub);
    const res = await fetch(new URL('/api/events', server.url));
    const reader = res.body?.getReader();
    const decoder = new TextDecoder();
    let received = '';

    // Act
    await hub.poll();
    while (!received.includes('event: update') || !received.endsWith('\n\n')) {
      const chunk = await reader?.read();
      if (!chunk || chunk.done) break;
      received += decoder.decode(chunk.value);
    }
    await reader?.cancel();

    // Assert
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const data = received.split('\n').find((l) => l.startsWith('data: '));
    expect(JSON.parse(data?.slice(6) ?? '{}')).toMatchObject({ series: 1, changed: [w.series] });
  });

  it('takes a free port when the one asked for is taken, if told to', async () => {
    // Arrange: hold a port.
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as AddressInfo).port;
    try {
      // Act
      const fallback = await serve(hubWith([]), taken, true);
      const strict = serveDashboard(hubWith([]), { port: taken, page });

      // Assert
      expect(fallback.port).not.toBe(taken);
      await expect(strict).rejects.toThrow(/EADDRINUSE/);
    } finally {
      blocker.close();
    }
  });
});
