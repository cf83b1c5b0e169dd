import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  CLOUDEVENTS_JSON,
  cloudEventBytesFromKafka,
  type KafkaEncoded,
  type KafkaHeader,
  MAX_KAFKA_HEADERS,
  parseInputEventJson,
  toKafkaBinary,
  toKafkaStructured,
} from '../../src/index.js';
import { appLog, telemetryReading } from '../../src/testing/index.js';
import { appLogArb, telemetryReadingArb } from '../helpers/arbitraries.js';

const asParts = (encoded: KafkaEncoded) => ({
  value: new Uint8Array(encoded.value),
  headers: [...encoded.headers].map(([name, value]) => [name, new Uint8Array(value)] as const),
});
const header = (name: string, value: string): KafkaHeader => [name, Buffer.from(value)];
const decodeJson = (bytes: Uint8Array) => JSON.parse(Buffer.from(bytes).toString('utf8'));

describe('the CloudEvents Kafka protocol binding', () => {
  it('structured mode: the event JSON is the value, content-type application/cloudevents+json', () => {
    // Prepare
    const event = telemetryReading();
    // Act
    const encoded = toKafkaStructured(JSON.stringify(event));
    const decoded = cloudEventBytesFromKafka(asParts(encoded));
    // Assess
    expect(encoded.headers.get('content-type')?.toString()).toBe(CLOUDEVENTS_JSON);
    expect(decoded).toMatchObject({ ok: true, mode: 'structured' });
    expect(decoded.ok && decodeJson(decoded.bytes)).toEqual(event);
  });

  it('binary mode: attributes in ce_ headers, data alone in the value, content-type from datacontenttype', () => {
    // Prepare
    const event = { ...appLog(), datacontenttype: 'application/json', tenant: 'blue' };
    // Act
    const encoded = toKafkaBinary(event);
    const decoded = cloudEventBytesFromKafka(asParts(encoded));
    // Assess
    expect(encoded.headers.get('ce_id')?.toString()).toBe(event.id);
    expect(encoded.headers.get('ce_tenant')?.toString()).toBe('blue');
    expect(encoded.headers.get('content-type')?.toString()).toBe('application/json');
    expect(encoded.headers.has('ce_data')).toBe(false);
    expect(JSON.parse(encoded.value.toString())).toEqual(event.data);
    expect(decoded).toMatchObject({ ok: true, mode: 'binary' });
    expect(decoded.ok && decodeJson(decoded.bytes)).toEqual(event);
  });

  it('either mode round-trips every valid input event to one the schema accepts as equal', () => {
    fc.assert(
      fc.property(fc.oneof(telemetryReadingArb, appLogArb), fc.boolean(), (event, binary) => {
        const encoded = binary ? toKafkaBinary(event) : toKafkaStructured(JSON.stringify(event));
        const decoded = cloudEventBytesFromKafka(asParts(encoded));
        expect(decoded.ok).toBe(true);
        const again = decoded.ok ? parseInputEventJson(decoded.bytes) : undefined;
        const direct = parseInputEventJson(JSON.stringify(event));
        expect(direct.ok).toBe(true);
        expect(again).toEqual(direct);
      }),
      { numRuns: 300 },
    );
  });

  it('a record without CloudEvents headers is taken as it is (plain JSON, as on Kinesis)', () => {
    // Act
    const decoded = cloudEventBytesFromKafka({ value: Buffer.from('{"a":1}'), headers: [] });
    // Assess
    expect(decoded).toEqual({ ok: true, mode: 'none', bytes: Buffer.from('{"a":1}') });
  });

  it('a binary-mode value cannot add or replace attributes', () => {
    // Prepare: JSON text that would forge the id if it were spliced in as it is.
    const forged = Buffer.from('{}, "id": "forged"');
    // Act
    const decoded = cloudEventBytesFromKafka({
      value: forged,
      headers: [header('ce_id', 'real'), header('ce_type', 'app.log')],
    });
    // Assess
    expect(decoded).toEqual({
      ok: false,
      mode: 'binary',
      reason: 'the data is not JSON (content type application/json)',
    });
  });

  it.each([
    [
      'a tombstone',
      { value: null, headers: [header('ce_id', 'a')] },
      'the record has no value (a tombstone)',
    ],
    [
      'a repeated attribute',
      { value: Buffer.from('{}'), headers: [header('ce_id', 'a'), header('ce_id', 'b')] },
      'header ce_id appears more than once',
    ],
    [
      'a null attribute',
      { value: Buffer.from('{}'), headers: [['ce_id', null] as KafkaHeader] },
      'header ce_id is null or not UTF-8',
    ],
    [
      'a non-UTF-8 attribute',
      { value: Buffer.from('{}'), headers: [['ce_id', Buffer.from([0xff, 0xfe])] as KafkaHeader] },
      'header ce_id is null or not UTF-8',
    ],
    [
      'an upper-case attribute name',
      { value: Buffer.from('{}'), headers: [header('ce_ID', 'a')] },
      'header "ce_ID" is not an attribute',
    ],
    [
      'a ce_data header',
      { value: Buffer.from('{}'), headers: [header('ce_data', '{}')] },
      'header "ce_data" is not an attribute',
    ],
    [
      'too many headers',
      {
        value: Buffer.from('{}'),
        headers: Array.from({ length: MAX_KAFKA_HEADERS + 1 }, (_, i) => header(`h${i}`, 'x')),
      },
      `${MAX_KAFKA_HEADERS + 1} headers (at most ${MAX_KAFKA_HEADERS})`,
    ],
  ])('refuses %s with its reason', (_label, record, reason) => {
    // Act
    const decoded = cloudEventBytesFromKafka(record);
    // Assess
    expect(decoded).toMatchObject({ ok: false, reason });
  });

  it('binary data of another content type travels as data_base64', () => {
    // Act
    const decoded = cloudEventBytesFromKafka({
      value: Buffer.from([1, 2, 3]),
      headers: [header('ce_id', 'a'), header('content-type', 'application/octet-stream')],
    });
    // Assess
    expect(decoded.ok && decodeJson(decoded.bytes)).toEqual({
      id: 'a',
      specversion: '1.0',
      datacontenttype: 'application/octet-stream',
      data_base64: 'AQID',
    });
  });

  it('never throws, whatever the headers and value (fuzz)', () => {
    const bytes = fc.uint8Array({ maxLength: 64 });
    const name = fc.oneof(
      fc.constantFrom('ce_id', 'ce_type', 'ce___proto__', 'ce_', 'content-type', 'ce_specversion'),
      fc.string({ maxLength: 12 }),
    );
    const value = fc.oneof(
      bytes,
      fc.constantFrom('{"a":1}', '[[[[', '"x"', 'null', '1e999').map((s) => Buffer.from(s)),
      fc.constant(null),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(name, fc.oneof(bytes, fc.constant(null))), { maxLength: 8 }),
        value,
        (headers, v) => {
          const decoded = cloudEventBytesFromKafka({ value: v, headers });
          return decoded.ok ? decoded.bytes instanceof Uint8Array : decoded.reason.length > 0;
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('deeply nested binary data is refused with a reason, not a stack overflow', () => {
    // Prepare
    const deep = Buffer.from(`${'['.repeat(200_000)}${']'.repeat(200_000)}`);
    // Act
    const decoded = cloudEventBytesFromKafka({ value: deep, headers: [header('ce_id', 'a')] });
    // Assess
    expect(decoded.ok).toBe(false);
  });
});
