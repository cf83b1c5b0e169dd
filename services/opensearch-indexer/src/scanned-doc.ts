import {
  InputEventScan,
  LOG_LEVELS,
  type LogLevel,
  parseEventJson,
  type StreamlensEvent,
  scanInputEvent,
} from '@streamlens/schema';
import type { BulkItem } from './bulk.js';
import { type IndexDoc, indexNameFor, toIndexDoc } from './document.js';

/*
 * The bulk lines of an event written from its record's bytes, without JSON.parse, validation
 * objects or JSON.stringify. `scanInputEvent` accepts a record only when its bytes are exactly
 * `JSON.stringify(JSON.parse(bytes))` and it is a valid input event (see packages/schema/src/scan.ts),
 * so every field `toIndexDoc` copies (`id`, `type`, `source`, `time`, `subject`, `message`, `level`,
 * `service`, `traceId`, `metric`, and `data` whole) is serialised by `JSON.stringify` as its own
 * text in the record: the document line is those byte ranges in `toIndexDoc`'s key order. The
 * indexer does not normalise (the document carries the event as sent), so nothing is rewritten.
 * What the scanner declines takes the general path (`parseEventJson` + `toIndexDoc` +
 * `toBulkItem`); tests/unit/scanned-doc.test.ts holds both byte-identical.
 */

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const ACTION_HEAD = ascii('{"index":{"_index":');
const ACTION_ID = ascii(',"_id":"');
const ACTION_TAIL = ascii('"}}\n{"id":"');
const TYPE_TELEMETRY = ascii('","type":"telemetry.reading","source":"');
const TYPE_APP_LOG = ascii('","type":"app.log","source":"');
const TIME = ascii('","time":"');
const SUBJECT = ascii('","subject":"');
const MESSAGE = ascii('","message":"');
const LEVEL: Readonly<Record<LogLevel, Uint8Array>> = Object.fromEntries(
  LOG_LEVELS.map((l) => [l, ascii(`","level":"${l}","service":"`)]),
) as Record<LogLevel, Uint8Array>;
const TRACE_ID = ascii('","traceId":"');
const METRIC = ascii('","metric":"');
const DATA = ascii('","data":');
const END = ascii('}\n');

const UPPER_Z = 0x5a;

/**
 * A document whose bulk lines were written from the record's bytes. `source` (and the parsed
 * event) are only needed for dead letters, a rare path: they are parsed from the record on first
 * use, and are then exactly what the general path would have built.
 */
export class ScannedDoc implements IndexDoc {
  readonly index: string;
  readonly id: string;
  readonly #record: Uint8Array;
  #event: StreamlensEvent | undefined;
  #source: Record<string, unknown> | undefined;

  constructor(index: string, id: string, record: Uint8Array) {
    this.index = index;
    this.id = id;
    this.#record = record;
  }

  /** The event as `parseEventJson` returns it (the scanner accepted it, so it is valid). */
  get event(): StreamlensEvent {
    if (this.#event === undefined) {
      const parsed = parseEventJson(this.#record, { maxBytes: this.#record.byteLength });
      if (!parsed.ok) throw new Error(`scanned record failed to parse: ${parsed.error.message}`);
      this.#event = parsed.value;
    }
    return this.#event;
  }

  get source(): Record<string, unknown> {
    // The source does not depend on the prefix (only the index name does).
    this.#source ??= toIndexDoc(this.event, '').source;
    return this.#source;
  }
}

/**
 * Writes `_bulk` items of input events from their bytes (see the comment at the top of this file).
 * One instance per batch (it holds scratch space and a one-day index-name cache); not re-entrant.
 */
export class ScannedBulkWriter {
  readonly #prefix: string;
  readonly #scan = new InputEventScan();
  #buf: Buffer = Buffer.allocUnsafe(1 << 14);
  /** `YYYY-MM-DD` of the last day named, and its index name and that name's JSON (UTF-8). */
  readonly #day = new Uint8Array(10);
  #dayIndex = '';
  #dayJson: Uint8Array = new Uint8Array(0);
  /** Whether the prefix is ASCII (then the whole item is, and latin1 decodes it). */
  readonly #asciiPrefix: boolean;

  constructor(indexPrefix: string) {
    this.#prefix = indexPrefix;
    this.#asciiPrefix = /^[\x20-\x7e]*$/.test(indexPrefix);
  }

  /**
   * The bulk item of the input event in `record` (the whole array), exactly as
   * `toBulkItem(toIndexDoc(parseEventJson(record).value, prefix))` writes it; undefined when the
   * scanner declines the record (take that general path then). The caller enforces the size limit.
   */
  item(record: Uint8Array): BulkItem | undefined {
    const scan = this.#scan;
    if (!scanInputEvent(record, 0, record.length, scan)) return undefined;
    const index = this.#indexName(record, scan);
    const id = latin1(record, scan.idStart, scan.idEnd);
    const indexJson = index === this.#dayIndex ? this.#dayJson : utf8(JSON.stringify(index));
    // The document repeats at most the id, the envelope and the data once each, plus the lifted
    // log fields (message, service, trace id) a second time: 2x the record bounds it.
    const need = 2 * record.length + indexJson.length + 256;
    if (this.#buf.length < need)
      this.#buf = Buffer.allocUnsafe(Math.max(need, 2 * this.#buf.length));
    const b = this.#buf;
    let w = put(b, 0, ACTION_HEAD);
    w = put(b, w, indexJson);
    w = put(b, w, ACTION_ID);
    w = copy(record, scan.idStart, scan.idEnd, b, w);
    w = put(b, w, ACTION_TAIL);
    w = copy(record, scan.idStart, scan.idEnd, b, w);
    const log = scan.type === 'app.log';
    w = put(b, w, log ? TYPE_APP_LOG : TYPE_TELEMETRY);
    w = copy(record, scan.sourceStart, scan.sourceEnd, b, w);
    w = put(b, w, TIME);
    w = copy(record, scan.timeStart, scan.timeEnd, b, w);
    if (scan.subjectStart >= 0) {
      w = put(b, w, SUBJECT);
      w = copy(record, scan.subjectStart, scan.subjectEnd, b, w);
    }
    if (log) {
      w = put(b, w, MESSAGE);
      w = copy(record, scan.messageStart, scan.messageEnd, b, w);
      w = put(b, w, LEVEL[scan.level!]);
      w = copy(record, scan.nameStart, scan.nameEnd, b, w);
      if (scan.traceIdStart >= 0) {
        w = put(b, w, TRACE_ID);
        w = copy(record, scan.traceIdStart, scan.traceIdEnd, b, w);
      }
    } else {
      w = put(b, w, METRIC);
      w = copy(record, scan.nameStart, scan.nameEnd, b, w);
    }
    w = put(b, w, DATA);
    w = copy(record, scan.dataStart, scan.dataEnd, b, w);
    w = put(b, w, END);
    const ndjson = b.toString(this.#asciiPrefix ? 'latin1' : 'utf8', 0, w);
    return { doc: new ScannedDoc(index, id, record), ndjson, bytes: w };
  }

  /**
   * `indexNameFor(prefix, time)`. For a UTC time (`Z`) the UTC day is its first 10 bytes (the
   * fraction is truncated, never carried into the day): cached per day. Offsets go through
   * `indexNameFor` itself.
   */
  #indexName(b: Uint8Array, scan: InputEventScan): string {
    const s = scan.timeStart;
    const e = scan.timeEnd;
    if (b[e - 1] !== UPPER_Z) return indexNameFor(this.#prefix, latin1(b, s, e));
    const day = this.#day;
    let same = this.#dayIndex !== '';
    for (let i = 0; same && i < 10; i++) same = day[i] === b[s + i];
    if (!same) {
      for (let i = 0; i < 10; i++) day[i] = b[s + i]!;
      const text = latin1(b, s, s + 10);
      this.#dayIndex = `${this.#prefix}-${text.slice(0, 4)}.${text.slice(5, 7)}.${text.slice(8, 10)}`;
      this.#dayJson = utf8(JSON.stringify(this.#dayIndex));
    }
    return this.#dayIndex;
  }
}

function latin1(b: Uint8Array, s: number, e: number): string {
  return Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('latin1');
}

function utf8(s: string): Uint8Array {
  return Buffer.from(s, 'utf8');
}

function put(b: Uint8Array, w: number, bytes: Uint8Array): number {
  const n = bytes.length;
  for (let i = 0; i < n; i++) b[w + i] = bytes[i]!;
  return w + n;
}

function copy(src: Uint8Array, s: number, e: number, b: Uint8Array, w: number): number {
  const n = e - s;
  if (n <= 32) {
    for (let i = 0; i < n; i++) b[w + i] = src[s + i]!;
  } else b.set(src.subarray(s, e), w);
  return w + n;
}
