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
  #lastArrival: unknown;
  #lastArrivalJson = '';
  #lastSecond = Number.NaN;
  #secondPrefix = '';
  #sourceArn: string | undefined;
  #sourceJson = '';

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
    if (this.#config.denyTypes.size > 0 && this.#config.denyTypes.has(event.type)) {
      return DROPPED_DENIED;
    }
    if (this.#minRank > 0 && event.type === 'app.log') {
      const level = (event.data as { level: string }).level;
      if (levelRank(level) < this.#minRank) return DROPPED_LEVEL;
    }
    return undefined;
  }

  /**
   * One NDJSON line: the event's JSON with the extension attributes spliced in before the closing
   * brace. Splicing (instead of adding properties and stringifying) keeps the parsed object's shape
   * and reuses the parts shared by a whole invocation; extension attributes a producer sent under
   * our names are removed first, so enrichment cannot be forged or duplicated.
   */
  #line(
    event: Extended,
    record: FirehoseInputRecord,
    source: InvocationSource,
    subsequence: number | undefined,
  ): string {
    if (
      Extension.ingestedAt in event ||
      Extension.source in event ||
      Extension.shard in event ||
      Extension.sequence in event ||
      Extension.subsequence in event
    ) {
      for (const name of EXTENSION_NAMES) delete event[name];
    }
    const json = JSON.stringify(event);
    let suffix = this.#ingestedAtJson(record.approximateArrivalTimestamp);
    const sourceArn = source.sourceKinesisStreamArn ?? source.deliveryStreamArn;
    if (sourceArn !== this.#sourceArn) {
      this.#sourceArn = sourceArn;
      this.#sourceJson =
        typeof sourceArn === 'string' ? `,"${Extension.source}":${JSON.stringify(sourceArn)}` : '';
    }
    suffix += this.#sourceJson;
    const meta = record.kinesisRecordMetadata;
    let sub = subsequence;
    if (meta !== undefined) {
      if (typeof meta.shardId === 'string')
        suffix += `,"${Extension.shard}":${JSON.stringify(meta.shardId)}`;
      if (typeof meta.sequenceNumber === 'string') {
        suffix += `,"${Extension.sequence}":${JSON.stringify(meta.sequenceNumber)}`;
      }
      sub ??= toSafeInt(meta.subsequenceNumber);
    }
    if (sub !== undefined) suffix += `,"${Extension.subsequence}":${sub}`;
    return `${json.slice(0, -1)}${suffix}}\n`;
  }

  /** `,"streamlensingestedat":"…"`, cached: records of one batch often share their arrival ms. */
  #ingestedAtJson(arrival: unknown): string {
    if (arrival === this.#lastArrival) return this.#lastArrivalJson;
    let json = '';
    if (typeof arrival === 'number' && Number.isFinite(arrival)) {
      // Same second as the previous record: only the milliseconds change.
      const second = Math.floor(arrival / 1000);
      if (second === this.#lastSecond && Number.isInteger(arrival)) {
        const ms = arrival - second * 1000;
        json = `${this.#secondPrefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z"`;
      } else {
        const d = new Date(arrival);
        if (!Number.isNaN(d.getTime())) {
          const iso = d.toISOString();
          json = `,"${Extension.ingestedAt}":"${iso}"`;
          // Only for the usual `YYYY-MM-DDTHH:mm:ss.sssZ` form (years 0–9999).
          if (iso.length === 24) {
            this.#lastSecond = second;
            this.#secondPrefix = `,"${Extension.ingestedAt}":"${iso.slice(0, 20)}`;
          }
        }
      }
    }
    this.#lastArrival = arrival;
    this.#lastArrivalJson = json;
    return json;
  }
}

function base64Of(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

function toSafeInt(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function failed(code: ErrorCode, message: string, path: string): FailedOutcome {
  return { kind: 'failed', issue: { code, message, path } };
}
