import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import type { KinesisStreamEvent } from 'aws-lambda';
import { RecordDecoder } from '../../src/decode/record-decoder.js';
import { Aggregator, DEFAULT_ENGINE_CONFIG } from '../../src/domain/engine.js';
import { KinesisRecordSource } from '../../src/sources/kinesis.js';
import { MemoryRejectSink, MemoryStore, MemoryWindowSink } from '../helpers/memory-store.js';

/** One of AWS's published envelopes in events/aws/ (sources in its README). */
function awsEvent(name: string): KinesisStreamEvent {
  return JSON.parse(
    readFileSync(join(import.meta.dirname, '..', '..', 'events', 'aws', `${name}.json`), 'utf8'),
  );
}

async function run(name: string) {
  const event = awsEvent(name);
  const source = new KinesisRecordSource(event, new RecordDecoder({ seriesDimensions: [] }));
  const records = Array.from({ length: source.length }, (_v, i) => source.at(i));
  const rejects = new MemoryRejectSink();
  const aggregator = new Aggregator(DEFAULT_ENGINE_CONFIG, {
    store: new MemoryStore(),
    windows: new MemoryWindowSink(),
    rejects,
    now: Date.now,
  });
  const outcome = await aggregator.processBatch(
    new KinesisRecordSource(event, new RecordDecoder({ seriesDimensions: [] })),
    Number.POSITIVE_INFINITY,
  );
  return { records, outcome, rejects: rejects.all() };
}

describe("AWS's own Kinesis envelopes", () => {
  it("the developer guide's event: its foreign payload is rejected alone, the reading counted", async () => {
    // Act
    const { records, outcome, rejects } = await run('kinesis');
    // Assess
    expect(outcome.failures).toEqual([]);
    expect(records.map((r) => r.obs?.series ?? r.error?.code)).toEqual([
      'INVALID_JSON',
      'temperature|site=plant-a',
    ]);
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toMatchObject({
      reason: 'invalid',
      shardId: 'shardId-000000000006',
      sequenceNumber: '49590338271490256608559692538361571095921575989136588898',
      data: 'Hello, this is a test.',
      dataEncoding: 'utf8',
      error: { code: 'INVALID_JSON' },
    });
  });

  it('a CloudWatch Logs subscription: the control message counts nothing, each log line counts once', async () => {
    // Act
    const { records, outcome, rejects } = await run('kinesis-cloudwatch-logs');
    // Assess
    expect(outcome.failures).toEqual([]);
    expect(rejects).toEqual([]);
    expect(records.length).toBeGreaterThan(0);
    for (const r of records) {
      expect(r.error).toBeUndefined();
      expect(r.obs?.series).toMatch(/^log\.count\|level=[A-Z]+\|service=/);
    }
  });
});
