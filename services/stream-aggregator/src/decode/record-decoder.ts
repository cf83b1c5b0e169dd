import {
  allocRawBuffer,
  DEFAULT_MAX_EVENT_BYTES,
  decodeCloudWatchLogsRecord,
  type InputEvent,
  InputEventScan,
  parseInputEventJson,
  scanInputEvent,
} from '@streamlens/schema';
import { idHashOf, idHashOfBytes } from '../domain/event-id.js';
import type { InputRecord, Observation, RecordIssue } from '../domain/types.js';
import { textOf, viewOf } from './bytes.js';
import { EventTimeParser } from './event-time.js';
import { numberAt } from './numbers.js';
import { ScannedSeriesCache } from './scanned-series-cache.js';
import { SeriesCache } from './series-cache.js';

/** Options of {@link RecordDecoder}. */
export type DecodeOptions = {
  /** Only these telemetry dimensions form the series (empty: all). */
  seriesDimensions: readonly string[];
  maxRecordBytes?: number;
};

/**
 * Where a record sits in its source, as a source adapter reads it from its event (a Kinesis
 * shard's sequence number, ...): everything of an {@link InputRecord} but what its bytes say. The
 * decoder copies the fields and keeps no reference, so an adapter may refill one object per record.
 */
export type RecordOrigin = Pick<
  InputRecord,
  'shardId' | 'seq' | 'sub' | 'partitionKey' | 'arrivalTimeMs'
>;

/** Valid events kept to anchor their shapes (a power of two). */
const RECENT = 64;

/**
 * An input record in its one literal shape (every producer of records uses it, so the engine's
 * reads of them stay monomorphic). Ordered by its own key until its source says otherwise (a KPL
 * aggregate's key).
 */
export function inputRecord(
  origin: RecordOrigin,
  obs: Observation | undefined,
  error: RecordIssue | undefined,
  payload: Uint8Array | string,
): InputRecord {
  return {
    shardId: origin.shardId,
    seq: origin.seq,
    sub: origin.sub,
    partitionKey: origin.partitionKey,
    orderKey: origin.partitionKey,
    arrivalTimeMs: origin.arrivalTimeMs,
    obs,
    error,
    payload,
  };
}

/**
 * Turns one record's bytes into the aggregator's input record, whatever source carried them (the
 * source adapters in `../sources/` read the Lambda events). Holds what is worth keeping across
 * records and invocations (the series caches, the event-time parser, a scratch buffer): build one
 * per container and pass it to every record source.
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
   * The last valid events, kept alive on purpose: V8 holds hidden classes (maps) only weakly, so
   * after a full garbage collection between invocations the maps of the previous batch's parsed
   * events are gone, and the optimised code of the validators and of this decoder that checks
   * them is discarded (see Aggregator.shapeAnchor). A few live objects of the common shapes keep
   * it. Record sources anchor their own shape beside the decoder they use.
   */
  private readonly recent: unknown[] = new Array(RECENT).fill(undefined);
  private recentAt = 0;

  private readonly parseOptions: { maxBytes: number | undefined };
  /** The byte limit `parseInputEventJson` applies (its default when none is configured). */
  readonly maxBytes: number;
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

  /** Parses, validates and observes one record's bytes (or text); never throws. */
  record(
    origin: RecordOrigin,
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
    return inputRecord(origin, obs, error, payload);
  }

  /**
   * {@link RecordDecoder.record} of a record's own bytes (a KPL user record, a message value),
   * which are also its payload: read from the bytes when they are within the size limit.
   */
  recordOfBytes(origin: RecordOrigin, data: Uint8Array): InputRecord {
    if (data.byteLength > this.maxBytes) return this.record(origin, data, data);
    return this.recordBytes(origin, data, data.byteLength, data);
  }

  /**
   * {@link RecordDecoder.record} for a record given as its base64 text, with the same result as
   * `record(origin, Buffer.from(b64, 'base64'), b64)`: the bytes are decoded into the reused
   * scratch buffer (the same decoder as `Buffer.from`, which skips what is not base64) and read as
   * UTF-8 text there, and the text is what the schema parses. A string and its bytes get the same
   * answer from `parseInputEventJson` as long as neither can be over the size limit: the text has
   * at most one UTF-16 unit per byte, so with 3 bytes per unit still under the limit neither check
   * can fire. Larger records take the Buffer path, so their OVERSIZE issue (and its message, which
   * names the byte count) is the one `record` gives.
   */
  recordBase64(origin: RecordOrigin, b64: string): InputRecord {
    // Node's decoder writes at most 3 bytes per 4 characters (plus a partial group).
    const room = ((b64.length + 3) >>> 2) * 3;
    if (room * 3 > this.maxBytes) return this.record(origin, Buffer.from(b64, 'base64'), b64);
    let buf = this.scratch;
    if (room > buf.length) {
      buf = allocRawBuffer(Math.max(room, 2 * buf.length));
      this.scratch = buf;
      this.scratchView = viewOf(buf);
    }
    return this.recordBytes(origin, buf, buf.base64Write(b64, 0, buf.length), b64);
  }

  /**
   * A CloudWatch Logs subscription record (gzip) → one input record per log event (sub-sequence
   * number = its index), decoded by the schema's shared decoder; a control message → none
   * (nothing to count); a damaged one → one invalid record.
   */
  expandCloudWatchLogs(
    origin: RecordOrigin,
    data: Uint8Array,
    payload: string,
    out: InputRecord[],
  ): void {
    const decoded = decodeCloudWatchLogsRecord(data);
    if (!decoded.ok) {
      out.push(inputRecord(origin, undefined, decoded.error, payload));
      return;
    }
    if (decoded.value.kind === 'control') return;
    decoded.value.events.forEach((result, sub) => {
      const o = result.ok ? this.observationOf(result.value) : result.error;
      const obs = 'series' in o ? o : undefined;
      const error = obs ? undefined : (o as RecordIssue);
      out.push(inputRecord({ ...origin, sub }, obs, error, payload));
    });
  }

  /**
   * {@link RecordDecoder.record} of `b[0..n)` (at most the size limit), answered from the bytes
   * when {@link scanInputEvent} accepts them (a valid event exactly as JSON.stringify writes it)
   * and their series is cached: no JSON.parse, no text, no parsed objects. Everything else takes
   * `record` (errors and their messages unchanged): on the UTF-8 text of the scratch buffer's
   * bytes, which die with the call, or on a record's own bytes as they are. A scanned record's
   * series is cached from that answer. Same result as `record` either way (a differential
   * property test checks it).
   */
  private recordBytes(
    origin: RecordOrigin,
    b: Uint8Array,
    n: number,
    payload: Uint8Array | string,
  ): InputRecord {
    const view = b === this.scratch ? this.scratchView : viewOf(b);
    const scan = this.scan;
    if (!scanInputEvent(b, 0, n, scan)) return this.record(origin, this.dataOf(b, n), payload);
    const meta = this.scannedSeries.get(view, scan);
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
        return inputRecord(origin, obs, undefined, payload);
      }
    }
    const r = this.record(origin, this.dataOf(b, n), payload);
    const o = r.obs;
    if (meta === undefined && o !== undefined) {
      this.scannedSeries.set(view, scan, {
        series: o.series,
        kind: o.kind,
        metric: o.metric,
        dimensions: o.dimensions,
      });
    }
    return r;
  }

  /** What `record` parses for `b[0..n)`: the scratch buffer's text, or a record's own bytes. */
  private dataOf(b: Uint8Array, n: number): Uint8Array | string {
    return b === this.scratch ? textOf(b, n) : b;
  }
}
