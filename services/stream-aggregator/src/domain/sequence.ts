/**
 * Kinesis sequence numbers are decimal strings of up to 128 bits, without leading zeros, so they
 * compare by length first, then lexicographically. KPL user records share their parent's sequence
 * number and are ordered by sub-sequence number.
 */

/** A position in a shard: (sequenceNumber, subSequenceNumber). */
export type Position = { seq: string; sub: number };

/** Negative when a < b, 0 when equal, positive when a > b. */
export function compareSeq(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders positions: sequence number, then sub-sequence number. */
export function comparePosition(a: Position, b: Position): number {
  const c = compareSeq(a.seq, b.seq);
  return c !== 0 ? c : a.sub - b.sub;
}
