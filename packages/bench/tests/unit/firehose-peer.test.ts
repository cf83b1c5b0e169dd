import { parse } from '@aws-lambda-powertools/parser';
import { KinesisFirehoseEnvelope } from '@aws-lambda-powertools/parser/envelopes';
import { describe, expect, it } from '@jest/globals';
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { envelopeRecordSchema, powertoolsEnvelopeTransform } from '../../src/peers/firehose.js';
import { workloads } from '../../src/workloads.js';

// The peer must answer what the documented envelope call answers (see its doc comment).
describe('Powertools Firehose envelope peer', () => {
  const data = workloads['firehose-1mib'].data();

  it('accepts exactly the records the documented parse(event, envelope, schema) accepts', () => {
    // Prepare: the documented call is all or nothing, so compare on the valid records alone
    const validIndexes = data.records.flatMap((r, i) => ('invalid' in r && r.invalid ? [] : [i]));
    const valid: FirehoseTransformationEvent = {
      ...data.event,
      records: validIndexes.map((i) => data.event.records[i]!),
    };
    // Act
    const documented = parse(valid, KinesisFirehoseEnvelope, envelopeRecordSchema, true);
    const peer = powertoolsEnvelopeTransform(valid);
    // Assess
    expect(documented.success).toBe(true);
    if (!documented.success) return;
    expect(peer.records.every((r) => r.result === 'Ok')).toBe(true);
    const lines = peer.records.map((r) =>
      JSON.parse(Buffer.from(r.data ?? '', 'base64').toString()),
    );
    expect(lines).toEqual(documented.data);
  });

  it('fails exactly the records the documented call reports, and keeps their data', () => {
    // Act
    const documented = parse(data.event, KinesisFirehoseEnvelope, envelopeRecordSchema, true);
    const peer = powertoolsEnvelopeTransform(data.event);
    // Assess
    expect(documented.success).toBe(false);
    if (documented.success) return;
    const cause = documented.error.cause as { issues: Array<{ path: unknown[] }> };
    const reported = new Set(cause.issues.map((issue) => issue.path[1]));
    const failed = peer.records.flatMap((r, i) => (r.result === 'ProcessingFailed' ? [i] : []));
    expect(failed.length).toBeGreaterThan(0);
    expect(failed).toEqual([...reported].sort((a, b) => Number(a) - Number(b)));
    for (const i of failed) expect(peer.records[i]!.data).toBe(data.event.records[i]!.data);
  });
});
