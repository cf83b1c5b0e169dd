import { isGzip, isKplAggregated } from '@streamlens/schema';

// Base64 alphabet (standard), by char code.
const B64 = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') {
  B64[c.charCodeAt(0)] = 1;
}

/**
 * Whether a record's base64 data is a KPL aggregate. The KPL magic F3 89 9A C2 encodes as the
 * prefix "84maw": when the first 5 characters are plain base64 (what Kinesis sends; Node's decoder
 * would skip any other) and differ from it, the bytes cannot start with the magic, and nothing is
 * decoded. Otherwise the first bytes are decoded and checked exactly.
 */
export function looksKpl(b64: string): boolean {
  if (b64.length < 8) return false;
  // The usual case in one test: a plain first character other than '8' (JSON starts "ey").
  const c0 = b64.charCodeAt(0);
  if (c0 !== 56 && c0 < 128 && B64[c0] === 1) return false;
  if (!b64.startsWith('84maw')) {
    let plain = true;
    for (let i = 0; i < 5; i++) {
      const c = b64.charCodeAt(i);
      if (c >= 128 || B64[c] === 0) {
        plain = false;
        break;
      }
    }
    if (plain) return false;
  }
  return isKplAggregated(Buffer.from(b64.slice(0, 8), 'base64'));
}

/**
 * Whether a record's base64 data starts with the gzip magic 1F 8B (a CloudWatch Logs subscription
 * record; its base64 starts with "H4").
 */
export function looksGzip(b64: string): boolean {
  return b64.charCodeAt(0) === 72 && isGzip(Buffer.from(b64.slice(0, 4), 'base64'));
}
