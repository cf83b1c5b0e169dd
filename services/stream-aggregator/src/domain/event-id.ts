/**
 * A 52-bit hash of an event id (exact in a double): two 32-bit FNV-1a style lanes with different
 * seeds and multipliers, the first cut to 20 bits. The aggregator de-duplicates by it within one
 * series' window; two distinct ids of one series' window collide with probability about
 * n² / 2⁵³ (n = events of that window: 10⁻⁸ at 10,000), and then one of them is not counted.
 * Ids are hashed by UTF-16 code unit; the byte form below gives the same hash for ASCII ids, the
 * only ones the byte scanner accepts.
 */
export function idHashOf(id: string): number {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 13;
  }
  return finish(a, b);
}

/** {@link idHashOf} of the ASCII text `bytes[start, end)`. */
export function idHashOfBytes(bytes: Uint8Array, start: number, end: number): number {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 13;
  }
  return finish(a, b);
}

/** Two 32-bit hash lanes as one 52-bit number (exact in a double), after a final avalanche. */
export function finish(a: number, b: number): number {
  // Final avalanche of both lanes, so that ids differing in their last character spread.
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  b ^= b >>> 16;
  b = Math.imul(b, 0xc2b2ae35);
  b ^= b >>> 16;
  return (a & 0xfffff) * 0x100000000 + (b >>> 0);
}
