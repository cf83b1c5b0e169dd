import { createRng, type Rng } from './rng.js';

/** The kinds of invalid record a workload mixes in (docs/performance-targets.md: about 5 % of records). */
export const InvalidKind = {
  BAD_JSON: 'bad-json',
  MISSING_FIELD: 'missing-field',
  WRONG_TYPE: 'wrong-type',
  NON_FINITE: 'non-finite',
  UNKNOWN_TYPE: 'unknown-type',
  OVERSIZE: 'oversize',
} as const;
export type InvalidKind = (typeof InvalidKind)[keyof typeof InvalidKind];

/** The two registered input types the workloads carry. */
export type RecordType = 'telemetry.reading' | 'app.log';

/**
 * Records above this size are "oversize" in every workload. Implementations benchmarked against
 * the workloads pass it as their per-record limit (e.g. `parseEventJson(bytes, { maxBytes })`), so
 * that an oversize record is rejected by every implementation alike.
 */
export const WORKLOAD_MAX_RECORD_BYTES = 8192;

/** One generated record: the JSON text as a producer would send it, and what it is. */
export interface GeneratedRecord {
  /** The record as sent (UTF-8 JSON text for valid records; possibly broken for invalid ones). */
  readonly json: string;
  /** UTF-8 byte length of `json`. */
  readonly bytes: number;
  /** The type the generator meant (for an invalid record, the type it was derived from). */
  readonly type: RecordType;
  /** Absent for valid records. */
  readonly invalid?: InvalidKind;
}

/** Options of {@link createRecordGenerator}. */
export interface RecordGeneratorOptions {
  /** PRNG seed; the same seed yields the same records. Default 1. */
  readonly seed?: number;
  /** Share of invalid records, 0..1. Default 0.05. */
  readonly invalidShare?: number;
  /** Share of `app.log` among records, 0..1. Default 0.2. */
  readonly logShare?: number;
  /** Inclusive size bounds of ordinary records (bytes). Default 300..600. */
  readonly minBytes?: number;
  readonly maxBytes?: number;
  /** Limit above which a record is oversize. Default {@link WORKLOAD_MAX_RECORD_BYTES}. */
  readonly maxRecordBytes?: number;
  /** Event time of the first record (ms since epoch). Default 2026-01-15T12:00:00.000Z. */
  readonly startTimeMs?: number;
}

const METRICS = [
  { metric: 'cpu.utilization', unit: '%', min: 0, max: 100 },
  { metric: 'memory.used', unit: 'By', min: 1e8, max: 1.6e10 },
  { metric: 'disk.io.read', unit: 'By/s', min: 0, max: 5e8 },
  { metric: 'net.rx', unit: 'By/s', min: 0, max: 1.25e9 },
  { metric: 'http.latency', unit: 'ms', min: 0.3, max: 2500 },
  { metric: 'http.requests', unit: '{request}', min: 0, max: 12000 },
  { metric: 'queue.depth', unit: '{message}', min: 0, max: 50000 },
  { metric: 'temperature', unit: 'Cel', min: -10, max: 95 },
  { metric: 'gc.pause', unit: 'ms', min: 0, max: 400 },
  { metric: 'errors', unit: '{error}', min: 0, max: 50 },
] as const;

const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2', 'sa-east-1'] as const;
const LEVELS = ['DEBUG', 'INFO', 'INFO', 'INFO', 'INFO', 'WARN', 'WARN', 'ERROR', 'FATAL'] as const;
const SERVICES = [
  'checkout',
  'payments',
  'search',
  'inventory',
  'auth',
  'recommendations',
  'shipping',
  'notifications',
  'catalog-api',
  'edge-gateway',
  'billing-worker',
  'ledger',
] as const;
const WORDS = [
  'request',
  'completed',
  'failed',
  'retrying',
  'upstream',
  'timeout',
  'cache',
  'miss',
  'hit',
  'user',
  'order',
  'payment',
  'accepted',
  'declined',
  'connection',
  'reset',
  'by',
  'peer',
  'after',
  'ms',
  'shard',
  'rebalanced',
  'queue',
  'drained',
  'token',
  'refreshed',
  'validation',
  'error',
  'in',
  'field',
] as const;
const COLLECTORS = [
  '/streamlens/agent',
  '/streamlens/agents/otel-collector',
  'urn:streamlens:collector:node-exporter',
  'https://telemetry.example.com/ingest/v2/prometheus-remote-write',
  '//iot.example.org/fleet/gateways/gw-07',
  '/collectors/statsd',
] as const;
const LABEL_KEYS = [
  'az',
  'cluster',
  'instance_type',
  'team',
  'version',
  'k8s.namespace',
  'k8s.pod',
  'container',
] as const;

/** Host profiles: each host keeps the same dimensions, so series cardinality stays realistic. */
interface HostProfile {
  readonly host: string;
  readonly region: string;
  readonly labels: Readonly<Record<string, string>>;
}

function hostProfiles(rng: Rng, count: number): HostProfile[] {
  const profiles: HostProfile[] = [];
  for (let i = 0; i < count; i++) {
    // Each host gets a label budget so that record sizes spread evenly over 300–600 bytes.
    const budget = rng.int(0, 200);
    const labels: Record<string, string> = {};
    let used = 0;
    for (const key of LABEL_KEYS) {
      if (used >= budget) break;
      const value = `${key.replace(/[^a-z]/g, '').slice(0, 6)}-${rng.hex(rng.int(3, 20))}`;
      labels[key] = value;
      used += key.length + value.length + 6;
    }
    profiles.push({ host: `web-${i + 1}`, region: rng.pick(REGIONS), labels });
  }
  return profiles;
}

function uuid(rng: Rng): string {
  const h = rng.hex(32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** UTF-8 byte length of a string. */
export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** A function returning the next generated record on each call. */
export type RecordGenerator = () => GeneratedRecord;

/**
 * Creates a deterministic generator of CloudEvents records (`telemetry.reading` / `app.log`) with a
 * share of invalid ones.
 *
 * @example
 * const next = createRecordGenerator({ seed: 7 });
 * const first = next(); // { json: '{"specversion":"1.0",...}', bytes: 431, type: 'telemetry.reading' }
 */
export function createRecordGenerator(options: RecordGeneratorOptions = {}): RecordGenerator {
  const rng = createRng(options.seed ?? 1);
  const invalidShare = options.invalidShare ?? 0.05;
  const logShare = options.logShare ?? 0.2;
  const minBytes = options.minBytes ?? 300;
  const maxBytes = options.maxBytes ?? 600;
  const maxRecordBytes = options.maxRecordBytes ?? WORKLOAD_MAX_RECORD_BYTES;
  let timeMs = options.startTimeMs ?? Date.UTC(2026, 0, 15, 12, 0, 0, 0);
  const hosts = hostProfiles(rng, 200);

  const formatTime = (ms: number): string => {
    // Mostly canonical UTC with milliseconds; some records use an offset or whole seconds, as real
    // producers do, so that normalisation has work to do.
    const roll = rng.next();
    if (roll < 0.85) return new Date(ms).toISOString();
    if (roll < 0.93) return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const shifted = new Date(ms + 2 * 3600_000).toISOString();
    return `${shifted.slice(0, 23)}+02:00`;
  };

  const telemetry = (): Record<string, unknown> => {
    const profile = rng.pick(hosts);
    const m = rng.pick(METRICS);
    const value = Math.round((m.min + rng.next() * (m.max - m.min)) * 1000) / 1000;
    const data: Record<string, unknown> = {
      metric: m.metric,
      value,
      unit: m.unit,
      dimensions: { host: profile.host, region: profile.region, ...profile.labels },
    };
    if (rng.chance(0.1)) delete data.unit;
    const event: Record<string, unknown> = {
      specversion: '1.0',
      id: uuid(rng),
      source: rng.pick(COLLECTORS),
      type: 'telemetry.reading',
      time: formatTime(timeMs),
      subject: profile.host,
      datacontenttype: 'application/json',
      data,
    };
    if (rng.chance(0.5)) delete event.datacontenttype;
    if (rng.chance(0.3)) event.dataschema = 'https://schemas.streamlens.dev/telemetry.reading/v1';
    return event;
  };

  const appLog = (target: number): Record<string, unknown> => {
    const service = rng.pick(SERVICES);
    const data: Record<string, unknown> = {
      level: rng.pick(LEVELS),
      message: '',
      service,
    };
    if (rng.chance(0.6)) data.traceId = rng.hex(32);
    if (rng.chance(0.7)) {
      data.attributes = {
        'http.status': rng.pick([200, 201, 204, 400, 404, 429, 500, 503]),
        durationMs: Math.round(rng.next() * 500_000) / 100,
        retry: rng.chance(0.1),
        region: rng.pick(REGIONS),
      };
    }
    const event: Record<string, unknown> = {
      specversion: '1.0',
      id: uuid(rng),
      source: `/services/${service}`,
      type: 'app.log',
      time: formatTime(timeMs),
      subject: `${service}-${rng.int(1, 8)}`,
      datacontenttype: 'application/json',
      data,
    };
    // Fill the message up to the target size: log lines are the free-text part of a record.
    const base = byteLength(JSON.stringify(event));
    let message = '';
    while (base + message.length < target) {
      message += (message ? ' ' : '') + rng.pick(WORDS);
    }
    data.message = message.slice(0, Math.max(1, target - base));
    return event;
  };

  let lastJson = '';
  const valid = (type: RecordType): Record<string, unknown> => {
    // Rejection sampling keeps every ordinary record within [minBytes, maxBytes].
    for (;;) {
      const target = rng.int(minBytes, maxBytes);
      const event = type === 'app.log' ? appLog(target) : telemetry();
      lastJson = JSON.stringify(event);
      const size = byteLength(lastJson);
      if (size >= minBytes && size <= maxBytes) return event;
    }
  };

  const record = (event: Record<string, unknown>, invalid?: InvalidKind): GeneratedRecord => {
    const json = JSON.stringify(event);
    const type = (event.type === 'app.log' ? 'app.log' : 'telemetry.reading') as RecordType;
    return invalid === undefined
      ? { json, bytes: byteLength(json), type }
      : { json, bytes: byteLength(json), type, invalid };
  };

  const raw = (json: string, type: RecordType, invalid: InvalidKind): GeneratedRecord => ({
    json,
    bytes: byteLength(json),
    type,
    invalid,
  });

  const invalidRecord = (type: RecordType): GeneratedRecord => {
    const roll = rng.next();
    if (roll < 0.22) {
      const json = JSON.stringify(valid(type));
      const variant = rng.int(0, 2);
      const broken =
        variant === 0
          ? json.slice(0, rng.int(1, json.length - 1))
          : variant === 1
            ? json.replace('"specversion"', "'specversion'")
            : `${json.slice(0, -1)},}`;
      return raw(broken, type, InvalidKind.BAD_JSON);
    }
    if (roll < 0.44) {
      const event = valid(type);
      const data = event.data as Record<string, unknown>;
      const fields =
        type === 'app.log'
          ? [
              'id',
              'time',
              'source',
              'specversion',
              'data',
              'data.level',
              'data.message',
              'data.service',
            ]
          : ['id', 'time', 'source', 'specversion', 'data', 'data.metric', 'data.value'];
      const field = rng.pick(fields);
      if (field.startsWith('data.')) delete data[field.slice(5)];
      else delete event[field];
      return record(event, InvalidKind.MISSING_FIELD);
    }
    if (roll < 0.66) {
      const event = valid(type);
      const data = event.data as Record<string, unknown>;
      const variant = rng.int(0, 2);
      if (variant === 0) event.id = rng.int(1, 1e9);
      else if (type === 'app.log') {
        if (variant === 1) data.level = 3;
        else data.message = { text: 'nested' };
      } else if (variant === 1) data.value = String(data.value);
      else data.dimensions = { host: 42 };
      return record(event, InvalidKind.WRONG_TYPE);
    }
    if (roll < 0.82) {
      // Non-finite numbers only exist in raw JSON: 1e999 parses to Infinity.
      const event = valid(type);
      const json = JSON.stringify(event);
      const huge = rng.pick(['1e999', '-1e999', '1.7976931348623157e309']);
      const broken =
        type === 'app.log' && json.includes('"durationMs":')
          ? json.replace(/"durationMs":[^,}]+/, `"durationMs":${huge}`)
          : type === 'app.log'
            ? json.replace('"data":{', `"data":{"attributes":{"durationMs":${huge}},`)
            : json.replace(/"value":[^,}]+/, `"value":${huge}`);
      return raw(broken, type, InvalidKind.NON_FINITE);
    }
    if (roll < 0.98) {
      const event = valid(type);
      event.type = rng.pick(['telemetry.readings', 'app.trace', 'com.example.order.created']);
      return record(event, InvalidKind.UNKNOWN_TYPE);
    }
    // Oversize: a well-formed log event whose message is too long for the per-record limit.
    const event = appLog(rng.int(maxRecordBytes + 1, maxRecordBytes + 512));
    return record(event, InvalidKind.OVERSIZE);
  };

  return () => {
    // Event time advances ~4 ms per record with jitter; a few records arrive late (out of order).
    timeMs += rng.int(0, 8);
    const type: RecordType = rng.chance(logShare) ? 'app.log' : 'telemetry.reading';
    if (rng.chance(invalidShare)) return invalidRecord(type);
    const now = timeMs;
    if (rng.chance(0.02)) timeMs -= rng.int(1_000, 120_000);
    valid(type);
    timeMs = now;
    // The JSON of the accepted event, already serialised by the size check.
    return { json: lastJson, bytes: byteLength(lastJson), type };
  };
}

/**
 * Generates `count` records deterministically.
 *
 * @example
 * const records = generateRecords(1000, { seed: 42 });
 */
export function generateRecords(
  count: number,
  options: RecordGeneratorOptions = {},
): GeneratedRecord[] {
  const next = createRecordGenerator(options);
  const out: GeneratedRecord[] = [];
  for (let i = 0; i < count; i++) out.push(next());
  return out;
}
