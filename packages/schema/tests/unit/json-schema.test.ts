import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { classifySchemaChange, type EventType } from '../../src/index.js';
import { EVENT_TYPES, jsonSchemaFileName, jsonSchemaOf } from '../../src/zod.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const readJson = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, 'utf8'));
const types = Object.keys(EVENT_TYPES) as EventType[];

describe('generated JSON Schemas', () => {
  it.each(types)(
    'json-schema/ holds the current schema of %s (regenerate if this fails)',
    (type) => {
      // Prepare
      const file = join(root, 'json-schema', jsonSchemaFileName(type, EVENT_TYPES[type].version));
      // Act
      const checkedIn = readJson(file);
      // Assess: `npx tsx packages/schema/scripts/generate-json-schema.ts` fixes a drift
      expect(checkedIn).toEqual(jsonSchemaOf(type));
    },
  );

  it('has no stray files', () => {
    // Prepare
    const expected = types.map((t) => jsonSchemaFileName(t, EVENT_TYPES[t].version)).sort();
    // Act
    const files = readdirSync(join(root, 'json-schema')).sort();
    // Assess
    expect(files).toEqual(expected);
  });
});

describe('published versions', () => {
  const published = readdirSync(join(root, 'published')).filter((f) => f.endsWith('.schema.json'));

  it('every registered type has its current version published', () => {
    // Assess
    for (const t of types)
      expect(published).toContain(jsonSchemaFileName(t, EVENT_TYPES[t].version));
  });

  it.each(published)('%s has no breaking change in the current schema', (file) => {
    // Prepare
    const match = /^(.+)\.v(\d+)\.schema\.json$/.exec(file);
    const type = match?.[1] as EventType;
    const version = Number(match?.[2]);
    expect(Object.hasOwn(EVENT_TYPES, type)).toBe(true);
    // Older versions are frozen history: only the registered version is still produced.
    if (EVENT_TYPES[type].version !== version) return;
    // Act
    const report = classifySchemaChange(
      readJson(join(root, 'published', file)),
      jsonSchemaOf(type),
    );
    // Assess: a breaking change needs a new version (see README, "Schema evolution")
    expect(report.changes.filter((c) => c.breaking)).toEqual([]);
  });
});
