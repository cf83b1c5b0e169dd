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
