import { isUtf8 } from 'node:buffer';
import {
  type CloudWatchLogsPayload,
  ErrorCode,
  InputEventScan,
  isGzip,
  isKplAggregated,
  normalizeEventInPlace,
  normalizeTime,
  type StreamlensEvent,
  scanInputEvent,
  type ValidationIssue,
  validateEvent,
} from '@streamlens/schema';
import { CanonicalLineWriter } from './canonical-line.js';
import { levelRank, type TransformConfig } from './config.js';
import { LineBuffer } from './line-buffer.js';
import type { DropReason, FirehoseInputRecord, PartitionKeys, ReingestItem } from './model.js';
import {
  cloudWatchOutcome,
  DROPPED_DENIED,
  DROPPED_LEVEL,
  type EventWriter,
  kplOutcome,
} from './multi-event.js';
import { PartitionKeyCache } from './partition.js';
import { TimeBytesNormalizer } from './time-bytes.js';

/**
 * CloudEvents extension attributes this service adds. The CloudEvents spec allows only lowercase
 * letters and digits in attribute names, hence no separators.
 */
export const Extension = {
  /** Firehose's approximate arrival time of the record, RFC 3339 UTC with milliseconds. */
  ingestedAt: 'streamlensingestedat',
  /** ARN of the Kinesis stream the record was read from, else of the delivery stream. */
  source: 'streamlenssource',
  /** Kinesis shard id, when the delivery stream reads from Kinesis. */
  shard: 'streamlensshard',
  /** Kinesis sequence number (string: it exceeds 2^53). */
  sequence: 'streamlensseq',
  /** Kinesis sub-sequence number (KPL user record index), when there is one. */
  subsequence: 'streamlenssubseq',
} as const;

/** Where the records of one invocation came from; enrichment shared by its records. */
export interface InvocationSource {
  deliveryStreamArn: string;
  sourceKinesisStreamArn?: string | undefined;
}

/** A per-event problem found inside a multi-event record (KPL aggregate, CloudWatch Logs batch). */
export interface InnerIssue extends ValidationIssue {
  /** Index of the user record / log event inside the record. */
  index: number;
}

/** The record transformed into NDJSON lines. */
export interface OkOutcome {
  kind: 'ok';
  /**
   * Base64 of the UTF-8 NDJSON (every line ending in `\n`), encoded right away so that only the
   * response string is kept alive, not a Buffer per record until the response is built.
   */
  data: string;
  partitionKeys: PartitionKeys;
  events: number;
  /** Kept so that a too-large CloudWatch Logs record can be split in halves. */
  cloudWatch?: CloudWatchLogsPayload;
  /** Parts of the record that must travel on their own (invalid or differently partitioned KPL user records). */
  reingest?: ReingestItem[];
  /** Problems with parts of the record that were re-ingested alone. */
  issues?: InnerIssue[];
}

/** The record was dropped on purpose. */
export interface DroppedOutcome {
  kind: 'dropped';
  reason: DropReason;
}

/** The record cannot be transformed: it goes to the error prefix with its original data. */
export interface FailedOutcome {
  kind: 'failed';
  issue: ValidationIssue;
}

export type RecordOutcome = OkOutcome | DroppedOutcome | FailedOutcome;

/** 10000-01-01T00:00:00Z: from here on `toISOString` writes an expanded year. */
const MAX_ISO_MS = 253_402_300_800_000;

/** Recently parsed values kept alive (a power of two), see `#keepShape`. */
const SHAPE_RING = 256;

export type Extended = StreamlensEvent & Record<string, unknown>;

const EXTENSION_NAMES: readonly string[] = Object.values(Extension);

/**
 * Turns Firehose records into outcomes. One instance per configuration (built at module scope);
 * `transform` never throws for bad data: every problem becomes a `failed` outcome with a reason.
 */
export class RecordTransformer {
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
  readonly #lines = new LineBuffer();
  readonly #canonical = new CanonicalLineWriter();
  readonly #scan = new InputEventScan();
  readonly #times = new TimeBytesNormalizer();
  readonly #timeBytes = new Uint8Array(24);
  readonly #shapes = new Array<unknown>(SHAPE_RING);
  #shapeNext = 0;
  readonly #rareShapes = new Array<unknown>(SHAPE_RING);
  #rareNext = 0;
  #commonIngestedAt = '';
  #directBytes: Buffer | undefined;
  #directSecond = -1;
  #directSource: string | undefined;
  #directMsAt = 0;
  #commonSuffix: string | undefined;

  /** This transformer's filter, line and keys, for the records that hold several events. */
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
    const lines = this.#lines;
    const n = lines.decodeBase64(record.data);
    if (n < 0) return failed(ErrorCode.INVALID_BASE64, 'record data is not padded base64', '$');
    const bytes = lines.bytes;
    if (n >= 2 && (bytes[0] === 0x1f || bytes[0] === 0xf3)) {
      // Kept beyond this record (payloads, re-ingested parts): a copy, not the reused buffer.
      const own = Buffer.from(bytes.subarray(0, n));
      if (isGzip(own)) {
        return cloudWatchOutcome(this.#events, this.#config.denyTypes, {
          record,
          source,
          bytes: own,
        });
      }
      if (isKplAggregated(own)) {
        return kplOutcome(this.#events, this.#parseOptions, { record, source, bytes: own });
      }
    }
    // The size check parseEventJson would make on the bytes, with the same issue.
    const max = this.#config.maxEventBytes;
    if (n > max) return failed(ErrorCode.OVERSIZE, `record is ${n} bytes, over ${max}`, '$');
    // Compact producer JSON of a valid input event (the common case): validated from its bytes and
    // its line written from them, without JSON.parse (@streamlens/schema's scanInputEvent).
    const scan = this.#scan;
    if (scanInputEvent(bytes, 0, n, scan)) return this.#scanned(record, source, n, scan);
    // parseEventJson's steps without its intermediate results: JSON.parse (same issue on
    // failure), then the validation (tests/unit/reference.test.ts compares with parseEventJson).
    // The check parseEventJson makes: decoding would turn invalid UTF-8 into U+FFFD.
    if (!isUtf8(bytes.subarray(0, n))) {
      return failed(ErrorCode.INVALID_UNICODE, 'record is not valid UTF-8', '$');
    }
    let json: unknown;
    // Only the message of a SyntaxError is used: capturing its stack trace would double the cost
    // of a malformed record (measured: ~9 µs with the default 10 frames, ~5 µs with none).
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      json = JSON.parse(bytes.utf8Slice(0, n));
    } catch (err) {
      Error.stackTraceLimit = stackTraceLimit;
      this.#keepRareShape(err);
      const message = err instanceof Error ? err.message : 'invalid JSON';
      return failed(ErrorCode.INVALID_JSON, message, '$');
    }
    Error.stackTraceLimit = stackTraceLimit;
    const parsed = validateEvent(json);
    if (!parsed.ok) {
      this.#keepRareShape(json);
      return { kind: 'failed', issue: parsed.error };
    }
    this.#keepShape(json);
    const event = parsed.value;
    const dropped = this.#filter(event);
    if (dropped !== undefined) return dropped;
    const suffix = this.#suffix(record, source, undefined);
    // Compact JSON as a JSON.stringify-based producer writes it: the line is written from the
    // record's own bytes (src/canonical-line.ts), after them in the same buffer.
    const buf = lines.reserveKeeping(2 * n + 10 + 3 * suffix.length, n);
    const end = this.#canonical.write(event, buf, n, n, suffix);
    if (end >= 0) {
      return {
        kind: 'ok',
        data: buf.base64Slice(n, end),
        partitionKeys: this.keys.keysOf(event.type, this.#canonical.time),
        events: 1,
      };
    }
    // The parsed event is this call's own: normalised in place, without copying it.
    const normalized = normalizeEventInPlace(event) as Extended;
    return {
      kind: 'ok',
      data: lines.encodeLine(JSON.stringify(withoutExtensions(normalized)), suffix),
      partitionKeys: this.keys.keysOf(normalized.type, normalized.time),
      events: 1,
    };
  }

  /**
   * The outcome of a record `scanInputEvent` accepted: what the general path below gives for it
   * (same filters, same line bytes, same partition keys; tests/unit/reference.test.ts and
   * tests/unit/scanned.test.ts hold them equal), from the scan's offsets.
   */
  #scanned(
    record: FirehoseInputRecord,
    source: InvocationSource,
    n: number,
    scan: InputEventScan,
  ): RecordOutcome {
    const type = scan.type;
    if (this.#config.denyTypes.size > 0 && this.#config.denyTypes.has(type)) return DROPPED_DENIED;
    if (this.#minRank > 0 && type === 'app.log' && levelRank(scan.level!) < this.#minRank) {
      return DROPPED_LEVEL;
    }
    const suffix = this.#directSuffix(record, source) ?? this.#suffix(record, source, undefined);
    const buf = this.#lines.reserveKeeping(2 * n + 10 + 3 * suffix.length, n);
    let keys: PartitionKeys;
    let time: string | Uint8Array | undefined;
    if (scan.canonicalTime) {
      keys = this.keys.keysOfBytes(type, buf, scan.timeStart);
    } else if (this.#times.normalize(buf, scan.timeStart, scan.timeEnd, this.#timeBytes)) {
      time = this.#timeBytes;
      keys = this.keys.keysOfBytes(type, time, 0);
    } else {
      const text = buf.latin1Slice(scan.timeStart, scan.timeEnd);
      const normalized = normalizeTime(text);
      if (normalized !== text) time = normalized;
      keys = this.keys.keysOf(type, normalized);
    }
    const end = this.#canonical.writeScanned(scan, buf, n, n, suffix, time);
    return { kind: 'ok', data: buf.base64Slice(n, end), partitionKeys: keys, events: 1 };
  }

  /**
   * Keeps recently parsed values alive: valid events here, invalid ones and JSON.parse errors (rarer
   * shapes) in `#keepRareShape`. Optimised code refers to the hidden classes it has seen weakly:
   * once a batch's objects are garbage, a major GC drops those classes and deoptimises the hot path
   * (`--trace-deopt`: "weak objects"); the next batch then rebuilds the classes, re-learns type
   * feedback and re-optimises. That happens whenever a major GC runs between batches (in Lambda,
   * between or during invocations; `pnpm bench` forces one before every sample). Measured with a
   * full GC before each batch: 1 MiB workload, 60 batches, 34 deopts of `transform`, the line
   * writer and the validators without this; on both workloads none with the last 256 valid and
   * 256 invalid values kept (a few hundred KB).
   */
  #keepShape(value: unknown): void {
    this.#shapes[this.#shapeNext++ & (SHAPE_RING - 1)] = value;
  }

  #keepRareShape(value: unknown): void {
    this.#rareShapes[this.#rareNext++ & (SHAPE_RING - 1)] = value;
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
    const json = JSON.stringify(withoutExtensions(event));
    return `${json.slice(0, -1)}${this.#suffix(record, source, subsequence)}}\n`;
  }

  /** The enrichment attributes as `,"name":value` pairs, to splice before an event's `}`. */
  #suffix(
    record: FirehoseInputRecord,
    source: InvocationSource,
    subsequence: number | undefined,
  ): string {
    const ingestedAt = this.#ingestedAtJson(record.approximateArrivalTimestamp);
    const sourceArn = source.sourceKinesisStreamArn ?? source.deliveryStreamArn;
    if (sourceArn !== this.#sourceArn) {
      this.#sourceArn = sourceArn;
      this.#sourceJson =
        typeof sourceArn === 'string' ? `,"${Extension.source}":${JSON.stringify(sourceArn)}` : '';
      this.#commonSuffix = undefined;
    }
    const meta = record.kinesisRecordMetadata;
    if (meta === undefined && subsequence === undefined) {
      // Direct PUT: the whole suffix is shared by the records of one arrival time (one flat
      // string, where a concatenation per record would be flattened again by every write).
      if (this.#commonSuffix === undefined || this.#commonIngestedAt !== ingestedAt) {
        this.#commonIngestedAt = ingestedAt;
        this.#commonSuffix = `${ingestedAt}${this.#sourceJson}`;
      }
      return this.#commonSuffix;
    }
    let suffix = ingestedAt + this.#sourceJson;
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
    return suffix;
  }

  /**
   * The enrichment of a direct-PUT record (no Kinesis metadata) whose arrival is a whole number of
   * ms in years 1970–9999, as UTF-8 bytes: the same text as `#suffix`, kept per arrival second and
   * source, with only the three millisecond digits rewritten per record (no string per record).
   * Undefined for any other record (then `#suffix`). The bytes are valid until the next call.
   */
  #directSuffix(record: FirehoseInputRecord, source: InvocationSource): Uint8Array | undefined {
    const arrival = record.approximateArrivalTimestamp;
    if (
      record.kinesisRecordMetadata !== undefined ||
      typeof arrival !== 'number' ||
      !Number.isSafeInteger(arrival) ||
      arrival < 0 ||
      arrival >= MAX_ISO_MS
    ) {
      return undefined;
    }
    const sourceArn = source.sourceKinesisStreamArn ?? source.deliveryStreamArn;
    const second = Math.floor(arrival / 1000);
    let bytes = this.#directBytes;
    if (bytes === undefined || second !== this.#directSecond || sourceArn !== this.#directSource) {
      const iso = new Date(second * 1000).toISOString();
      const sourceJson =
        typeof sourceArn === 'string' ? `,"${Extension.source}":${JSON.stringify(sourceArn)}` : '';
      const head = `,"${Extension.ingestedAt}":"${iso.slice(0, 20)}`;
      bytes = Buffer.from(`${head}000Z"${sourceJson}`, 'utf8');
      this.#directBytes = bytes;
      this.#directSecond = second;
      this.#directSource = sourceArn;
      this.#directMsAt = head.length;
    }
    const ms = arrival - second * 1000;
    const at = this.#directMsAt;
    bytes[at] = 48 + Math.floor(ms / 100);
    bytes[at + 1] = 48 + (Math.floor(ms / 10) % 10);
    bytes[at + 2] = 48 + (ms % 10);
    return bytes;
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

/** Whether the event carries one of our extension attributes (a producer sent it). */
function hasExtension(event: Extended): boolean {
  return (
    Extension.ingestedAt in event ||
    Extension.source in event ||
    Extension.shard in event ||
    Extension.sequence in event ||
    Extension.subsequence in event
  );
}

/** The event without producer-sent values under our extension names (so none can be forged). */
function withoutExtensions(event: Extended): Extended {
  if (hasExtension(event)) for (const name of EXTENSION_NAMES) delete event[name];
  return event;
}

function toSafeInt(value: unknown): number | undefined {
  // AWS sends an empty string for a record that was not part of a KPL aggregate.
  if (value === '') return undefined;
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function failed(code: ErrorCode, message: string, path: string): FailedOutcome {
  return { kind: 'failed', issue: { code, message, path } };
}
