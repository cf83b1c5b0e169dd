/**
 * Writes json-schema/<type>.v<N>.schema.json for every registered type from its zod schema.
 * Run after changing a schema: `npx tsx packages/schema/scripts/generate-json-schema.ts`.
 * (A unit test fails when the checked-in files drift from the zod schemas.)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventType } from '../src/events.js';
import { jsonSchemaFileName, jsonSchemaOf } from '../src/json-schema.js';
import { EVENT_TYPES } from '../src/schemas.js';

const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'json-schema');
mkdirSync(outDir, { recursive: true });
for (const type of Object.keys(EVENT_TYPES) as EventType[]) {
  const file = join(outDir, jsonSchemaFileName(type, EVENT_TYPES[type].version));
  writeFileSync(file, `${JSON.stringify(jsonSchemaOf(type), null, 2)}\n`);
  console.log(`wrote ${file}`);
}
