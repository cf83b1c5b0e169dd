import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { DEFAULT_CONFIG } from '../../src/config.js';
import type { FirehoseTransformationEvent } from '../../src/model.js';
import { processFirehoseEvent } from '../../src/processor.js';
import { RecordTransformer } from '../../src/transform.js';
import { fakeReingest } from '../helpers/fakes.js';

/** Loads a sample event of events/ (a fresh copy each time). */
function sample(name: string): FirehoseTransformationEvent {
  return JSON.parse(
    readFileSync(join(import.meta.dirname, '..', '..', 'events', `${name}.json`), 'utf8'),
  );
}

async function run(name: string) {
  const { reingest, calls } = fakeReingest();
  const response = await processFirehoseEvent(sample(name), {
    config: DEFAULT_CONFIG,
    transformer: new RecordTransformer(DEFAULT_CONFIG),
    reingest,
  });
  return { ...response.summary, reingestCalls: calls.length };
}

describe('sample events (what `serverless invoke local` shows)', () => {
  it.each([
    ['small-valid', { ok: 4, dropped: 0, failed: 0, events: 4 }],
    ['mixed-invalid', { ok: 2, dropped: 0, failed: 10, events: 2 }],
    ['kinesis-source', { ok: 3, dropped: 0, failed: 1, events: 3 }],
    ['cloudwatch-logs', { ok: 1, dropped: 1, failed: 0, events: 5 }],
    ['kpl-aggregated', { ok: 2, dropped: 0, failed: 2, events: 4 }],
  ])('%s', async (name, expected) => {
    // Act
    const summary = await run(name);
    // Assess
    expect(summary).toMatchObject({ ...expected, reingestCalls: 0 });
  });

  it('mixed-invalid has one record of every kind of bad data', async () => {
    // Act
    const summary = await run('mixed-invalid');
    // Assess
    expect(summary.failuresByCode).toEqual({
      INVALID_JSON: 1,
      NOT_AN_OBJECT: 1,
      UNKNOWN_TYPE: 1,
      MISSING_FIELD: 1,
      WRONG_TYPE: 1,
      NON_FINITE_NUMBER: 1,
      UNSUPPORTED_SPECVERSION: 1,
      INVALID_VALUE: 2,
      OVERSIZE: 1,
    });
  });
});
