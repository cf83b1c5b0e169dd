/**
 * Base64 helpers that avoid a second pass over the data: Node's decoder silently skips characters
 * that are not base64, so validity is checked from lengths alone (O(1) per record).
 */

/**
 * Decodes standard padded base64 (what Firehose sends). Returns `undefined` when the text is not
 * canonical padded base64, detected by comparing the decoded length with the length the text implies.
 */
export function decodeBase64Strict(text: unknown): Buffer | undefined {
  if (typeof text !== 'string') return undefined;
  const len = text.length;
  if (len % 4 !== 0) return undefined;
  if (len === 0) return Buffer.alloc(0);
  let pad = 0;
  if (text.charCodeAt(len - 1) === 61 /* = */) pad = text.charCodeAt(len - 2) === 61 ? 2 : 1;
  const bytes = Buffer.from(text, 'base64');
  // Any skipped character (whitespace, '-', '_', '!', '=' in the middle...) shortens the output.
  return bytes.length === (len / 4) * 3 - pad ? bytes : undefined;
}

/** Length of the padded base64 text for `byteLength` bytes, without encoding them. */
export function base64Length(byteLength: number): number {
  return Math.ceil(byteLength / 3) * 4;
}
