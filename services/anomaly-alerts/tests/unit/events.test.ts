import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeKinesisEvent } from '@streamlens/lambda-kit/kinesis';
import type { KinesisStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { decodeWindow } from '../../src/decode.js';

const dir = join(import.meta.dirname, '..', '..', 'events');
const load = (name: string) =>
  JSON.parse(readFileSync(join(dir, name), 'utf8')) as KinesisStreamEvent;

describe('sample events', () => {
  it.each(readdirSync(dir).filter((f) => f.endsWith('.json')))(
    '%s decodes into metrics.window records',
    (name) => {
      // Prepare
      const event = load(name);
      // Act
      const { records, failures } = decodeKinesisEvent(event);
      const decoded = records.map((r) => decodeWindow(r.data));
      // Assess
      expect(failures).toEqual([]);
      expect(decoded.filter((d) => d.ok).length).toBeGreaterThan(0);
      const invalid = decoded.filter((d) => !d.ok);
      expect(invalid.length).toBe(name.includes('invalid') ? 1 : 0);
    },
  );
});
