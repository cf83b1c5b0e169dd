import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import type { KinesisStreamEvent } from 'aws-lambda';
import { runBatch } from '../helpers/run-batch.js';

/** One of AWS's published envelopes in events/aws/ (sources in its README). */
function awsEvent(name: string): KinesisStreamEvent {
  return JSON.parse(
    readFileSync(join(import.meta.dirname, '..', '..', 'events', 'aws', `${name}.json`), 'utf8'),
  );
}

async function run(name: string) {
  const { result, fake, letters } = await runBatch(awsEvent(name));
  return { result, indexed: [...fake.copies().keys()].sort(), letters };
}

describe("AWS's own Kinesis envelopes", () => {
  it("the developer guide's event: its foreign payload is dead-lettered alone, a streamlens event indexed", async () => {
    // Act
    const { result, indexed, letters } = await run('kinesis');
    // Assess
    expect(result.response.batchItemFailures).toEqual([]);
    expect(indexed).toEqual(['aws-sample-reading-1']);
    expect(letters).toEqual([
      expect.objectContaining({
        reason: expect.objectContaining({ type: 'INVALID_JSON' }),
        sequenceNumber: '49590338271490256608559692538361571095921575989136588898',
        raw: Buffer.from('Hello, this is a test.').toString('base64'),
      }),
    ]);
  });

  it('a CloudWatch Logs subscription: log lines are indexed as app.log, the control message dropped', async () => {
    // Act
    const { result, indexed, letters } = await run('kinesis-cloudwatch-logs');
    // Assess
    expect(result.response.batchItemFailures).toEqual([]);
    expect(result.counts.controlMessages).toBe(1);
    expect(letters).toEqual([]);
    expect(indexed).toEqual([
      'cwl-37199717562907174288355125807040114704837640994633613312',
      'cwl-37199717563107880995141901415313936169291476248187437057',
    ]);
  });
});
