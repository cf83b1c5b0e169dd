import { readFileSync } from 'node:fs';

/** TCP_LISTEN in the kernel's socket tables. */
const LISTEN = '0A';

/** Bytes of one /proc/net/tcp{,6} address word: each 32-bit word is in host (little-endian) order. */
function wordBytes(hex: string): number[] {
  const bytes: number[] = [];
  for (let i = 0; i < hex.length; i += 8) {
    const word = hex.slice(i, i + 8);
    for (let j = 6; j >= 0; j -= 2) bytes.push(Number.parseInt(word.slice(j, j + 2), 16));
  }
  return bytes;
}

/** `127.0.0.1`, `::`, `::ffff:127.0.0.1`, `::1`, ... from a kernel address. */
function decodeAddress(hex: string): string {
  const bytes = wordBytes(hex);
  if (bytes.length === 4) return bytes.join('.');
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255;
  if (mapped) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2)
    groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

/**
 * The local addresses of this machine's listening TCP sockets on `port`, read from the kernel's
 * tables (what `ss -ltn` shows), IPv4 and IPv6. Linux only.
 */
export function listeningAddresses(port: number): string[] {
  const out: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [address, portHex] = (fields[1] ?? '').split(':');
      if (fields[3] !== LISTEN || !address || Number.parseInt(portHex ?? '', 16) !== port) continue;
      out.push(decodeAddress(address));
    }
  }
  return out;
}

/** Whether an address from {@link listeningAddresses} accepts connections from this machine only. */
export function isLoopbackAddress(address: string): boolean {
  return /^(::ffff:)?127\./.test(address) || address === '::1';
}
