import { isUtf8 } from 'node:buffer';
import { asRawBuffer } from '@streamlens/schema';

/** The text of `b[s..e)` (ASCII), for the rare forms read the general way. */
export function latin1(b: Uint8Array, s: number, e: number): string {
  return asRawBuffer(Buffer.from(b.buffer, b.byteOffset, b.byteLength)).latin1Slice(s, e);
}

export function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * What the schema parses for the bytes `b[0..n)`: their UTF-8 text, or the bytes themselves when
 * they are not valid UTF-8 (the schema then rejects them as INVALID_UNICODE, as it does any such
 * bytes).
 */
export function textOf(b: Uint8Array, n: number): string | Uint8Array {
  const view = b.subarray(0, n);
  return isUtf8(view) ? utf8(b, n) : view;
}

/** The UTF-8 text of `b[0..n)`. */
function utf8(b: Uint8Array, n: number): string {
  const buf = b instanceof Buffer ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return asRawBuffer(buf).utf8Slice(0, n);
}
