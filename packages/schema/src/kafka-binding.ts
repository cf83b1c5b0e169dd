/*
 * The CloudEvents Kafka protocol binding (docs/kafka.md): how an event travels in a Kafka record,
 * both ways. Structured mode: the whole event is the record's value, JSON, with the header
 * `content-type: application/cloudevents+json`. Binary mode: each context attribute is a header
 * `ce_<name>` (UTF-8 text), the header `content-type` carries `datacontenttype`, and the value is
 * the event's data alone. The producer writes either; every consumer turns either back into the
 * bytes of the structured event, so one decoder serves Kinesis and Kafka records alike.
 */

import { SPEC_VERSION } from './events.js';
import { DEFAULT_MAX_EVENT_BYTES } from './validate.js';

/** `content-type` of a structured-mode record. */
export const CLOUDEVENTS_JSON = 'application/cloudevents+json; charset=UTF-8';

/** A Kafka header: its name and raw value (Kafka allows repeated names and null values). */
export type KafkaHeader = readonly [name: string, value: Uint8Array | null];

/** What a Kafka record carries for the binding: value (null: a tombstone) and headers. */
export interface KafkaRecordParts {
  readonly value: Uint8Array | null;
  readonly headers: readonly KafkaHeader[];
}

/**
 * Most headers a record may carry for the decoder to look at them. A CloudEvent has a handful of
 * attributes; thousands of headers are an attack on the header scan, not an event.
 */
export const MAX_KAFKA_HEADERS = 100;

/**
 * Longest attribute name. The CloudEvents spec asks names to be at most 20 characters and of
 * `a-z0-9` only; 64 leaves room for producers that stretch the first rule, not the second.
 */
const MAX_ATTRIBUTE_NAME = 64;
const ATTRIBUTE_NAME = /^[a-z0-9]+$/;
const CE_PREFIX = 'ce_';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The record as the producer sends it. */
export interface KafkaEncoded {
  readonly value: Buffer;
  readonly headers: Map<string, Buffer>;
}

/** Structured mode: the event's JSON as the value, and its content type. */
export function toKafkaStructured(eventJson: Uint8Array | string): KafkaEncoded {
  const value = typeof eventJson === 'string' ? Buffer.from(eventJson) : Buffer.from(eventJson);
  return { value, headers: new Map([['content-type', Buffer.from(CLOUDEVENTS_JSON)]]) };
}

/**
 * Binary mode: every attribute but `data` and `datacontenttype` as a `ce_` header, the content
 * type as `content-type` (none when the event names none: JSON), the data alone as the value.
 */
export function toKafkaBinary(event: Readonly<Record<string, unknown>>): KafkaEncoded {
  const headers = new Map<string, Buffer>();
  for (const [name, attribute] of Object.entries(event)) {
    if (name === 'data' || name === 'data_base64' || name === 'datacontenttype') continue;
    if (attribute === undefined || attribute === null) continue;
    headers.set(`${CE_PREFIX}${name}`, Buffer.from(String(attribute)));
  }
  // Without one, the data is JSON (the spec's default), and the decoder adds no datacontenttype.
  if (typeof event.datacontenttype === 'string') {
    headers.set('content-type', Buffer.from(event.datacontenttype));
  }
  const value =
    typeof event.data_base64 === 'string'
      ? Buffer.from(event.data_base64, 'base64')
      : Buffer.from(JSON.stringify(event.data ?? null));
  return { value, headers };
}

/** Which binding mode a record used: `none` when it carries no CloudEvents headers at all. */
export type KafkaBindingMode = 'structured' | 'binary' | 'none';

/** The structured event's bytes of a record, or why there are none. */
export type KafkaDecoded =
  | { readonly ok: true; readonly mode: KafkaBindingMode; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly mode: KafkaBindingMode; readonly reason: string };

function isJsonContentType(contentType: string): boolean {
  const type = (contentType.split(';')[0] as string).trim().toLowerCase();
  return type === 'application/json' || type.endsWith('+json') || type === 'text/json';
}

function text(bytes: Uint8Array | null): string | undefined {
  if (bytes === null) return undefined;
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * The bytes of the structured event a Kafka record carries. Structured mode and records without
 * CloudEvents headers (plain JSON, as on Kinesis): the value as it is. Binary mode: the event
 * rebuilt from the `ce_` headers, the content type and the value (JSON data parsed and written
 * back, so a value can never add or replace attributes; any other data as `data_base64`).
 * Refused, with the reason: a tombstone, too many headers, binary data over the event size limit, a repeated, null, non-UTF-8 or
 * ill-named attribute header, and binary JSON data that is not JSON.
 */
export function cloudEventBytesFromKafka(record: KafkaRecordParts): KafkaDecoded {
  const { headers, value } = record;
  if (headers.length > MAX_KAFKA_HEADERS) {
    return {
      ok: false,
      mode: 'none',
      reason: `${headers.length} headers (at most ${MAX_KAFKA_HEADERS})`,
    };
  }
  let contentType: string | undefined;
  let binary = false;
  for (const [name, raw] of headers) {
    if (name.length > CE_PREFIX.length && name.startsWith(CE_PREFIX)) binary = true;
    else if (name.toLowerCase() === 'content-type') contentType = text(raw);
  }
  const structured =
    contentType?.trim().toLowerCase().startsWith('application/cloudevents') ?? false;
  const mode: KafkaBindingMode = structured ? 'structured' : binary ? 'binary' : 'none';
  if (value === null) return { ok: false, mode, reason: 'the record has no value (a tombstone)' };
  if (mode !== 'binary') return { ok: true, mode, bytes: value };

  // The structured path refuses larger events as OVERSIZE; here nothing is parsed that large.
  if (value.length > DEFAULT_MAX_EVENT_BYTES) {
    return {
      ok: false,
      mode,
      reason: `the data is ${value.length} bytes (at most ${DEFAULT_MAX_EVENT_BYTES})`,
    };
  }
  const event: Record<string, unknown> = Object.create(null);
  for (const [name, raw] of headers) {
    if (!name.startsWith(CE_PREFIX)) continue;
    const attribute = name.slice(CE_PREFIX.length);
    if (
      attribute.length === 0 ||
      attribute.length > MAX_ATTRIBUTE_NAME ||
      !ATTRIBUTE_NAME.test(attribute) ||
      attribute === 'data' ||
      attribute === 'datacontenttype'
    ) {
      return { ok: false, mode, reason: `header ${JSON.stringify(name)} is not an attribute` };
    }
    if (attribute in event) {
      return { ok: false, mode, reason: `header ${name} appears more than once` };
    }
    const attributeValue = text(raw);
    if (attributeValue === undefined) {
      return { ok: false, mode, reason: `header ${name} is null or not UTF-8` };
    }
    event[attribute] = attributeValue;
  }
  event.specversion ??= SPEC_VERSION;
  const type = contentType ?? 'application/json';
  if (contentType !== undefined) event.datacontenttype = contentType;
  if (isJsonContentType(type)) {
    const data = text(value);
    if (data === undefined) return { ok: false, mode, reason: 'the data is not UTF-8' };
    try {
      event.data = JSON.parse(data);
    } catch {
      // SyntaxError, or a RangeError for nesting deeper than the parser's stack.
      return { ok: false, mode, reason: `the data is not JSON (content type ${type})` };
    }
  } else {
    event.data_base64 = Buffer.from(value).toString('base64');
  }
  try {
    return { ok: true, mode, bytes: encoder.encode(JSON.stringify(event)) };
  } catch {
    // Data nested deeper than the stack allows (RangeError); the limits refuse it anyway.
    return { ok: false, mode, reason: 'the data is nested too deeply to re-encode' };
  }
}
