import { isUtf8 } from 'node:buffer';
import { decodeKinesisRecord } from '@streamlens/lambda-kit/kinesis';
import {
  allocRawBuffer,
  asRawBuffer,
  DEFAULT_MAX_EVENT_BYTES,
  decodeCloudWatchLogsRecord,
  type InputEvent,
  InputEventScan,
  isGzip,
  isKplAggregated,
  LOG_COUNT_METRIC,
  parseInputEventJson,
  scanInputEvent,
  seriesKeyOf,
} from '@streamlens/schema';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { idHashOf, idHashOfBytes } from './domain/event-id.js';
import type {
  InputRecord,
  Observation,
  RecordIssue,
  RecordSource,
  SeriesMeta,
} from './domain/types.js';

/** Options of {@link RecordDecoder}. */
export type DecodeOptions = {
  /** Only these telemetry dimensions form the series (empty: all). */
  seriesDimensions: readonly string[];
  maxRecordBytes?: number;
};

/** One cached series: the raw dimension pairs it was seen with, and its canonical metadata. */
type SeriesEntry = {
  /** Dimension names in the raw object's own order (or the configured names). */
  names: string[];
  /** The values, index for index (undefined: a configured dimension the event lacks). */
  values: Array<string | undefined>;
  meta: SeriesMeta;
  next: SeriesEntry | undefined;
};

function sameValues(a: ReadonlyArray<string | undefined>, b: ReadonlyArray<string | undefined>) {
  for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Longest chain of entries per bucket: a cache, so the oldest entries give way. */
const MAX_CHAIN = 16;

/**
 * Canonical series metadata per raw (metric, dimensions), cached across records and invocations.
 *
 * The canonical key (sorted, escaped: the schema's `seriesKeyOf`, the single definition of a series
 * key) costs more to build than anything else the aggregator does per record except JSON.parse,
 * and a few thousand series recur in every batch. The cache finds a bucket by the metric and the
 * first dimension value (logs: by service), then compares the event's dimension pairs, in the
 * object's own key order, with each entry's: equal strings, so a hit is exact and builds nothing
 * (the names are JSON keys, interned, so comparing them is a pointer check). Two events share an
 * entry only if they have the same metric and the same pairs, hence the same canonical key.
 * Bounded: `maxEntries` in all, {@link MAX_CHAIN} per bucket.
 */
export class SeriesCache {
  /** metric → first dimension value (undefined: none) → entries. */
  private buckets = new Map<string, Map<string | undefined, SeriesEntry>>();
  /** service → entries (one per level). */
  private logBuckets = new Map<string, Map<string | undefined, SeriesEntry>>();
  private entries = 0;

  constructor(
    private readonly dimensions: readonly string[],
    private readonly maxEntries = 50_000,
  ) {}

  /** Number of cached series (for tests). */
  get size(): number {
    return this.entries;
  }

  /** The series metadata of a valid input event (shared: callers must not mutate it). */
  metaOf(event: InputEvent): SeriesMeta {
    if (event.type === 'app.log') {
      const level = event.data.level;
      const byLevel = this.bucket(this.logBuckets, event.data.service);
      const head = byLevel.get(undefined);
      for (let e = head; e !== undefined; e = e.next) {
        if (e.values[0] === level) return e.meta;
      }
      return this.insert(byLevel, undefined, head, [], [level], event);
    }
    const dims = event.data.dimensions;
    const configured = this.dimensions;
    const byFirst = this.bucket(this.buckets, event.data.metric);
    if (configured.length > 0) {
      const values: Array<string | undefined> = [];
      for (const name of configured) {
        values.push(dims !== undefined && Object.hasOwn(dims, name) ? dims[name] : undefined);
      }
      const head = byFirst.get(values[0]);
      for (let e = head; e !== undefined; e = e.next) {
        if (sameValues(e.values, values)) return e.meta;
      }
      return this.insert(byFirst, values[0], head, [], values, event);
    }
    // Keys in the object's own order, walked with for…in (V8's enum cache, nothing allocated)
    // rather than Object.keys, which copies them into a new array for every record. Parsed JSON
    // inherits nothing enumerable, so this is the own keys; and an entry is only ever compared
    // with what the same walk produced, so a hit is exact either way.
    let first: string | undefined;
    if (dims !== undefined) {
      for (const name in dims) {
        first = dims[name];
        break;
      }
    }
    const head = byFirst.get(first);
    search: for (let e = head; e !== undefined; e = e.next) {
      const en = e.names;
      const ev = e.values;
      let i = 0;
      if (dims !== undefined) {
        for (const name in dims) {
          if (i === en.length || en[i] !== name || ev[i] !== dims[name]) continue search;
          i++;
        }
      }
      if (i !== en.length) continue;
      return e.meta;
    }
    const names: string[] = [];
    const values: Array<string | undefined> = [];
    if (dims !== undefined) {
      for (const name in dims) {
        names.push(name);
        values.push(dims[name]);
      }
    }
    return this.insert(byFirst, first, head, names, values, event);
  }

  private bucket(
    map: Map<string, Map<string | undefined, SeriesEntry>>,
    key: string,
  ): Map<string | undefined, SeriesEntry> {
    let b = map.get(key);
    if (b === undefined) {
      b = new Map();
      map.set(key, b);
    }
    return b;
  }

  private insert(
    bucket: Map<string | undefined, SeriesEntry>,
    key: string | undefined,
    head: SeriesEntry | undefined,
    names: string[],
    values: Array<string | undefined>,
    event: InputEvent,
  ): SeriesMeta {
    if (this.entries >= this.maxEntries) {
      this.buckets.clear();
      this.logBuckets.clear();
      this.entries = 0;
      head = undefined;
    }
    let n = 0;
    for (let e = head; e !== undefined; e = e.next) {
      if (++n === MAX_CHAIN - 1) {
        for (let x = e.next; x !== undefined; x = x.next) this.entries--;
        e.next = undefined;
        break;
      }
    }
    const entry: SeriesEntry = { names, values, meta: this.build(event), next: head };
    bucket.set(key, entry);
    this.entries++;
    return entry.meta;
  }

  private build(event: InputEvent): SeriesMeta {
    const opts = this.dimensions.length > 0 ? { dimensions: this.dimensions } : undefined;
    const series = seriesKeyOf(event, opts);
    if (event.type === 'app.log') {
      return {
        series,
        kind: 'log',
        metric: LOG_COUNT_METRIC,
        dimensions: { level: event.data.level, service: event.data.service },
      };
    }
    // A sorted copy: the emitted `dimensions` then do not depend on which record of the series
    // came first (producers may order keys differently).
    const all = event.data.dimensions ?? {};
    const names = this.dimensions.length > 0 ? this.dimensions : Object.keys(all);
    const picked: string[] = [];
    for (const name of names) {
      if (all[name] !== undefined && Object.hasOwn(all, name)) picked.push(name);
    }
    picked.sort();
    const dimensions: Record<string, string> = {};
    for (const name of picked) dimensions[name] = all[name]!;
    return { series, kind: 'telemetry', metric: event.data.metric, dimensions };
  }
}

/**
 * Series metadata of scanned records ({@link scanInputEvent}), keyed by their bytes: a telemetry
 * reading's metric and dimensions object as written, an app.log's service and level. The scanner
 * accepts only compact JSON without escapes, so equal bytes are equal strings, hence the same
 * series (the dimensions text fixes every pair; with configured dimensions the key is finer than
 * the series, which costs entries, never correctness). A hit compares the bytes and builds no
 * string; a miss is filled from the general path's answer for that record.
 *
 * Flat arrays rather than an object per entry: a lookup reads one hash slot, one row of numbers
 * and the key bytes, contiguous in one arena, instead of chasing a Map bucket, an entry, a view
 * and its backing store (each a likely cache miss, per record). Bounded: when `maxEntries` or the
 * arena is full, everything is dropped and refilled.
 */
export class ScannedSeriesCache {
  /** Entry index + 1 heading each hash slot's chain (0: empty); twice the entry capacity. */
  private slots = new Int32Array(512);
  /** Per entry, ROW numbers: hash, tag, name length, key length, key offset, next entry + 1. */
  private rows = new Int32Array(256 * ROW);
  private readonly metas: Array<SeriesMeta | undefined> = [];
  /** The key bytes of every entry (name then map), back to back. */
  private arena = new Uint8Array(1 << 14);
  private arenaView = new DataView(this.arena.buffer);
  private used = 0;
  private entries = 0;

  /** Grows (doubling) up to `maxEntries` entries and `arenaBytes` of key bytes. */
  constructor(
    private readonly maxEntries = 50_000,
    private readonly arenaBytes = 4 << 20,
  ) {}

  /** Number of cached series (for tests). */
  get size(): number {
    return this.entries;
  }

  /**
   * The cached metadata of the scanned record whose bytes `v` views (the scanned array), or
   * undefined. Bytes are hashed and compared four at a time.
   */
  get(v: DataView, scan: InputEventScan): SeriesMeta | undefined {
    const tag = tagOf(scan);
    const h = hashOf(v, scan, tag);
    const ns = scan.nameStart;
    const nl = scan.nameEnd - ns;
    const ms = scan.mapStart;
    const ml = ms < 0 ? 0 : scan.mapEnd - ms;
    const rows = this.rows;
    const arena = this.arenaView;
    const slots = this.slots;
    for (let e = slots[h & (slots.length - 1)]! - 1; e >= 0; e = rows[e * ROW + 5]! - 1) {
      const r = e * ROW;
      if (rows[r] !== h || rows[r + 1] !== tag || rows[r + 2] !== nl || rows[r + 3] !== nl + ml) {
        continue;
      }
      const at = rows[r + 4]!;
      if (sameBytes(arena, at, v, ns, nl) && sameBytes(arena, at + nl, v, ms, ml)) {
        return this.metas[e];
      }
    }
    return undefined;
  }

  /** Remembers `meta` for the scanned record whose bytes `v` views. */
  set(v: DataView, scan: InputEventScan, meta: SeriesMeta): void {
    const tag = tagOf(scan);
    const nl = scan.nameEnd - scan.nameStart;
    const size = nl + (scan.mapStart < 0 ? 0 : scan.mapEnd - scan.mapStart);
    if (size > this.arenaBytes || this.maxEntries < 1) return;
    if (this.entries >= this.maxEntries || this.used + size > this.arenaBytes) {
      this.slots.fill(0);
      this.metas.length = 0;
      this.entries = 0;
      this.used = 0;
    }
    if (this.used + size > this.arena.length) {
      const grown = new Uint8Array(Math.min(this.arenaBytes, 2 * (this.used + size)));
      grown.set(this.arena.subarray(0, this.used));
      this.arena = grown;
      this.arenaView = new DataView(grown.buffer);
    }
    if (this.entries * ROW === this.rows.length) this.grow();
    const h = hashOf(v, scan, tag);
    const b = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    const at = this.used;
    this.arena.set(b.subarray(scan.nameStart, scan.nameEnd), at);
    if (size > nl) this.arena.set(b.subarray(scan.mapStart, scan.mapEnd), at + nl);
    this.used += size;
    const e = this.entries++;
    const rows = this.rows;
    const r = e * ROW;
    rows[r] = h;
    rows[r + 1] = tag;
    rows[r + 2] = nl;
    rows[r + 3] = size;
    rows[r + 4] = at;
    this.metas[e] = meta;
    this.link(e);
  }

  /** Doubles the entry capacity (at most `maxEntries`) and rebuilds the chains. */
  private grow(): void {
    const capacity = Math.min(this.maxEntries, (2 * this.rows.length) / ROW);
    const rows = new Int32Array(capacity * ROW);
    rows.set(this.rows);
    this.rows = rows;
    let n = 512;
    while (n < 2 * capacity) n <<= 1;
    this.slots = new Int32Array(n);
    for (let e = 0; e < this.entries; e++) this.link(e);
  }

  private link(e: number): void {
    const slot = this.rows[e * ROW]! & (this.slots.length - 1);
    this.rows[e * ROW + 5] = this.slots[slot]!;
    this.slots[slot] = e + 1;
  }
}

/** Numbers per entry of {@link ScannedSeriesCache}. */
const ROW = 6;

function tagOf(scan: InputEventScan): number {
  return scan.level === undefined ? 0 : scan.level.charCodeAt(0);
}

/** FNV-1a style, a 32-bit word at a time, over the tag, the name bytes and the map bytes. */
function hashOf(v: DataView, scan: InputEventScan, tag: number): number {
  let h = hashRange(v, scan.nameStart, scan.nameEnd, Math.imul(0x811c9dc5 ^ tag, 0x01000193));
  // A separator no ASCII text holds, so that name and map cannot trade bytes.
  h = Math.imul(h ^ 0xff, 0x01000193);
  return scan.mapStart >= 0 ? hashRange(v, scan.mapStart, scan.mapEnd, h) : h;
}

function hashRange(v: DataView, s: number, e: number, h: number): number {
  let i = s;
  for (; i + 4 <= e; i += 4) h = Math.imul(h ^ v.getInt32(i, true), 0x01000193);
  for (; i < e; i++) h = Math.imul(h ^ v.getUint8(i), 0x01000193);
  return h;
}

/** Whether `k[ko..ko+n)` and `v[s..s+n)` hold the same bytes. */
function sameBytes(k: DataView, ko: number, v: DataView, s: number, n: number): boolean {
  let i = 0;
  for (; i + 4 <= n; i += 4) if (k.getInt32(ko + i, true) !== v.getInt32(s + i, true)) return false;
  for (; i < n; i++) if (k.getUint8(ko + i) !== v.getUint8(s + i)) return false;
  return true;
}

/** Exact powers of ten (every one up to 1e22 is a double). */
const POW10 = Array.from({ length: 16 }, (_v, i) => 10 ** i);

/** The text of `b[s..e)` (ASCII), for the rare forms read the general way. */
function latin1(b: Uint8Array, s: number, e: number): string {
  return asRawBuffer(Buffer.from(b.buffer, b.byteOffset, b.byteLength)).latin1Slice(s, e);
}

/**
 * The value of a JSON number token the scanner accepted (no exponent, no `-0`), equal to
 * `JSON.parse` of it: with at most 15 digits in all the digits form an exact integer m < 2^53 and
 * 10^k is exact, so m / 10^k is one correctly rounded division, which is what parsing the decimal
 * gives. Longer tokens go to `Number()`.
 */
export function numberAt(b: Uint8Array, s: number, e: number): number {
  let i = s;
  const negative = b[i] === 45;
  if (negative) i++;
  let m = 0;
  let digits = 0;
  let frac = -1;
  for (; i < e; i++) {
    const c = b[i]!;
    if (c === 46 && frac < 0) {
      frac = 0;
      continue;
    }
    if (c < 48 || c > 57 || ++digits > 15) return Number(latin1(b, s, e));
    m = m * 10 + (c - 48);
    if (frac >= 0) frac++;
  }
  if (digits === 0 || frac === 0) return Number(latin1(b, s, e));
  const v = frac > 0 ? m / POW10[frac]! : m;
  return negative ? -v : v;
}

function digits2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * `Date.parse` for event times, with a fast path for the canonical forms
 * `YYYY-MM-DDTHH:MM:SS.sssZ` and `YYYY-MM-DDTHH:MM:SSZ`: the date and hour part is parsed once per
 * hour seen (by `Date.parse` itself) and minutes, seconds and milliseconds are added. Any other
 * form (offsets, other fraction lengths, out-of-range fields) goes to `Date.parse`, so the result
 * always equals `Date.parse(text)` (a property test checks it).
 */
export class EventTimeParser {
  private hour = '';
  private hourMs = Number.NaN;

  parse(text: string): number {
    const n = text.length;
    if (
      (n === 24 || n === 20) &&
      text.charCodeAt(n - 1) === 90 && // Z
      text.charCodeAt(10) === 84 && // T
      text.charCodeAt(13) === 58 && // :
      text.charCodeAt(16) === 58 &&
      (n === 20 || text.charCodeAt(19) === 46) // .
    ) {
      const h = digits2(text, 11);
      const m = digits2(text, 14);
      const s = digits2(text, 17);
      let ms = 0;
      if (n === 24) {
        const c = text.charCodeAt(22) - 48;
        const ab = digits2(text, 20);
        ms = ab >= 0 && c >= 0 && c <= 9 ? ab * 10 + c : -1;
      }
      if (h >= 0 && h < 24 && m >= 0 && m < 60 && s >= 0 && s < 60 && ms >= 0) {
        if (!text.startsWith(this.hour) || this.hour.length !== 13) {
          this.hour = text.slice(0, 13);
          this.hourMs = Date.parse(`${this.hour}:00:00.000Z`);
        }
        if (!Number.isNaN(this.hourMs)) return this.hourMs + m * 60_000 + s * 1000 + ms;
      }
    }
    return Date.parse(text);
  }

  /**
   * {@link EventTimeParser.parse} of the ASCII text `b[s..e)`, reading the canonical forms from
   * the bytes (no string) with the same cache and the same arithmetic.
   */
  parseBytes(b: Uint8Array, s: number, e: number): number {
    const n = e - s;
    if (
      (n === 24 || n === 20) &&
      b[e - 1] === 90 && // Z
      b[s + 10] === 84 && // T
      b[s + 13] === 58 && // :
      b[s + 16] === 58 &&
      (n === 20 || b[s + 19] === 46) // .
    ) {
      const h = digits2b(b, s + 11);
      const m = digits2b(b, s + 14);
      const sec = digits2b(b, s + 17);
      let ms = 0;
      if (n === 24) {
        const c = b[s + 22]! - 48;
        const ab = digits2b(b, s + 20);
        ms = ab >= 0 && c >= 0 && c <= 9 ? ab * 10 + c : -1;
      }
      if (h >= 0 && h < 24 && m >= 0 && m < 60 && sec >= 0 && sec < 60 && ms >= 0) {
        const hour = this.hour;
        let same = hour.length === 13;
        for (let i = 0; same && i < 13; i++) same = hour.charCodeAt(i) === b[s + i];
        if (!same) {
          this.hour = latin1(b, s, s + 13);
          this.hourMs = Date.parse(`${this.hour}:00:00.000Z`);
        }
        if (!Number.isNaN(this.hourMs)) return this.hourMs + m * 60_000 + sec * 1000 + ms;
      }
    }
    return Date.parse(latin1(b, s, e));
  }
}

function digits2b(b: Uint8Array, i: number): number {
  const x = b[i]! - 48;
  const y = b[i + 1]! - 48;
  return x >= 0 && x <= 9 && y >= 0 && y <= 9 ? x * 10 + y : -1;
}

// Base64 alphabet (standard), by char code.
const B64 = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') {
  B64[c.charCodeAt(0)] = 1;
}

/**
 * Whether a record's base64 data is a KPL aggregate. The KPL magic F3 89 9A C2 encodes as the
 * prefix "84maw": when the first 5 characters are plain base64 (what Kinesis sends; Node's decoder
 * would skip any other) and differ from it, the bytes cannot start with the magic, and nothing is
 * decoded. Otherwise the first bytes are decoded and checked exactly.
 */
export function looksKpl(b64: string): boolean {
  if (b64.length < 8) return false;
  // The usual case in one test: a plain first character other than '8' (JSON starts "ey").
  const c0 = b64.charCodeAt(0);
  if (c0 !== 56 && c0 < 128 && B64[c0] === 1) return false;
  if (!b64.startsWith('84maw')) {
    let plain = true;
    for (let i = 0; i < 5; i++) {
      const c = b64.charCodeAt(i);
      if (c >= 128 || B64[c] === 0) {
        plain = false;
        break;
      }
    }
    if (plain) return false;
  }
  return isKplAggregated(Buffer.from(b64.slice(0, 8), 'base64'));
}

function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * What `record` parses for the bytes `b[0..n)`: their UTF-8 text, or the bytes themselves when they
 * are not valid UTF-8 (the schema then rejects them as INVALID_UNICODE, as it does any such bytes).
 */
function textOf(b: Uint8Array, n: number): string | Uint8Array {
  const view = b.subarray(0, n);
  return isUtf8(view) ? utf8(b, n) : view;
}

/** The UTF-8 text of `b[0..n)`. */
function utf8(b: Uint8Array, n: number): string {
  const buf = b instanceof Buffer ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return asRawBuffer(buf).utf8Slice(0, n);
}

/** Valid events kept to anchor their shapes (a power of two). */
const RECENT = 64;

/**
 * An input record in its one literal shape (every producer of records uses it, so the engine's
 * reads of them stay monomorphic). Ordered by its own key until a KPL aggregate says otherwise.
 */
function inputRecord(
  shardId: string,
  seq: string,
  sub: number,
  partitionKey: string,
  arrivalTimeMs: number,
  obs: Observation | undefined,
  error: RecordIssue | undefined,
  payload: Uint8Array | string,
): InputRecord {
  return {
    shardId,
    seq,
    sub,
    partitionKey,
    orderKey: partitionKey,
    arrivalTimeMs,
    obs,
    error,
    payload,
  };
}

/** Shard id from a Kinesis record's `eventID` (`shardId-…:sequenceNumber`). */
function shardIdFromEventId(id: string, previous: string): string {
  // One shard per invocation in practice: reuse the previous string rather than slicing a new one.
  if (
    previous.length > 0 &&
    id.length > previous.length &&
    id.charCodeAt(previous.length) === 58 &&
    id.startsWith(previous)
  ) {
    return previous;
  }
  const colon = id.indexOf(':');
  return colon === -1 ? id : id.slice(0, colon);
}

/**
 * Turns Kinesis records into the aggregator's input records. Holds what is worth keeping across
 * records and invocations (the series cache, the event-time parser): build one per container and
 * pass it to every {@link KinesisRecordSource}.
 */
export class RecordDecoder {
  readonly series: SeriesCache;
  /** Series of scanned records by their bytes. */
  readonly scannedSeries = new ScannedSeriesCache();
  readonly times = new EventTimeParser();
  private readonly scan = new InputEventScan();
  /** Records answered from their bytes by the scanner (the rest: parsed; for tests and logs). */
  scanned = 0;
  /**
   * The last valid events and an empty record source, kept alive on purpose: V8 holds hidden
   * classes (maps) only weakly, so after a full garbage collection between invocations the maps
   * of the previous batch's parsed events and sources are gone, and the optimised code of the
   * validators and of this decoder that checks them is discarded (see Aggregator.shapeAnchor).
   * A few live objects of the common shapes keep it.
   */
  private readonly recent: unknown[] = new Array(RECENT).fill(undefined);
  private recentAt = 0;
  readonly sourceAnchor: KinesisRecordSource;

  private readonly parseOptions: { maxBytes: number | undefined };
  /** The byte limit `parseInputEventJson` applies (its default when none is configured). */
  private readonly maxBytes: number;
  /**
   * Plain records' base64 is decoded into this one buffer (grown on demand, never shrunk)
   * instead of a new Buffer per record: the bytes only live until they are read as text.
   */
  private scratch = allocRawBuffer(1 << 14);
  /** A view of {@link scratch} (the scanned-series cache reads words through it). */
  private scratchView = viewOf(this.scratch);

  constructor(readonly opts: DecodeOptions) {
    this.parseOptions = { maxBytes: opts.maxRecordBytes };
    this.maxBytes = opts.maxRecordBytes ?? DEFAULT_MAX_EVENT_BYTES;
    this.series = new SeriesCache(opts.seriesDimensions);
    this.sourceAnchor = new KinesisRecordSource({ Records: [] }, this);
  }

  /**
   * One validated input event → what the aggregator needs. Event time comes from the CloudEvent
   * `time` (already checked as RFC 3339 by the schema).
   */
  observationOf(event: InputEvent): Observation | RecordIssue {
    const timeMs = this.times.parse(event.time);
    if (Number.isNaN(timeMs)) {
      return { code: 'INVALID_VALUE', message: `unparseable time ${event.time}`, path: '$.time' };
    }
    const meta = this.series.metaOf(event);
    return {
      series: meta.series,
      kind: meta.kind,
      metric: meta.metric,
      dimensions: meta.dimensions,
      timeMs,
      value: event.type === 'app.log' ? 1 : event.data.value,
      idHash: idHashOf(event.id),
    };
  }

  /** Parses, validates and observes one record's bytes; never throws. */
  record(
    shardId: string,
    seq: string,
    sub: number,
    partitionKey: string,
    arrivalTimeMs: number,
    data: Uint8Array | string,
    payload: Uint8Array | string,
  ): InputRecord {
    const parsed = parseInputEventJson(data, this.parseOptions);
    let obs: Observation | undefined;
    let error: RecordIssue | undefined;
    if (!parsed.ok) {
      error = parsed.error;
    } else {
      const o = this.observationOf(parsed.value);
      this.recent[this.recentAt++ & (RECENT - 1)] = parsed.value;
      if ('series' in o) obs = o;
      else error = o;
    }
    return inputRecord(shardId, seq, sub, partitionKey, arrivalTimeMs, obs, error, payload);
  }

  /**
   * {@link RecordDecoder.record} of the bytes `b[0..n)` (at most the size limit), answered from
   * the bytes when {@link scanInputEvent} accepts them (a valid event exactly as JSON.stringify
   * writes it) and their series is cached: no JSON.parse, no text, no parsed objects. Everything
   * else takes `record` on the UTF-8 text (errors and their messages unchanged), and a scanned
   * record's series is cached from that answer. Same result as `record` either way (a
   * differential property test checks it).
   */
  private recordBytes(
    shardId: string,
    seq: string,
    sub: number,
    partitionKey: string,
    arrivalTimeMs: number,
    b: Uint8Array,
    /** A view of the same bytes as `b`. */
    v: DataView,
    n: number,
    /** What `record` gets when the scanner does not answer (default: the UTF-8 text of `b`). */
    data: Uint8Array | undefined,
    payload: Uint8Array | string,
  ): InputRecord {
    const scan = this.scan;
    if (!scanInputEvent(b, 0, n, scan)) {
      return this.record(
        shardId,
        seq,
        sub,
        partitionKey,
        arrivalTimeMs,
        data ?? textOf(b, n),
        payload,
      );
    }
    const meta = this.scannedSeries.get(v, scan);
    if (meta !== undefined) {
      const timeMs = this.times.parseBytes(b, scan.timeStart, scan.timeEnd);
      if (!Number.isNaN(timeMs)) {
        this.scanned++;
        // The literal of observationOf (same fields, same order: one shape).
        const obs: Observation = {
          series: meta.series,
          kind: meta.kind,
          metric: meta.metric,
          dimensions: meta.dimensions,
          timeMs,
          value: scan.level === undefined ? numberAt(b, scan.valueStart, scan.valueEnd) : 1,
          idHash: idHashOfBytes(b, scan.idStart, scan.idEnd),
        };
        return inputRecord(shardId, seq, sub, partitionKey, arrivalTimeMs, obs, undefined, payload);
      }
    }
    const r = this.record(
      shardId,
      seq,
      sub,
      partitionKey,
      arrivalTimeMs,
      data ?? textOf(b, n),
      payload,
    );
    const o = r.obs;
    if (meta === undefined && o !== undefined) {
      this.scannedSeries.set(v, scan, {
        series: o.series,
        kind: o.kind,
        metric: o.metric,
        dimensions: o.dimensions,
      });
    }
    return r;
  }

  /**
   * {@link RecordDecoder.record} for a plain (not KPL) record given as its base64 text, with the
   * same result as `record(…, Buffer.from(b64, 'base64'), b64)`: the bytes are decoded into the
   * reused scratch buffer (the same decoder as `Buffer.from`, which skips what is not base64) and
   * read as UTF-8 text there, and the text is what the schema parses. A string and its bytes get
   * the same answer from `parseInputEventJson` as long as neither can be over the size limit:
   * the text has at most one UTF-16 unit per byte, so with 3 bytes per unit still under the limit
   * neither check can fire. Larger records take the Buffer path, so their OVERSIZE issue (and its
   * message, which names the byte count) is the one `record` gives.
   */
  recordBase64(
    shardId: string,
    seq: string,
    partitionKey: string,
    arrivalTimeMs: number,
    b64: string,
  ): InputRecord {
    // Node's decoder writes at most 3 bytes per 4 characters (plus a partial group).
    const room = ((b64.length + 3) >>> 2) * 3;
    if (room * 3 > this.maxBytes) {
      return this.record(
        shardId,
        seq,
        0,
        partitionKey,
        arrivalTimeMs,
        Buffer.from(b64, 'base64'),
        b64,
      );
    }
    let buf = this.scratch;
    if (room > buf.length) {
      buf = allocRawBuffer(Math.max(room, 2 * buf.length));
      this.scratch = buf;
      this.scratchView = viewOf(buf);
    }
    const n = buf.base64Write(b64, 0, buf.length);
    return this.recordBytes(
      shardId,
      seq,
      0,
      partitionKey,
      arrivalTimeMs,
      buf,
      this.scratchView,
      n,
      undefined,
      b64,
    );
  }

  /**
   * A CloudWatch Logs subscription record → one input record per log event (sub-sequence number =
   * its index), decoded by the schema's shared decoder; a control message → none (nothing to count).
   */
  private expandCloudWatchLogs(
    k: KinesisStreamRecord['kinesis'],
    shardId: string,
    arrivalTimeMs: number,
    out: InputRecord[],
  ): void {
    const decoded = decodeCloudWatchLogsRecord(Buffer.from(k.data, 'base64'));
    const { sequenceNumber: seq, partitionKey } = k;
    if (!decoded.ok) {
      out.push(
        inputRecord(shardId, seq, 0, partitionKey, arrivalTimeMs, undefined, decoded.error, k.data),
      );
      return;
    }
    if (decoded.value.kind === 'control') return;
    decoded.value.events.forEach((result, sub) => {
      const o = result.ok ? this.observationOf(result.value) : result.error;
      const obs = 'series' in o ? o : undefined;
      const error = obs ? undefined : (o as RecordIssue);
      out.push(inputRecord(shardId, seq, sub, partitionKey, arrivalTimeMs, obs, error, k.data));
    });
  }

  /**
   * One Kinesis event record → its input records: one for a plain record, one per user record of
   * a KPL aggregate (checksum verified by lambda-kit), one invalid record for a malformed
   * aggregate. Never throws.
   */
  expand(record: KinesisStreamRecord, shardId: string, out: InputRecord[]): void {
    const k = record.kinesis;
    const arrivalTimeMs = Math.round(k.approximateArrivalTimestamp * 1000);
    if (looksGzip(k.data)) {
      this.expandCloudWatchLogs(k, shardId, arrivalTimeMs, out);
      return;
    }
    if (!looksKpl(k.data)) {
      out.push(this.recordBase64(shardId, k.sequenceNumber, k.partitionKey, arrivalTimeMs, k.data));
      return;
    }
    const decoded = decodeKinesisRecord(record);
    if (decoded.ok) {
      const first = out.length;
      for (const r of decoded.records) {
        const sub = r.subSequenceNumber ?? 0;
        const d = r.data;
        out.push(
          d.byteLength <= this.maxBytes
            ? this.recordBytes(
                shardId,
                r.sequenceNumber,
                sub,
                r.partitionKey,
                arrivalTimeMs,
                d,
                viewOf(d),
                d.byteLength,
                d,
                d,
              )
            : this.record(shardId, r.sequenceNumber, sub, r.partitionKey, arrivalTimeMs, d, d),
        );
      }
      // Lambda orders (and, when parallelized, splits batches) by the aggregate's own key.
      for (let i = first; i < out.length; i++) out[i]!.orderKey = k.partitionKey;
      return;
    }
    const f = decoded.failure;
    out.push(
      inputRecord(
        shardId,
        k.sequenceNumber,
        0,
        k.partitionKey,
        arrivalTimeMs,
        undefined,
        { code: f.code, message: f.message, path: '$' },
        k.data,
      ),
    );
  }
}

/**
 * Whether a record's base64 data starts with the gzip magic 1F 8B (a CloudWatch Logs subscription
 * record; its base64 starts with "H4").
 */
function looksGzip(b64: string): boolean {
  return b64.charCodeAt(0) === 72 && isGzip(Buffer.from(b64.slice(0, 4), 'base64'));
}

/**
 * Decodes a whole Kinesis event into input records, in event order (base64, KPL de-aggregation,
 * JSON parse and validation). Never throws; a record that cannot be decoded or validated becomes
 * an invalid record at its position. The handler uses the lazy {@link KinesisRecordSource}.
 */
export function toInputRecords(
  event: KinesisStreamEvent,
  decoder: RecordDecoder | DecodeOptions,
): InputRecord[] {
  const d = decoder instanceof RecordDecoder ? decoder : new RecordDecoder(decoder);
  const out: InputRecord[] = [];
  let shardId = '';
  for (const record of event.Records) {
    shardId = shardIdFromEventId(record.eventID ?? '', shardId);
    d.expand(record, shardId, out);
  }
  return out;
}

/**
 * The records of a Kinesis event as a {@link RecordSource} that decodes plain records on demand
 * (KPL aggregates are expanded up front, since their user records change the indexes). The engine
 * reads each record once, so decoded records die young instead of living for the whole batch.
 */
export class KinesisRecordSource implements RecordSource {
  private readonly entries: Array<KinesisStreamRecord | InputRecord> = [];
  private readonly shardIds: string[] = [];
  private readonly decoder: RecordDecoder;

  constructor(event: KinesisStreamEvent, decoder: RecordDecoder | DecodeOptions) {
    this.decoder = decoder instanceof RecordDecoder ? decoder : new RecordDecoder(decoder);
    const entries = this.entries;
    const shardIds = this.shardIds;
    let shardId = '';
    let expanded: InputRecord[] | undefined;
    for (const record of event.Records) {
      shardId = shardIdFromEventId(record.eventID ?? '', shardId);
      if (!looksKpl(record.kinesis.data) && !looksGzip(record.kinesis.data)) {
        entries.push(record);
        shardIds.push(shardId);
        continue;
      }
      expanded ??= [];
      expanded.length = 0;
      this.decoder.expand(record, shardId, expanded);
      for (const r of expanded) {
        entries.push(r);
        shardIds.push(shardId);
      }
    }
  }

  get length(): number {
    return this.entries.length;
  }

  shardIdAt(i: number): string {
    return this.shardIds[i]!;
  }

  orderKeyAt(i: number): string {
    const e = this.entries[i]!;
    return 'kinesis' in e ? e.kinesis.partitionKey : e.orderKey;
  }

  at(i: number): InputRecord {
    const e = this.entries[i]!;
    if (!('kinesis' in e)) return e;
    const k = e.kinesis;
    return this.decoder.recordBase64(
      this.shardIds[i]!,
      k.sequenceNumber,
      k.partitionKey,
      Math.round(k.approximateArrivalTimestamp * 1000),
      k.data,
    );
  }
}
