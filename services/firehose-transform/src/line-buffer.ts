import { allocRawBuffer, type RawBuffer } from '@streamlens/schema';

export type { RawBuffer };

/**
 * One reusable buffer for the base64 work of the hot path: decoding a record into it and encoding
 * an output line from it allocate nothing per record but the strings that must exist (the text to
 * parse, the base64 to return), where `Buffer.from` would allocate a Buffer each way.
 */
export class LineBuffer {
  #buf: RawBuffer;

  constructor(initialBytes = 1 << 16) {
    this.#buf = allocRawBuffer(initialBytes);
  }

  /** The buffer holding the last decoded input (valid until the next call). */
  get bytes(): RawBuffer {
    return this.#buf;
  }

  /**
   * Decodes standard padded base64 (what Firehose sends) into `bytes`. Returns the byte count, or
   * -1 when the text is not canonical padded base64: Node's decoder silently skips characters it
   * does not know, so an output shorter than the length implies gives it away (same rule as
   * `decodeBase64Strict`).
   */
  decodeBase64(text: unknown): number {
    if (typeof text !== 'string') return -1;
    const len = text.length;
    if (len % 4 !== 0) return -1;
    if (len === 0) return 0;
    let pad = 0;
    if (text.charCodeAt(len - 1) === 61 /* = */) pad = text.charCodeAt(len - 2) === 61 ? 2 : 1;
    const expected = (len / 4) * 3 - pad;
    this.#reserve(expected);
    const buf = this.#buf;
    return buf.base64Write(text, 0, buf.length) === expected ? expected : -1;
  }

  /**
   * Base64 of the UTF-8 of an NDJSON line: `json` (an object's JSON text) with `suffix` spliced in
   * before its closing brace, then `\n`.
   */
  encodeLine(json: string, suffix: string): string {
    // A UTF-16 unit takes at most 3 UTF-8 bytes: with this much room no write is cut short.
    this.#reserve(3 * (json.length + suffix.length) + 1);
    const buf = this.#buf;
    let n = buf.utf8Write(json, 0, buf.length) - 1; // over the closing brace
    if (suffix.length > 0) n += buf.utf8Write(suffix, n, buf.length - n);
    buf[n++] = 0x7d; // }
    buf[n++] = 0x0a; // \n
    return buf.base64Slice(0, n);
  }

  /**
   * Makes the buffer at least `bytes` long, keeping its first `keep` bytes (a decoded record that
   * is still being read), and returns it.
   */
  reserveKeeping(bytes: number, keep: number): RawBuffer {
    if (bytes > this.#buf.length) {
      const next = allocRawBuffer(Math.max(bytes, 2 * this.#buf.length));
      this.#buf.copy(next, 0, 0, keep);
      this.#buf = next;
    }
    return this.#buf;
  }

  #reserve(bytes: number): void {
    if (bytes > this.#buf.length) {
      this.#buf = allocRawBuffer(Math.max(bytes, 2 * this.#buf.length));
    }
  }
}
