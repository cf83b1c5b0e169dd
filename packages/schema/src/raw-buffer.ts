/**
 * Node's per-encoding Buffer methods (`utf8Slice`, `latin1Write`, ...). `toString(enc, start, end)`
 * and `write(text, at, length, enc)` look the encoding up, check their arguments and then call
 * these; the hot paths of the Firehose transform and the aggregator call them directly, three or
 * more times per record, where the public wrappers cost ~7 % of the transform's time (`--cpu-prof`).
 * They are not a documented API, so this module is the one place that reaches them, with the public
 * equivalents as the fallback on a runtime that lacks them.
 */
export interface RawBuffer extends Buffer {
  base64Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
  base64Write(text: string, offset: number, length: number): number;
  latin1Write(text: string, offset: number, length: number): number;
  utf8Write(text: string, offset: number, length: number): number;
}

type RawMethods = Omit<RawBuffer, keyof Buffer>;
const RAW_METHODS = [
  'base64Slice',
  'utf8Slice',
  'latin1Slice',
  'base64Write',
  'latin1Write',
  'utf8Write',
] as const satisfies readonly (keyof RawMethods)[];

/**
 * A plain view of the same memory. Node's public `toString` and `write` call the per-encoding
 * method of the buffer they run on, so they must run on a view that does not carry the portable
 * methods (on a buffer that does, they would call themselves).
 */
function plain(buf: Buffer): Buffer {
  return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** The same operations through Buffer's public API (slower, always there). */
const portableMethods: { [K in keyof RawMethods]: ThisType<Buffer> & RawMethods[K] } = {
  base64Slice(start, end) {
    return plain(this as unknown as Buffer).toString('base64', start, end);
  },
  utf8Slice(start, end) {
    return plain(this as unknown as Buffer).toString('utf8', start, end);
  },
  latin1Slice(start, end) {
    return plain(this as unknown as Buffer).toString('latin1', start, end);
  },
  base64Write(text, offset, length) {
    return plain(this as unknown as Buffer).write(text, offset, length, 'base64');
  },
  latin1Write(text, offset, length) {
    return plain(this as unknown as Buffer).write(text, offset, length, 'latin1');
  },
  utf8Write(text, offset, length) {
    return plain(this as unknown as Buffer).write(text, offset, length, 'utf8');
  },
};

/** Whether this runtime's Buffers carry the per-encoding methods (Node does, since v0.x). */
export const hasNativeRawMethods: boolean = RAW_METHODS.every(
  (name) => typeof (Buffer.prototype as unknown as Record<string, unknown>)[name] === 'function',
);

/** `buf` with the public-API methods attached to it (what `asRawBuffer` does without Node's). */
export function withPortableRawMethods(buf: Buffer): RawBuffer {
  for (const name of RAW_METHODS) {
    Object.defineProperty(buf, name, { value: portableMethods[name], configurable: true });
  }
  return buf as RawBuffer;
}

/**
 * `buf` as a RawBuffer: as it is on Node, with the public-API methods attached elsewhere.
 *
 * @example
 * const raw = asRawBuffer(Buffer.allocUnsafe(1 << 16));
 * const n = raw.base64Write(text, 0, raw.length);
 * JSON.parse(raw.utf8Slice(0, n));
 */
export function asRawBuffer(buf: Buffer): RawBuffer {
  return hasNativeRawMethods ? (buf as RawBuffer) : withPortableRawMethods(buf);
}

/** `Buffer.allocUnsafe(size)` as a RawBuffer. */
export function allocRawBuffer(size: number): RawBuffer {
  return asRawBuffer(Buffer.allocUnsafe(size));
}
