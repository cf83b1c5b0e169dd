import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { DEFAULT_CONFIG } from '../../src/config.js';
import type { FirehoseTransformationEvent } from '../../src/model.js';
import { processFirehoseEvent } from '../../src/processor.js';
import { RecordTransformer } from '../../src/transform.js';
import { fakeReingest } from '../helpers/fakes.js';

/** One of AWS's published envelopes in events/aws/ (sources in its README). */
function awsEvent(name: string): FirehoseTransformationEvent {
  return JSON.parse(
    readFileSync(join(import.meta.dirname, '..', '..', 'events', 'aws', `${name}.json`), 'utf8'),
  );
}

async function run(name: string) {
  const { reingest } = fakeReingest();
  const event = awsEvent(name);
  const response = await processFirehoseEvent(event, {
    config: DEFAULT_CONFIG,
    transformer: new RecordTransformer(DEFAULT_CONFIG),
    reingest,
  });
  const lines = response.records.map((r) =>
    r.result === 'Ok'
      ? Buffer.from(r.data, 'base64')
          .toString('utf8')
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>)
      : [],
  );
  return { event, response, lines };
}

describe("AWS's own Firehose envelopes", () => {
  it('direct PUT: foreign payloads fail record by record, a streamlens event goes through', async () => {
    // Act
    const { event, response, lines } = await run('firehose-direct-put');
    // Assess
    expect(response.records.map((r) => r.recordId)).toEqual(event.records.map((r) => r.recordId));
    expect(response.records.map((r) => r.result)).toEqual([
      'ProcessingFailed',
      'ProcessingFailed',
      'Ok',
    ]);
    expect(response.summary.failuresByCode).toEqual({ INVALID_JSON: 1, MISSING_FIELD: 1 });
    // A failed record keeps its original data for the error prefix.
    expect(response.records[0]!.data).toBe(event.records[0]!.data);
    expect(lines[2]![0]).toMatchObject({ id: 'aws-sample-reading-1', type: 'telemetry.reading' });
  });

  it('Kinesis source: kinesisRecordMetadata enriches the event; an empty subsequenceNumber is none', async () => {
    // Act
    const { response, lines } = await run('firehose-kinesis-source');
    // Assess
    expect(response.records.map((r) => r.result)).toEqual(['ProcessingFailed', 'Ok']);
    const line = lines[1]![0]!;
    expect(line).toMatchObject({
      id: 'aws-sample-log-1',
      streamlensshard: 'shardId-000000000001',
      streamlensseq: '49546986683135544286507457936321625675700192471156785155',
      streamlenssource: 'arn:aws:kinesis:us-east-1:123456789012:stream/kinesis-source',
    });
    expect(line).not.toHaveProperty('streamlenssubseq');
  });

  it('CloudWatch Logs: the data message becomes app.log lines, the control message as AWS sends it is Dropped', async () => {
    // Act
    const { response, lines } = await run('firehose-cloudwatch-logs');
    // Assess
    expect(response.records.map((r) => r.result)).toEqual(['Ok', 'Dropped']);
    expect(lines[0]!.map((l) => [l.type, (l.data as { level: string }).level])).toEqual([
      ['app.log', 'INFO'],
      ['app.log', 'ERROR'],
    ]);
    expect(lines[0]!.map((l) => l.id)).toEqual([
      'cwl-37199717562907174288355125807040114704837640994633613312',
      'cwl-37199717563107880995141901415313936169291476248187437057',
    ]);
  });
});
