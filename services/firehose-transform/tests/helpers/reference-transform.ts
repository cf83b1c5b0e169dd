import {
  ErrorCode,
  isGzip,
  isKplAggregated,
  normalizeEvent,
  parseEventJson,
  type StreamlensEvent,
} from '@streamlens/schema';
import { decodeBase64Strict } from '../../src/base64.js';
import { levelRank, type TransformConfig } from '../../src/config.js';
import { DropReason, type FirehoseInputRecord } from '../../src/model.js';
import { cloudWatchOutcome, type EventWriter, kplOutcome } from '../../src/multi-event.js';
import { PartitionKeyCache } from '../../src/partition.js';
import {
  type DroppedOutcome,
  Extension,
  type FailedOutcome,
  type InvocationSource,
  type RecordOutcome,
} from '../../src/transform.js';

const DROPPED_DENIED: DroppedOutcome = { kind: 'dropped', reason: DropReason.DeniedType };
const DROPPED_LEVEL: DroppedOutcome = { kind: 'dropped', reason: DropReason.BelowMinLevel };

type Extended = StreamlensEvent & Record<string, unknown>;

const EXTENSION_NAMES: readonly string[] = Object.values(Extension);

/**
 * The per-record transform as it was before the hot path was optimised (parse, filter, normalise,
 * the line and its enrichment), kept as the reference the optimised `RecordTransformer` must match
 * output for output (tests/unit/reference.test.ts). Do not optimise it. Records holding several
 * events (KPL, CloudWatch Logs) go through the service's one expansion (src/multi-event.ts, on the
 * schema's decoders) with this reference's own filter and line, so what is compared there is the
 * per-event work.
 *
 * Turns Firehose records into outcomes. One instance per configuration (built at module scope);
 * `transform` never throws for bad data: every problem becomes a `failed` outcome with a reason.
 */
export class ReferenceTransformer {
  readonly #config: TransformConfig;
  readonly #minRank: number;
  readonly #parseOptions: { maxBytes: number };
  /** Interned partition keys (shared with the response guard for the `metadata` objects). */
  readonly keys = new PartitionKeyCache();
  readonly #events: EventWriter;

  constructor(config: TransformConfig) {
    this.#config = config;
    this.#minRank = levelRank(config.minLogLevel);
    this.#parseOptions = { maxBytes: config.maxEventBytes };
    this.#events = {
      filter: (event) => this.#filter(event),
      line: (event, record, source, subsequence) => this.#line(event, record, source, subsequence),
      keys: this.keys,
    };
  }

  /** Transforms one record (the event size limit applies per event, inside aggregates too). */
  transform(record: FirehoseInputRecord, source: InvocationSource): RecordOutcome {
    const bytes = decodeBase64Strict(record.data);
    if (bytes === undefined) {
      return failed(ErrorCode.INVALID_BASE64, 'record data is not padded base64', '$');
    }
    if (isGzip(bytes)) {
      return cloudWatchOutcome(this.#events, this.#config.denyTypes, { record, source, bytes });
    }
    if (isKplAggregated(bytes)) {
      return kplOutcome(this.#events, this.#parseOptions, { record, source, bytes });
    }

    const parsed = parseEventJson(bytes, this.#parseOptions);
    if (!parsed.ok) return { kind: 'failed', issue: parsed.error };
    const event = parsed.value;
    const dropped = this.#filter(event);
    if (dropped !== undefined) return dropped;
    const normalized = normalizeEvent(event) as Extended;
    return {
      kind: 'ok',
      data: base64Of(this.#line(normalized, record, source, undefined)),
      partitionKeys: this.keys.keysOf(normalized.type, normalized.time),
      events: 1,
    };
  }

  #filter(event: StreamlensEvent): DroppedOutcome | undefined {
    if (this.#config.denyTypes.has(event.type)) return DROPPED_DENIED;
    const below =
      event.type === 'app.log' &&
      this.#minRank > 0 &&
      levelRank((event.data as { level: string }).level) < this.#minRank;
    return below ? DROPPED_LEVEL : undefined;
  }

  /**
   * One NDJSON line: the event's JSON without any producer-sent extension attributes, then the
   * enrichment spliced in before its closing brace, each value computed afresh.
   */
  #line(
    event: Extended,
    record: FirehoseInputRecord,
    source: InvocationSource,
    subsequence: number | undefined,
  ): string {
    for (const name of EXTENSION_NAMES) delete event[name];
    const pairs: string[] = [];
    const arrival = record.approximateArrivalTimestamp;
    const at = typeof arrival === 'number' ? new Date(arrival) : undefined;
    if (at !== undefined && !Number.isNaN(at.getTime())) {
      pairs.push(`"${Extension.ingestedAt}":"${at.toISOString()}"`);
    }
    const sourceArn = source.sourceKinesisStreamArn ?? source.deliveryStreamArn;
    if (typeof sourceArn === 'string')
      pairs.push(`"${Extension.source}":${JSON.stringify(sourceArn)}`);
    const meta = record.kinesisRecordMetadata;
    if (typeof meta?.shardId === 'string') {
      pairs.push(`"${Extension.shard}":${JSON.stringify(meta.shardId)}`);
    }
    if (typeof meta?.sequenceNumber === 'string') {
      pairs.push(`"${Extension.sequence}":${JSON.stringify(meta.sequenceNumber)}`);
    }
    const sub = subsequence ?? (meta === undefined ? undefined : toSafeInt(meta.subsequenceNumber));
    if (sub !== undefined) pairs.push(`"${Extension.subsequence}":${sub}`);
    const json = JSON.stringify(event);
    return `${json.slice(0, -1)}${pairs.map((p) => `,${p}`).join('')}}\n`;
  }
}

function base64Of(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** README, enrichment: an empty `subsequenceNumber` (a record outside a KPL aggregate) is none. */
function toSafeInt(value: unknown): number | undefined {
  if (value === '') return undefined;
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function failed(code: ErrorCode, message: string, path: string): FailedOutcome {
  return { kind: 'failed', issue: { code, message, path } };
}
