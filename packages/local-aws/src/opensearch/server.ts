import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalAwsError } from '../errors.js';
import { seededRandom } from '../fault-proxy/rules.js';
import type { FieldMapping } from './mapping.js';
import { QueryError, runQuery } from './query.js';
import { type IndexTemplate, Store } from './store.js';

/** The version the stand-in reports on `GET /` (a recent 2.x line of Amazon OpenSearch Service). */
export const OPENSEARCH_STANDIN_VERSION = '2.19.0';

/**
 * Faults injected into `_bulk` items and requests. Control them in-process with `setFaults` or, from
 * a test worker, with `setOpenSearchFaults(endpoint, faults)` (`PUT /_streamlens/faults`).
 */
export interface OpenSearchFaults {
  /**
   * Per-item 429 `es_rejected_execution_exception` (the item is not written). `ids`: document ids to
   * reject (a list: once each; a map: that many times each); `probability`: any other item, drawn
   * from the seeded RNG; `times`: at most this many probabilistic rejections in total.
   */
  reject?: {
    ids?: readonly string[] | Record<string, number>;
    probability?: number;
    times?: number;
  };
  /** Document ids answered with 400 `mapper_parsing_exception` whatever their content. */
  mappingErrorIds?: readonly string[];
  /** Whole `_bulk` requests answered with this status (e.g. 429, 503) `times` times (default 1). */
  bulkRequestError?: { status: number; type?: string; times?: number };
  /** Seed of the RNG (default 1); setting faults restarts it. */
  seed?: number;
}

/** Counters of the stand-in (`GET /_streamlens/stats`). */
export interface OpenSearchStats {
  requests: number;
  bulkRequests: number;
  bulkItems: number;
  created: number;
  updated: number;
  deleted: number;
  conflicts: number;
  mappingErrors: number;
  injected429: number;
  injectedMappingErrors: number;
  injectedRequestErrors: number;
  searches: number;
  counts: number;
}

/** A running stand-in. */
export interface OpenSearchServer {
  readonly endpoint: string;
  readonly store: Store;
  setFaults(faults: OpenSearchFaults | undefined): void;
  stats(): OpenSearchStats;
  /** Drops every index, template and policy, zeroes counters and faults. */
  reset(): void;
  stop(): Promise<void>;
}

/** Options of `startOpenSearchServer`. */
export interface OpenSearchServerOptions {
  readonly faults?: OpenSearchFaults;
  readonly log?: (message: string) => void;
}

class HttpError extends LocalAwsError {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const zeroStats = (): OpenSearchStats => ({
  requests: 0,
  bulkRequests: 0,
  bulkItems: 0,
  created: 0,
  updated: 0,
  deleted: 0,
  conflicts: 0,
  mappingErrors: 0,
  injected429: 0,
  injectedMappingErrors: 0,
  injectedRequestErrors: 0,
  searches: 0,
  counts: 0,
});

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new HttpError(400, 'parsing_exception', 'request body must be an object');
    }
    return value as Record<string, unknown>;
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw new HttpError(400, 'json_parse_exception', (error as Error).message);
  }
}

/** Media types OpenSearch accepts for a request body (JSON family and NDJSON). */
const BODY_MEDIA_TYPES = new Set([
  'application/json',
  'application/x-ndjson',
  'application/vnd.opensearch+json',
  'application/vnd.opensearch+x-ndjson',
]);

/**
 * OpenSearch's refusal message for a body without a supported `Content-Type`, or undefined when the
 * request is acceptable (no body, or a JSON / NDJSON media type, parameters such as charset ignored).
 */
export function unsupportedContentType(
  contentType: string | undefined,
  body: string,
): string | undefined {
  if (body.length === 0) return undefined;
  if (!contentType) return 'Content-Type header is missing';
  const media = contentType.split(';')[0]!.trim().toLowerCase();
  return BODY_MEDIA_TYPES.has(media)
    ? undefined
    : `Content-Type header [${contentType}] is not supported`;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function errorBody(status: number, type: string, reason: string) {
  return { error: { root_cause: [{ type, reason }], type, reason }, status };
}

const shards = { total: 2, successful: 1, failed: 0 };

/**
 * Starts the OpenSearch stand-in on an ephemeral port of 127.0.0.1: the REST subset streamlens
 * uses (see README), driven by the real `@opensearch-project/opensearch` client.
 */
export async function startOpenSearchServer(
  options: OpenSearchServerOptions = {},
): Promise<OpenSearchServer> {
  const store = new Store();
  const policies = new Map<string, unknown>();
  let stats = zeroStats();
  let faults: OpenSearchFaults = {};
  let random = seededRandom(1);
  let rejectLeft = new Map<string, number>();
  let probabilisticLeft = Number.POSITIVE_INFINITY;
  let requestErrorsLeft = 0;

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

  const injectedItemError = (
    id: string,
  ): { status: number; type: string; reason: string } | undefined => {
    if (faults.mappingErrorIds?.includes(id)) {
      stats.injectedMappingErrors++;
      return {
        status: 400,
        type: 'mapper_parsing_exception',
        reason: `failed to parse field [data] of type [object] in document with id '${id}' (injected)`,
      };
    }
    const left = rejectLeft.get(id) ?? 0;
    let reject = false;
    if (left > 0) {
      rejectLeft.set(id, left - 1);
      reject = true;
    } else if (
      faults.reject?.probability !== undefined &&
      probabilisticLeft > 0 &&
      random() < faults.reject.probability
    ) {
      probabilisticLeft--;
      reject = true;
    }
    if (!reject) return undefined;
    stats.injected429++;
    return {
      status: 429,
      type: 'es_rejected_execution_exception',
      reason:
        'rejected execution of coordinating operation [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, coordinating_operation_bytes=0, max_coordinating_and_primary_bytes=0] (injected)',
    };
  };

  const bulk = (text: string, defaultIndex: string | undefined) => {
    stats.bulkRequests++;
    if (requestErrorsLeft > 0 && faults.bulkRequestError) {
      requestErrorsLeft--;
      stats.injectedRequestErrors++;
      const { status, type = 'es_rejected_execution_exception' } = faults.bulkRequestError;
      throw new HttpError(status, type, 'bulk request rejected (injected)');
    }
    const started = Date.now();
    const lines = text.split('\n');
    const items: Record<string, unknown>[] = [];
    let errors = false;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (line === '') continue;
      const action = parseJson(line);
      const [op, meta] = Object.entries(action)[0] ?? [];
      if (!op || typeof meta !== 'object' || meta === null) {
        throw new HttpError(
          400,
          'illegal_argument_exception',
          `Malformed action/metadata line [${i + 1}]`,
        );
      }
      const m = meta as { _index?: string; _id?: string };
      const index = m._index ?? defaultIndex;
      if (!index)
        throw new HttpError(
          400,
          'action_request_validation_exception',
          'Validation Failed: 1: index is missing;',
        );
      stats.bulkItems++;
      if (op === 'delete') {
        const id = String(m._id ?? '');
        const r = store.delete(index, id);
        if (r.ok && r.status === 200) stats.deleted++;
        items.push({
          delete: {
            _index: index,
            _id: id,
            _version: r.ok ? r.version : undefined,
            result: r.ok ? r.result : undefined,
            status: r.status,
            _shards: shards,
            _seq_no: r.ok ? r.seqNo : undefined,
            _primary_term: 1,
          },
        });
        continue;
      }
      if (op !== 'index' && op !== 'create') {
        throw new HttpError(
          400,
          'illegal_argument_exception',
          `Malformed action/metadata line [${i + 1}], unsupported action [${op}]`,
        );
      }
      i++;
      const sourceLine = lines[i];
      if (sourceLine === undefined || sourceLine.trim() === '') {
        throw new HttpError(
          400,
          'illegal_argument_exception',
          'The bulk request must be terminated by a newline [\\n]',
        );
      }
      const id =
        m._id === undefined
          ? `auto-${stats.bulkItems}-${Math.floor(random() * 1e9)}`
          : String(m._id);
      let source: unknown;
      try {
        source = JSON.parse(sourceLine);
      } catch (error) {
        errors = true;
        stats.mappingErrors++;
        items.push({
          [op]: {
            _index: index,
            _id: id,
            status: 400,
            error: {
              type: 'mapper_parsing_exception',
              reason: `failed to parse: ${(error as Error).message}`,
            },
          },
        });
        continue;
      }
      const injected = injectedItemError(id);
      if (injected) {
        errors = true;
        items.push({
          [op]: {
            _index: index,
            _id: id,
            status: injected.status,
            error: {
              type: injected.type,
              reason: injected.reason,
              index,
              shard: '0',
              index_uuid: 'injected',
            },
          },
        });
        continue;
      }
      const r = store.write(index, id, source, op);
      if (!r.ok) {
        errors = true;
        if (r.status === 409) stats.conflicts++;
        else stats.mappingErrors++;
        items.push({
          [op]: {
            _index: index,
            _id: id,
            status: r.status,
            error: { ...r.error, index, shard: '0', index_uuid: store.indices.get(index)?.uuid },
          },
        });
        continue;
      }
      if (r.result === 'created') stats.created++;
      else stats.updated++;
      items.push({
        [op]: {
          _index: index,
          _id: id,
          _version: r.version,
          result: r.result,
          _shards: shards,
          _seq_no: r.seqNo,
          _primary_term: 1,
          status: r.status,
        },
      });
    }
    return { took: Date.now() - started, errors, items };
  };

  const search = (
    indexExpr: string | undefined,
    body: Record<string, unknown>,
    query: URLSearchParams,
  ) => {
    stats.searches++;
    if (indexExpr && !store.exists(indexExpr)) {
      throw new HttpError(404, 'index_not_found_exception', `no such index [${indexExpr}]`);
    }
    const started = Date.now();
    const hits = runQuery(store.searchDocs(indexExpr), body);
    const size = Number(query.get('size') ?? body.size ?? 10);
    const from = Number(query.get('from') ?? body.from ?? 0);
    const page = hits.slice(from, from + size);
    const sorted = body.sort !== undefined;
    return {
      took: Date.now() - started,
      timed_out: false,
      _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
      hits: {
        total: { value: hits.length, relation: 'eq' },
        max_score: sorted ? null : (hits[0]?.score ?? null),
        hits: page.map((h) => ({
          _index: h.doc.index,
          _id: h.doc.id,
          _score: sorted ? null : h.score,
          _source: h.doc.source,
          ...(sorted ? { sort: h.sort } : {}),
        })),
      },
    };
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    stats.requests++;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const text = await readBody(req);
    const [a, b, c] = parts;
    // As OpenSearch (and Elasticsearch since 6.0): a request body needs a supported Content-Type,
    // else 406 before any routing; a client that drops the header fails here as it would on AWS.
    const unsupported = unsupportedContentType(req.headers['content-type'], text);
    if (unsupported) return send(res, 406, { error: unsupported, status: 406 });

    if (parts.length === 0) {
      if (method === 'HEAD') return send(res, 200, undefined);
      return send(res, 200, {
        name: 'streamlens-local',
        cluster_name: 'streamlens',
        cluster_uuid: 'streamlens-local',
        version: {
          distribution: 'opensearch',
          number: OPENSEARCH_STANDIN_VERSION,
          build_type: 'streamlens-standin',
          lucene_version: '9.12.1',
          minimum_wire_compatibility_version: '7.10.0',
          minimum_index_compatibility_version: '7.0.0',
        },
        tagline: 'The OpenSearch Project: https://opensearch.org/',
      });
    }
    if (a === '_streamlens') {
      if (b === 'faults' && (method === 'PUT' || method === 'POST')) {
        setFaults(parseJson(text) as OpenSearchFaults);
        return send(res, 200, { acknowledged: true });
      }
      if (b === 'stats') return send(res, 200, stats);
      if (b === 'reset') {
        server.reset();
        return send(res, 200, { acknowledged: true });
      }
    }
    if (a === '_index_template') {
      if (!b) {
        return send(res, 200, {
          index_templates: [...store.templates].map(([name, t]) => ({ name, index_template: t })),
        });
      }
      if (method === 'PUT' || method === 'POST') {
        const body = parseJson(text) as unknown as IndexTemplate;
        if (!Array.isArray(body.index_patterns)) {
          throw new HttpError(
            400,
            'action_request_validation_exception',
            'index patterns are missing',
          );
        }
        store.templates.set(b, body);
        return send(res, 200, { acknowledged: true });
      }
      const t = store.templates.get(b);
      if (method === 'DELETE') {
        if (!t)
          throw new HttpError(
            404,
            'index_template_missing_exception',
            `index_template [${b}] missing`,
          );
        store.templates.delete(b);
        return send(res, 200, { acknowledged: true });
      }
      if (!t) {
        if (method === 'HEAD') return send(res, 404, undefined);
        throw new HttpError(
          404,
          'resource_not_found_exception',
          `index template matching [${b}] not found`,
        );
      }
      if (method === 'HEAD') return send(res, 200, undefined);
      return send(res, 200, { index_templates: [{ name: b, index_template: t }] });
    }
    if (a === '_plugins' && b === '_ism' && c === 'policies' && parts[3]) {
      const id = parts[3];
      if (method === 'PUT') {
        const created = !policies.has(id);
        policies.set(id, parseJson(text));
        return send(res, created ? 201 : 200, {
          _id: id,
          _version: 1,
          _primary_term: 1,
          _seq_no: 0,
          policy: policies.get(id),
        });
      }
      const p = policies.get(id);
      if (!p) throw new HttpError(404, 'status_exception', 'Policy not found');
      return send(res, 200, {
        _id: id,
        _version: 1,
        policy: (p as { policy?: unknown }).policy ?? p,
      });
    }
    if (a === '_bulk') return send(res, 200, bulk(text, undefined));
    if (a === '_search')
      return send(res, 200, search(undefined, parseJson(text), url.searchParams));
    if (a === '_count') {
      stats.counts++;
      const body = parseJson(text);
      return send(res, 200, {
        count: runQuery(store.searchDocs(undefined), { query: body.query }).length,
        _shards: shards,
      });
    }
    if (a === '_refresh') return send(res, 200, { _shards: shards });
    if (a === '_cluster' && b === 'health') {
      return send(res, 200, { cluster_name: 'streamlens', status: 'green', number_of_nodes: 1 });
    }
    if (!a || a.startsWith('_'))
      throw new HttpError(400, 'illegal_argument_exception', `unsupported path ${url.pathname}`);

    // Index-scoped routes: /<index>[/...]
    const index = a;
    if (!b) {
      if (method === 'PUT') {
        if (store.indices.has(index)) {
          throw new HttpError(
            400,
            'resource_already_exists_exception',
            `index [${index}] already exists`,
          );
        }
        const body = parseJson(text) as {
          settings?: Record<string, unknown>;
          mappings?: FieldMapping;
        };
        store.ensureIndex(index, body);
        return send(res, 200, { acknowledged: true, shards_acknowledged: true, index });
      }
      const found = store.resolve(index);
      if (method === 'HEAD') return send(res, found.length > 0 ? 200 : 404, undefined);
      if (found.length === 0)
        throw new HttpError(404, 'index_not_found_exception', `no such index [${index}]`);
      if (method === 'DELETE') {
        for (const i of found) store.indices.delete(i.name);
        return send(res, 200, { acknowledged: true });
      }
      return send(
        res,
        200,
        Object.fromEntries(
          found.map((i) => [
            i.name,
            {
              aliases: Object.fromEntries([...i.aliases].map((al) => [al, {}])),
              mappings: i.mapping,
              settings: i.settings,
            },
          ]),
        ),
      );
    }
    if (b === '_bulk') return send(res, 200, bulk(text, index));
    if (b === '_search') return send(res, 200, search(index, parseJson(text), url.searchParams));
    if (b === '_count') {
      stats.counts++;
      if (!store.exists(index))
        throw new HttpError(404, 'index_not_found_exception', `no such index [${index}]`);
      const body = parseJson(text);
      return send(res, 200, {
        count: runQuery(store.searchDocs(index), { query: body.query }).length,
        _shards: shards,
      });
    }
    if (b === '_refresh') {
      if (!store.exists(index))
        throw new HttpError(404, 'index_not_found_exception', `no such index [${index}]`);
      return send(res, 200, { _shards: shards });
    }
    if (b === '_mapping') {
      const found = store.resolve(index);
      if (found.length === 0)
        throw new HttpError(404, 'index_not_found_exception', `no such index [${index}]`);
      return send(
        res,
        200,
        Object.fromEntries(found.map((i) => [i.name, { mappings: i.mapping }])),
      );
    }
    if ((b === '_doc' || b === '_create') && (c !== undefined || method === 'POST')) {
      if (method === 'GET' || method === 'HEAD') {
        const hit = store.get(index, c ?? '');
        if (!hit) {
          if (method === 'HEAD') return send(res, 404, undefined);
          return send(res, 404, { _index: index, _id: c, found: false });
        }
        if (method === 'HEAD') return send(res, 200, undefined);
        return send(res, 200, {
          _index: hit.index.name,
          _id: c,
          _version: hit.doc.version,
          _seq_no: hit.doc.seqNo,
          _primary_term: 1,
          found: true,
          _source: hit.doc.source,
        });
      }
      if (method === 'DELETE') {
        const r = store.delete(index, c ?? '');
        if (r.ok && r.status === 200) stats.deleted++;
        return send(res, r.status, {
          _index: index,
          _id: c,
          result: r.ok ? r.result : 'error',
          _shards: shards,
        });
      }
      const id = c ?? `auto-${Date.now()}-${Math.floor(random() * 1e9)}`;
      const op =
        b === '_create' || url.searchParams.get('op_type') === 'create' ? 'create' : 'index';
      const r = store.write(index, id, parseJson(text), op);
      if (!r.ok) throw new HttpError(r.status, r.error.type, r.error.reason);
      if (r.result === 'created') stats.created++;
      else stats.updated++;
      return send(res, r.status, {
        _index: index,
        _id: id,
        _version: r.version,
        result: r.result,
        _shards: shards,
        _seq_no: r.seqNo,
        _primary_term: 1,
      });
    }
    throw new HttpError(
      400,
      'illegal_argument_exception',
      `unsupported request ${method} ${url.pathname}`,
    );
  };

  const http = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (error instanceof HttpError)
        return send(res, error.status, errorBody(error.status, error.type, error.message));
      if (error instanceof QueryError)
        return send(res, 400, errorBody(400, 'parsing_exception', error.message));
      options.log?.(`internal error: ${(error as Error).stack ?? String(error)}`);
      send(res, 500, errorBody(500, 'exception', (error as Error).message));
    });
  });
  http.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  let stopped: Promise<void> | undefined;
  const server: OpenSearchServer = {
    endpoint: `http://127.0.0.1:${port}`,
    store,
    setFaults,
    stats: () => ({ ...stats }),
    reset() {
      store.indices.clear();
      store.templates.clear();
      policies.clear();
      stats = zeroStats();
      setFaults(undefined);
    },
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
      return stopped;
    },
  };
  return server;
}

/** Sets the faults of a running stand-in by its endpoint (works from any process). */
export async function setOpenSearchFaults(
  endpoint: string,
  faults: OpenSearchFaults | undefined,
): Promise<void> {
  const res = await fetch(`${endpoint}/_streamlens/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults ?? {}),
  });
  if (!res.ok) throw new LocalAwsError(`setting OpenSearch faults failed: HTTP ${res.status}`);
}

/** Reads the counters of a running stand-in by its endpoint. */
export async function openSearchStats(endpoint: string): Promise<OpenSearchStats> {
  const res = await fetch(`${endpoint}/_streamlens/stats`);
  if (!res.ok) throw new LocalAwsError(`reading OpenSearch stats failed: HTTP ${res.status}`);
  return (await res.json()) as OpenSearchStats;
}
