import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bundlePage, type PageBundle, pageHtml } from './bundle.js';
import type { DashboardHub, Update } from './hub.js';

/** A running dashboard server. */
export interface DashboardServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Default ports: `pnpm start`'s page and `pnpm dashboard`'s. Neither is assigned in IANA's
 * service-name and port-number registry, nor the default of a tool a developer of this project
 * commonly runs beside it (4317/4318 are OpenTelemetry's OTLP gRPC/HTTP ports; 3000, 4000, 4200,
 * 4566, 5000, 5173, 5601, 6006, 7000/7001, 7474/7687, 8000, 8080, 8888, 9000, 9090, 9200, 9229,
 * 9411, 16686 are taken by web frameworks, LocalStack, Kibana, Storybook, Cassandra, Neo4j,
 * Jupyter, Prometheus, OpenSearch, Node's inspector, Zipkin, Jaeger). A taken port still falls
 * back to a free one for `pnpm start`.
 */
export const DEFAULT_LOCAL_PORT = 7341;
export const DEFAULT_STAGE_PORT = 7342;

/** Seconds between SSE comments that keep idle connections (and proxies) open. */
const KEEPALIVE_MS = 15_000;
/** Longest search query and series key accepted (a series key is metric + dimensions). */
const MAX_QUERY_CHARS = 2_000;

/**
 * Serve the page, its JSON endpoints and the live updates (Server-Sent Events) of a hub on
 * 127.0.0.1. `port` 0 takes a free one; a taken `port` falls back to a free one when
 * `fallback` is set (a second `pnpm start` on the same machine still gets its page).
 */
export async function serveDashboard(
  hub: DashboardHub,
  options: { port: number; fallback?: boolean; page?: PageBundle } = { port: 0 },
): Promise<DashboardServer> {
  const page = options.page ?? (await bundlePage());
  const html = pageHtml(hub.source.label);
  const streams = new Set<ServerResponse>();
  const unsubscribe = hub.onUpdate((u: Update) => {
    const frame = `event: update\nid: ${u.version}\ndata: ${JSON.stringify(u)}\n\n`;
    for (const res of streams) res.write(frame);
  });
  const keepalive = setInterval(() => {
    for (const res of streams) res.write(': keepalive\n\n');
  }, KEEPALIVE_MS);
  keepalive.unref();

  const server = createServer((req, res) => {
    try {
      route(req, res);
    } catch (error) {
      send(res, 500, { error: error instanceof Error ? error.message : String(error) });
    }
  });

  function route(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    // Only requests addressed to this server by its own name: a page elsewhere whose domain was
    // re-pointed at 127.0.0.1 (DNS rebinding) sends its own name as Host and gets nothing.
    const host = (req.headers.host ?? '').toLowerCase();
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      send(res, 403, { error: 'unexpected Host header' });
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const q = (name: string) => (url.searchParams.get(name) ?? '').slice(0, MAX_QUERY_CHARS);
    const limit = (fallback: number, max: number) => {
      const n = Number(url.searchParams.get('limit') ?? fallback);
      return Number.isInteger(n) && n > 0 ? Math.min(n, max) : fallback;
    };
    switch (url.pathname) {
      case '/':
        text(res, 'text/html; charset=utf-8', html);
        return;
      case '/app.js':
        text(res, 'text/javascript; charset=utf-8', page.js);
        return;
      case '/app.css':
        text(res, 'text/css; charset=utf-8', page.css);
        return;
      case '/api/status':
        send(res, 200, hub.snapshot());
        return;
      case '/api/series':
        send(res, 200, hub.model.search(q('q'), limit(50, 500)));
        return;
      case '/api/series/detail': {
        const detail = hub.seriesDetail(q('key'));
        if (detail) send(res, 200, detail);
        else send(res, 404, { error: 'no such series' });
        return;
      }
      case '/api/alerts':
        send(res, 200, { alerts: hub.model.alerts(limit(200, 1000)) });
        return;
      case '/api/pipeline':
        send(res, 200, hub.pipeline());
        return;
      case '/api/events': {
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          connection: 'keep-alive',
        });
        // The page reloads its state on (re)connect; `retry` sets how soon it reconnects.
        res.write('retry: 2000\n\n');
        streams.add(res);
        req.on('close', () => streams.delete(res));
        return;
      }
      default:
        send(res, 404, { error: 'not found' });
        return;
    }
  }

  let port = 0;
  port = await listen(server, options.port, options.fallback === true);
  return {
    port,
    url: `http://127.0.0.1:${port}/`,
    async close() {
      unsubscribe();
      clearInterval(keepalive);
      for (const res of streams) res.end();
      streams.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function listen(server: Server, port: number, fallback: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      if (fallback && port !== 0 && error.code === 'EADDRINUSE') {
        server.listen(0, '127.0.0.1');
        return;
      }
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.on('error', onError);
    server.once('listening', onListening);
    server.listen(port, '127.0.0.1');
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  text(res, 'application/json; charset=utf-8', JSON.stringify(body), status);
}

function text(res: ServerResponse, type: string, body: string, status = 200): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    // Everything is served from here: no script, style or connection elsewhere.
    'content-security-policy':
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
