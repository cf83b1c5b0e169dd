import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import type { KinesisStreamEvent } from 'aws-lambda';
import { indexBatch } from '../../src/indexer.js';
import { eventFromItem, quarantinedFromItem } from '../../src/item.js';
import { FakeDocClient } from '../helpers/fake-doc.js';
import { TEST_OPTIONS } from '../helpers/options.js';

/** One of AWS's published envelopes in events/aws/ (sources in its README). */
function awsEvent(name: string): KinesisStreamEvent {
  return JSON.parse(
    readFileSync(join(import.meta.dirname, '..', '..', 'events', 'aws', `${name}.json`), 'utf8'),
  );
}

const options = TEST_OPTIONS;

async function run(name: string) {
  const doc = new FakeDocClient();
  const result = await indexBatch(
    awsEvent(name),
    doc.asDocClient(),
    options,
    Number.MAX_SAFE_INTEGER,
  );
  const items = [...doc.items.values()];
  return {
    result,
    events: items.filter((i) => i.pk.startsWith('E#')).map(eventFromItem),
    quarantined: items.filter((i) => i.pk.startsWith('Q#')).map(quarantinedFromItem),
  };
}

describe("AWS's own Kinesis envelopes", () => {
  it("the developer guide's event: its foreign payload is quarantined alone, a streamlens event indexed", async () => {
    // Act
    const { result, events, quarantined } = await run('kinesis');
    // Assess
    expect(result.response.batchItemFailures).toEqual([]);
    expect(events.map((e) => e.id)).toEqual(['aws-sample-reading-1']);
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]).toMatchObject({
      code: 'INVALID_JSON',
      raw: 'Hello, this is a test.',
      sequenceNumber: '49590338271490256608559692538361571095921575989136588898',
      arrivalTime: '2018-12-17T22:10:50.987Z',
    });
  });

  it('a CloudWatch Logs subscription: log lines become app.log items, the control message is dropped', async () => {
    // Act
    const { result, events, quarantined } = await run('kinesis-cloudwatch-logs');
    // Assess
    expect(result.response.batchItemFailures).toEqual([]);
    expect(result.stats.controlMessages).toBe(1);
    expect(quarantined).toEqual([]);
    expect(events.map((e) => [e.type, e.id]).sort()).toEqual([
      ['app.log', 'cwl-37199717562907174288355125807040114704837640994633613312'],
      ['app.log', 'cwl-37199717563107880995141901415313936169291476248187437057'],
    ]);
  });
});
