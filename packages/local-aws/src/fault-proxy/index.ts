import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { closeHttpServer, listenEphemeral } from '../internal/net.js';
import {
  choosePositions,
  type FaultRule,
  type KinesisRecordErrorCode,
  type RequestFacts,
  requestFacts,
  ruleMatches,
  seededRandom,
  validateRule,
} from './rules.js';
import {
  countBatchWrites,
  DEFAULT_ERROR_MESSAGES,
  errorResponse,
  mergeBatchWriteResponse,
  mergePutRecordsResponse,
  removePutRecordsEntries,
  type SyntheticResponse,
  splitBatchWrite,
} from './transforms.js';

export type {
  BatchWriteUnprocessedRule,
  DelayRule,
  ErrorResponseRule,
  FaultRule,
  KinesisRecordErrorCode,
  PutRecordsPartialFailureRule,
  RuleMatch,
} from './rules.js';

/** Options of `startFaultProxy`. */
export interface FaultProxyOptions {
  /** The stand-in to forward to, e.g. `process.env.AWS_ENDPOINT_URL_KINESIS`. */
  readonly target: string;
  /** Faults, tried in order; the first that matches and fires wins (one injection per request). */
  readonly rules?: readonly FaultRule[];
  /** Seed of the RNG behind every probability (default 1). */
  readonly seed?: number;
}

/** One injected fault. */
export interface Injection {
  readonly ruleId: string;
  readonly kind: FaultRule['kind'];
  readonly operation: string;
  /** Entries/items failed or held back (positions in the client's request), when partial. */
  readonly positions?: readonly number[];
  /** HTTP status answered for `error` rules. */
  readonly status?: number;
}

/** Counters of a proxy. */
export interface FaultProxyStats {
  /** Requests received, in total and per operation. */
  readonly requests: number;
  readonly byOperation: Readonly<Record<string, number>>;
  /** Injections per rule id. */
  readonly injected: Readonly<Record<string, number>>;
  /** PutRecords entries failed (and not written). */
  readonly failedEntries: number;
  /** BatchWriteItem write requests returned unprocessed (and not written). */
  readonly unprocessedItems: number;
  /** Error answers given instead of forwarding. */
  readonly errors: number;
}

/** A running fault-injecting proxy. */
export interface FaultProxy {
  /** Point a client here instead of at the stand-in. */
  readonly endpoint: string;
  /** Every injection, in order. */
  readonly injections: readonly Injection[];
  stats(): FaultProxyStats;
  /** Replace the rules (counters of `times`/`skip` start again). */
  setRules(rules: readonly FaultRule[]): void;
  /** Zero the counters and the injection log, restart the RNG from the seed. */
  reset(): void;
  stop(): Promise<void>;
}

interface RuleState {
  readonly rule: FaultRule;
  readonly id: string;
  seen: number;
  fired: number;
}

const HOP_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);

function forwardHeaders(headers: IncomingHttpHeaders, bodyLength: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_HEADERS.has(name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  out['content-length'] = String(bodyLength);
  return out;
}

async function readBody(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

interface Upstream {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

function forward(target: URL, req: IncomingMessage, body: Buffer): Promise<Upstream> {
  return new Promise((resolve, reject) => {
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        // Host is kept as the client sent it: it is part of the SigV4 signature some stand-ins read.
        headers: forwardHeaders(req.headers, body.length),
      },
      (res) => {
        readBody(res).then(
          (data) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: data }),
          reject,
        );
      },
    );
    upstream.once('error', reject);
    upstream.end(body);
  });
}

function send(res: ServerResponse, response: SyntheticResponse): void {
  res.writeHead(response.status, {
    ...response.headers,
    'content-length': String(response.body.length),
  });
  res.end(response.body);
}

function relay(res: ServerResponse, upstream: Upstream, body = upstream.body): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(upstream.headers)) {
    // A rewritten body invalidates length and the DynamoDB CRC32 of the original one.
    if (value === undefined || HOP_HEADERS.has(name) || name === 'x-amz-crc32') continue;
    headers[name] = value;
  }
  headers['content-length'] = String(body.length);
  res.writeHead(upstream.status, headers);
  res.end(body);
}

/**
 * Start an HTTP proxy in front of a stand-in that injects faults the way AWS produces them:
 * Kinesis PutRecords partial failures (failed entries really dropped), DynamoDB BatchWriteItem
 * UnprocessedItems (held-back items really not written), throttling and 5xx errors in the right
 * protocol. Rules match by operation (X-Amz-Target, query Action, or S3 operation).
 * @example
 * const proxy = await startFaultProxy({
 *   target: process.env.AWS_ENDPOINT_URL_KINESIS!,
 *   rules: [{ kind: 'putRecordsPartialFailure', entries: [1, 3], times: 1 }],
 * });
 * const kinesis = new KinesisClient({ ...clientOptions(process.env, 'kinesis'), endpoint: proxy.endpoint });
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const seed = options.seed ?? 1;
  let random = seededRandom(seed);
  let states: RuleState[] = [];
  let injections: Injection[] = [];
  let requests = 0;
  let byOperation: Record<string, number> = {};
  let failedEntries = 0;
  let unprocessedItems = 0;
  let errors = 0;

  const setRules = (rules: readonly FaultRule[]) => {
    rules.forEach(validateRule);
    states = rules.map((rule, i) => ({
      rule,
      id: rule.id ?? `${rule.kind}#${i}`,
      seen: 0,
      fired: 0,
    }));
  };
  setRules(options.rules ?? []);

  // The first rule whose conditions hold and whose skip/times/probability let it fire.
  const pick = (facts: RequestFacts): RuleState | undefined => {
    for (const state of states) {
      if (!ruleMatches(state.rule, facts)) continue;
      state.seen++;
      if (state.seen <= (state.rule.skip ?? 0)) continue;
      if (state.fired >= (state.rule.times ?? Number.POSITIVE_INFINITY)) continue;
      if (state.rule.probability !== undefined && random() >= state.rule.probability) continue;
      return state;
    }
    return undefined;
  };

  const record = (state: RuleState, facts: RequestFacts, extra: Partial<Injection> = {}) => {
    state.fired++;
    injections.push({
      ruleId: state.id,
      kind: state.rule.kind,
      operation: facts.operation,
      ...extra,
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const facts = requestFacts(req.method ?? 'GET', req.url ?? '/', req.headers, body);
    requests++;
    byOperation[facts.operation] = (byOperation[facts.operation] ?? 0) + 1;
    const state = pick(facts);
    const rule = state?.rule;
    const contentType = req.headers['content-type'];

    if (!state || !rule) {
      relay(res, await forward(target, req, body));
      return;
    }

    switch (rule.kind) {
      case 'delay': {
        record(state, facts);
        await new Promise((resolve) => setTimeout(resolve, rule.delayMs));
        relay(res, await forward(target, req, body));
        return;
      }
      case 'error': {
        record(state, facts, { status: rule.status });
        errors++;
        const message = rule.message ?? DEFAULT_ERROR_MESSAGES[rule.errorType] ?? rule.errorType;
        send(res, errorResponse(facts, rule.status, rule.errorType, message, contentType));
        return;
      }
      case 'putRecordsPartialFailure': {
        const request = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
        const total = Array.isArray(request.Records) ? request.Records.length : 0;
        const failed = choosePositions(total, rule.entries, rule.entryProbability, random);
        if (failed.length === 0) {
          relay(res, await forward(target, req, body));
          return;
        }
        record(state, facts, { positions: failed });
        failedEntries += failed.length;
        const codes: readonly KinesisRecordErrorCode[] =
          typeof rule.errorCode === 'string'
            ? [rule.errorCode]
            : (rule.errorCode ?? ['ProvisionedThroughputExceededException']);
        const kept = removePutRecordsEntries(request, failed);
        let real: Record<string, unknown> | undefined;
        if (kept) {
          const upstream = await forward(target, req, Buffer.from(JSON.stringify(kept)));
          if (upstream.status !== 200) {
            relay(res, upstream);
            return;
          }
          real = JSON.parse(upstream.body.toString('utf8')) as Record<string, unknown>;
        }
        const merged = mergePutRecordsResponse(total, failed, codes, real);
        send(res, {
          status: 200,
          headers: { 'content-type': String(contentType ?? 'application/x-amz-json-1.1') },
          body: Buffer.from(JSON.stringify(merged)),
        });
        return;
      }
      case 'batchWriteUnprocessed': {
        const request = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
        const total = countBatchWrites(request);
        const held = choosePositions(total, rule.items, rule.itemProbability, random);
        if (held.length === 0) {
          relay(res, await forward(target, req, body));
          return;
        }
        const { forward: rest, unprocessed } = splitBatchWrite(request, held);
        if (!rest) {
          // DynamoDB answers an exception, not UnprocessedItems, when it could write nothing.
          record(state, facts, { positions: held, status: 400 });
          errors++;
          const type = 'ProvisionedThroughputExceededException';
          send(
            res,
            errorResponse(facts, 400, type, DEFAULT_ERROR_MESSAGES[type] ?? type, contentType),
          );
          return;
        }
        record(state, facts, { positions: held });
        unprocessedItems += held.length;
        const upstream = await forward(target, req, Buffer.from(JSON.stringify(rest)));
        if (upstream.status !== 200) {
          relay(res, upstream);
          return;
        }
        const real = JSON.parse(upstream.body.toString('utf8')) as Record<string, unknown>;
        relay(
          res,
          upstream,
          Buffer.from(JSON.stringify(mergeBatchWriteResponse(unprocessed, real))),
        );
        return;
      }
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // The stand-in is unreachable or answered garbage: say so the way a gateway would.
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`fault proxy: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  const endpoint = await listenEphemeral(server);

  return {
    endpoint,
    get injections() {
      return injections;
    },
    stats() {
      const injected: Record<string, number> = {};
      for (const state of states) injected[state.id] = state.fired;
      return {
        requests,
        byOperation: { ...byOperation },
        injected,
        failedEntries,
        unprocessedItems,
        errors,
      };
    },
    setRules,
    reset() {
      random = seededRandom(seed);
      for (const state of states) {
        state.seen = 0;
        state.fired = 0;
      }
      injections = [];
      requests = 0;
      byOperation = {};
      failedEntries = 0;
      unprocessedItems = 0;
      errors = 0;
    },
    stop: () => closeHttpServer(server),
  };
}
