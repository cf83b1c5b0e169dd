import { FaultRuleError } from '../errors.js';

/** Per-record error codes Kinesis puts in a PutRecords answer. */
export type KinesisRecordErrorCode = 'ProvisionedThroughputExceededException' | 'InternalFailure';

/** When a rule applies: all given conditions must hold. */
export interface RuleMatch {
  /** Counter key and name in `injections` (default `<kind>#<index>`). */
  readonly id?: string;
  /**
   * Operation name: the part after the dot of `X-Amz-Target` (`PutRecords`, `BatchWriteItem`),
   * the `Action` of query-protocol requests (SNS `Publish`), or the S3 operation derived from
   * method and path (`PutObject`, `GetObject`, `ListObjectsV2`, ...). Omitted: any operation.
   */
  readonly operation?: string;
  /** HTTP method (for REST services). */
  readonly method?: string;
  /** Request path (with query string) test. */
  readonly path?: RegExp;
  /** Let the first `skip` matching requests through untouched (default 0). */
  readonly skip?: number;
  /** Inject at most this many times (default unlimited). */
  readonly times?: number;
  /** Inject on a matching request with this probability (seeded RNG; default 1). */
  readonly probability?: number;
}

/** Kinesis PutRecords partial failure: the chosen entries are removed from the forwarded request
 * (so they are really not written) and reported failed in an HTTP 200 answer. */
export interface PutRecordsPartialFailureRule extends RuleMatch {
  readonly kind: 'putRecordsPartialFailure';
  /** Positions (0-based) of the entries to fail. */
  readonly entries?: readonly number[];
  /** Or: fail each entry with this probability. */
  readonly entryProbability?: number;
  /** Code(s) of the failed entries, cycled (default ProvisionedThroughputExceededException). */
  readonly errorCode?: KinesisRecordErrorCode | readonly KinesisRecordErrorCode[];
}

/** DynamoDB BatchWriteItem: the chosen write requests are removed from the forwarded request and
 * returned in `UnprocessedItems`. Choosing every item answers ProvisionedThroughputExceededException
 * (400), as DynamoDB does when nothing at all could be written. */
export interface BatchWriteUnprocessedRule extends RuleMatch {
  readonly kind: 'batchWriteUnprocessed';
  /** Positions (0-based, across tables in request order) of the write requests to hold back. */
  readonly items?: readonly number[];
  /** Or: hold back each write request with this probability. */
  readonly itemProbability?: number;
}

/** Answer with an error instead of forwarding, in the service's protocol (JSON `__type`, S3 XML,
 * query XML). */
export interface ErrorResponseRule extends RuleMatch {
  readonly kind: 'error';
  /** HTTP status (400 for throttling in JSON protocols, 500/503 for S3). */
  readonly status: number;
  /** Error code: `ProvisionedThroughputExceededException`, `ThrottlingException`, `SlowDown`, ... */
  readonly errorType: string;
  readonly message?: string;
}

/** Hold the request this long before forwarding it (timeouts, deadline handling). */
export interface DelayRule extends RuleMatch {
  readonly kind: 'delay';
  readonly delayMs: number;
}

/** A fault to inject. */
export type FaultRule =
  | PutRecordsPartialFailureRule
  | BatchWriteUnprocessedRule
  | ErrorResponseRule
  | DelayRule;

/** Deterministic PRNG (mulberry32) so a seeded proxy injects the same faults on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** What the proxy knows of a request when it picks rules. */
export interface RequestFacts {
  readonly method: string;
  readonly path: string;
  /** Full X-Amz-Target (`Kinesis_20131202.PutRecords`) or undefined. */
  readonly target?: string;
  readonly operation: string;
  readonly protocol: 'json' | 'rest-xml' | 'query';
}

const S3_SUBRESOURCE_OPS: ReadonlyArray<[string, string, string]> = [
  ['POST', 'uploads', 'CreateMultipartUpload'],
  ['POST', 'uploadId', 'CompleteMultipartUpload'],
  ['PUT', 'partNumber', 'UploadPart'],
  ['DELETE', 'uploadId', 'AbortMultipartUpload'],
  ['POST', 'delete', 'DeleteObjects'],
  ['GET', 'uploadId', 'ListParts'],
];

/** Name the S3 operation of a path-style request (what rules match with `operation`). */
export function s3OperationOf(method: string, pathWithQuery: string): string {
  const [path = '/', query = ''] = pathWithQuery.split('?', 2);
  const params = new URLSearchParams(query);
  const parts = path.split('/').filter(Boolean);
  for (const [m, param, op] of S3_SUBRESOURCE_OPS) if (m === method && params.has(param)) return op;
  if (parts.length === 0) return method === 'GET' ? 'ListBuckets' : `${method} /`;
  if (parts.length === 1) {
    const bucketOps: Record<string, string> = {
      PUT: 'CreateBucket',
      DELETE: 'DeleteBucket',
      HEAD: 'HeadBucket',
      GET: params.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects',
    };
    return bucketOps[method] ?? `${method} bucket`;
  }
  const objectOps: Record<string, string> = {
    PUT: 'PutObject',
    GET: 'GetObject',
    HEAD: 'HeadObject',
    DELETE: 'DeleteObject',
  };
  return objectOps[method] ?? `${method} object`;
}

/** Classify a request: protocol and operation name. */
export function requestFacts(
  method: string,
  path: string,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  body: Buffer,
): RequestFacts {
  const target = headers['x-amz-target'];
  if (typeof target === 'string') {
    return { method, path, target, operation: target.split('.').pop() ?? target, protocol: 'json' };
  }
  const contentType = String(headers['content-type'] ?? '');
  if (method === 'POST' && contentType.startsWith('application/x-www-form-urlencoded')) {
    const action = new URLSearchParams(body.toString('utf8')).get('Action');
    if (action) return { method, path, operation: action, protocol: 'query' };
  }
  return { method, path, operation: s3OperationOf(method, path), protocol: 'rest-xml' };
}

/** Check a rule's shape once, when the proxy gets it. */
export function validateRule(rule: FaultRule, index: number): void {
  const where = `fault rule ${rule.id ?? index} (${rule.kind})`;
  const probability = (p: number | undefined, name: string) => {
    if (p !== undefined && !(p >= 0 && p <= 1)) {
      throw new FaultRuleError(`${where}: ${name} must be within [0, 1]`);
    }
  };
  probability(rule.probability, 'probability');
  if (rule.kind === 'putRecordsPartialFailure') {
    probability(rule.entryProbability, 'entryProbability');
    if (!rule.entries && rule.entryProbability === undefined) {
      throw new FaultRuleError(`${where}: give entries or entryProbability`);
    }
  }
  if (rule.kind === 'batchWriteUnprocessed') {
    probability(rule.itemProbability, 'itemProbability');
    if (!rule.items && rule.itemProbability === undefined) {
      throw new FaultRuleError(`${where}: give items or itemProbability`);
    }
  }
  if (rule.kind === 'error' && !(rule.status >= 400 && rule.status <= 599)) {
    throw new FaultRuleError(`${where}: status must be 4xx or 5xx`);
  }
}

const IMPLIED_OPERATION: Partial<Record<FaultRule['kind'], string>> = {
  putRecordsPartialFailure: 'PutRecords',
  batchWriteUnprocessed: 'BatchWriteItem',
};

/** Whether a rule's static conditions (operation, method, path) hold for a request. */
export function ruleMatches(rule: FaultRule, facts: RequestFacts): boolean {
  const operation = rule.operation ?? IMPLIED_OPERATION[rule.kind];
  if (operation !== undefined && operation !== facts.operation && operation !== facts.target) {
    return false;
  }
  if (rule.method !== undefined && rule.method.toUpperCase() !== facts.method) return false;
  if (rule.path !== undefined && !rule.path.test(facts.path)) return false;
  return true;
}

/** Choose positions among `count`: explicit ones (in range) or each with a probability. */
export function choosePositions(
  count: number,
  explicit: readonly number[] | undefined,
  probability: number | undefined,
  random: () => number,
): number[] {
  if (explicit)
    return [...new Set(explicit)].filter((i) => i >= 0 && i < count).sort((a, b) => a - b);
  const chosen: number[] = [];
  for (let i = 0; i < count; i++) if (random() < (probability ?? 0)) chosen.push(i);
  return chosen;
}
