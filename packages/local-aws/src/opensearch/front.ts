import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom } from '../fault-proxy/rules.js';

/**
 * Faults the front injects into `_bulk` requests on their way to the real node: what a loaded
 * Amazon OpenSearch domain answers and a single idle node never does. Control them in-process
 * with `setFaults` or from any process with `setOpenSearchFaults(endpoint, faults)`.
 */
export interface OpenSearchFaults {
  /**
   * Per-item 429 `es_rejected_execution_exception` (the item does not reach the node). `ids`:
   * document ids to reject (a list: once each; a map: that many times each); `probability`: any
   * other item, drawn from the seeded RNG; `times`: at most this many probabilistic rejections.
   */
  reject?: {
    ids?: readonly string[] | Record<string, number>;
    probability?: number;
    times?: number;
  };
  /** Whole `_bulk` requests answered with this status (e.g. 429, 503) `times` times (default 1). */
  bulkRequestError?: { status: number; type?: string; times?: number };
  /** Seed of the RNG (default 1); setting faults restarts it. */
  seed?: number;
}

/** Counters of the front (`GET /_streamlens/stats`). Documents are counted by the node itself. */
export interface OpenSearchStats {
  /** Requests received (control requests excluded). */
  requests: number;
  bulkRequests: number;
  /** Items of the `_bulk` requests the front read, which it does while faults are set. */
  bulkItems: number;
  injected429: number;
  injectedRequestErrors: number;
}

/** A front started by {@link startOpenSearchFront}. */
export interface OpenSearchFront {
  readonly endpoint: string;
  setFaults(faults: OpenSearchFaults | undefined): void;
  stats(): OpenSearchStats;
  /** Zero the counters and clear the faults. */
  reset(): void;
  stop(): Promise<void>;
}

const zeroStats = (): OpenSearchStats => ({
  requests: 0,
  bulkRequests: 0,
  bulkItems: 0,
  injected429: 0,
  injectedRequestErrors: 0,
});

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** One `_bulk` item: its action line, its source line (none for `delete`), what it targets. */
interface BulkItem {
  readonly lines: readonly string[];
  readonly op: string;
  readonly index: string | undefined;
  readonly id: string | undefined;
}

/**
 * Splits an NDJSON `_bulk` body into items, or undefined when it is not one the front can read
 * (then it goes to the node as it is, and the node answers what is wrong with it).
 */
function bulkItems(text: string): BulkItem[] | undefined {
  const lines = text.split('\n');
  const items: BulkItem[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '') continue;
    let action: unknown;
    try {
      action = JSON.parse(line);
    } catch {
      return undefined;
    }
    const entries = typeof action === 'object' && action !== null ? Object.entries(action) : [];
    const [op, meta] = entries[0] ?? [];
    if (entries.length !== 1 || typeof op !== 'string' || typeof meta !== 'object' || !meta) {
      return undefined;
    }
    const { _index, _id } = meta as { _index?: unknown; _id?: unknown };
    const hasSource = op !== 'delete';
    const source = hasSource ? lines[++i] : undefined;
    if (hasSource && source === undefined) return undefined;
    items.push({
      lines: source === undefined ? [line] : [line, source],
      op,
      index: typeof _index === 'string' ? _index : undefined,
      id: _id === undefined ? undefined : String(_id),
    });
  }
  return items;
}

const BULK_PATH = /^\/(?:([^/_][^/]*)\/)?_bulk$/;

/**
 * Starts an HTTP front on an ephemeral port of 127.0.0.1 that forwards every request to the
 * OpenSearch node at `target` unchanged, except while faults are set: then it reads each `_bulk`
 * request, answers the items it rejects itself (429, as an overloaded domain does) and forwards
 * only the others, splicing the node's answers back in item order. Control endpoints:
 * `PUT /_streamlens/faults`, `GET /_streamlens/stats`, `POST /_streamlens/reset`.
 */
export async function startOpenSearchFront(
  target: string,
  options: { faults?: OpenSearchFaults } = {},
): Promise<OpenSearchFront> {
  const upstream = new URL(target);
  let stats = zeroStats();
  let faults: OpenSearchFaults = {};
  let random = seededRandom(1);
  let rejectLeft = new Map<string, number>();
  let probabilisticLeft = Number.POSITIVE_INFINITY;
  let requestErrorsLeft = 0;
  const active = () =>
    faults.reject !== undefined || (faults.bulkRequestError !== undefined && requestErrorsLeft > 0);

  const setFaults = (next: OpenSearchFaults | undefined): void => {
    faults = next ?? {};
    random = seededRandom(faults.seed ?? 1);
    const ids = faults.reject?.ids ?? [];
    rejectLeft = new Map(
      Array.isArray(ids)
        ? ids.map((id) => [id, 1] as const)
        : Object.entries(ids as Record<string, number>),
    );
    probabilisticLeft = faults.reject?.times ?? Number.POSITIVE_INFINITY;
    requestErrorsLeft = faults.bulkRequestError ? (faults.bulkRequestError.times ?? 1) : 0;
  };
  setFaults(options.faults);

  const rejects = (id: string | undefined): boolean => {
    const left = id === undefined ? 0 : (rejectLeft.get(id) ?? 0);
    if (left > 0) {
      rejectLeft.set(id as string, left - 1);
      return true;
    }
    const p = faults.reject?.probability;
    if (p !== undefined && probabilisticLeft > 0 && random() < p) {
      probabilisticLeft--;
      return true;
    }
    return false;
  };

  /** Sends a request to the node; resolves with its status, headers and body. */
  const forward = (
    req: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const headers = { ...req.headers, host: upstream.host, 'content-length': body.length };
      delete headers['transfer-encoding'];
      // The answer is read and re-written here: ask for it uncompressed.
      delete headers['accept-encoding'];
      const out = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers,
        },
        (res) => {
          readBody(res).then(
            (b) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: b }),
            reject,
          );
        },
      );
      out.on('error', reject);
      out.end(body);
    });

  const bulkWithFaults = async (
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    pathIndex: string | undefined,
  ): Promise<void> => {
    if (faults.bulkRequestError && requestErrorsLeft > 0) {
      requestErrorsLeft--;
      stats.injectedRequestErrors++;
      const { status, type = 'es_rejected_execution_exception' } = faults.bulkRequestError;
      const reason = 'bulk request rejected (injected)';
      sendJson(res, status, { error: { root_cause: [{ type, reason }], type, reason }, status });
      return;
    }
    const items = bulkItems(body.toString('utf8'));
    if (!items) {
      const r = await forward(req, body);
      res.writeHead(r.status, r.headers);
      res.end(r.body);
      return;
    }
    stats.bulkItems += items.length;
    const rejected = items.map((item) => rejects(item.id));
    const passed = items.filter((_, i) => !rejected[i]);
    let nodeItems: unknown[] = [];
    let took = 0;
    let errors = false;
    if (passed.length > 0) {
      const text = `${passed.flatMap((item) => item.lines).join('\n')}\n`;
      const r = await forward(req, Buffer.from(text, 'utf8'));
      if (r.status !== 200) {
        res.writeHead(r.status, r.headers);
        res.end(r.body);
        return;
      }
      const answer = JSON.parse(r.body.toString('utf8')) as {
        took: number;
        errors: boolean;
        items: unknown[];
      };
      ({ took, errors } = answer);
      nodeItems = answer.items;
    }
    let next = 0;
    const merged = items.map((item, i) => {
      if (!rejected[i]) return nodeItems[next++];
      stats.injected429++;
      const index = item.index ?? pathIndex;
      return {
        [item.op]: {
          _index: index,
          _id: item.id,
          status: 429,
          error: {
            type: 'es_rejected_execution_exception',
            reason:
              'rejected execution of coordinating operation (injected by the streamlens front)',
            index,
          },
        },
      };
    });
    sendJson(res, 200, { took, errors: errors || rejected.some(Boolean), items: merged });
  };

  const control = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    if (path === '/_streamlens/faults' && (req.method === 'PUT' || req.method === 'POST')) {
      const text = (await readBody(req)).toString('utf8').trim();
      setFaults(text === '' ? undefined : (JSON.parse(text) as OpenSearchFaults));
      return sendJson(res, 200, { acknowledged: true });
    }
    if (path === '/_streamlens/stats' && req.method === 'GET') return sendJson(res, 200, stats);
    if (path === '/_streamlens/reset' && req.method === 'POST') {
      reset();
      return sendJson(res, 200, { acknowledged: true });
    }
    return sendJson(res, 404, { error: `no ${req.method} ${path}`, status: 404 });
  };

  const reset = () => {
    stats = zeroStats();
    setFaults(undefined);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path.startsWith('/_streamlens/')) return control(req, res, path);
    stats.requests++;
    const bulk = BULK_PATH.exec(path);
    if (bulk && (req.method === 'POST' || req.method === 'PUT')) {
      stats.bulkRequests++;
      if (active()) {
        const index = bulk[1] === undefined ? undefined : decodeURIComponent(bulk[1]);
        return bulkWithFaults(req, res, await readBody(req), index);
      }
    }
    // No fault to inject: stream the request and the answer through.
    const out = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', (error) => {
      if (!res.headersSent) sendJson(res, 502, { error: String(error), status: 502 });
      else res.destroy();
    });
    req.pipe(out);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: String(error), status: 500 });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let stopped = false;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    setFaults,
    stats: () => ({ ...stats }),
    reset,
    async stop() {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** Set the faults of the front at `endpoint` from any process (`undefined` clears them). */
export async function setOpenSearchFaults(
  endpoint: string,
  faults: OpenSearchFaults | undefined,
): Promise<void> {
  const res = await fetch(`${endpoint}/_streamlens/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: faults === undefined ? '' : JSON.stringify(faults),
  });
  if (!res.ok) throw new Error(`setting OpenSearch faults: HTTP ${res.status}`);
}

/** The counters of the front at `endpoint`, from any process. */
export async function openSearchStats(endpoint: string): Promise<OpenSearchStats> {
  const res = await fetch(`${endpoint}/_streamlens/stats`);
  if (!res.ok) throw new Error(`reading OpenSearch stats: HTTP ${res.status}`);
  return (await res.json()) as OpenSearchStats;
}
