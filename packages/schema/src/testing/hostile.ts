import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { MAX_DEPTH, MAX_OBJECT_KEYS } from '../limits.js';

/*
 * Hostile records for the property tests of every decoder (docs/hostile-input.md): valid events
 * with one hostile change, and the CloudWatch Logs payloads AWS sends. Each arbitrary gives the
 * record's bytes, as a producer (or AWS) would put them on the stream.
 */

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);

function reading(n: number): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: `hostile-${n}`,
    source: 'tests/hostile',
    type: 'telemetry.reading',
    time: new Date(T0 + n).toISOString(),
    data: { metric: 'cpu', value: n, dimensions: { host: `h-${n % 7}` } },
  };
}

function log(n: number): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: `hostile-log-${n}`,
    source: 'tests/hostile',
    type: 'app.log',
    time: new Date(T0 + n).toISOString(),
    data: { level: 'ERROR', message: `line ${n}`, service: 'api', attributes: { a: 1 } },
  };
}

/**
 * The JSON text of a value nested `depth` levels deep (arrays and objects in turn), written as
 * text: `JSON.stringify` itself overflows the stack on a few thousand levels.
 */
export function nestedJson(depth: number): string {
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    open += i % 2 === 0 ? '[' : '{"k":';
    close = (i % 2 === 0 ? ']' : '}') + close;
  }
  return `${open}0${close}`;
}

/** `json` (an object's text) with `"name":<value text>` added as its last member. */
function withMember(json: string, name: string, value: string): string {
  return `${json.slice(0, -1)},${JSON.stringify(name)}:${value}}`;
}

/** A string map of `n` keys in reverse order (the worst case of an insertion sort). */
export function reverseMap(n: number): Record<string, string> {
  const m: Record<string, string> = {};
  for (let i = n - 1; i >= 0; i--) m[`k${String(i).padStart(6, '0')}`] = 'v';
  return m;
}

const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));

/** Text with `"__proto__"` (or another reserved key) spliced in as a key of the given object. */
function withKey(json: string, at: string, key: string, value: string): string {
  return json.replace(at, `${at}${JSON.stringify(key)}:${value},`);
}

const reservedKey = fc.constantFrom('__proto__', 'constructor', 'prototype', ' __proto__ ');

/** One valid event's JSON text with one hostile change; every one is invalid. */
export const hostileEventText: fc.Arbitrary<string> = fc.oneof(
  // A reserved key in the dimensions, the attributes, the envelope or `data`.
  fc
    .tuple(fc.nat(1000), reservedKey, fc.constantFrom('"dimensions":{', '"data":{', '{'))
    .map(([n, key, at]) => withKey(JSON.stringify(reading(n)), at, key, '"x"')),
  fc
    .tuple(fc.nat(1000), reservedKey)
    .map(([n, key]) => withKey(JSON.stringify(log(n)), '"attributes":{', key, '1')),
  // Nesting beyond the limit inside an extension attribute.
  fc
    .tuple(fc.nat(1000), fc.integer({ min: MAX_DEPTH, max: 6000 }))
    .map(([n, depth]) => withMember(JSON.stringify(reading(n)), 'ext', nestedJson(depth))),
  // More keys than a map may hold.
  fc
    .tuple(fc.nat(1000), fc.integer({ min: MAX_OBJECT_KEYS + 1, max: 3 * MAX_OBJECT_KEYS }))
    .map(([n, keys]) => {
      const e = reading(n);
      (e.data as Record<string, unknown>).dimensions = reverseMap(keys);
      return JSON.stringify(e);
    }),
  // A lone surrogate (JSON escape) in the id.
  fc.nat(1000).map((n) => JSON.stringify(reading(n)).replace(`"hostile-${n}"`, '"\\ud800"')),
  // Times outside 0000-9999 once in UTC; a value a double cannot hold exactly.
  fc.nat(1000).map((n) =>
    JSON.stringify({
      ...reading(n),
      time: n % 2 === 0 ? '0000-01-01T00:30:00+01:00' : '9999-12-31T23:59:59-01:00',
    }),
  ),
  fc
    .nat(1000)
    .map((n) => JSON.stringify(reading(n)).replace(`"value":${n}`, '"value":12345678901234567890')),
);

/** Hostile records as bytes: the texts above, and bytes that are not UTF-8. */
export const hostileRecordBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  hostileEventText.map(utf8),
  fc.tuple(fc.nat(1000), fc.constantFrom(0x80, 0xc3, 0xff, 0xfe)).map(([n, byte]) => {
    // An invalid byte inside the id: decoded, it would read as U+FFFD.
    const text = JSON.stringify(reading(n));
    const at = text.indexOf(`hostile-${n}`) + 'hostile-'.length;
    const b = utf8(text);
    const out = new Uint8Array(b.length + 1);
    out.set(b.subarray(0, at), 0);
    out[at] = byte;
    out.set(b.subarray(at), at + 1);
    return out;
  }),
);

/** A CloudWatch Logs CONTROL_MESSAGE exactly as CloudWatch Logs sends it, gzipped. */
export function cloudWatchControlMessage(
  timestamp = T0,
  message = 'CWL CONTROL MESSAGE: Checking health of destination Kinesis stream.',
): Uint8Array {
  return gzipSync(
    JSON.stringify({
      messageType: 'CONTROL_MESSAGE',
      owner: 'CloudwatchLogs',
      logGroup: '',
      logStream: '',
      subscriptionFilters: [],
      logEvents: [{ id: '', timestamp, message }],
    }),
  );
}

/** A CloudWatch Logs DATA_MESSAGE with these lines, gzipped (ids unique per `seed`). */
export function cloudWatchDataMessage(lines: readonly string[], seed = 0): Uint8Array {
  return gzipSync(
    JSON.stringify({
      messageType: 'DATA_MESSAGE',
      owner: '123456789012',
      logGroup: '/aws/lambda/checkout',
      logStream: '2026/11/25/[$LATEST]0f4c3b2a1d9e8f7a6b5c4d3e2f1a0b9c',
      subscriptionFilters: ['to-events'],
      logEvents: lines.map((message, i) => ({
        id: `${37199717562907174288355125807040114704837640994633613312n + BigInt(seed * 1000 + i)}`,
        timestamp: T0 + i,
        message,
      })),
    }),
  );
}

/** CloudWatch Logs records: control messages, data messages, and damaged gzip or JSON. */
export const cloudWatchRecordBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.nat().map((t) => cloudWatchControlMessage(T0 + t)),
  fc
    .tuple(fc.array(fc.string({ maxLength: 40 }), { minLength: 1, maxLength: 5 }), fc.nat(1000))
    .map(([lines, seed]) => cloudWatchDataMessage(lines, seed)),
  fc.jsonValue().map((v) => new Uint8Array(gzipSync(JSON.stringify(v) ?? 'null'))),
  fc
    .integer({ min: MAX_DEPTH, max: 6000 })
    .map((depth) =>
      gzipSync(withMember('{"messageType":"DATA_MESSAGE"}', 'deep', nestedJson(depth))),
    ),
  fc.uint8Array({ maxLength: 64 }).map((b) => Uint8Array.of(0x1f, 0x8b, ...b)),
);
