import { describe, expect, it } from '@jest/globals';
import {
  buildFirehoseEvent,
  buildKinesisEvent,
  firehoseEventFromPayloads,
  kinesisEventFromPayloads,
  ONE_MIB,
} from '../../src/events.js';

describe('buildFirehoseEvent', () => {
  it('fills ~1 MiB with about 1,400 records in the exact Firehose request shape', () => {
    // Act
    const built = buildFirehoseEvent({ targetBytes: ONE_MIB, seed: 3 });
    // Assess
    const json = JSON.stringify(built.event);
    expect(json.length).toBe(built.bytes);
    expect(built.bytes).toBeLessThanOrEqual(ONE_MIB);
    expect(built.bytes).toBeGreaterThan(ONE_MIB - 10_000);
    expect(built.event.records.length).toBeGreaterThan(1_250);
    expect(built.event.records.length).toBeLessThan(1_600);
    expect(built.records).toHaveLength(built.event.records.length);
    expect(Object.keys(built.event).sort()).toEqual([
      'deliveryStreamArn',
      'invocationId',
      'records',
      'region',
    ]);
    const first = built.event.records[0]!;
    expect(Object.keys(first).sort()).toEqual(['approximateArrivalTimestamp', 'data', 'recordId']);
    expect(Number.isInteger(first.approximateArrivalTimestamp)).toBe(true);
    expect(first.approximateArrivalTimestamp).toBeGreaterThan(1.7e12);
    expect(new Set(built.event.records.map((r) => r.recordId)).size).toBe(
      built.event.records.length,
    );
  });

  it('adds kinesisRecordMetadata and the source stream for a Kinesis-sourced delivery stream', () => {
    // Act
    const built = buildFirehoseEvent({
      targetBytes: 64 * 1024,
      seed: 3,
      sourceStreamName: 'events',
    });
    // Assess
    expect(built.event.sourceKinesisStreamArn).toBe(
      'arn:aws:kinesis:us-east-1:123456789012:stream/events',
    );
    const meta = built.event.records[0]!.kinesisRecordMetadata!;
    expect(Object.keys(meta).sort()).toEqual([
      'approximateArrivalTimestamp',
      'partitionKey',
      'sequenceNumber',
      'shardId',
      'subsequenceNumber',
    ]);
    expect(meta.sequenceNumber).toMatch(/^\d{56}$/);
  });

  it('is deterministic for a seed', () => {
    // Act
    const a = buildFirehoseEvent({ targetBytes: 32 * 1024, seed: 9 });
    const b = buildFirehoseEvent({ targetBytes: 32 * 1024, seed: 9 });
    // Assess
    expect(JSON.stringify(a.event)).toBe(JSON.stringify(b.event));
  });
});

describe('buildKinesisEvent', () => {
  it('stays under the target with one shard, growing sequence numbers and arrival in seconds', () => {
    // Act
    const built = buildKinesisEvent({ targetBytes: 512 * 1024, seed: 5 });
    // Assess
    expect(JSON.stringify(built.event).length).toBe(built.bytes);
    expect(built.bytes).toBeLessThanOrEqual(512 * 1024);
    const records = built.event.Records;
    expect(records.length).toBeGreaterThan(400);
    const seqs = records.map((r) => BigInt(r.kinesis.sequenceNumber));
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]! > seqs[i - 1]!).toBe(true);
    expect(new Set(records.map((r) => r.eventID.split(':')[0])).size).toBe(1);
    expect(records[0]!.kinesis.approximateArrivalTimestamp).toBeLessThan(1e10);
    expect(records[0]!.eventSource).toBe('aws:kinesis');
  });
});

describe('payload wrappers', () => {
  it('base64-encodes text as UTF-8 and bytes as they are', () => {
    // Prepare
    const bytes = Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2);
    // Act
    const firehose = firehoseEventFromPayloads([{ data: 'héllo' }]);
    const kinesis = kinesisEventFromPayloads([{ data: bytes, partitionKey: 'k' }]);
    // Assess
    expect(Buffer.from(firehose.records[0]!.data, 'base64').toString('utf8')).toBe('héllo');
    expect([...Buffer.from(kinesis.Records[0]!.kinesis.data, 'base64')]).toEqual([...bytes]);
    expect(kinesis.Records[0]!.kinesis.partitionKey).toBe('k');
  });
});
