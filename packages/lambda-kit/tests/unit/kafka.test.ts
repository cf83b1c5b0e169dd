import { describe, expect, it } from '@jest/globals';
import { appLog } from '@streamlens/schema/testing';
import fc from 'fast-check';
import {
  decodeKafkaRecord,
  isKafkaEvent,
  KAFKA_RECORD_INVALID,
  type KafkaEvent,
  type KafkaEventRecord,
  kafkaRecordsOf,
} from '../../src/kafka.js';

// AWS's sample MSK event (Lambda developer guide and Powertools' KafkaMskEvent), as published.
const mskSample: KafkaEvent = {
  eventSource: 'aws:kafka',
  eventSourceArn:
    'arn:aws:kafka:us-east-1:0123456789019:cluster/SalesCluster/abcd1234-abcd-cafe-abab-9876543210ab-4',
  bootstrapServers:
    'b-2.demo-cluster-1.a1bcde.c1.kafka.us-east-1.amazonaws.com:9092,b-1.demo-cluster-1.a1bcde.c1.kafka.us-east-1.amazonaws.com:9092',
  records: {
    'mytopic-0': [
      {
        topic: 'mytopic',
        partition: 0,
        offset: 15,
        timestamp: 1545084650987,
        timestampType: 'CREATE_TIME',
        key: 'cmVjb3JkS2V5',
        value: 'eyJrZXkiOiJ2YWx1ZSJ9',
        headers: [{ headerKey: [104, 101, 97, 100, 101, 114, 86, 97, 108, 117, 101] }],
      },
    ],
  },
};

const bytesOf = (s: string) => [...Buffer.from(s)];
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('Lambda Kafka events', () => {
  it('recognises MSK and self-managed events, and nothing else', () => {
    expect(isKafkaEvent(mskSample)).toBe(true);
    expect(isKafkaEvent({ ...mskSample, eventSource: 'SelfManagedKafka' })).toBe(true);
    expect(isKafkaEvent({ Records: [] })).toBe(false);
    expect(isKafkaEvent(null)).toBe(false);
  });

  it("reads AWS's MSK sample: topic-partition as shard, offset as sequence, key, value, timestamp", () => {
    // Act
    const [{ group, record }] = kafkaRecordsOf(mskSample) as [
      { group: string; record: KafkaEventRecord },
    ];
    const decoded = decodeKafkaRecord(group, record, mskSample.eventSourceArn ?? '');
    // Assess
    expect(decoded).toEqual({
      ok: true,
      records: [
        {
          shardId: 'mytopic-0',
          sequenceNumber: '15',
          partitionKey: 'recordKey',
          eventSourceArn: mskSample.eventSourceArn,
          arrivalTimeMs: 1545084650987,
          data: Buffer.from('{"key":"value"}'),
        },
      ],
    });
  });

  it('keeps delivery order across groups and within each group', () => {
    // Prepare
    const rec = (topic: string, partition: number, offset: number): KafkaEventRecord => ({
      topic,
      partition,
      offset,
      timestamp: 0,
      value: b64('{}'),
    });
    const event: KafkaEvent = {
      eventSource: 'SelfManagedKafka',
      records: { 'a-1': [rec('a', 1, 7), rec('a', 1, 8)], 'a-0': [rec('a', 0, 3)] },
    };
    // Act
    const order = kafkaRecordsOf(event).map(({ record }) => `${record.partition}@${record.offset}`);
    // Assess
    expect(order).toEqual(['1@7', '1@8', '0@3']);
  });

  it('rebuilds a binary-mode CloudEvent from its ce_ headers and data', () => {
    // Prepare
    const event = appLog();
    const { data, ...attributes } = event;
    const record: KafkaEventRecord = {
      topic: 'events',
      partition: 2,
      offset: 41,
      timestamp: 5,
      value: b64(JSON.stringify(data)),
      headers: Object.entries(attributes).map(([k, v]) => ({ [`ce_${k}`]: bytesOf(String(v)) })),
    };
    // Act
    const decoded = decodeKafkaRecord('events-2', record, '');
    // Assess
    expect(decoded.ok && JSON.parse(Buffer.from(decoded.records[0].data).toString())).toEqual(
      event,
    );
  });

  it.each([
    ['a tombstone', { value: null }, 'the record has no value (a tombstone)'],
    [
      'a header value that is not bytes',
      { headers: [{ ce_id: [300] }] },
      'header "ce_id" is not a list of bytes',
    ],
    [
      'a header value that is text',
      { headers: [{ ce_id: 'abc' }] },
      'header "ce_id" is not a list of bytes',
    ],
    ['headers that are not a list', { headers: 'x' }, 'headers is not a list'],
    [
      'a repeated attribute',
      { headers: [{ ce_id: bytesOf('a') }, { ce_id: bytesOf('b') }] },
      'header ce_id appears more than once',
    ],
  ])('refuses %s with a reason, at its position', (_label, patch, reason) => {
    // Prepare
    const record = {
      topic: 't',
      partition: 0,
      offset: 9,
      timestamp: 1,
      value: b64('{}'),
      ...patch,
    };
    // Act
    const decoded = decodeKafkaRecord('t-0', record as KafkaEventRecord, 'arn');
    // Assess
    expect(decoded).toMatchObject({
      ok: false,
      failure: { code: KAFKA_RECORD_INVALID, message: reason, shardId: 't-0', sequenceNumber: '9' },
    });
  });

  it('never throws, whatever Lambda or an attacker puts in a record (fuzz)', () => {
    fc.assert(
      fc.property(fc.anything(), fc.jsonValue(), (record, headers) => {
        const decoded = decodeKafkaRecord('g', record as KafkaEventRecord, '');
        const withHeaders = decodeKafkaRecord(
          'g',
          {
            topic: 't',
            partition: 0,
            offset: 0,
            timestamp: 0,
            value: 'e30=',
            headers,
          } as KafkaEventRecord,
          '',
        );
        return typeof decoded.ok === 'boolean' && typeof withHeaders.ok === 'boolean';
      }),
      { numRuns: 2000 },
    );
  });
});
