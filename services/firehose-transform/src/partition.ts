import type { PartitionKeys } from './model.js';

/**
 * Dynamic-partitioning keys of one event, from its normalised time (`YYYY-MM-DDTHH:mm:ss.sssZ`,
 * which normalizeEvent guarantees), so slicing is enough: no Date parsing per record.
 */
export function partitionKeysOf(type: string, normalizedTime: string): PartitionKeys {
  return { type, date: normalizedTime.slice(0, 10), hour: normalizedTime.slice(11, 13) };
}

/**
 * Bytes of `JSON.stringify(keys)` without serialising: types are registered names (nothing to
 * escape) and date/hour are digits.
 */
export function partitionKeysJsonLength(keys: PartitionKeys): number {
  // {"type":"","date":"","hour":""} is 31 bytes.
  return 31 + Buffer.byteLength(keys.type) + keys.date.length + keys.hour.length;
}

/**
 * Interns partition keys: the records of a batch share a handful of (type, date, hour) triples, so
 * one object per triple (and one `metadata` wrapper for the response) instead of two per record.
 * A few recent triples are kept and compared in place, without allocating.
 */
export class PartitionKeyCache {
  readonly #entries: Array<{
    type: string;
    time: string;
    metadata: { partitionKeys: PartitionKeys };
  }> = [];
  #next = 0;

  /** Keys of an event from its type and normalised time. */
  keysOf(type: string, normalizedTime: string): PartitionKeys {
    const entries = this.#entries;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (e.type === type && sameHour(e.time, normalizedTime)) return e.metadata.partitionKeys;
    }
    const keys = partitionKeysOf(type, normalizedTime);
    const entry = { type, time: normalizedTime, metadata: { partitionKeys: keys } };
    if (entries.length < CACHE_SIZE) entries.push(entry);
    else {
      entries[this.#next] = entry;
      this.#next = (this.#next + 1) % CACHE_SIZE;
    }
    return keys;
  }

  /**
   * Keys of an event whose normalised time is the 24 bytes at `b[at..]`: like `keysOf`, but the
   * time becomes a string only when no cached triple has its type, day and hour.
   */
  keysOfBytes(type: string, b: Uint8Array, at: number): PartitionKeys {
    const entries = this.#entries;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (e.type === type && sameHourBytes(e.time, b, at)) return e.metadata.partitionKeys;
    }
    return this.keysOf(type, Buffer.from(b.buffer, b.byteOffset + at, 24).toString('latin1'));
  }

  /** The response's `metadata` object for keys (shared between records while they are cached). */
  metadataOf(keys: PartitionKeys): { partitionKeys: PartitionKeys } {
    const entries = this.#entries;
    for (let i = 0; i < entries.length; i++) {
      if (entries[i]!.metadata.partitionKeys === keys) return entries[i]!.metadata;
    }
    return { partitionKeys: keys };
  }
}

const CACHE_SIZE = 16;

function sameHourBytes(a: string, b: Uint8Array, at: number): boolean {
  if (a.length < 13) return false;
  for (let i = 0; i < 13; i++) if (a.charCodeAt(i) !== b[at + i]) return false;
  return true;
}

function sameHour(a: string, b: string): boolean {
  if (a.length < 13 || b.length < 13) return false;
  for (let i = 0; i < 13; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) return false;
  return true;
}
