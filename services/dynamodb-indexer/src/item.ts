import { gunzipSync, gzipSync } from 'node:zlib';
import { normalizeEvent, parseRfc3339, type StreamlensEvent } from '@streamlens/schema';
import { ItemDecodeError } from './errors.js';
import {
  ATTR,
  entityOf,
  entityPk,
  quarantinePk,
  quarantineSk,
  shardOf,
  timeSk,
  typeShardPk,
} from './keys.js';

/** DynamoDB's item size limit (400 KB, counted as 400 × 1024 bytes). */
export const MAX_ITEM_BYTES = 409_600;

// Invalid records longer than this are stored gzip-compressed in their quarantine item.
const QUARANTINE_COMPRESS_ABOVE_BYTES = 32_768;

// Room for the key and metadata attributes when sizing an item; the real count is added on top
// of this margin only for the large (compressed) payload, which dominates.
const ITEM_OVERHEAD_MARGIN = 4_096;

/** How events become items (from the service configuration). */
export interface ItemOptions {
  /** Shards of the by-type index (a query fans out over all of them). */
  typeShards: number;
  /** TTL: seconds after the event time; 0 = no TTL attribute. */
  retentionSeconds: number;
  /** Events whose JSON is longer than this are stored gzip-compressed (`eventGz`). */
  compressAboveBytes: number;
  /** Quarantined records expire this long after their arrival in the stream; 0 = never. */
  quarantineRetentionSeconds: number;
}

/** An item as the document client writes it. */
export type Item = Record<string, unknown> & { pk: string; sk: string };

/** Result of turning an event into an item. */
export type EventItemResult =
  | { ok: true; item: Item; compressed: boolean; bytes: number }
  | { ok: false; code: 'OVERSIZE_ITEM'; message: string };

/**
 * Whether DynamoDB (through the document client's marshaller) stores `value` as a map exactly:
 * numbers must be safe for the marshaller (|n| ≤ 2^53 − 1, else it throws), print without an
 * exponent (DynamoDB's number syntax), and map keys must be non-empty. Anything else goes
 * compressed, which keeps the JSON byte for byte.
 */
export function storableAsMap(value: unknown): boolean {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return false;
    if (Math.abs(value) > Number.MAX_SAFE_INTEGER) return false;
    return !String(value).includes('e');
  }
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) {
    for (const v of value) if (!storableAsMap(v)) return false;
    return true;
  }
  for (const key in value) {
    if (key === '') return false;
    if (!storableAsMap((value as Record<string, unknown>)[key])) return false;
  }
  return true;
}

/**
 * The item of an event. Deterministic: the same event gives the same item on every delivery (no
 * ingestion time; TTL from the event time; the stored event normalised). Events whose JSON is
 * large, or that a map cannot hold exactly, are stored as gzip JSON; items that would still exceed
 * 400 KB are refused with `OVERSIZE_ITEM` (the caller quarantines them).
 *
 * @example const r = eventItem(event, { typeShards: 8, retentionSeconds: 30 * 86400, compressAboveBytes: 16384, quarantineRetentionSeconds: 0 });
 */
export function eventItem(event: StreamlensEvent, opts: ItemOptions): EventItemResult {
  const e = normalizeEvent(event);
  const json = JSON.stringify(e);
  const jsonBytes = Buffer.byteLength(json, 'utf8');
  const sk = timeSk(e.time, e.id);
  const item: Item = {
    [ATTR.pk]: entityPk(entityOf(e)),
    [ATTR.sk]: sk,
    [ATTR.gsi1pk]: typeShardPk(e.type, shardOf(e.id, opts.typeShards)),
    [ATTR.gsi1sk]: sk,
    id: e.id,
    type: e.type,
    time: e.time,
  };
  if (opts.retentionSeconds > 0) {
    item[ATTR.ttl] = Math.floor(parseRfc3339(e.time) / 1000) + opts.retentionSeconds;
  }
  const keyBytes = Buffer.byteLength(item.pk, 'utf8') + 2 * Buffer.byteLength(sk, 'utf8');
  if (jsonBytes <= opts.compressAboveBytes && storableAsMap(e)) {
    // JSON's length over-counts a map's stored size (quotes, braces, digits), so this bound is safe.
    item.event = e;
    return { ok: true, item, compressed: false, bytes: jsonBytes + keyBytes };
  }
  const gz = gzipSync(json);
  const bytes = gz.byteLength + keyBytes + ITEM_OVERHEAD_MARGIN;
  if (bytes > MAX_ITEM_BYTES) {
    return {
      ok: false,
      code: 'OVERSIZE_ITEM',
      message: `event ${JSON.stringify(e.id.slice(0, 100))} is ${jsonBytes} bytes (${gz.byteLength} gzip), over DynamoDB's 400 KB item limit`,
    };
  }
  item.eventGz = gz;
  return { ok: true, item, compressed: true, bytes };
}

/** Where an invalid record came from and why it was rejected. */
export interface QuarantineInput {
  shardId: string;
  sequenceNumber: string;
  subSequenceNumber?: number | undefined;
  partitionKey: string;
  eventSourceArn: string;
  arrivalTimeMs: number;
  code: string;
  message: string;
  path?: string | undefined;
  data: Uint8Array;
}

/** Result of building a quarantine item. */
export type QuarantineItemResult =
  | { ok: true; item: Item }
  | { ok: false; code: 'OVERSIZE_ITEM'; message: string };

/**
 * The quarantine item of an invalid record: the raw bytes (gzip), the reason and the stream
 * position, keyed by arrival day and stream position so that redelivery overwrites it. Records
 * too large even compressed are refused (the caller reports them as failed so that the event
 * source mapping's bisect, bounded retries and on-failure destination take over).
 */
export function quarantineItem(q: QuarantineInput, opts: ItemOptions): QuarantineItemResult {
  const arrival = new Date(q.arrivalTimeMs);
  const day = Number.isNaN(arrival.getTime()) ? '1970-01-01' : arrival.toISOString().slice(0, 10);
  // Small records are kept as they are: gzip's per-call state (~256 KiB) costs more than it saves.
  const compress = q.data.byteLength > QUARANTINE_COMPRESS_ABOVE_BYTES;
  const stored = compress ? gzipSync(q.data) : q.data;
  if (stored.byteLength + ITEM_OVERHEAD_MARGIN * 2 > MAX_ITEM_BYTES) {
    return {
      ok: false,
      code: 'OVERSIZE_ITEM',
      message: `invalid record of ${q.data.byteLength} bytes (${stored.byteLength} gzip) does not fit a 400 KB item`,
    };
  }
  const item: Item = {
    [ATTR.pk]: quarantinePk(day),
    [ATTR.sk]: quarantineSk(q.shardId, q.sequenceNumber, q.subSequenceNumber),
    code: q.code,
    message: q.message.slice(0, 1000),
    shardId: q.shardId,
    sequenceNumber: q.sequenceNumber,
    partitionKey: q.partitionKey,
    eventSourceArn: q.eventSourceArn,
    arrivalTime: Number.isNaN(arrival.getTime()) ? '' : arrival.toISOString(),
    rawBytes: q.data.byteLength,
    [compress ? 'rawGz' : 'raw']: stored,
  };
  if (q.subSequenceNumber !== undefined) item.subSequenceNumber = q.subSequenceNumber;
  if (q.path !== undefined) item.path = q.path;
  if (opts.quarantineRetentionSeconds > 0 && !Number.isNaN(arrival.getTime())) {
    item[ATTR.ttl] = Math.floor(q.arrivalTimeMs / 1000) + opts.quarantineRetentionSeconds;
  }
  return { ok: true, item };
}

/** The event stored in an item (map or gzip JSON). */
export function eventFromItem(item: Record<string, unknown>): StreamlensEvent {
  if (item.event !== undefined) return item.event as StreamlensEvent;
  const gz = item.eventGz;
  if (gz instanceof Uint8Array) {
    try {
      return JSON.parse(gunzipSync(gz).toString('utf8')) as StreamlensEvent;
    } catch (error) {
      throw new ItemDecodeError(`item ${String(item.pk)} / ${String(item.sk)}: corrupt eventGz`, {
        cause: error,
      });
    }
  }
  throw new ItemDecodeError(`item ${String(item.pk)} / ${String(item.sk)} holds no event`);
}

/** A quarantined record as the query module returns it (raw bytes decoded as UTF-8). */
export interface QuarantinedRecord {
  code: string;
  message: string;
  path?: string;
  shardId: string;
  sequenceNumber: string;
  subSequenceNumber?: number;
  partitionKey: string;
  eventSourceArn: string;
  arrivalTime: string;
  rawBytes: number;
  raw: string;
}

/** The quarantined record stored in a quarantine item. */
export function quarantinedFromItem(item: Record<string, unknown>): QuarantinedRecord {
  const gz = item.rawGz;
  const plain = item.raw;
  const raw =
    gz instanceof Uint8Array
      ? gunzipSync(gz).toString('utf8')
      : plain instanceof Uint8Array
        ? Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength).toString('utf8')
        : '';
  return {
    code: String(item.code),
    message: String(item.message),
    ...(item.path === undefined ? {} : { path: String(item.path) }),
    shardId: String(item.shardId),
    sequenceNumber: String(item.sequenceNumber),
    ...(item.subSequenceNumber === undefined
      ? {}
      : { subSequenceNumber: Number(item.subSequenceNumber) }),
    partitionKey: String(item.partitionKey),
    eventSourceArn: String(item.eventSourceArn),
    arrivalTime: String(item.arrivalTime),
    rawBytes: Number(item.rawBytes),
    raw,
  };
}
